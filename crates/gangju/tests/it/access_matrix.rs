//! The access matrix: every GET route of the router's own table, for every built-in role (one
//! demo account each), for a custom role of every data scope, and for nobody at all. Roles,
//! accounts and grants are read from the database, so the matrix follows the roles as they change.
//! Then child records: a unit clerk of the first prison reaching a child record through a parent
//! of the second prison is refused, for reading and for writing, and nothing changes.

use crate::common::*;
use reqwest::{Client, StatusCode};
use std::collections::{BTreeMap, BTreeSet};

/// Stands in for an id no record has.
const NO_ID: i64 = 999_999_999;

/// GET routes that cannot be called generically, with the reason. Everything else is requested.
const EXCLUDED: &[(&str, &str)] = &[
    ("/logout", "ends the session the rest of the matrix runs on"),
    ("/static/{*path}", "public assets, not a permission question"),
];

/// Routes that need a query to mean anything are requested with it; `{table}` stands for the id
/// of a record of that table.
const QUERIES: &[(&str, &str)] = &[
    ("/api/v1/attachments", "owner_type=unit&owner_id={units}"),
    ("/api/v1/check_items", "kind=fire"),
    ("/supervision/plans/import", "plan={task_plans}"),
];

/// Routes open to any account whose handler then asks for more: what they really need.
const NEEDS: &[(&str, &str, &str)] = &[(
    "/api/v1/attachments",
    "unit:view",
    "an attachment list is authorised by its owner's view permission (here a unit)",
)];

/// Allowed answers besides 200 (and 404 for a record) for a granted route, with the reason.
const ALSO: &[(&str, u16, &str)] = &[
    ("/exams/my", 422, "an account without a person record cannot sit exams (sitting.rs `me`)"),
    ("/api/v1/my/exams", 400, "the same, through the API"),
    ("/exams/attempts/{id}", 400, "the same, for an attempt"),
    ("/api/v1/attempts/{id}", 400, "the same, for an attempt through the API"),
    ("/supervision/progress/{id}", 303, "a progress entry opens as its measure's page, by redirect"),
    ("/goals/{id}/edit", 403, "goals are readable prison-wide, editable only inside the editor's own scope"),
];

/// The table whose ids a path parameter names, from the static segments before it.
fn table_for(segments: &[&str]) -> Option<&'static str> {
    let last = *segments.last()?;
    let area = segments.iter().copied().find(|s| !["api", "v1"].contains(s)).unwrap_or("");
    let epidemic = segments.contains(&"epidemic");
    Some(match (area, last) {
        (_, "units") => "units",
        (_, "users") => "users",
        (_, "roles") => "roles",
        (_, "attachments") => "attachments",
        ("integrity", "cases") | (_, "accountability_cases") => "accountability_cases",
        (_, "activities" | "integrity_activities") => "integrity_activities",
        (_, "talks" | "integrity_talks") => "integrity_talks",
        (_, "risks" | "integrity_risks") => "integrity_risks",
        (_, "compilations" | "case_compilations") => "case_compilations",
        (_, "orgs" | "party_orgs") => "party_orgs",
        (_, "people") => "people",
        (_, "changes" | "personnel_changes") => "personnel_changes",
        (_, "materials" | "study_materials") => "study_materials",
        (_, "rotation" | "rotation_rounds") => "rotation_rounds",
        (_, "rules") => "compliance_rules",
        (_, "progress") => "measure_progress",
        (_, "plans") if segments.contains(&"legal") => "legal_plans",
        (_, "plans" | "task_plans") => "task_plans",
        (_, "sessions") => "trainings",
        (_, "groups") => "leading_groups",
        (_, "duty_roster") => "duty_roster",
        (_, "letters" | "responsibility_letters") => "responsibility_letters",
        (_, "matters" | "major_matters") => "major_matter_reports",
        (_, "measures") => "measures",
        (_, "rectifications") => "rectifications",
        (_, "hazards") => "hazards",
        (_, "inspections") => "inspections",
        (_, "incidents" | "critical_incidents") => "critical_incidents",
        (_, "incident_kinds" | "critical_incident_kinds") => "critical_incident_kinds",
        (_, "key_prisoners") => "key_prisoners",
        (_, "sentence_changes") => "sentence_changes",
        (_, "check_items") => "check_items",
        (_, "drills") => "drills",
        (_, "epidemic_meetings") => "epidemic_meetings",
        (_, "meetings") if epidemic => "epidemic_meetings",
        (_, "meetings") => "meetings",
        (_, "rosters" | "epidemic_rosters") => "epidemic_rosters",
        (_, "vaccinations" | "epidemic_vaccinations") => "epidemic_vaccinations",
        (_, "papers") => "papers",
        (_, "questions") => "questions",
        (_, "exams") => "exams",
        (_, "attempts") => "exam_attempts",
        ("petitions", "cases") | ("petitions", "petitions") => "petitions",
        (_, "receptions" | "petition_receptions") => "petition_receptions",
        (_, "periods" | "stability_periods") => "stability_periods",
        (_, "screenings" | "stability_screenings") => "stability_screenings",
        (_, "findings" | "stability_findings") => "stability_findings",
        (_, "watches" | "stability_watches") => "stability_watches",
        (_, "goals") => "goal_nodes",
        (_, "templates") => "report_templates",
        (_, "trainings") => "trainings",
        (_, "training_kinds" | "kinds") => "training_kinds",
        (_, "legal_plans") => "legal_plans",
        (_, "legal_plan_items") => "legal_plan_items",
        (_, "legal_education") => "legal_education",
        (_, "leading_groups") => "leading_groups",
        (_, "congresses") => "congresses",
        (_, "elections") => "elections",
        _ => return None,
    })
}

/// One record of the table, in the first prison where the table has a unit (or is the units), else any.
async fn record_of(app: &TestApp, table: &str, prison_path: &str) -> Option<i64> {
    let pool = &app.state.db.pool;
    for unit_col in ["unit_id", "id"] {
        let in_prison = format!(
            "SELECT id FROM {table} WHERE {unit_col} IN (SELECT id FROM units WHERE path LIKE '{prison_path}%') \
             ORDER BY id LIMIT 1"
        );
        if table != "units" && unit_col == "id" {
            continue;
        }
        if let Ok(Some(id)) = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(in_prison)).fetch_optional(pool).await {
            return Some(id);
        }
    }
    let any = format!("SELECT id FROM {table} ORDER BY id LIMIT 1");
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(any)).fetch_optional(pool).await.ok().flatten()
}

struct Probe {
    path: &'static str,
    url: String,
    need: String,
    api: bool,
    /// Whether the URL names a record (so 404 is an answer for a record out of scope).
    names_record: bool,
}

/// The GET routes of the router's table, with their parameters filled.
async fn probes(app: &TestApp) -> Vec<Probe> {
    let prison_path: String =
        sqlx::query_scalar("SELECT path FROM units WHERE code = 'SL'").fetch_one(&app.state.db.pool).await.unwrap();
    let figure = app.state.registry.figures.first().map(|f| f.key).unwrap_or("none");
    let mut ids: BTreeMap<&str, i64> = BTreeMap::new();
    let mut out = Vec::new();
    for r in app.state.registry.routes.iter().filter(|r| r.method == "GET") {
        if EXCLUDED.iter().any(|(p, _)| *p == r.path) {
            continue;
        }
        let mut statics: Vec<&str> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        for seg in r.path.split('/') {
            if seg.starts_with('{') {
                let value = if statics.last() == Some(&"figures") {
                    figure.to_string()
                } else if let Some(t) = (parts.iter().filter(|p| p.starts_with(|c: char| c.is_ascii_digit())).count()
                    == 0)
                    .then(|| table_for(&statics))
                    .flatten()
                {
                    let id = match ids.get(t) {
                        Some(id) => *id,
                        None => {
                            let id = record_of(app, t, &prison_path).await.unwrap_or(NO_ID);
                            ids.insert(t, id);
                            id
                        }
                    };
                    id.to_string()
                } else {
                    NO_ID.to_string()
                };
                parts.push(value);
            } else {
                if !seg.is_empty() {
                    statics.push(seg);
                }
                parts.push(seg.to_string());
            }
        }
        let mut url = parts.join("/");
        if let Some((_, q)) = QUERIES.iter().find(|(p, _)| *p == r.path) {
            let mut q = q.to_string();
            if let Some((head, rest)) = q.split_once('{')
                && let Some((table, tail)) = rest.split_once('}')
            {
                let id = record_of(app, table, &prison_path).await.unwrap_or(NO_ID);
                q = format!("{head}{id}{tail}");
            }
            url = format!("{url}?{q}");
        }
        let need = NEEDS.iter().find(|(p, _, _)| *p == r.path).map(|(_, n, _)| n.to_string());
        out.push(Probe {
            path: r.path,
            names_record: r.path.contains('{') || url.contains("_id="),
            url,
            need: need.unwrap_or_else(|| r.need.clone()),
            api: r.api,
        });
    }
    out
}

/// Who asks: nobody, a browser session, or an API token.
#[derive(Clone)]
struct Caller {
    page: Client,
    api: Client,
    token: Option<String>,
}

async fn caller(app: &TestApp, username: Option<&str>) -> Caller {
    match username {
        None => Caller { page: client(), api: client(), token: None },
        Some(u) => {
            let b = app.login(u).await;
            let t = app.token(u).await;
            Caller { page: b.c, api: t.c, token: Some(t.token) }
        }
    }
}

/// Requests every probe (a few at a time) and returns (index, status, location).
async fn walk(app: &TestApp, who: &Caller, probes: &[Probe]) -> Vec<(usize, StatusCode, String)> {
    let mut out = Vec::new();
    for chunk in (0..probes.len()).collect::<Vec<_>>().chunks(6) {
        let mut set = tokio::task::JoinSet::new();
        for &i in chunk {
            let p = &probes[i];
            let url = app.url(&p.url);
            let req = if p.api {
                let rb = who.api.get(url);
                match &who.token {
                    Some(t) => rb.bearer_auth(t),
                    None => rb,
                }
            } else {
                who.page.get(url)
            };
            set.spawn(async move {
                let resp = req.send().await.unwrap();
                let loc = resp.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
                (i, resp.status(), loc)
            });
        }
        while let Some(r) = set.join_next().await {
            out.push(r.unwrap());
        }
    }
    out
}

/// The permissions an account holds, from the database.
async fn perms_of(app: &TestApp, username: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(
        "SELECT DISTINCT rp.permission FROM role_permissions rp JOIN user_roles ur ON ur.role_id = rp.role_id \
         JOIN users u ON u.id = ur.user_id WHERE u.username = $1",
    )
    .bind(username)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// Checks one account's answers against its grants; returns the violations.
fn judge(
    who: &str,
    perms: &BTreeSet<String>,
    probes: &[Probe],
    answers: &[(usize, StatusCode, String)],
) -> Vec<String> {
    let mut bad = Vec::new();
    for (i, status, _) in answers {
        let p = &probes[*i];
        let may = match p.need.as_str() {
            "public" | "logged_in" => true,
            need => perms.contains(need),
        };
        let also = ALSO.iter().any(|(path, code, _)| *path == p.path && status.as_u16() == *code);
        let ok = if status.is_server_error() {
            false
        } else if p.need == "public" {
            true
        } else if may {
            *status == StatusCode::OK || (p.names_record && *status == StatusCode::NOT_FOUND) || also
        } else {
            *status == StatusCode::FORBIDDEN
        };
        if !ok {
            bad.push(format!(
                "{who}: GET {} ({}) -> {status}, {}",
                p.url,
                p.need,
                if may { "granted" } else { "not granted" }
            ));
        }
    }
    bad
}

#[tokio::test]
async fn every_route_answers_every_role_as_granted() {
    let started = std::time::Instant::now();
    let app = spawn_app().await;
    let probes = probes(&app).await;
    assert!(probes.len() > 100, "the router's table lists the GET routes");
    let unfilled: Vec<&str> = probes.iter().filter(|p| p.url.contains("999999999")).map(|p| p.path).collect();
    eprintln!("{} routes with no record to name: {unfilled:?}", unfilled.len());
    let mut bad = Vec::new();
    let mut checked = 0;

    // Nobody: every route but the public ones sends to the login (pages) or answers 401 (API).
    let nobody = caller(&app, None).await;
    for (i, status, loc) in walk(&app, &nobody, &probes).await {
        let p = &probes[i];
        checked += 1;
        let ok = if p.need == "public" {
            !status.is_server_error()
        } else if p.api {
            status == StatusCode::UNAUTHORIZED
        } else {
            status == StatusCode::SEE_OTHER && loc.starts_with("/login")
        };
        if !ok {
            bad.push(format!("nobody: GET {} ({}) -> {status} {loc}", p.url, p.need));
        }
    }

    // Each built-in role, through the first demo account that holds it.
    let roles: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT r.code, (SELECT u.username FROM users u JOIN user_roles ur ON ur.user_id = u.id \
         WHERE ur.role_id = r.id AND u.status = 'active' ORDER BY u.id LIMIT 1) FROM roles r \
         WHERE r.builtin = 1 ORDER BY r.id",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let builtin: i64 = app.scalar("SELECT count(*) FROM roles WHERE builtin = 1").await;
    assert_eq!(roles.len() as i64, builtin, "every built-in role has a demo account");
    let mut accounts = 0;
    for (role, username) in &roles {
        let username = username.as_deref().unwrap_or_else(|| panic!("no demo account holds {role}"));
        let who = caller(&app, Some(username)).await;
        let perms = perms_of(&app, username).await;
        let answers = walk(&app, &who, &probes).await;
        checked += answers.len();
        accounts += 1;
        bad.extend(judge(&format!("{username} ({role})"), &perms, &probes, &answers));
    }

    // A custom role for every data scope, made through the role screen and held by `officer` alone.
    let sec = app.login("secadmin").await;
    let api = app.token("secadmin").await;
    let officer: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'officer'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let business: Vec<&str> = app
        .state
        .registry
        .permissions
        .iter()
        .map(|p| p.code)
        .filter(|c| !platform::perm::ADMIN_ONLY.contains(c))
        .collect();
    let (jq1, jw) = (app.unit_id("SL-JQ01").await.to_string(), app.unit_id("SL-JW").await.to_string());
    let scopes: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT data_scope FROM roles").fetch_all(&app.state.db.pool).await.unwrap();
    let mut scopes: BTreeSet<String> = scopes.into_iter().collect();
    scopes.extend(["all", "custom", "unit", "unit_and_below", "self"].map(String::from));
    for (n, scope) in scopes.iter().enumerate() {
        let code = format!("matrix_{scope}");
        // Odd ones may also edit, so that both answers are seen under every scope kind.
        let granted: Vec<&str> = business.iter().copied().filter(|c| c.ends_with(":view") || n % 2 == 1).collect();
        let mut form: Vec<(&str, &str)> =
            vec![("code", &code), ("name", &code), ("data_scope", scope), ("version", "0")];
        form.extend(granted.iter().map(|c| ("permissions", *c)));
        if scope == "custom" {
            form.extend([("units", jq1.as_str()), ("units", jw.as_str())]);
        }
        let r = sec.post("/system/roles", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "custom role {code}");
        let r = api
            .req(reqwest::Method::PUT, &format!("/api/v1/users/{officer}/roles"))
            .json(&serde_json::json!({"roles": [code]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "grant {code}");
        let perms = perms_of(&app, "officer").await;
        assert_eq!(perms.len(), granted.len());
        let who = caller(&app, Some("officer")).await;
        let answers = walk(&app, &who, &probes).await;
        checked += answers.len();
        accounts += 1;
        bad.extend(judge(&format!("officer ({code})"), &perms, &probes, &answers));
    }

    eprintln!(
        "access matrix: {} GET routes x ({accounts} accounts + nobody) = {checked} requests in {:?}",
        probes.len(),
        started.elapsed()
    );
    assert!(bad.is_empty(), "{} wrong answers:\n{}", bad.len(), bad.join("\n"));
}

/// Every table but the ones a refused request may legitimately touch (audit, sessions).
async fn row_counts(app: &TestApp) -> BTreeMap<String, i64> {
    let pool = &app.state.db.pool;
    let tables: Vec<String> =
        match sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'").fetch_all(pool).await {
            Ok(t) => t,
            Err(_) => sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(pool)
            .await
            .unwrap(),
        };
    let mut out = BTreeMap::new();
    for t in tables.into_iter().filter(|t| !t.starts_with("audit_") && !t.starts_with("sqlite_") && !t.starts_with('_'))
    {
        if t == "sessions" {
            continue;
        }
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {t}"))).fetch_one(pool).await.unwrap();
        out.insert(t, n);
    }
    out
}

#[tokio::test]
async fn another_prisons_children_are_out_of_reach() {
    let app = spawn_app().await;
    let pool = &app.state.db.pool;
    let (own, other) = (app.unit_id("SL-JQ01").await, app.unit_id("SL2").await);
    let prison_path: String =
        sqlx::query_scalar("SELECT path FROM units WHERE code = 'SL'").fetch_one(pool).await.unwrap();
    // Child routes: a parent's id followed by what hangs under it, from the router's table.
    let children: Vec<_> = app
        .state
        .registry
        .routes
        .iter()
        .filter(|r| r.need.contains(':'))
        .filter(|r| {
            let segs: Vec<&str> = r.path.split('/').collect();
            segs.iter().filter(|s| s.starts_with('{')).count() == 1
                && segs.len() >= 2
                && segs[segs.len() - 2].starts_with('{')
                && !["edit", "delete", "export", "download", "id_number"].contains(&segs[segs.len() - 1])
        })
        .cloned()
        .collect();
    // The second prison: move one record of each parent kind there (one of clerk1's own unit when
    // there is one, so that clerk1 could reach it before), and keep those that moved.
    let mut parents: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &children {
        let statics: Vec<&str> =
            r.path.split('/').take_while(|s| !s.starts_with('{')).filter(|s| !s.is_empty()).collect();
        let Some(table) = table_for(&statics) else { continue };
        if parents.contains_key(table) || table == "units" || table == "users" || table == "roles" {
            continue;
        }
        let mine = format!("SELECT id FROM {table} WHERE unit_id = {own} ORDER BY id LIMIT 1");
        let id = match sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(mine)).fetch_optional(pool).await {
            Ok(Some(id)) => Some(id),
            Ok(None) => record_of(&app, table, &prison_path).await,
            Err(_) => None,
        };
        let Some(id) = id else { continue };
        let moved = sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET unit_id = {other} WHERE id = {id}")))
            .execute(pool)
            .await;
        if moved.is_ok() {
            parents.insert(table, id);
        }
    }
    assert!(parents.len() >= 10, "records of the second prison with children: {parents:?}");

    let clerk = app.login("clerk1").await;
    let api = app.token("clerk1").await;
    let person: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM people WHERE unit_id = {own} ORDER BY id LIMIT 1"
    )))
    .fetch_one(pool)
    .await
    .unwrap();
    // Bodies that pass validation where the handler validates first, so that the scope decides.
    let today = platform::clock::today(&app.clock).to_string();
    let bodies: BTreeMap<&str, serde_json::Value> = BTreeMap::from([
        ("/api/v1/measures/{id}/progress", serde_json::json!({"kind": "progress", "text": "越权", "percent": 50})),
        (
            "/api/v1/hazards/{id}/rectify",
            serde_json::json!({"rectification": "越权", "evidence": "越权", "rectified_on": today}),
        ),
        (
            "/api/v1/epidemic_rosters/{id}/entries",
            serde_json::json!({"person_ids": [person], "from_on": today, "to_on": today}),
        ),
    ]);
    let before = row_counts(&app).await;
    let mut bad = Vec::new();
    let (mut tried, mut scoped) = (0, 0);
    for r in &children {
        let statics: Vec<&str> =
            r.path.split('/').take_while(|s| !s.starts_with('{')).filter(|s| !s.is_empty()).collect();
        let Some(id) = table_for(&statics).and_then(|t| parents.get(t)) else { continue };
        let url = r
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { id.to_string() } else { s.to_string() })
            .collect::<Vec<_>>()
            .join("/");
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
        let resp = if r.api {
            let body = bodies.get(r.path).cloned();
            let body = body.unwrap_or_else(|| serde_json::json!({"content": "越权", "note": "越权", "version": 1}));
            api.req(method, &url).json(&body).send().await.unwrap()
        } else if r.method == "GET" {
            clerk.get(&url).await
        } else {
            clerk.post(&url, &[("content", "越权"), ("note", "越权"), ("version", "1")]).await
        };
        tried += 1;
        let s = resp.status();
        scoped += usize::from(s == StatusCode::NOT_FOUND);
        if s != StatusCode::NOT_FOUND && s != StatusCode::FORBIDDEN {
            bad.push(format!("clerk1: {} {url} ({}) -> {s}", r.method, r.need));
        }
    }
    let after = row_counts(&app).await;
    let changed: Vec<_> = before.iter().filter(|(t, n)| after.get(*t) != Some(n)).collect();
    eprintln!("children: {tried} requests ({scoped} answered 404) on {} parents of the second prison", parents.len());
    assert!(tried >= 20, "child routes tried: {tried}");
    assert!(scoped >= 20, "the scope, not a missing permission, refuses most: {scoped} of {tried}");
    assert!(changed.is_empty(), "refused requests changed rows: {changed:?}");
    assert!(bad.is_empty(), "{} wrong answers:\n{}", bad.len(), bad.join("\n"));
}
