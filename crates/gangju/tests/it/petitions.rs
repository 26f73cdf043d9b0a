//! 信访稳定 through the real server: the four stages cannot be skipped by page or API and a
//! reopened case goes back to 处置; two handlers moving the same case at once make one move and
//! one conflict; petitions are unreadable without the permission and the clearance (unit clerk,
//! system administrator, a lowered clearance) by page, API, export, figure and attachment; the
//! petitioner's name and the case details are never in the database file or a backup in the
//! clear; the demo roster's one gap is a to-do until filled and swaps are recorded; the figures
//! count exactly the cases of a known year, and the median handling days is the statistic's.

use crate::common::*;
use jiff::ToSpan;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post_json(api: &Api, path: &str, body: Value) -> reqwest::Response {
    api.req(Method::POST, path).json(&body).send().await.unwrap()
}

async fn created(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()
}

async fn field_error(r: reqwest::Response, field: &str) -> String {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    v["error"]["fields"][field].as_str().unwrap_or_else(|| panic!("no error on {field}: {v}")).to_string()
}

fn case_body(name: &str, kind: &str, received_on: &str) -> Value {
    json!({"received_on": received_on, "received_time": "09:30", "channel": "visit", "kind": kind,
        "petitioner_type": "family", "petitioner_name": name, "phone": "13912345678",
        "address": "示例市示例路 1 号", "summary": "反映会见安排问题（测试）"})
}

async fn new_case(api: &Api, body: Value) -> (i64, String) {
    let v = created(post_json(api, "/api/v1/petitions", body).await).await;
    (v["id"].as_i64().unwrap(), v["case_no"].as_str().unwrap().to_string())
}

/// (stage, version, replied_on) straight from the database.
async fn state(app: &TestApp, id: i64) -> (String, i64, Option<String>) {
    sqlx::query_as("SELECT stage, version, replied_on FROM petitions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn step_count(app: &TestApp, id: i64, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM petition_steps WHERE petition_id = $1 AND kind = $2")
        .bind(id)
        .bind(kind)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn step(api: &Api, id: i64, body: Value) -> reqwest::Response {
    post_json(api, &format!("/api/v1/petitions/{id}/steps"), body).await
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn todo_hrefs(api: &Api) -> Vec<String> {
    let v = api.json("/api/v1/todos").await;
    v["items"].as_array().unwrap().iter().map(|t| t["href"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_stage_cannot_be_skipped_by_page_or_api_and_a_reopened_case_goes_back_to_handling() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock).to_string();
    let (id, case_no) = new_case(&api, case_body("测试甲", "custody", &today)).await;
    assert!(case_no.starts_with(&format!("XF-{}-", &today[..4])) && case_no.len() == 12, "{case_no}");
    assert_eq!(state(&app, id).await, ("received".into(), 1, None));

    // From 接报 nothing but 应急启动 or 处置: every later step is refused and nothing is written.
    for kind in ["step", "reply", "close", "review", "reopen"] {
        let body = json!({"kind": kind, "version": 1, "reply_method": "written", "text": "跳过（测试）"});
        let msg = field_error(step(&api, id, body).await, "kind").await;
        assert!(msg.contains("接报"), "{kind}: {msg}");
    }
    assert_eq!(state(&app, id).await, ("received".into(), 1, None));
    assert_eq!(step_count(&app, id, "register").await, 1);
    let steps: i64 = sqlx::query_scalar("SELECT count(*) FROM petition_steps WHERE petition_id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(steps, 1, "nothing but the registration");

    // An edit cannot set the stage or the reply either: those fields are ignored.
    let mut edit = case_body("测试甲", "custody", &today);
    edit["stage"] = json!("closed");
    edit["replied_on"] = json!(today);
    edit["case_no"] = json!("XF-1999-0001");
    edit["version"] = json!(1);
    let r = api.req(Method::PUT, &format!("/api/v1/petitions/{id}")).json(&edit).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(state(&app, id).await, ("received".into(), 2, None));
    let v = api.json(&format!("/api/v1/petitions/{id}")).await;
    assert_eq!(v["petition"]["case_no"], case_no.as_str());

    // Nor through the page: the case comes back with the refusal, unchanged.
    let party = app.login("party").await;
    let r = party
        .post(
            &format!("/petitions/cases/{id}/steps"),
            &[("kind", "close"), ("version", "2"), ("text", "直接办结（测试）")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("不能办结") && html.contains(&case_no), "the page shows the refusal");
    assert_eq!(state(&app, id).await, ("received".into(), 2, None));
    // A mediation is only for a case at 处置.
    let r = post_json(
        &api,
        "/api/v1/petition_mediations",
        json!({"petition_id": id, "mediated_on": today, "method": "talk", "content": "面谈（测试）", "result": "agreed"}),
    )
    .await;
    assert!(field_error(r, "petition_id").await.contains("处置"));

    // A 突发信访事件 must pass through 应急启动, with who was notified and when.
    let (b, _) = new_case(&api, case_body("测试乙", "collective", &today)).await;
    let msg = field_error(step(&api, b, json!({"kind": "handle", "version": 1})).await, "kind").await;
    assert!(msg.contains("应急"), "{msg}");
    let r =
        step(&api, b, json!({"kind": "escalate", "version": 1, "happened_time": "10:05", "text": "启动预案"})).await;
    assert!(field_error(r, "notified").await.contains("通知"));
    let escalate = json!({"kind": "escalate", "version": 1, "happened_on": today, "happened_time": "10:05",
        "notified": "监狱长、指挥中心", "text": "启动应急预案（测试）"});
    let v = created(step(&api, b, escalate).await).await;
    assert_eq!((v["stage"].as_str(), v["version"].as_i64()), (Some("emergency"), Some(2)));
    let msg = field_error(step(&api, b, json!({"kind": "step", "version": 2, "text": "x"})).await, "kind").await;
    assert!(msg.contains("应急启动"), "{msg}");
    created(step(&api, b, json!({"kind": "handle", "version": 2, "text": "组织座谈"})).await).await;
    // 处置 → 办结 needs the reply first; then the record is put in order and reviewed.
    let msg =
        field_error(step(&api, b, json!({"kind": "close", "version": 3, "text": "整理记录"})).await, "kind").await;
    assert!(msg.contains("答复"), "{msg}");
    let r = post_json(
        &api,
        "/api/v1/petition_mediations",
        json!({"petition_id": b, "mediated_on": today, "method": "joint", "parties": "家属代表、信访办",
            "content": "协商视频会见过渡方案（测试）", "result": "agreed"}),
    )
    .await;
    created(r).await;
    let r = step(&api, b, json!({"kind": "reply", "version": 3, "text": "书面答复"})).await;
    assert!(field_error(r, "reply_method").await.contains("答复方式"));
    created(
        step(&api, b, json!({"kind": "reply", "version": 3, "reply_method": "written", "text": "书面答复（测试）"}))
            .await,
    )
    .await;
    created(step(&api, b, json!({"kind": "close", "version": 4, "text": "事件消除，记录已整理（测试）"})).await).await;
    created(step(&api, b, json!({"kind": "review", "version": 5})).await).await;
    let msg = field_error(step(&api, b, json!({"kind": "review", "version": 6})).await, "kind").await;
    assert!(msg.contains("已审核"), "{msg}");
    // A closed case is not edited; it is reopened, with the reason, back to 处置.
    let mut edit = case_body("测试乙", "collective", &today);
    edit["version"] = json!(6);
    let r = api.req(Method::PUT, &format!("/api/v1/petitions/{b}")).json(&edit).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(field_error(step(&api, b, json!({"kind": "reopen", "version": 6})).await, "text").await.contains("原因"));
    created(step(&api, b, json!({"kind": "reopen", "version": 6, "text": "信访人反映新情况（测试）"})).await).await;
    let v = api.json(&format!("/api/v1/petitions/{b}")).await;
    assert_eq!(v["petition"]["stage"], "handling");
    assert_eq!(v["petition"]["reopened"], 1);
    assert_eq!(v["petition"]["closed_on"], Value::Null);
    assert_eq!(v["petition"]["reviewed_on"], Value::Null);
    let kinds: Vec<&str> = v["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["register", "escalate", "handle", "mediation", "reply", "close", "review", "reopen"]);
    for s in v["steps"].as_array().unwrap() {
        assert_eq!(s["by_name"], "林晓岚", "who: {s}");
        assert!(s["happened_on"].is_string() && s["created_at"].as_i64().unwrap() > 0, "when: {s}");
    }
    let esc = &v["steps"][1];
    assert_eq!((esc["notified"].as_str(), esc["happened_time"].as_str()), (Some("监狱长、指挥中心"), Some("10:05")));
    assert_eq!((esc["stage_from"].as_str(), esc["stage_to"].as_str()), (Some("received"), Some("emergency")));
    // Every step is an audit row of the same name.
    for kind in ["escalate", "handle", "reply", "close", "review", "reopen"] {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_log WHERE event = $1 AND object_type = 'petition' AND object_id = $2",
        )
        .bind(kind)
        .bind(b.to_string())
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        assert_eq!(n, 1, "{kind} audited");
    }

    // The reply deadline follows the kind; overdue is derived from the clock and is the handler's to-do.
    let party_id = user_id(&app, "party").await;
    let old = platform::clock::today(&app.clock).saturating_sub(40.days()).to_string();
    let mut body = case_body("测试丙", "medical", &old);
    body["handler_user_id"] = json!(party_id);
    let (c, c_no) = new_case(&api, body).await;
    let due: String = sqlx::query_scalar("SELECT reply_due_on FROM petitions WHERE id = $1")
        .bind(c)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(due, platform::clock::today(&app.clock).saturating_sub(25.days()).to_string(), "15 days for 医疗");
    let overdue = api.json("/api/v1/petitions?status=overdue&per_page=200").await;
    let row = overdue["items"].as_array().unwrap().iter().find(|x| x["id"] == c).expect("overdue").clone();
    assert_eq!(row["overdue"], 1);
    assert!(row["petitioner_masked"].as_str().unwrap().contains('*'), "names masked in lists: {row}");
    assert!(todo_hrefs(&api).await.contains(&format!("/petitions/cases/{c}")), "the handler's to-do");
    let home = party.get("/").await.text().await.unwrap();
    assert!(home.contains(&c_no));
    created(step(&api, c, json!({"kind": "handle", "version": 1})).await).await;
    created(
        step(&api, c, json!({"kind": "reply", "version": 2, "reply_method": "phone", "text": "电话答复（测试）"}))
            .await,
    )
    .await;
    assert!(!todo_hrefs(&api).await.contains(&format!("/petitions/cases/{c}")), "replied: no longer a to-do");
    let late = api.json("/api/v1/petitions?status=late&per_page=200").await;
    assert!(late["items"].as_array().unwrap().iter().any(|x| x["id"] == c && x["overdue"] == 0));
}

#[tokio::test]
async fn two_handlers_moving_the_same_case_at_once_make_one_move_and_one_conflict() {
    let app = spawn_app().await;
    // A second handler: the security administrator gives clerk2 the party office's role (and so
    // petition:edit) with clearance 2, as for the petition office's staff.
    let sec = app.token("secadmin").await;
    let clerk2 = user_id(&app, "clerk2").await;
    let r = sec
        .req(Method::PUT, &format!("/api/v1/users/{clerk2}/roles"))
        .json(&json!({"roles": ["party_office"], "clearance": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let (a, b) = (app.token("party").await, app.token("clerk2").await);
    let today = platform::clock::today(&app.clock).to_string();
    let (id, _) = new_case(&a, case_body("测试丁", "custody", &today)).await;

    for round in 0..3 {
        let version = state(&app, id).await.1;
        let (first, second) = match round {
            // The same move by both.
            0 => (json!({"kind": "handle", "version": version}), json!({"kind": "handle", "version": version})),
            // Two different steps on the same version.
            1 => (
                json!({"kind": "step", "version": version, "text": "甲的处置措施"}),
                json!({"kind": "reply", "version": version, "reply_method": "written", "text": "乙的答复"}),
            ),
            _ => (
                json!({"kind": "step", "version": version, "text": "甲再次处置"}),
                json!({"kind": "step", "version": version, "text": "乙再次处置"}),
            ),
        };
        let (r1, r2) = tokio::join!(step(&a, id, first), step(&b, id, second));
        let mut codes = [r1.status(), r2.status()];
        codes.sort();
        assert_eq!(codes, [StatusCode::CREATED, StatusCode::CONFLICT], "round {round}");
        assert_eq!(state(&app, id).await.1, version + 1, "round {round}: one move");
    }
    assert_eq!(step_count(&app, id, "handle").await, 1);
    let trail = app.scalar("SELECT count(*) FROM petition_steps").await;
    let (stage, version, _) = state(&app, id).await;
    assert_eq!((stage.as_str(), version), ("handling", 4));
    let steps: i64 = sqlx::query_scalar("SELECT count(*) FROM petition_steps WHERE petition_id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(steps, 4, "register and three moves, no trace of the losers");
    assert!(trail > steps);

    // The page refuses a stale form with the conflict message, and writes nothing.
    let party = app.login("party").await;
    let r = party
        .post(&format!("/petitions/cases/{id}/steps"), &[("kind", "step"), ("version", "1"), ("text", "旧页面")])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("已被他人修改"));
    assert_eq!(state(&app, id).await.1, 4);
}

#[tokio::test]
async fn petitions_are_unreadable_without_the_permission_and_the_clearance() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock).to_string();
    let (id, case_no) = new_case(&api, case_body("测试戊", "contact", &today)).await;
    let party = app.login("party").await;
    let up = party
        .upload(
            &format!("/attachments?owner_type=petition&owner_id={id}"),
            "来信.txt",
            "来信内容（测试）".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(up.status(), StatusCode::SEE_OTHER);
    let file: i64 = app.scalar("SELECT max(id) FROM attachments WHERE owner_type = 'petition'").await;
    assert_eq!(party.get(&format!("/attachments/{file}")).await.status(), StatusCode::OK);
    let reception = created(
        post_json(
            &api,
            "/api/v1/petition_receptions",
            json!({"received_on": today, "kind": "daily", "receiver_id": app.scalar("SELECT min(p.id) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = 'SL-XFB' AND p.employment_status = 'active'").await,
                "visitor_name": "测试来访人", "content": "咨询政策（测试）", "outcome": "answered", "petition_id": id}),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // Everybody without petition:view is refused everywhere, and the refusals are audited.
    let denied = app.audit_count("access_denied").await;
    for who in ["clerk1", "sysadmin"] {
        let b = app.login(who).await;
        for path in [
            "/petitions/cases".to_string(),
            format!("/petitions/cases/{id}"),
            "/petitions/cases/export".to_string(),
            "/petitions/stats".to_string(),
            "/petitions/receptions".to_string(),
            format!("/petitions/receptions/{reception}"),
            "/petitions/mediations".to_string(),
            "/petitions/mediations/export".to_string(),
            format!("/attachments/{file}"),
        ] {
            let s = b.get(&path).await.status();
            assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{who} {path}: {s}");
        }
        let s = b.post(&format!("/petitions/cases/{id}/id_number"), &[("x", "1")]).await.status();
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{who} reveal: {s}");
        let a = app.token(who).await;
        for path in [
            "/api/v1/petitions".to_string(),
            format!("/api/v1/petitions/{id}"),
            format!("/api/v1/petitions/{id}/steps"),
            format!("/api/v1/petitions/{id}/id_number"),
            "/api/v1/petitions/stats".to_string(),
            "/api/v1/petition_receptions".to_string(),
            format!("/api/v1/petition_receptions/{reception}"),
            "/api/v1/petition_mediations".to_string(),
            format!("/api/v1/attachments?owner_type=petition&owner_id={id}"),
            format!("/api/v1/attachments/{file}"),
            "/api/v1/figures/petitions_received".to_string(),
            "/api/v1/figures/petitions_replied_on_time_rate".to_string(),
        ] {
            let s = a.get(&path).await.status();
            assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{who} API {path}: {s}");
        }
        let s = step(&a, id, json!({"kind": "handle", "version": 1})).await.status();
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{who} step: {s}");
        let menu = b.get("/").await.text().await.unwrap();
        assert!(!menu.contains("/petitions/cases"), "{who}: no menu entry");
    }
    assert!(app.audit_count("access_denied").await >= denied + 20, "the refusals are audited");
    // The unit clerk still sees the non-confidential measures of their own units.
    let clerk = app.token("clerk1").await;
    assert_eq!(clerk.get("/api/v1/stability_watches").await.status(), StatusCode::OK);

    // The leadership reads (every read audited) but cannot act; the list masks the petitioner.
    let leader = app.token("leader").await;
    let views = app.scalar("SELECT count(*) FROM audit_log WHERE event = 'view' AND object_type = 'petition'").await;
    let lists =
        app.scalar("SELECT count(*) FROM audit_log WHERE event = 'view_list' AND object_type = 'petition'").await;
    let v = leader.json("/api/v1/petitions?per_page=200").await;
    let row = v["items"].as_array().unwrap().iter().find(|x| x["id"] == id).unwrap().clone();
    assert_eq!(row["petitioner_masked"], "测**");
    assert!(!row.to_string().contains("测试戊") && !row.to_string().contains("13912345678"), "{row}");
    assert_eq!(row["phone_masked"], "139****5678");
    let v = leader.json(&format!("/api/v1/petitions/{id}")).await;
    assert_eq!(v["details"]["petitioner_name"], "测试戊");
    assert_eq!(
        app.scalar("SELECT count(*) FROM audit_log WHERE event = 'view' AND object_type = 'petition'").await,
        views + 1
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM audit_log WHERE event = 'view_list' AND object_type = 'petition'").await,
        lists + 1
    );
    assert_eq!(step(&leader, id, json!({"kind": "handle", "version": 1})).await.status(), StatusCode::FORBIDDEN);
    let export = app.login("leader").await.get("/petitions/cases/export").await;
    assert_eq!(export.status(), StatusCode::OK);
    let rows = read_xlsx(&export.bytes().await.unwrap());
    let text = format!("{rows:?}");
    assert!(text.contains(&case_no) && text.contains("测*") && !text.contains("测试戊"), "the export masks too");

    // The permission alone is not enough: below the label's clearance nothing is there.
    sqlx::query("UPDATE users SET clearance = 1 WHERE username = 'party'").execute(&app.state.db.pool).await.unwrap();
    assert_eq!(api.json("/api/v1/petitions").await["total"], 0);
    assert_eq!(api.get(&format!("/api/v1/petitions/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.get(&format!("/api/v1/petition_receptions/{reception}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(party.get(&format!("/petitions/cases/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        party.get(&format!("/attachments/{file}")).await.status(),
        StatusCode::NOT_FOUND,
        "the file follows the case"
    );
    assert_eq!(step(&api, id, json!({"kind": "handle", "version": 1})).await.status(), StatusCode::NOT_FOUND);
    let rows = read_xlsx(&party.get("/petitions/cases/export").await.bytes().await.unwrap());
    assert!(!format!("{rows:?}").contains(&case_no));
    let year = &today[..4];
    let fig = api.json(&format!("/api/v1/figures/petitions_received?from={year}-01-01&to={today}")).await;
    assert_eq!(fig["value"], 0);
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_petitioner_and_the_details_are_stored_encrypted() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock).to_string();
    let marker = format!("XFMARK{}", hex::encode(rand::random::<[u8; 6]>()));
    let name = format!("测试{marker}");
    let mut body = case_body(&name, "custody", &today);
    body["summary"] = json!(format!("事项{marker}详情"));
    body["address"] = json!(format!("住址{marker}"));
    body["involved"] = json!(format!("涉及{marker}"));
    body["id_number"] = json!("11010519491231002X");
    let (id, _) = new_case(&api, body).await;
    created(step(&api, id, json!({"kind": "handle", "version": 1, "text": format!("处置{marker}")})).await).await;
    // Readable through the application …
    let v = api.json(&format!("/api/v1/petitions/{id}")).await;
    assert_eq!(v["details"]["petitioner_name"], name.as_str());
    assert_eq!(v["petition"]["id_number_masked"], "1101**********002X");
    assert!(v["petition"]["summary"].as_str().unwrap().contains(&marker));
    assert!(v["steps"][1]["text"].as_str().unwrap().contains(&marker));
    let lookup = |typed: &str| post_json(&api, "/api/v1/petitions/lookup", json!({"petitioner": typed}));
    let found: Value = lookup(&name).await.json().await.unwrap();
    assert_eq!(found["total"], 1, "exact search by the keyed index: {found}");
    let who = found["who"].as_str().unwrap().to_string();
    assert!(!who.contains(&marker) && who.len() == 64);
    assert_eq!(
        api.json(&format!("/api/v1/petitions?who={who}")).await["total"],
        1,
        "the index, not the name, in the address"
    );
    let found: Value = lookup("11010519491231002x").await.json().await.unwrap();
    assert_eq!(found["total"], 1, "and by the ID number");
    // The page's lookup posts the name and lands on the list filtered by the index.
    let party = app.login("party").await;
    let r = party.post("/petitions/cases/lookup", &[("petitioner", name.as_str())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with(&who) && !to.contains("XFMARK"), "{to}");
    assert!(party.get(&to).await.text().await.unwrap().contains("测*"));
    let full = api.json(&format!("/api/v1/petitions/{id}/id_number")).await;
    assert_eq!(full["id_number"], "11010519491231002X");
    assert_eq!(app.audit_count("view_sensitive").await, 1);

    // … and nowhere in the database or a backup in the clear.
    let secrets: [&[u8]; 2] = [marker.as_bytes(), b"11010519491231002X"];
    match app.state.db.backend {
        platform::db::Backend::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&app.state.db.pool).await.unwrap();
            let files: Vec<_> =
                files_under(&app.dir).into_iter().filter(|p| !p.starts_with(app.dir.join("keys"))).collect();
            assert!(files.iter().any(|p| p.to_string_lossy().ends_with(".sqlite")), "{files:?}");
            for f in &files {
                let bytes = std::fs::read(f).unwrap();
                for s in secrets {
                    assert!(!contains(&bytes, s), "{} holds {}", f.display(), String::from_utf8_lossy(s));
                }
            }
        }
        platform::db::Backend::Postgres => {
            let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
                "SELECT petitioner_name_sealed, petitioner_name_masked, summary_sealed, petitioner_address_sealed, \
                 involved_sealed, petitioner_id_sealed FROM petitions WHERE id = $1",
            )
            .bind(id)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
            let text = format!("{rows:?}");
            assert!(!text.contains(&marker) && !text.contains("11010519491231002X"), "{text}");
            assert!(rows[0].0.starts_with("v1:"), "sealed: {}", rows[0].0);
        }
    }
    let leaked: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM audit_log WHERE detail LIKE $1) + (SELECT count(*) FROM petition_steps WHERE text_sealed LIKE $1 OR notified LIKE $1)",
    )
    .bind(format!("%{marker}%"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0, "not in the audit log or the trail either");
    let dest = temp_dir("petitions-backup").join("b");
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gangju"));
    c.args(["backup", "--to", dest.to_str().unwrap(), "--data-dir"]).arg(&app.dir).env_remove("GANGJU_DATABASE_URL");
    if let Some(u) = &app.database_url {
        c.arg("--database-url").arg(u);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = files_under(&dest);
    assert!(files.len() >= 2, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for s in secrets {
            assert!(!contains(&bytes, s), "backup file {} holds {}", f.display(), String::from_utf8_lossy(s));
        }
    }
    let _ = std::fs::remove_dir_all(dest.parent().unwrap());
}

#[tokio::test]
async fn the_roster_gap_is_a_todo_until_filled_and_every_swap_is_recorded() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let periods = api.json("/api/v1/stability_periods?per_page=50").await;
    let current = periods["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str().unwrap().contains("重要会议"))
        .unwrap()
        .clone();
    let congress = periods["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str().unwrap().contains("二十大"))
        .unwrap()
        .clone();
    assert_eq!(congress["slots"], congress["filled"], "the seed's period is fully manned");
    let pid = current["id"].as_i64().unwrap();
    let v = api.json(&format!("/api/v1/stability_periods/{pid}")).await;
    let slots = v["slots"].as_array().unwrap().clone();
    assert_eq!(slots.len(), 15 * 4);
    let gaps: Vec<&Value> = slots.iter().filter(|s| s["person_id"].is_null()).collect();
    assert_eq!(gaps.len(), 1, "one gap in the demo roster");
    let gap = gaps[0].clone();
    let gap_id = gap["id"].as_i64().unwrap();
    let gap_todo = format!("/petitions/periods/{pid}#gaps");
    assert!(todo_hrefs(&api).await.contains(&gap_todo), "the gap is the office's to-do");
    assert_eq!(v["swaps"].as_array().unwrap().len(), 2, "the demo's swaps");
    let day = gap["duty_on"].as_str().unwrap().to_string();
    let cover = api.json(&format!("/api/v1/figures/duty_roster_coverage_rate?from={day}&to={day}")).await;
    assert_eq!((cover["numerator"]["value"].as_i64(), cover["denominator"]["value"].as_i64()), (Some(3), Some(4)));
    assert_eq!(cover["value"], 75);

    // Someone already on another post that day cannot fill it; someone free can.
    let busy = slots.iter().find(|s| s["duty_on"] == gap["duty_on"] && !s["person_id"].is_null()).unwrap();
    let put = |slot: i64, body: Value| api.req(Method::PUT, &format!("/api/v1/duty_roster/{slot}")).json(&body).send();
    let r = put(gap_id, json!({"person_id": busy["person_id"], "version": gap["version"]})).await.unwrap();
    assert!(field_error(r, "person_id").await.contains("已安排"));
    let on_duty: Vec<i64> =
        slots.iter().filter(|s| s["duty_on"] == gap["duty_on"]).filter_map(|s| s["person_id"].as_i64()).collect();
    let everyone: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id JOIN units s ON s.id = u.prison_id \
         WHERE s.code = 'SL' AND p.employment_status = 'active' ORDER BY p.id",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let mut off_duty = everyone.into_iter().filter(|p| !on_duty.contains(p));
    let (free, other) = (off_duty.next().unwrap(), off_duty.next().unwrap());
    assert!(!on_duty.contains(&free));
    let r = put(gap_id, json!({"person_id": free, "version": gap["version"]})).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", r.text().await.unwrap());
    assert!(!todo_hrefs(&api).await.contains(&gap_todo), "filled: no longer a to-do");
    let cover = api.json(&format!("/api/v1/figures/duty_roster_coverage_rate?from={day}&to={day}")).await;
    assert_eq!(cover["value"], 100);
    // The same version again is a conflict; replacing someone needs the reason and is recorded.
    let r = put(gap_id, json!({"person_id": on_duty[0], "version": gap["version"]})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let version = gap["version"].as_i64().unwrap() + 1;
    let r = put(gap_id, json!({"person_id": other, "version": version})).await.unwrap();
    assert!(field_error(r, "reason").await.contains("原因"));
    let r = put(gap_id, json!({"person_id": other, "version": version, "reason": "临时公出（测试）"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let v = api.json(&format!("/api/v1/stability_periods/{pid}")).await;
    let swaps = v["swaps"].as_array().unwrap();
    assert_eq!(swaps.len(), 4);
    assert_eq!(swaps[0]["reason"], "临时公出（测试）");
    assert_eq!(swaps[0]["by_name"], "林晓岚");
    assert!(swaps[0]["from_name"].is_string() && swaps[0]["to_name"].is_string());
    assert_eq!(swaps[1]["from_name"], Value::Null, "filling the gap is recorded too");
    assert_eq!(app.audit_count("swap").await, 1);

    // The page shows the roster; a prison area's clerk may look but not change it.
    let page = app.login("party").await.get(&format!("/petitions/periods/{pid}")).await.text().await.unwrap();
    assert!(page.contains("没有空缺的班次") && page.contains("临时公出（测试）"));
    let clerk = app.token("clerk1").await;
    let r = clerk
        .req(Method::PUT, &format!("/api/v1/duty_roster/{gap_id}"))
        .json(&json!({"person_id": free, "version": version + 1, "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A leading group is reused for another period: the copy starts with the same members.
    let groups = api.json("/api/v1/leading_groups").await;
    let copy = groups["items"].as_array().unwrap().iter().find(|g| g["period_id"] == pid).unwrap().clone();
    assert!(copy["copied_from"].is_i64());
    let page = app.login("party").await.get(&format!("/petitions/groups/new?copy={}", copy["copied_from"])).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("沿用已有领导小组"));
}

#[tokio::test]
async fn the_figures_count_exactly_the_cases_of_a_known_year() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let make = |day: &str, kind: &str, channel: &str| {
        let mut b = case_body("测试己", kind, day);
        b["channel"] = json!(channel);
        b
    };
    // 2019: A replied on time and closed in 10 days, B replied late and closed in 41 days, C never
    // replied (overdue), D escalated and still at 应急启动.
    let (a, _) = new_case(&api, make("2019-03-01", "medical", "letter")).await;
    let (b, _) = new_case(&api, make("2019-03-01", "medical", "visit")).await;
    let (c, _) = new_case(&api, make("2019-05-01", "custody", "visit")).await;
    let (d, d_no) = new_case(&api, make("2019-06-01", "collective", "visit")).await;
    assert!(d_no.starts_with("XF-2019-"), "numbered in the year received: {d_no}");
    for (id, reply, close) in [(a, "2019-03-05", "2019-03-11"), (b, "2019-04-01", "2019-04-11")] {
        created(step(&api, id, json!({"kind": "handle", "version": 1, "happened_on": "2019-03-02"})).await).await;
        created(
            step(
                &api,
                id,
                json!({"kind": "reply", "version": 2, "happened_on": reply, "reply_method": "written", "text": "答复"}),
            )
            .await,
        )
        .await;
        created(step(&api, id, json!({"kind": "close", "version": 3, "happened_on": close, "text": "整理记录"})).await)
            .await;
    }
    created(step(&api, c, json!({"kind": "handle", "version": 1, "happened_on": "2019-05-02"})).await).await;
    let esc = json!({"kind": "escalate", "version": 1, "happened_on": "2019-06-01", "happened_time": "08:10", "notified": "值班领导", "text": "启动预案"});
    created(step(&api, d, esc).await).await;
    let before = json!({"kind": "step", "version": 2, "happened_on": "2019-02-01", "text": "早于接报"});
    assert!(field_error(step(&api, d, before).await, "happened_on").await.contains("接报"));

    let period = "from=2019-01-01&to=2019-12-31";
    let fig = |k: &str| format!("/api/v1/figures/{k}?{period}");
    let count = |v: &Value| v["value"].as_i64().unwrap();
    assert_eq!(count(&api.json(&fig("petitions_received")).await), 4);
    assert_eq!(count(&api.json(&fig("petitions_channel_visit")).await), 3);
    assert_eq!(count(&api.json(&fig("petitions_channel_letter")).await), 1);
    assert_eq!(count(&api.json(&fig("petitions_kind_medical")).await), 2);
    assert_eq!(count(&api.json(&fig("petitions_stage_closed")).await), 2);
    assert_eq!(count(&api.json(&fig("petitions_stage_handling")).await), 1);
    assert_eq!(count(&api.json(&fig("petitions_stage_emergency")).await), 1);
    assert_eq!(count(&api.json(&fig("petitions_escalated")).await), 1);
    assert_eq!(count(&api.json(&fig("petitions_reply_overdue")).await), 2, "C and D");
    assert_eq!(count(&api.json(&fig("petitions_closed")).await), 2);
    let rate = api.json(&fig("petitions_replied_on_time_rate")).await;
    assert_eq!((rate["numerator"]["value"].as_i64(), rate["denominator"]["value"].as_i64()), (Some(1), Some(4)));
    assert_eq!(rate["value"], 25);
    let on_time = api.json(rate["numerator"]["records_url"].as_str().unwrap()).await;
    assert_eq!(on_time["items"][0]["href"], format!("/petitions/cases/{a}"));
    // Every figure of the area equals its drill-down, in 2019 and in the demo's year.
    let year = platform::clock::today(&app.clock).year();
    let keys: Vec<String> = api.json("/api/v1/figures").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .filter(|k| {
            k.starts_with("petition")
                || k.starts_with("screening")
                || k.starts_with("stability")
                || k.starts_with("duty")
        })
        .collect();
    assert!(keys.len() >= 30, "{keys:?}");
    for p in [period.to_string(), format!("from={}-01-01&to={year}-12-31", year - 1)] {
        for k in &keys {
            let v = api.json(&format!("/api/v1/figures/{k}?{p}")).await;
            let parts: Vec<&Value> =
                if v["kind"] == "rate" { vec![&v["numerator"], &v["denominator"]] } else { vec![&v] };
            for part in parts {
                let drill = api.json(&format!("{}&per_page=200", part["records_url"].as_str().unwrap())).await;
                assert_eq!(part["value"], drill["total"], "{k} {p}");
            }
        }
    }
    let demo = api.json(&format!("/api/v1/figures/screening_rounds_held?from={year}-01-01&to={year}-12-31")).await;
    assert!(count(&demo) >= 1);
    // The median of the handling days (10 and 41) is the statistics' own number, not a figure.
    let s = api.json(&format!("/api/v1/petitions/stats?{period}")).await;
    assert_eq!(s["median_days"], 25.5);
    assert_eq!((s["received"].as_i64(), s["closed"].as_i64(), s["escalated"].as_i64()), (Some(4), Some(2), Some(1)));
    assert!(!keys.iter().any(|k| k.contains("median")));
    let page = app.login("party").await.get(&format!("/petitions/stats?{period}")).await.text().await.unwrap();
    assert!(page.contains("25.5 天") && page.contains("25%"));
}

#[tokio::test]
async fn every_page_renders_and_the_five_measures_are_recorded() {
    let app = spawn_app().await;
    let party = app.login("party").await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock).to_string();
    let pool = app.state.db.pool.clone();
    let first = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT min(id) FROM {table}")))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (group, period, screening, watch, reception) = (
        first("leading_groups").await,
        first("stability_periods").await,
        first("stability_screenings").await,
        first("stability_watches").await,
        first("petition_receptions").await,
    );
    let finding = first("stability_findings").await;
    let cases: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM petitions ORDER BY id").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(cases.len(), 12, "the demo's petitions");
    let stages: Vec<String> = sqlx::query_scalar("SELECT DISTINCT stage FROM petitions ORDER BY stage")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stages, ["closed", "emergency", "handling", "received"], "every stage in the demo");
    let mut pages: Vec<String> = [
        "/petitions/cases",
        "/petitions/cases/new",
        "/petitions/cases?status=overdue",
        "/petitions/stats",
        "/petitions/receptions",
        "/petitions/receptions/new",
        "/petitions/mediations",
        "/petitions/groups",
        "/petitions/groups/new",
        "/petitions/periods",
        "/petitions/periods/new",
        "/petitions/screenings",
        "/petitions/screenings/new",
        "/petitions/watches",
        "/petitions/watches/new",
        "/petitions/watches?overdue=1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for id in &cases {
        pages.push(format!("/petitions/cases/{id}"));
        pages.push(format!("/petitions/cases/{id}/edit"));
    }
    pages.extend([
        format!("/petitions/receptions/{reception}"),
        format!("/petitions/receptions/{reception}/edit"),
        format!("/petitions/groups/{group}"),
        format!("/petitions/groups/{group}/edit"),
        format!("/petitions/groups/new?copy={group}"),
        format!("/petitions/periods/{period}"),
        format!("/petitions/periods/{period}/edit"),
        format!("/petitions/screenings/{screening}"),
        format!("/petitions/screenings/{screening}/edit"),
        format!("/petitions/watches/{watch}"),
        format!("/petitions/watches/{watch}/edit"),
        format!("/petitions/watches/new?finding={finding}"),
    ]);
    for path in &pages {
        let r = party.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("</html>"), "{path}");
    }
    for path in [
        "/petitions/cases/export".to_string(),
        "/petitions/receptions/export".to_string(),
        "/petitions/mediations/export".to_string(),
        "/petitions/groups/export".to_string(),
        format!("/petitions/periods/{period}/export"),
        "/petitions/screenings/export".to_string(),
        "/petitions/watches/export".to_string(),
    ] {
        let r = party.get(&path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(read_xlsx(&r.bytes().await.unwrap()).len() > 2, "{path} has rows");
    }
    // A prison area's clerk sees the stability pages of its own units, nothing of the petitions.
    let clerk = app.login("clerk1").await;
    for path in ["/petitions/watches", "/petitions/screenings", "/petitions/periods", "/petitions/groups"] {
        assert_eq!(clerk.get(path).await.status(), StatusCode::OK, "clerk {path}");
    }
    assert_eq!(clerk.get("/petitions/groups/new").await.status(), StatusCode::FORBIDDEN);

    // 接访 through the page form: the visitor's name is required, then recorded and masked.
    let r = party
        .post(
            "/petitions/receptions",
            &[
                ("received_on", &today),
                ("kind", "leader"),
                ("receiver_id", ""),
                ("visitor_name", ""),
                ("content", "x"),
                ("outcome", "answered"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let receiver =
        app.scalar("SELECT min(p.id) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = 'SL-XFB'").await;
    let r = party
        .post(
            "/petitions/receptions",
            &[
                ("received_on", &today),
                ("received_time", "14:00"),
                ("kind", "leader"),
                ("receiver_id", &receiver.to_string()),
                ("visitor_name", "接访测试人"),
                ("visitors", "2"),
                ("content", "反映亲情电话问题（测试）"),
                ("outcome", "referred"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = api.json("/api/v1/petition_receptions?per_page=200").await;
    assert!(v["items"].as_array().unwrap().iter().any(|x| x["visitor_masked"] == "接****" && x["visitors"] == 2));

    // 排查: a round with a finding, turned into a watch (稳控), reviewed, then lifted.
    let s = created(
        post_json(
            &api,
            "/api/v1/stability_screenings",
            json!({"kind": "holiday", "title": "节前排查（测试）", "screened_on": today, "summary": "逐监区排查"}),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let jq3 = app.unit_id("SL-JQ03").await;
    let f = created(
        post_json(
            &api,
            &format!("/api/v1/stability_screenings/{s}/findings"),
            json!({"unit_id": jq3, "category": "family", "level": "high", "description": "亲属扬言上访（测试）", "responsible_id": receiver}),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let form = party.get(&format!("/petitions/watches/new?finding={f}")).await.text().await.unwrap();
    assert!(form.contains("亲属扬言上访（测试）") && form.contains("由排查发现的风险转入稳控"));
    let w = created(
        post_json(
            &api,
            "/api/v1/stability_watches",
            json!({"unit_id": jq3, "subject_kind": "person", "subject": "罪犯亲属王某（测试）", "level": "high",
                "reason": "亲属扬言上访", "measures": "责任民警每日联系", "responsible_id": receiver,
                "started_on": today, "review_on": today, "finding_id": f}),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let v = api.json(&format!("/api/v1/stability_screenings/{s}")).await;
    assert_eq!(v["findings"][0]["status"], "controlled", "the finding is under control once watched");
    assert_eq!(v["findings"][0]["watch_id"], w);
    let logs = format!("/api/v1/stability_watches/{w}/logs");
    let log = |body: Value| post_json(&api, &logs, body);
    let r = log(json!({"kind": "review", "version": 1, "text": "研判：情况稳定"})).await;
    assert!(field_error(r, "next_review_on").await.contains("下次研判"));
    let next = platform::clock::today(&app.clock).saturating_add(30.days()).to_string();
    created(log(json!({"kind": "review", "version": 1, "text": "研判：情况稳定", "next_review_on": next})).await).await;
    created(log(json!({"kind": "lift", "version": 2, "text": "风险消除，解除稳控"})).await).await;
    let v = api.json(&format!("/api/v1/stability_watches/{w}")).await;
    assert_eq!(
        (v["watch"]["status"].as_str(), v["watch"]["review_on"].as_str()),
        (Some("lifted"), Some(next.as_str()))
    );
    assert_eq!(v["logs"].as_array().unwrap().len(), 2);
    let r = api
        .req(Method::PUT, &format!("/api/v1/stability_findings/{f}"))
        .json(&json!({"status": "resolved", "resolved_on": today, "version": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", r.text().await.unwrap());

    // 领导小组: a group needs its head; with one it is set up with its members in order.
    let leaders: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code LIKE 'SL-%' AND p.employment_status = 'active' ORDER BY p.id LIMIT 3",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let (l0, l1) = (leaders[0].to_string(), leaders[1].to_string());
    let r = party
        .post(
            "/petitions/groups",
            &[
                ("name", "春节期间信访维稳工作领导小组（测试）"),
                ("starts_on", &today),
                ("member_1", &l0),
                ("role_1", "member"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请指定组长"));
    let r = party
        .post(
            "/petitions/groups",
            &[
                ("name", "春节期间信访维稳工作领导小组（测试）"),
                ("starts_on", &today),
                ("period_id", &period.to_string()),
                ("member_1", &l0),
                ("role_1", "head"),
                ("duty_1", "全面负责"),
                ("member_2", &l1),
                ("role_2", "office"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let gid: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let v = api.json(&format!("/api/v1/leading_groups/{gid}")).await;
    let roles: Vec<&str> = v["members"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["head", "office"]);

    // 值班: a new special period makes its slots; one post filled in turn covers it.
    let from = platform::clock::today(&app.clock).saturating_add(40.days());
    let to = from.saturating_add(2.days());
    let r = post_json(
        &api,
        "/api/v1/stability_periods",
        json!({"name": "国庆期间（测试）", "starts_on": from.to_string(), "ends_on": to.to_string(), "posts": ["leader", "night"]}),
    )
    .await;
    let pid = created(r).await["id"].as_i64().unwrap();
    let v = api.json(&format!("/api/v1/stability_periods/{pid}")).await;
    assert_eq!((v["period"]["slots"].as_i64(), v["coverage_percent"].as_i64()), (Some(6), Some(0)));
    for (post, people) in [("leader", &leaders[..2]), ("night", &leaders[2..])] {
        let r = post_json(
            &api,
            &format!("/api/v1/stability_periods/{pid}/fill"),
            json!({"post": post, "person_ids": people}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let v = api.json(&format!("/api/v1/stability_periods/{pid}")).await;
    assert_eq!(v["coverage_percent"], 100);
    // Shortening the period below a filled day is refused; a filled period is not deleted.
    let r = api
        .req(Method::PUT, &format!("/api/v1/stability_periods/{pid}"))
        .json(&json!({"name": "国庆期间（测试）", "starts_on": from.to_string(), "ends_on": from.to_string(), "posts": ["leader", "night"], "version": 1}))
        .send()
        .await
        .unwrap();
    assert!(field_error(r, "ends_on").await.contains("已排班"));
    assert_eq!(
        api.req(Method::DELETE, &format!("/api/v1/stability_periods/{pid}")).send().await.unwrap().status(),
        StatusCode::CONFLICT
    );
}
