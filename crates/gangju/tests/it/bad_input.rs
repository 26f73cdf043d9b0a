//! The bad-input corpus (#13) against every endpoint, found by walking the OpenAPI document the
//! server serves (and, for the form pass, the route table): over-long text, control and bidi
//! characters, SQL and LIKE meta-characters, HTML and script, path traversal, wrong JSON types,
//! out-of-range numbers, impossible dates, duplicate keys, mass-assignment fields, ids of the
//! other prison, ids that do not exist, malformed JSON and invalid UTF-8.
//!
//! What must hold: never a 5xx; every refusal carries a Chinese message; a refused request
//! changes nothing in the database (a digest of every table but the audit and session tables);
//! what is accepted is stored as sent (or clearly normalised) and escaped when a page shows it.
//!
//! Each endpoint's cases run twice: once to learn which are refused (checking the answers and the
//! round trip of what is accepted), then the refused ones again between two digests, so the
//! database is digested twice per endpoint rather than twice per request.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Endpoints the corpus is not applied to, each with the reason.
const EXCLUDED: &[(&str, &str, &str)] = &[
    // Ends the session the test runs in, and reads no input at all.
    ("POST", "/api/v1/auth/logout", "takes no input; would end the test's own session"),
];

/// Tables left out of the digest: written on purpose by refused requests (the audit trail,
/// sessions touched on every request, and the change counters that follow those two).
const NOT_DIGESTED: &[&str] = &["audit_log", "audit_head", "sessions", "table_changes"];

/// Demo accounts in the order they are tried for a permission.
const ACCOUNTS: &[&str] =
    &["party", "jiwei", "clerk1", "leader", "officer", "bureau", "sysadmin", "secadmin", "auditadmin", "clerk2"];

/// Over-long text, in characters: one more than the longest limit any field has (全文, 200,000).
const LONG: usize = 200_001;
const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=1>";

/// Text values every string field is given.
fn text_corpus() -> Vec<(&'static str, String)> {
    vec![
        ("over-long CJK", "党".repeat(LONG)),
        ("NUL", "a\u{0}b".into()),
        ("control characters", "a\u{1}\u{7}\u{1b}[31mb".into()),
        ("bidi override", "abc\u{202E}txt.exe".into()),
        ("CRLF injection", "a\r\nSet-Cookie: x=1".into()),
        ("SQL", "' OR 1=1 --".into()),
        ("SQL drop", "x'); DROP TABLE users; --".into()),
        ("LIKE %", "%".into()),
        ("LIKE _", "_".into()),
        ("script", SCRIPT.into()),
        ("attribute breakout", IMG.into()),
        ("path traversal", "../../etc/passwd".into()),
    ]
}

/// Wrong JSON types, for any field.
fn type_corpus() -> Vec<(&'static str, Value)> {
    vec![
        ("number", json!(12345)),
        ("object", json!({"a": 1})),
        ("array", json!(["a", 1])),
        ("null", Value::Null),
        ("true", json!(true)),
        ("false", json!(false)),
    ]
}

/// Out-of-range and malformed numbers, for numeric fields and ids.
fn number_corpus(foreign_unit: i64) -> Vec<(&'static str, Value)> {
    vec![
        ("i64::MAX", json!(i64::MAX)),
        ("u64 beyond i64", json!(u64::MAX)),
        ("-1", json!(-1)),
        ("1e309 as text", json!("1e309")),
        ("1e308", json!(1e308)),
        ("fraction", json!(1.5)),
        ("not a number", json!("abc")),
        ("full-width digits", json!("１２")),
        ("object for number", json!({"n": 1})),
        ("the other prison's unit", json!(foreign_unit)),
        ("no such id", json!(999_999_999)),
    ]
}

fn date_corpus() -> Vec<(&'static str, Value)> {
    vec![
        ("2022-02-30", json!("2022-02-30")),
        ("2022-13-01", json!("2022-13-01")),
        ("0000-00-00", json!("0000-00-00")),
        ("9999-99-99", json!("9999-99-99")),
        ("date with time", json!("2022-01-01T25:61:00")),
        ("-2022-01-01", json!("-2022-01-01")),
    ]
}

/// Path parameter values that name nothing the caller may touch.
fn path_corpus() -> Vec<(&'static str, String)> {
    vec![
        ("no such id", "999999999".into()),
        ("letters", "abc".into()),
        ("negative", "-1".into()),
        ("zero", "0".into()),
        ("beyond i64", "99999999999999999999".into()),
        ("fraction", "1.5".into()),
        ("encoded NUL", "1%00".into()),
        ("traversal", "..%2F..%2Fetc%2Fpasswd".into()),
    ]
}

/// Query values for GET endpoints' parameters (5k characters: a URI is at most 64 KiB).
fn query_corpus() -> Vec<(&'static str, String)> {
    vec![
        ("5k CJK", "党".repeat(5_000)),
        ("NUL", "a\u{0}b".into()),
        ("bidi", "\u{202E}abc".into()),
        ("SQL", "' OR 1=1 --".into()),
        ("LIKE %", "%".into()),
        ("LIKE _", "_".into()),
        ("script", SCRIPT.into()),
        ("traversal", "../../etc/passwd".into()),
        ("-1", "-1".into()),
        ("i64::MAX", i64::MAX.to_string()),
        ("beyond i64", "99999999999999999999".into()),
        ("1e309", "1e309".into()),
        ("2022-02-30", "2022-02-30".into()),
        ("2022-13-01", "2022-13-01".into()),
        ("0000-00-00", "0000-00-00".into()),
    ]
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

// ---------------------------------------------------------------------------------------------
// The database digest.

type Digest = BTreeMap<String, (i64, u64)>;

struct Digester {
    sql: String,
    pg: bool,
}

impl Digester {
    async fn new(app: &TestApp) -> Self {
        let pool = &app.state.db.pool;
        let pg = app.state.db.backend == platform::db::Backend::Postgres;
        let names: Vec<String> = if pg {
            sqlx::query_scalar(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .unwrap()
        } else {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name NOT LIKE 'search_fts%' ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .unwrap()
        };
        let mut parts = Vec::new();
        for t in names.iter().filter(|t| !NOT_DIGESTED.contains(&t.as_str())) {
            if pg {
                // Every row as text, sorted: the same rows give the same digest whatever the
                // physical order.
                parts.push(format!(
                    "SELECT '{t}' AS t, count(*) AS n, \
                     coalesce(md5(string_agg(CAST(x AS TEXT), chr(10) ORDER BY CAST(x AS TEXT))), '') AS h \
                     FROM \"{t}\" x"
                ));
            } else {
                let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(t)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let row = cols.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || ',' || ");
                let pk: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk")
                        .bind(t)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                let order = if pk.is_empty() { "r".to_string() } else { pk.join(", ") };
                parts.push(format!(
                    "SELECT '{t}' AS t, count(*) AS n, coalesce(group_concat(r, char(10)), '') AS h \
                     FROM (SELECT {row} AS r FROM \"{t}\" ORDER BY {order})"
                ));
            }
        }
        assert!(parts.len() > 50, "the digest covers the schema");
        Self { sql: parts.join(" UNION ALL "), pg }
    }

    async fn digest(&self, app: &TestApp) -> Digest {
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as(platform::db::AssertSqlSafe(self.sql.clone())).fetch_all(&app.state.db.pool).await.unwrap();
        rows.into_iter()
            .map(|(t, n, h)| {
                let mut s = DefaultHasher::new();
                h.hash(&mut s);
                let _ = self.pg;
                (t, (n, s.finish()))
            })
            .collect()
    }
}

fn changed(a: &Digest, b: &Digest) -> Vec<String> {
    a.iter().filter(|(t, v)| b.get(*t) != Some(v)).map(|(t, _)| t.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// The endpoints, from the OpenAPI document.

#[derive(Clone, Debug)]
struct Endpoint {
    method: Method,
    path: String,
    need: String,
    summary: String,
}

impl Endpoint {
    fn params(&self) -> Vec<String> {
        self.path.split('/').filter(|s| s.starts_with('{')).map(|s| s.trim_matches(['{', '}']).to_string()).collect()
    }
    /// The collection the path names: `/api/v1/trainings/{id}` -> `trainings`.
    fn collection(&self) -> String {
        self.path.trim_start_matches("/api/v1/").split('/').next().unwrap_or("").to_string()
    }
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The ASCII names a summary lists in its parentheses: `登记培训（unit_id, title, …）`.
fn summary_names(summary: &str) -> Vec<String> {
    let Some(start) = summary.find('（') else { return Vec::new() };
    let mut out = Vec::new();
    let mut prev = ' ';
    let mut cur = String::new();
    let mut cur_prev = ' ';
    for c in summary[start..].chars().chain([' ']) {
        if c.is_ascii_alphanumeric() || c == '_' {
            if cur.is_empty() {
                cur_prev = prev;
            }
            cur.push(c);
        } else if !cur.is_empty() {
            let value = matches!(cur_prev, '=' | '|' | '.');
            let word = cur.chars().next().is_some_and(|f| f.is_ascii_lowercase())
                && !cur.chars().any(|x| x.is_ascii_uppercase());
            if !value && word && !out.contains(&cur) {
                out.push(cur.clone());
            }
            cur.clear();
        }
        prev = c;
    }
    out
}

async fn endpoints(app: &TestApp) -> Vec<Endpoint> {
    let doc: Value = client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut out = Vec::new();
    for (p, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let need = op["description"].as_str().unwrap_or("").trim_start_matches("所需权限：").to_string();
            out.push(Endpoint {
                method: Method::from_bytes(m.to_uppercase().as_bytes()).unwrap(),
                path: p.clone(),
                need,
                summary: op["summary"].as_str().unwrap_or("").to_string(),
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Cases and their answers.

#[derive(Clone, Debug)]
enum Body {
    None,
    /// The current base body with one key set.
    Set(String, Value),
    /// The current base body with several keys set.
    Merge(Vec<(String, Value)>),
    /// A whole JSON value instead of an object.
    Whole(Value),
    /// Raw bytes (made from the base body's JSON text) with a content type.
    Raw(fn(&str) -> Vec<u8>, &'static str),
}

#[derive(Clone, Debug)]
struct Case {
    label: String,
    /// The concrete path; None for the endpoint's own (with its valid ids).
    path: Option<String>,
    query: Vec<(String, String)>,
    body: Body,
}

fn case(label: impl Into<String>, body: Body) -> Case {
    Case { label: label.into(), path: None, query: Vec::new(), body }
}

fn raw_malformed(_: &str) -> Vec<u8> {
    b"{\"title\": \"unterminated".to_vec()
}
fn raw_trailing(b: &str) -> Vec<u8> {
    format!("{b} trailing").into_bytes()
}
fn raw_invalid_utf8(b: &str) -> Vec<u8> {
    // The base object with one more key whose value is not UTF-8.
    let mut v = b.trim_end_matches('}').as_bytes().to_vec();
    if v.len() > 1 {
        v.push(b',');
    }
    v.extend_from_slice(b"\"title\":\"\xff\xfe\xc3\x28\"}");
    v
}
fn raw_empty(_: &str) -> Vec<u8> {
    Vec::new()
}
fn raw_deep(_: &str) -> Vec<u8> {
    let mut v = "[".repeat(5000).into_bytes();
    v.extend("]".repeat(5000).into_bytes());
    v
}
fn raw_bom(b: &str) -> Vec<u8> {
    let mut v = vec![0xEF, 0xBB, 0xBF];
    v.extend_from_slice(b.as_bytes());
    v
}
fn raw_same(b: &str) -> Vec<u8> {
    b.as_bytes().to_vec()
}
/// Every key of the base body given twice, the second time with the script.
fn raw_duplicate_keys(b: &str) -> Vec<u8> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(b) else { return b.as_bytes().to_vec() };
    let mut parts: Vec<String> = m.iter().map(|(k, v)| format!("{}:{}", json!(k), v)).collect();
    for (k, v) in &m {
        if v.is_string() {
            parts.push(format!("{}:{}", json!(k), json!(SCRIPT)));
        }
    }
    format!("{{{}}}", parts.join(",")).into_bytes()
}

struct Answer {
    status: StatusCode,
    json: Option<Value>,
    text: String,
}

/// The demo accounts and what they may do.
struct Accounts {
    perms: BTreeMap<String, BTreeSet<String>>,
    apis: BTreeMap<String, Api>,
    ids: BTreeMap<String, i64>,
}

struct Run<'a> {
    app: &'a TestApp,
    digester: Digester,
    defects: Vec<String>,
    foreign_unit: i64,
    /// collection -> an id of a record of the other prison.
    foreign: BTreeMap<String, i64>,
    /// Accepted values that a page could show: checked for escaping at the end.
    accepted_markup: usize,
    requests: usize,
    endpoints: usize,
    forms: usize,
}

impl Run<'_> {
    fn defect(&mut self, s: String) {
        if self.defects.len() < 2000 {
            self.defects.push(s);
        }
    }

    async fn send(&mut self, api: &Api, method: &Method, path: &str, c: &Case, base: &Map<String, Value>) -> Answer {
        self.requests += 1;
        let mut url = path.to_string();
        if !c.query.is_empty() {
            let q = c
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", platform::web::url_encode(k), platform::web::url_encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            url = format!("{url}?{q}");
        }
        let mut rb = api.req(method.clone(), &url);
        let base_text = Value::Object(base.clone()).to_string();
        rb = match &c.body {
            Body::None => rb,
            Body::Set(k, v) => {
                let mut m = base.clone();
                m.insert(k.clone(), v.clone());
                rb.json(&Value::Object(m))
            }
            Body::Merge(kv) => {
                let mut m = base.clone();
                for (k, v) in kv {
                    m.insert(k.clone(), v.clone());
                }
                rb.json(&Value::Object(m))
            }
            Body::Whole(v) => rb.json(v),
            Body::Raw(f, ct) => rb.header("content-type", *ct).body(f(&base_text)),
        };
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                self.defect(format!("{method} {path} [{}]: no answer ({e})", c.label));
                return Answer { status: StatusCode::INTERNAL_SERVER_ERROR, json: None, text: String::new() };
            }
        };
        let status = resp.status();
        let is_json =
            resp.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
        let text = resp.text().await.unwrap_or_default();
        let json: Option<Value> = if is_json { serde_json::from_str(&text).ok() } else { None };
        let short: String = path.chars().take(120).collect();
        if status.is_server_error() {
            self.defect(format!(
                "{method} {short} [{}]: {status} {}",
                c.label,
                text.chars().take(200).collect::<String>()
            ));
        } else if status.is_client_error() {
            let msg = json.as_ref().and_then(|j| j["error"]["message"].as_str()).unwrap_or("");
            if json.is_none() {
                self.defect(format!(
                    "{method} {short} [{}]: {status} without a JSON error: {}",
                    c.label,
                    text.chars().take(160).collect::<String>()
                ));
            } else if !has_cjk(msg) {
                self.defect(format!("{method} {short} [{}]: {status} message not in Chinese: {msg}", c.label));
            }
        }
        Answer { status, json, text }
    }
}

/// The record in a detail answer: the object itself when it has an id, else its first member
/// that is an object with an id (`{"training": {...}, "attendance": [...]}`).
fn record_of(v: &Value) -> Option<Map<String, Value>> {
    let o = v.as_object()?;
    if o.contains_key("id") {
        return Some(o.clone());
    }
    o.values().find(|x| x.get("id").is_some()).and_then(|x| x.as_object().cloned())
}

/// A scalar copy of a record: nested lists and objects left out (they are replaced wholesale by
/// updates, and read-only elsewhere).
fn scalars(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter().filter(|(_, v)| !v.is_object() && !v.is_array()).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn is_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-' && s.parse::<jiff::civil::Date>().is_ok()
    })
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum Kind {
    Text,
    Number,
    Date,
    List,
}

fn kind_of(name: &str, v: Option<&Value>) -> Kind {
    match v {
        Some(Value::String(_)) if is_date(v.unwrap()) => Kind::Date,
        Some(Value::String(_)) => Kind::Text,
        Some(Value::Number(_) | Value::Bool(_)) => Kind::Number,
        Some(Value::Array(_)) => Kind::List,
        _ if name.ends_with("_ids") => Kind::List,
        _ if name == "id" || name.ends_with("_id") || name == "year" || name == "version" => Kind::Number,
        _ if name.ends_with("_on") || name.ends_with("_date") || name == "from" || name == "to" => Kind::Date,
        _ => Kind::Text,
    }
}

/// Which value stored for a string sent is "as sent, or clearly normalised".
fn round_trips(sent: &str, stored: &Value) -> bool {
    let Some(s) = stored.as_str() else {
        // A number field given digits keeps the number.
        return serde_json::from_str::<Value>(sent.trim()).ok().as_ref() == Some(stored);
    };
    let collapse = |x: &str| x.split_whitespace().collect::<Vec<_>>().join(" ");
    let bare = |x: &str| x.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    s == sent || s == sent.trim() || collapse(s) == collapse(sent)
        // Rich text: the same words in paragraphs, escaped.
        || bare(&unescape(&strip_tags(s))) == bare(sent)
        // Rich text: sanitised markup (no script, no handler) is a clear normalisation.
        || (sent.contains('<') && !s.contains("<script") && !s.contains("onerror"))
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A yes/no flag (a checkbox) reads anything but "1" as no: a clear normalisation.
fn is_flag(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(_))) || v.and_then(Value::as_i64).is_some_and(|n| n == 0 || n == 1)
}

fn bad_chars(s: &str) -> bool {
    s.chars().any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || matches!(c, '\u{202A}'..='\u{202E}'))
}

#[tokio::test]
async fn the_bad_input_corpus_is_refused_or_stored_safely_everywhere() {
    let started = std::time::Instant::now();
    let app = spawn_app().await;
    let pool = app.state.db.pool.clone();
    let foreign_unit = app.unit_id("SL2").await;

    // Who may do what.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.username, rp.permission FROM users u JOIN user_roles ur ON ur.user_id = u.id \
         JOIN role_permissions rp ON rp.role_id = ur.role_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut accounts = Accounts { perms: BTreeMap::new(), apis: BTreeMap::new(), ids: BTreeMap::new() };
    for (u, p) in rows {
        accounts.perms.entry(u).or_default().insert(p);
    }
    for a in ACCOUNTS {
        accounts.apis.insert(a.to_string(), app.token(a).await);
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(*a).fetch_one(&pool).await.unwrap();
        accounts.ids.insert(a.to_string(), id);
    }
    // Form sessions are opened before anything is digested (a login writes the users table).
    let mut browsers = Vec::new();
    for u in ["party", "jiwei", "clerk1"] {
        browsers.push((u.to_string(), app.login(u).await));
    }

    let eps = endpoints(&app).await;
    assert!(eps.len() > 100, "the OpenAPI document lists the API");
    let foreign = foreign_records(&app, &eps, foreign_unit).await;
    let mut run = Run {
        app: &app,
        digester: Digester::new(&app).await,
        defects: Vec::new(),
        foreign_unit,
        foreign,
        accepted_markup: 0,
        requests: 0,
        endpoints: 0,
        forms: 0,
    };

    // GET endpoints: every listed query parameter and every path parameter, one digest around
    // all of them (a GET never changes anything).
    let before = run.digester.digest(&app).await;
    for ep in eps.iter().filter(|e| e.method == Method::GET) {
        let Some(user) = account_for(&accounts, ep) else { continue };
        let api = &accounts.apis[&user];
        let valid = valid_path(&mut run, api, ep).await;
        let mut cases = path_cases(&run, ep, &valid);
        let mut names = summary_names(&ep.summary);
        let listing = ep.params().is_empty();
        if listing {
            for n in ["page", "per_page", "sort", "order", "q"] {
                if !names.iter().any(|x| x == n) {
                    names.push(n.into());
                }
            }
        }
        if let Some(p) = &valid {
            for n in &names {
                for (label, v) in query_corpus() {
                    let mut c = case(format!("?{n}={label}"), Body::None);
                    c.query = vec![(n.clone(), v)];
                    c.path = Some(p.clone());
                    cases.push(c);
                }
            }
        }
        for c in &cases {
            let path = c.path.clone().unwrap_or_default();
            let a = run.send(api, &Method::GET, &path, c, &Map::new()).await;
            if a.status.is_success() && a.text.contains(SCRIPT) && a.json.is_none() {
                run.defect(format!("GET {path} [{}]: script reflected unescaped", c.label));
            }
        }
    }
    let after = run.digester.digest(&app).await;
    let diff = changed(&before, &after);
    if !diff.is_empty() {
        run.defect(format!("GET endpoints changed tables {diff:?}"));
    }
    let get_time = started.elapsed();

    // Everything that writes.
    let writes: Vec<&Endpoint> = eps
        .iter()
        .filter(|e| e.method != Method::GET)
        .filter(|e| !EXCLUDED.iter().any(|(m, p, _)| e.method.as_str() == *m && e.path == *p))
        .collect();
    // The account's own password change last: it may end that account's sessions.
    let mut writes = writes;
    writes.sort_by_key(|e| e.path.starts_with("/api/v1/auth/"));
    for ep in writes {
        write_endpoint(&mut run, &accounts, &eps, ep).await;
    }
    let api_time = started.elapsed();

    // The form pass.
    forms(&mut run, &browsers, &accounts.perms).await;

    // Whatever was accepted is escaped on every page that lists it.
    pages(&mut run, &browsers, &accounts.perms).await;

    eprintln!(
        "bad_input: {} requests, {} API write endpoints, {} forms, {} accepted values with markup; \
         GET pass {:?}, API writes {:?}, total {:?}",
        run.requests,
        run.endpoints,
        run.forms,
        run.accepted_markup,
        get_time,
        api_time - get_time,
        started.elapsed()
    );
    let defects = std::mem::take(&mut run.defects);
    assert!(defects.is_empty(), "{} defects:\n{}", defects.len(), defects.join("\n"));
}

/// The first demo account holding the endpoint's permission.
fn account_for(accounts: &Accounts, ep: &Endpoint) -> Option<String> {
    if ep.path.starts_with("/api/v1/auth/") {
        return Some("clerk2".into());
    }
    if ep.need == "public" || ep.need == "logged_in" {
        return Some("party".into());
    }
    ACCOUNTS.iter().find(|a| accounts.perms.get(**a).is_some_and(|p| p.contains(&ep.need))).map(|a| a.to_string())
}

/// The table behind a collection name: `trainings`, or `exam_attempts` for `attempts`.
async fn table_of(app: &TestApp, coll: &str) -> Option<String> {
    let pg = app.state.db.backend == platform::db::Backend::Postgres;
    let sql = if pg {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() \
         AND (table_name = $1 OR table_name LIKE '%\\_' || $1) ORDER BY length(table_name)"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name = $1 OR name LIKE '%\\_' || $1 ESCAPE '\\') \
         ORDER BY length(name)"
    };
    let names: Vec<String> =
        sqlx::query_scalar(platform::db::AssertSqlSafe(sql)).bind(coll).fetch_all(&app.state.db.pool).await.ok()?;
    names.into_iter().next()
}

async fn columns(app: &TestApp, table: &str) -> Vec<String> {
    let pg = app.state.db.backend == platform::db::Backend::Postgres;
    let sql = if pg {
        "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name = $1 ORDER BY ordinal_position"
    } else {
        "SELECT name FROM pragma_table_info($1) ORDER BY cid"
    };
    sqlx::query_scalar(sql).bind(table).fetch_all(&app.state.db.pool).await.unwrap_or_default()
}

/// For every collection whose table has a unit, one record of the other prison: an existing one,
/// or a copy of one of this prison's, moved there.
async fn foreign_records(app: &TestApp, eps: &[Endpoint], foreign_unit: i64) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let colls: BTreeSet<String> = eps.iter().filter(|e| !e.params().is_empty()).map(Endpoint::collection).collect();
    for coll in colls {
        let Some(table) = table_of(app, &coll).await else { continue };
        let cols = columns(app, &table).await;
        if !cols.iter().any(|c| c == "id") {
            continue;
        }
        let unit_col = if table == "units" {
            "id"
        } else if cols.iter().any(|c| c == "unit_id") {
            "unit_id"
        } else {
            continue;
        };
        let existing: Option<i64> = sqlx::query_scalar(platform::db::AssertSqlSafe(format!(
            "SELECT max(id) FROM {table} WHERE {unit_col} = $1"
        )))
        .bind(foreign_unit)
        .fetch_one(&app.state.db.pool)
        .await
        .ok()
        .flatten();
        if let Some(id) = existing {
            out.insert(coll, id);
            continue;
        }
        let copied: Vec<&String> = cols.iter().filter(|c| *c != "id").collect();
        let select = copied
            .iter()
            .map(|c| if *c == "unit_id" || *c == "prison_id" { format!("{foreign_unit}") } else { format!("\"{c}\"") })
            .collect::<Vec<_>>()
            .join(", ");
        let names = copied.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "INSERT INTO {table} ({names}) SELECT {select} FROM {table} WHERE id = (SELECT min(id) FROM {table})"
        );
        if sqlx::query(platform::db::AssertSqlSafe(sql)).execute(&app.state.db.pool).await.is_ok() {
            let id: Option<i64> = sqlx::query_scalar(platform::db::AssertSqlSafe(format!(
                "SELECT max(id) FROM {table} WHERE {unit_col} = $1"
            )))
            .bind(foreign_unit)
            .fetch_one(&app.state.db.pool)
            .await
            .ok()
            .flatten();
            if let Some(id) = id {
                out.insert(coll, id);
            }
        }
    }
    out
}

/// An id of the collection the caller can see: from its list endpoint, else from its table.
async fn some_id(run: &mut Run<'_>, api: &Api, coll: &str) -> Option<i64> {
    let r = api.get(&format!("/api/v1/{coll}?per_page=5")).await;
    if r.status().is_success()
        && let Ok(v) = r.json::<Value>().await
        && let Some(items) = v["items"].as_array()
        && let Some(id) = items.iter().rev().find_map(|i| i["id"].as_i64())
    {
        return Some(id);
    }
    let table = table_of(run.app, coll).await?;
    sqlx::query_scalar::<_, Option<i64>>(platform::db::AssertSqlSafe(format!(
        "SELECT max(id) FROM {table} WHERE {}",
        if columns(run.app, &table).await.iter().any(|c| c == "unit_id") {
            format!("unit_id <> {}", run.foreign_unit)
        } else {
            "1 = 1".into()
        }
    )))
    .fetch_one(&run.app.state.db.pool)
    .await
    .ok()
    .flatten()
}

/// The endpoint's path with a usable id for its first parameter (others: a made-up id).
async fn valid_path(run: &mut Run<'_>, api: &Api, ep: &Endpoint) -> Option<String> {
    let params = ep.params();
    if params.is_empty() {
        return Some(ep.path.clone());
    }
    let id = some_id(run, api, &ep.collection()).await?;
    let mut first = true;
    Some(
        ep.path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    let v = if first { id.to_string() } else { "999999999".into() };
                    first = false;
                    v
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Bad values in each path parameter (the others as in `valid`), and the other prison's record.
fn path_cases(run: &Run<'_>, ep: &Endpoint, valid: &Option<String>) -> Vec<Case> {
    let n = ep.params().len();
    let mut out = Vec::new();
    let fill = |i: usize, v: &str| {
        let valid_segs: Vec<String> =
            valid.clone().unwrap_or_else(|| ep.path.clone()).split('/').map(String::from).collect();
        let mut k = 0;
        ep.path
            .split('/')
            .enumerate()
            .map(|(j, s)| {
                if s.starts_with('{') {
                    k += 1;
                    if k - 1 == i {
                        v.to_string()
                    } else if valid_segs[j].starts_with('{') {
                        "999999999".into()
                    } else {
                        valid_segs[j].clone()
                    }
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    for i in 0..n {
        for (label, v) in path_corpus() {
            let mut c = case(format!("path param {} = {label}", i + 1), Body::None);
            c.path = Some(fill(i, &v));
            out.push(c);
        }
    }
    if n > 0
        && let Some(id) = run.foreign.get(&ep.collection())
    {
        let mut c = case("the other prison's record", Body::None);
        c.path = Some(fill(0, &id.to_string()));
        out.push(c);
    }
    out
}

async fn fetch_record(api: &Api, coll: &str, id: i64) -> Option<Map<String, Value>> {
    let r = api.get(&format!("/api/v1/{coll}/{id}")).await;
    if !r.status().is_success() {
        return None;
    }
    record_of(&r.json::<Value>().await.ok()?)
}

async fn write_endpoint(run: &mut Run<'_>, accounts: &Accounts, eps: &[Endpoint], ep: &Endpoint) {
    let Some(user) = account_for(accounts, ep) else { return };
    run.endpoints += 1;
    let api = &accounts.apis[&user];
    let coll = ep.collection();
    let valid = valid_path(run, api, ep).await;
    let has_detail = eps.iter().any(|e| e.method == Method::GET && e.path == format!("/api/v1/{coll}/{{id}}"));
    let detail_id: Option<i64> = if ep.path == format!("/api/v1/{coll}/{{id}}") && ep.method == Method::PUT {
        valid.as_ref().and_then(|p| p.rsplit('/').next()).and_then(|s| s.parse().ok())
    } else if ep.path == format!("/api/v1/{coll}") && ep.method == Method::POST && has_detail {
        some_id(run, api, &coll).await
    } else {
        None
    };
    // The base body: an existing record's fields where there is one, else the names the summary
    // lists, empty.
    let mut base = match detail_id {
        Some(id) => fetch_record(api, &coll, id).await.map(|r| scalars(&r)).unwrap_or_default(),
        None => Map::new(),
    };
    let mut names = summary_names(&ep.summary);
    if ep.method == Method::PUT
        && (ep.summary.contains("相同") || ep.summary.contains("另加") || ep.summary.contains("须带"))
        && let Some(create) = eps.iter().find(|e| e.method == Method::POST && e.path == format!("/api/v1/{coll}"))
    {
        names.extend(summary_names(&create.summary));
    }
    for n in &names {
        if !base.contains_key(n) {
            base.insert(n.clone(), Value::String(String::new()));
        }
    }
    if ep.method == Method::PUT && detail_id.is_none() && !base.contains_key("version") {
        base.insert("version".into(), json!(1));
    }

    // The fields the corpus goes into: those the summary names first.
    let mut keys: Vec<String> = names.clone();
    keys.extend(base.keys().filter(|k| !names.contains(k)).cloned());
    keys.retain(|k| !matches!(k.as_str(), "id" | "version" | "created_at" | "updated_at" | "created_by"));
    let pick = |kind: Kind, n: usize| -> Vec<String> {
        keys.iter().filter(|k| kind_of(k, base.get(*k)) == kind).take(n).cloned().collect()
    };
    let (texts, numbers, dates, lists) =
        (pick(Kind::Text, 4), pick(Kind::Number, 3), pick(Kind::Date, 2), pick(Kind::List, 1));

    let mut cases = Vec::new();
    if ep.method != Method::DELETE {
        for k in &texts {
            for (label, v) in text_corpus() {
                cases.push(case(format!("{k} = {label}"), Body::Set(k.clone(), Value::String(v))));
            }
        }
        for k in texts.iter().take(2).chain(numbers.iter()).chain(dates.iter()).chain(lists.iter()) {
            for (label, v) in type_corpus() {
                cases.push(case(format!("{k} = {label}"), Body::Set(k.clone(), v)));
            }
        }
        for k in numbers.iter().chain(lists.iter()) {
            for (label, v) in number_corpus(run.foreign_unit) {
                cases.push(case(format!("{k} = {label}"), Body::Set(k.clone(), v.clone())));
            }
            if kind_of(k, base.get(k)) == Kind::List {
                cases.push(case(format!("{k} = [huge]"), Body::Set(k.clone(), json!([i64::MAX, -1, "x", null]))));
                cases.push(case(format!("{k} = other prison"), Body::Set(k.clone(), json!([run.foreign_unit]))));
            }
        }
        for k in &dates {
            for (label, v) in date_corpus() {
                cases.push(case(format!("{k} = {label}"), Body::Set(k.clone(), v)));
            }
        }
        // Whole bodies.
        cases.push(case("malformed JSON", Body::Raw(raw_malformed, "application/json")));
        cases.push(case("trailing garbage", Body::Raw(raw_trailing, "application/json")));
        cases.push(case("invalid UTF-8", Body::Raw(raw_invalid_utf8, "application/json")));
        cases.push(case("empty body", Body::Raw(raw_empty, "application/json")));
        cases.push(case("5000-deep nesting", Body::Raw(raw_deep, "application/json")));
        cases.push(case("BOM", Body::Raw(raw_bom, "application/json")));
        cases.push(case("text/plain", Body::Raw(raw_same, "text/plain")));
        cases.push(case("duplicate keys", Body::Raw(raw_duplicate_keys, "application/json")));
        cases.push(case("array body", Body::Whole(json!([1, 2]))));
        cases.push(case("null body", Body::Whole(Value::Null)));
        cases.push(case("string body", Body::Whole(json!("x"))));
        cases.push(case("number body", Body::Whole(json!(1e300))));
        cases.push(case(
            "mass assignment",
            Body::Merge(vec![
                ("id".into(), json!(987_654_321)),
                ("unit_id".into(), json!(run.foreign_unit)),
                ("prison_id".into(), json!(run.foreign_unit)),
                ("created_by".into(), json!(1)),
                ("created_at".into(), json!(0)),
                ("updated_at".into(), json!(0)),
                ("audit".into(), json!(false)),
                ("label".into(), json!(0)),
                ("is_admin".into(), json!(true)),
                ("owner_id".into(), json!(1)),
            ]),
        ));
    }
    let path_bad = path_cases(run, ep, &valid);
    let Some(own_path) = valid.clone() else {
        // No usable record: only the bad paths.
        run_cases(run, api, ep, &coll, &ep.path, path_bad, &mut base, None).await;
        return;
    };
    // DELETE only gets ids that name nothing the caller may delete.
    let mut all = path_bad;
    all.extend(cases);
    run_cases(run, api, ep, &coll, &own_path, all, &mut base, detail_id).await;
}

#[allow(clippy::too_many_arguments)]
async fn run_cases(
    run: &mut Run<'_>,
    api: &Api,
    ep: &Endpoint,
    coll: &str,
    own_path: &str,
    cases: Vec<Case>,
    base: &mut Map<String, Value>,
    detail_id: Option<i64>,
) {
    let is_put = ep.method == Method::PUT;
    // A create from an existing record's fields, unchanged: what a new record holds in the
    // fields the endpoint does not take (counts, later stages).
    let mut control = Map::new();
    if ep.method == Method::POST && detail_id.is_some() {
        let a =
            run.send(api, &ep.method, own_path, &case("the record's own fields", Body::Merge(Vec::new())), base).await;
        if a.status.is_success()
            && let Some(id) = a.json.as_ref().and_then(|j| j["id"].as_i64())
        {
            control = fetch_record(api, coll, id).await.unwrap_or_default();
        }
    }
    // Pass 1: which cases are refused; what is accepted must round-trip.
    let mut refused = Vec::new();
    for c in cases {
        let path = c.path.clone().unwrap_or_else(|| own_path.to_string());
        let a = run.send(api, &ep.method, &path, &c, base).await;
        if a.status.is_client_error() {
            refused.push(c);
            continue;
        }
        if !a.status.is_success() && !a.status.is_redirection() {
            continue;
        }
        // Accepted: the record as stored.
        let id = if is_put && c.path.is_none() {
            detail_id
        } else if ep.method == Method::POST && c.path.is_none() {
            a.json.as_ref().and_then(|j| j["id"].as_i64())
        } else {
            None
        };
        let stored = match id {
            Some(id) => fetch_record(api, coll, id).await,
            None => None,
        };
        if let Some(rec) = &stored {
            match &c.body {
                Body::Set(k, Value::String(sent)) => {
                    if let Some(v) = rec.get(k) {
                        // A field the endpoint does not take keeps the value it had.
                        let ignored = base.get(k) == Some(v) || control.get(k) == Some(v);
                        let flag = is_flag(base.get(k)) && is_flag(Some(v));
                        if !ignored && !flag && !round_trips(sent, v) {
                            run.defect(format!(
                                "{} [{}]: accepted but stored as {}",
                                ep.label(),
                                c.label,
                                v.to_string().chars().take(100).collect::<String>()
                            ));
                        }
                        if v.as_str().is_some_and(bad_chars) {
                            run.defect(format!("{} [{}]: control or bidi character stored", ep.label(), c.label));
                        }
                        if v.as_str().is_some_and(|s| s.chars().count() >= LONG) {
                            run.defect(format!("{} [{}]: over-long text stored", ep.label(), c.label));
                        }
                        if sent.contains('<') {
                            run.accepted_markup += 1;
                        }
                    }
                }
                Body::Merge(_)
                    if rec.get("unit_id").and_then(Value::as_i64) == Some(run.foreign_unit)
                        || rec.get("id").and_then(Value::as_i64) == Some(987_654_321) =>
                {
                    run.defect(format!("{} [{}]: a field the user may not set was stored", ep.label(), c.label));
                }
                _ => {}
            }
        }
        // An update bumps the version: the next cases start from the stored record.
        if is_put && let Some(rec) = stored {
            let fresh = scalars(&rec);
            for (k, v) in fresh {
                if base.contains_key(&k) {
                    base.insert(k, v);
                }
            }
        }
    }
    if refused.is_empty() {
        return;
    }
    // Pass 2: the refused cases again, between two digests.
    let before = run.digester.digest(run.app).await;
    for c in &refused {
        let path = c.path.clone().unwrap_or_else(|| own_path.to_string());
        run.send(api, &ep.method, &path, c, base).await;
    }
    let after = run.digester.digest(run.app).await;
    let diff = changed(&before, &after);
    if diff.is_empty() {
        return;
    }
    {
        // Find the case that changed something (a case accepted this time changes things).
        for c in &refused {
            let path = c.path.clone().unwrap_or_else(|| own_path.to_string());
            let b = run.digester.digest(run.app).await;
            let a = run.send(api, &ep.method, &path, c, base).await;
            let d = changed(&b, &run.digester.digest(run.app).await);
            if a.status.is_client_error() && !d.is_empty() {
                run.defect(format!("{} [{}]: refused ({}) but changed {d:?}", ep.label(), c.label, a.status));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The form pass: the create and edit forms of the route table, posted with the CSRF token.

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(&format!("{name}=\"")) {
        let at = from + i;
        let ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let start = at + name.len() + 2;
        let end = tag[start..].find('"').map(|e| start + e)?;
        if ok {
            return Some(unescape(&tag[start..end]));
        }
        from = end;
    }
    None
}

fn has_flag(tag: &str, flag: &str) -> bool {
    tag.split(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/').any(|w| w == flag)
}

#[derive(Clone, Debug)]
struct Field {
    name: String,
    value: String,
    kind: Kind,
}

/// The fields of the form posting to `action`, with the values the page filled in.
fn form_fields(html: &str, action: &str) -> Option<Vec<Field>> {
    let mut at = 0;
    let body = loop {
        let i = html[at..].find("<form")? + at;
        let end = html[i..].find('>')? + i;
        let tag = &html[i..end];
        let close = html[end..].find("</form>").map(|c| end + c).unwrap_or(html.len());
        if attr(tag, "method").is_some_and(|m| m.eq_ignore_ascii_case("post"))
            && attr(tag, "action").as_deref() == Some(action)
        {
            break &html[end..close];
        }
        at = end;
    };
    let mut out: Vec<Field> = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            let ty = attr(tag, "type").unwrap_or_else(|| "text".into());
            if let Some(name) = attr(tag, "name")
                && name != "_csrf"
            {
                let value = attr(tag, "value").unwrap_or_default();
                let kind = match ty.as_str() {
                    "text" | "search" | "tel" | "email" | "url" => Some(Kind::Text),
                    "date" => Some(Kind::Date),
                    "number" => Some(Kind::Number),
                    "hidden" => Some(Kind::List),
                    "checkbox" | "radio" if has_flag(tag, "checked") => Some(Kind::List),
                    _ => None,
                };
                if let Some(kind) = kind {
                    out.push(Field { name, value, kind });
                }
            }
        } else if tag.starts_with("<textarea")
            && let Some(name) = attr(tag, "name")
        {
            {
                let close = rest.find("</textarea>").unwrap_or(end);
                let value = unescape(rest.get(end + 1..close).unwrap_or(""));
                out.push(Field { name, value, kind: Kind::Text });
            }
        } else if tag.starts_with("<select")
            && let Some(name) = attr(tag, "name")
        {
            {
                let close = rest.find("</select>").unwrap_or(end);
                let opts = &rest[end..close];
                let mut first = None;
                let mut chosen = None;
                let mut o = opts;
                while let Some(j) = o.find("<option") {
                    let oe = o[j..].find('>').map(|e| j + e).unwrap_or(o.len());
                    let otag = &o[j..oe];
                    let v = attr(otag, "value").unwrap_or_default();
                    if first.is_none() {
                        first = Some(v.clone());
                    }
                    if has_flag(otag, "selected") && chosen.is_none() {
                        chosen = Some(v);
                    }
                    o = &o[oe..];
                }
                if let Some(value) = chosen.or(first) {
                    out.push(Field { name, value, kind: Kind::List });
                }
            }
        }
        rest = &rest[end.min(rest.len())..];
        if rest.len() <= 1 {
            break;
        }
        rest = &rest[1..];
    }
    Some(out)
}

fn form_corpus(kind: Kind) -> Vec<(&'static str, String)> {
    match kind {
        Kind::Text => vec![
            ("over-long CJK", "党".repeat(LONG)),
            ("NUL", "a\u{0}b".into()),
            ("bidi override", "abc\u{202E}txt.exe".into()),
            ("SQL", "' OR 1=1 --".into()),
            ("LIKE %", "%_".into()),
            ("script", SCRIPT.into()),
            ("attribute breakout", IMG.into()),
            ("path traversal", "../../etc/passwd".into()),
        ],
        Kind::Date => vec![
            ("2022-02-30", "2022-02-30".into()),
            ("2022-13-01", "2022-13-01".into()),
            ("0000-00-00", "0000-00-00".into()),
        ],
        Kind::Number => vec![
            ("i64::MAX", i64::MAX.to_string()),
            ("beyond i64", "99999999999999999999".into()),
            ("-1", "-1".into()),
            ("1e309", "1e309".into()),
            ("not a number", "abc".into()),
        ],
        Kind::List => vec![("no such id", "999999999".into()), ("letters", "abc".into()), ("script", SCRIPT.into())],
    }
}

fn raw_markup(html: &str) -> bool {
    html.contains(SCRIPT) || html.contains("<img src=x onerror=1>")
}

struct FormCase {
    label: String,
    fields: Vec<(String, String)>,
}

async fn post_form(run: &mut Run<'_>, b: &Browser, target: &str, c: &FormCase) -> StatusCode {
    run.requests += 1;
    let pairs: Vec<(&str, &str)> = c.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let resp = b.post(target, &pairs).await;
    let status = resp.status();
    let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(String::from);
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.text().await.unwrap_or_default();
    if status.is_server_error() {
        run.defect(format!("POST {target} [{}]: {status}", c.label));
    } else if status.is_client_error() {
        if !ct.contains("text/html") || !has_cjk(&text) {
            run.defect(format!(
                "POST {target} [{}]: {status} not a Chinese page: {}",
                c.label,
                text.chars().take(160).collect::<String>()
            ));
        }
        if raw_markup(&text) {
            run.defect(format!("POST {target} [{}]: the error page shows the markup unescaped", c.label));
        }
    } else if status.is_success() && raw_markup(&text) {
        run.defect(format!("POST {target} [{}]: the page shows the markup unescaped", c.label));
    }
    if status.is_redirection()
        && let Some(loc) = location
        && loc.starts_with('/')
        && !loc.starts_with("/login")
    {
        let page = b.get(&loc).await;
        let ok = page.status();
        let html = page.text().await.unwrap_or_default();
        if ok.is_server_error() {
            run.defect(format!("GET {loc} after POST {target} [{}]: {ok}", c.label));
        }
        if raw_markup(&html) {
            run.defect(format!("GET {loc} after POST {target} [{}]: markup shown unescaped", c.label));
        }
    }
    status
}

async fn forms(run: &mut Run<'_>, browsers: &[(String, Browser)], perms: &BTreeMap<String, BTreeSet<String>>) {
    let routes = run.app.state.registry.routes.clone();
    let gets: BTreeSet<String> = routes.iter().filter(|r| r.method == "GET").map(|r| r.path.to_string()).collect();
    for r in routes.iter().filter(|r| !r.api && r.method == "POST") {
        let Some((_, b)) = browsers.iter().find(|(u, _)| perms.get(u).is_some_and(|p| p.contains(&r.need))) else {
            continue;
        };
        let (page, target) = if !r.path.contains('{') && gets.contains(&format!("{}/new", r.path)) {
            (format!("{}/new", r.path), r.path.to_string())
        } else if let Some(prefix) = r.path.strip_suffix("/{id}")
            && !prefix.contains('{')
            && gets.contains(&format!("{}/edit", r.path))
        {
            // A record of the list page.
            let list = b.get(prefix).await.text().await.unwrap_or_default();
            let marker = format!("href=\"{prefix}/");
            let Some(id) = list.split(&marker).skip(1).find_map(|s| {
                let d: String = s.chars().take_while(char::is_ascii_digit).collect();
                (!d.is_empty() && s[d.len()..].starts_with('"')).then_some(d)
            }) else {
                continue;
            };
            (format!("{prefix}/{id}/edit"), format!("{prefix}/{id}"))
        } else {
            continue;
        };
        let html = b.get(&page).await.text().await.unwrap_or_default();
        let Some(fields) = form_fields(&html, &target) else { continue };
        run.forms += 1;
        let base: Vec<(String, String)> = fields.iter().map(|f| (f.name.clone(), f.value.clone())).collect();
        let mut cases = Vec::new();
        for kind in [Kind::Text, Kind::Date, Kind::Number, Kind::List] {
            let limit = if kind == Kind::Text { 4 } else { 2 };
            let mut seen = BTreeSet::new();
            for f in fields
                .iter()
                .filter(|f| f.kind == kind && f.name != "version")
                .filter(|f| seen.insert(f.name.clone()))
                .take(limit)
            {
                for (label, v) in form_corpus(kind) {
                    let mut fs = base.clone();
                    for p in fs.iter_mut().filter(|p| p.0 == f.name) {
                        p.1 = v.clone();
                    }
                    cases.push(FormCase { label: format!("{} = {label}", f.name), fields: fs });
                }
            }
        }
        let mut mass = base.clone();
        mass.extend([
            ("unit_id".to_string(), run.foreign_unit.to_string()),
            ("id".into(), "987654321".into()),
            ("created_by".into(), "1".into()),
        ]);
        cases.push(FormCase { label: "mass assignment".into(), fields: mass });
        let mut refused = Vec::new();
        let mut edited = false;
        for c in cases {
            let mut c = c;
            if edited && target != r.path {
                // The version moved on: take the page's fields again, with this case's change.
                let html = b.get(&page).await.text().await.unwrap_or_default();
                if let Some(fresh) = form_fields(&html, &target)
                    && let Some(v) = fresh.iter().find(|f| f.name == "version")
                {
                    for p in c.fields.iter_mut().filter(|p| p.0 == "version") {
                        p.1 = v.value.clone();
                    }
                }
                edited = false;
            }
            let s = post_form(run, b, &target, &c).await;
            if s.is_client_error() {
                refused.push(c);
            } else if s.is_redirection() {
                edited = true;
            }
        }
        if refused.is_empty() {
            continue;
        }
        let before = run.digester.digest(run.app).await;
        for c in &refused {
            post_form(run, b, &target, c).await;
        }
        let diff = changed(&before, &run.digester.digest(run.app).await);
        if !diff.is_empty() {
            for c in &refused {
                let d0 = run.digester.digest(run.app).await;
                let s = post_form(run, b, &target, c).await;
                let d = changed(&d0, &run.digester.digest(run.app).await);
                if s.is_client_error() && !d.is_empty() {
                    run.defect(format!("POST {target} [{}]: refused ({s}) but changed {d:?}", c.label));
                }
            }
        }
    }
}

/// Every page without parameters, as each account that may open it: plain (what was accepted
/// above is shown escaped) and with the corpus in its query string.
async fn pages(run: &mut Run<'_>, browsers: &[(String, Browser)], perms: &BTreeMap<String, BTreeSet<String>>) {
    let routes = run.app.state.registry.routes.clone();
    let query = [
        ("q", SCRIPT.to_string()),
        ("page", i64::MAX.to_string()),
        ("per_page", "-1".into()),
        ("sort", "' OR 1=1 --".into()),
        ("order", "\u{0}".into()),
        ("year", "99999999999999999999".into()),
        ("from", "2022-02-30".into()),
        ("to", "0000-00-00".into()),
        ("unit", IMG.into()),
        ("kind", "../../etc/passwd".into()),
        ("status", "%".into()),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", platform::web::url_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    for r in
        routes.iter().filter(|r| !r.api && r.method == "GET" && !r.path.contains('{') && !r.path.ends_with("/export"))
    {
        if matches!(r.path, "/logout" | "/healthz") {
            continue;
        }
        for (u, b) in browsers {
            if r.need.contains(':') && !perms.get(u).is_some_and(|p| p.contains(&r.need)) {
                continue;
            }
            for url in [r.path.to_string(), format!("{}?{query}", r.path)] {
                run.requests += 1;
                let resp = b.get(&url).await;
                let status = resp.status();
                let html = resp.text().await.unwrap_or_default();
                if status.is_server_error() {
                    run.defect(format!("GET {} as {u}: {status}", url.chars().take(80).collect::<String>()));
                }
                if raw_markup(&html) {
                    run.defect(format!(
                        "GET {} as {u}: markup shown unescaped",
                        url.chars().take(80).collect::<String>()
                    ));
                }
            }
        }
    }
}
