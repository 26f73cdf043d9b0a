//! The shared ledger mechanism on units and accounts: paging, export, import, conflicts.

use crate::common::*;
use reqwest::{Method, StatusCode};

const HEADERS: &[&str] = &["单位编码", "单位名称", "类型", "上级单位编码", "排序", "联系电话", "职责简介"];

#[tokio::test]
async fn import_is_all_or_nothing_and_reports_every_bad_row() {
    let app = spawn_app().await;
    let b = app.login("sysadmin").await;
    let before = app.scalar("SELECT count(*) FROM units").await;
    let bad = xlsx(
        HEADERS,
        &[
            vec!["SL-JQ11", "十一监区", "科室/监区", "SL", "31", "", ""],
            vec!["SL-JQ12", "十二监区", "科室/监区", "SL", "abc", "", ""],
            vec!["SL-JQ13", "", "科室/监区", "NOPE", "33", "", ""],
            vec!["SL-JQ11", "重复编码", "科室/监区", "SL", "34", "", ""],
        ],
    );
    let r = b.upload("/system/units/import", "单位.xlsx", bad.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("未导入任何数据"), "{page}");
    for needle in ["排序须为整数", "NOPE", "单位编码已存在"] {
        assert!(page.contains(needle), "missing {needle}");
    }
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before, "nothing imported");

    // The API answers the same, with line numbers as the user sees them in Excel.
    let api = app.token("sysadmin").await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bad).file_name("u.xlsx"));
    let r = api.req(Method::POST, "/api/v1/units/import").multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    let lines: Vec<i64> = v["errors"].as_array().unwrap().iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![4, 5, 6], "{v}");
    assert_eq!(v["imported"], 0);
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before);

    // Fixed, the check passes, and 确认导入 imports every row in one go.
    let good = xlsx(
        HEADERS,
        &[
            vec!["SL-JQ11", "十一监区", "科室/监区", "SL", "31", "", ""],
            vec!["SL-JQ11-1", "十一监区分监区", "科室/监区", "SL-JQ11", "1", "", ""],
        ],
    );
    let r = b.upload("/system/units/import", "单位.xlsx", good).await;
    let page = r.text().await.unwrap();
    assert!(page.contains("全部校验通过"), "{page}");
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before, "checking imports nothing");
    let token: String =
        page.split("name=\"token\" value=\"").nth(1).unwrap().chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    let done = b.post("/system/units/import/confirm", &[("token", token.as_str())]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before + 2);
    assert_eq!(app.audit_count("import").await, 1);
}

#[tokio::test]
async fn hostile_and_broken_files_are_refused_cleanly() {
    let app = spawn_app().await;
    let b = app.login("sysadmin").await;
    let before = app.scalar("SELECT count(*) FROM units").await;
    for (name, bytes) in [("a.xlsx", b"PK\x03\x04garbage".to_vec()), ("b.xlsx", vec![0u8; 64]), ("c.csv", Vec::new())] {
        let r = b.upload("/system/units/import", name, bytes).await;
        assert!(r.status().is_client_error(), "{name}: {}", r.status());
        assert!(r.text().await.unwrap().contains("文件"));
    }
    // A CSV in GB18030, as Excel saves it on Chinese Windows, imports.
    let csv = "单位编码,单位名称,类型,上级单位编码,排序,联系电话,职责简介\r\nSL-GB,国标编码监区,科室/监区,SL,5,,\r\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(csv);
    let r = b.upload("/system/units/import", "gb.csv", gb.into_owned()).await;
    assert!(r.text().await.unwrap().contains("全部校验通过"));
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before);
}

#[tokio::test]
async fn export_follows_the_filters_and_neutralises_formulas() {
    let app = spawn_app().await;
    let api = app.token("sysadmin").await;
    let parent = app.unit_id("SL").await;
    let r = api.req(Method::POST, "/api/v1/units").json(&serde_json::json!({"parent_id": parent, "code": "EVIL", "name": "=HYPERLINK(\"x\")", "kind": "department"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let b = app.login("sysadmin").await;
    let r = b.get("/system/units/export?code=EVIL").await;
    assert_eq!(r.status(), StatusCode::OK);
    let disp = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disp.starts_with("attachment; filename*=UTF-8''"), "{disp}");
    assert!(disp.contains("%E5%8D%95%E4%BD%8D%E5%8F%B0%E8%B4%A6_"), "named 单位台账_YYYYMMDD.xlsx: {disp}");
    let rows = read_xlsx(&r.bytes().await.unwrap());
    assert!(rows[0][0].contains("单位台账"), "title row");
    assert_eq!(rows[1][1], "单位编码");
    assert_eq!(rows.len(), 3, "one data row: the export follows the filter");
    assert_eq!(rows[2][2], "'=HYPERLINK(\"x\")");
    assert_eq!(app.audit_count("export").await, 1);
}

#[tokio::test]
async fn a_stale_save_gets_a_conflict_not_an_overwrite() {
    let app = spawn_app().await;
    let id = app.unit_id("SL-JQ05").await;
    let a = app.token("sysadmin").await;
    let first = a
        .req(Method::PUT, &format!("/api/v1/units/{id}"))
        .json(&serde_json::json!({"name": "五监区（甲）", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = a
        .req(Method::PUT, &format!("/api/v1/units/{id}"))
        .json(&serde_json::json!({"name": "五监区（乙）", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let v: serde_json::Value = second.json().await.unwrap();
    assert_eq!(v["error"]["code"], "conflict");
    assert!(v["error"]["message"].as_str().unwrap().contains("已被他人修改"));
    let name: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(name, "五监区（甲）");
    // The page form says so next to the form, keeping the user's input.
    let b = app.login("sysadmin").await;
    let r = b
        .post(&format!("/system/units/{id}/edit"), &[("name", "五监区（丙）"), ("version", "1"), ("sort_order", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("已被他人修改") && page.contains("五监区（丙）"));
}

#[tokio::test]
async fn bad_input_gets_chinese_messages_and_changes_nothing() {
    let app = spawn_app().await;
    let b = app.login("sysadmin").await;
    let parent = app.unit_id("SL").await.to_string();
    let before = app.scalar("SELECT count(*) FROM units").await;
    let long = "监".repeat(61);
    for (form, msg) in [
        (vec![("parent_id", parent.as_str()), ("code", "OK1"), ("name", ""), ("kind", "department")], "请输入单位名称"),
        (
            vec![("parent_id", parent.as_str()), ("code", "OK1"), ("name", long.as_str()), ("kind", "department")],
            "最多 60 个字",
        ),
        (vec![("parent_id", parent.as_str()), ("code", "a b'"), ("name", "x"), ("kind", "department")], "只能包含字母"),
        (
            vec![("parent_id", parent.as_str()), ("code", "OK1"), ("name", "x\u{202E}y"), ("kind", "department")],
            "控制字符",
        ),
        (vec![("parent_id", parent.as_str()), ("code", "OK1"), ("name", "x"), ("kind", "galaxy")], "单位类型"),
        (
            vec![
                ("parent_id", parent.as_str()),
                ("code", "OK1"),
                ("name", "x"),
                ("kind", "department"),
                ("sort_order", "-5"),
            ],
            "排序",
        ),
        (vec![("parent_id", "999999"), ("code", "OK1"), ("name", "x"), ("kind", "department")], "上级单位"),
        (
            vec![("parent_id", parent.as_str()), ("code", "SL-JQ01"), ("name", "x"), ("kind", "department")],
            "单位编码已存在",
        ),
    ] {
        let r = b.post("/system/units", &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{msg}");
        let page = r.text().await.unwrap();
        assert!(page.contains(msg), "expected {msg}");
    }
    let api = app.token("sysadmin").await;
    let r = api
        .req(Method::POST, "/api/v1/units")
        .header("content-type", "application/json")
        .body("{\"name\": 5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_request");
    let r = api
        .req(Method::POST, "/api/v1/units")
        .json(&serde_json::json!({"parent_id": 1, "code": "", "name": "", "kind": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["name"], "请输入单位名称");
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before);
    // Paging is bounded whatever is asked.
    let sorted = api.json("/api/v1/units?sort=code&order=desc&per_page=200").await;
    let codes: Vec<&str> = sorted["items"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    let mut expected = codes.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(codes, expected, "sorted by the allow-listed column");
    let page = b.get("/system/units?sort=name&order=asc").await.text().await.unwrap();
    assert!(
        page.contains("单位名称 ▲") && page.contains("order=desc&#38;page=1&#38;sort=name"),
        "the header flips the order"
    );
    let p = api.json("/api/v1/units?per_page=100000&page=-3&sort=1;drop").await;
    assert_eq!(p["per_page"], 200);
    assert_eq!(p["page"], 1);
}

#[tokio::test]
async fn the_accounts_list_masks_phones_and_pages() {
    let app = spawn_app().await;
    let a = app.token("sysadmin").await;
    let unit = app.unit_id("SL-JQ04").await;
    let r = a
        .req(Method::POST, "/api/v1/users")
        .json(&serde_json::json!({"username": "lisi", "display_name": "李四", "unit_id": unit, "phone": "13812345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["one_time_password"].as_str().unwrap().len(), 16);
    let b = app.login("sysadmin").await;
    let page = b.get("/system/users?keyword=lisi").await.text().await.unwrap();
    assert!(page.contains("138****5678") && !page.contains("13812345678"));
    // What the API gives can be sent back as it is: the masked phone means "unchanged".
    let id = v["user"]["id"].as_i64().unwrap();
    let mut user = a.json(&format!("/api/v1/users/{id}")).await;
    assert_eq!(user["phone"], "138****5678");
    user["display_name"] = serde_json::json!("李四（改）");
    let r = a.req(Method::PUT, &format!("/api/v1/users/{id}")).json(&user).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let phone: String = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(phone, "13812345678");
    let list = a.json("/api/v1/users?per_page=3&page=2").await;
    assert_eq!(list["per_page"], 3);
    assert_eq!(list["page"], 2);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert_eq!(list["total"], 10);
}

#[tokio::test]
async fn fields_a_user_may_not_set_are_ignored() {
    let app = spawn_app().await;
    let id = app.unit_id("SL-JQ01").await;
    let bureau = app.unit_id("SJ").await;
    let clerk = app.token("clerk1").await;
    let body = serde_json::json!({"name": "一监区", "code": "HACKED", "kind": "bureau", "parent_id": bureau, "version": 1, "prison_id": 1});
    let r = clerk.req(Method::PUT, &format!("/api/v1/units/{id}")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (code, kind, parent): (String, String, Option<i64>) =
        sqlx::query_as("SELECT code, kind, parent_id FROM units WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!((code.as_str(), kind.as_str()), ("SL-JQ01", "department"));
    assert_eq!(parent, Some(app.unit_id("SL").await));
    // Roles and status cannot be set through the account form or API either.
    let admin = app.token("sysadmin").await;
    let unit = app.unit_id("SL-JQ01").await;
    let r = admin
        .req(Method::POST, "/api/v1/users")
        .json(&serde_json::json!({"username": "wangwu", "display_name": "王五", "unit_id": unit, "roles": ["leader"], "status": "active", "clearance": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["user"]["roles"].as_array().unwrap().len(), 0);
    assert_eq!(v["user"]["clearance"], 0);
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_before_they_are_stored() {
    let policy = platform::state::Policy { max_upload_bytes: 64 * 1024, ..Default::default() };
    let app = spawn_with(policy).await;
    let unit = app.unit_id("SL-JQ02").await;
    let clerk = app.login("clerk2").await;
    let r = clerk
        .upload(&format!("/attachments?owner_type=unit&owner_id={unit}"), "大文件.txt", vec![b'a'; 200 * 1024])
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(app.scalar("SELECT count(*) FROM attachments").await, 0);
    let files = std::fs::read_dir(app.dir.join("files")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "nothing written to disk");
}

/// An export longer than one slice (2,000 rows): every row once, in the list's order, numbered
/// from 1, the same count as the list, and no temporary file left behind.
#[tokio::test]
async fn a_long_export_is_read_in_slices_and_written_row_by_row() {
    use platform::audit::{Actor, Event};
    let app = spawn_app().await;
    let n = 4_500;
    let rows: Vec<(i64, Actor, Event<'_>)> = (0..n)
        .map(|i| {
            let actor = Actor {
                user_id: None,
                username: "bulk-writer".into(),
                role: "unit_clerk".into(),
                unit_id: None,
                addr: "10.0.0.9".into(),
                request_id: "bulk".into(),
            };
            (1_700_000_000_000 + i, actor, Event::ok("update", "meeting", "1").detail("批量写入"))
        })
        .collect();
    let mut tx = app.state.db.begin().await.unwrap();
    platform::audit::append_many(&mut tx, &app.state.keys.audit, &rows).await.unwrap();
    tx.commit().await.unwrap();

    let api = app.token("auditadmin").await;
    let listed = api.json("/api/v1/audit_logs?username=bulk-writer&per_page=1").await;
    assert_eq!(listed["total"], n);
    let b = app.login("auditadmin").await;
    let exports_before = app.audit_count("export").await;
    let queries_before = app.audit_count("audit_query").await;
    let r = b.get("/system/audit/export?username=bulk-writer").await;
    assert_eq!(r.status(), StatusCode::OK);
    let len: usize = r.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let bytes = r.bytes().await.unwrap();
    assert_eq!(bytes.len(), len);
    let sheet = read_xlsx(&bytes);
    assert_eq!(sheet.len(), 2 + n as usize, "title, headers and every row");
    assert_eq!(sheet[1][1], "审计序号");
    let seqs: Vec<i64> = sheet[2..].iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first, each row once");
    for (i, row) in sheet[2..].iter().enumerate() {
        assert_eq!(row[0], (i + 1).to_string(), "序号 runs from 1");
        assert_eq!(row[3], "bulk-writer");
    }
    assert_eq!(app.audit_count("export").await, exports_before + 1);
    assert_eq!(app.audit_count("audit_query").await, queries_before, "the export is audited once, as the export");
    let left: Vec<_> = std::fs::read_dir(app.dir.join("tmp")).unwrap().flatten().collect();
    assert!(left.is_empty(), "no temporary file is left: {left:?}");
}

/// An export is read and written on a bulk thread at a lower priority, and on SQLite its reads go
/// through connections of their own, opened from there, so that their threads (where SQLite does
/// the work) run at that priority too: the pages go first.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_exports_reads_run_at_the_bulk_priority() {
    let app = spawn_app().await;
    assert_eq!(app.state.db.bulk_connections(), 0, "no bulk connection before any bulk work");
    let b = app.login("party").await;
    let r = b.get("/supervision/measures/export").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(read_xlsx(&r.bytes().await.unwrap()).len() > 2, "the demo's measures are exported");
    if app.database_url.is_some() {
        // PostgreSQL's work is done by its own server; ours by whichever thread polls the read.
        assert_eq!(app.state.db.bulk_connections(), 0);
        return;
    }
    assert!(app.state.db.bulk_connections() >= 1, "the export read through a bulk connection");
    // Field 19 of a thread's stat is its nice value; the name (field 2) is in parentheses.
    let nice = |stat: &std::path::Path| -> Option<i32> {
        let text = std::fs::read_to_string(stat).ok()?;
        text.rsplit_once(')')?.1.split_whitespace().nth(16)?.parse().ok()
    };
    let own = nice(std::path::Path::new("/proc/thread-self/stat")).unwrap();
    let lowered = (own + platform::bulk::NICER_BY).min(19);
    let niced_sqlite_threads = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with("sqlx-sqlite")))
        .filter(|t| nice(&t.path().join("stat")) == Some(lowered))
        .count();
    assert!(niced_sqlite_threads >= 1, "a SQLite connection thread runs at the bulk priority");
}

/// A list's total is the same however it is paged: a first page that is not full counts its own
/// rows (no count query), a full one or a later one asks the database.
#[tokio::test]
async fn the_total_is_the_same_on_every_page_size() {
    let app = spawn_app().await;
    let api = app.token("sysadmin").await;
    // The reference: a full first page, whose total comes from the count query.
    let all = api.json("/api/v1/units?per_page=5").await["total"].as_i64().unwrap();
    assert!(all > 5 && all < 100, "the demo's units in the administrator's reach: {all}");
    assert!(all <= app.scalar("SELECT count(*) FROM units").await);
    for (q, items) in [
        ("per_page=100", all),
        (&format!("per_page={all}")[..], all),
        ("per_page=5", 5),
        ("per_page=5&page=2", 5),
        ("per_page=5&page=999", 0),
    ] {
        let v = api.json(&format!("/api/v1/units?{q}")).await;
        assert_eq!(v["total"].as_i64(), Some(all), "{q}");
        assert_eq!(v["items"].as_array().unwrap().len() as i64, items, "{q}");
    }
    // Filtered to a few: the total is those few.
    let v = api.json("/api/v1/units?name=%E7%9B%91%E5%8C%BA&per_page=100").await;
    let n = v["items"].as_array().unwrap().len() as i64;
    assert!(n > 0);
    assert_eq!(v["total"].as_i64(), Some(n));
    let v = api.json("/api/v1/units?name=%E7%9B%91%E5%8C%BA&per_page=1").await;
    assert_eq!(v["total"].as_i64(), Some(n), "the count query answers when the page is full");
}

/// Lists, figures and trees are answered from memory while the tables their statements read are
/// unchanged, and read again the moment one changes: through the server, or by anyone else
/// writing to the database (another process, a tool, SQL typed by hand).
#[tokio::test]
async fn kept_reads_are_served_only_while_their_tables_are_unchanged() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let list = "/api/v1/people?per_page=5&sort=name&page=2";
    let served = || app.state.db.fresh.served_and_read().0;

    let first = party.json(list).await;
    let total = first["total"].as_i64().unwrap();
    assert!(total > 10);
    let before = served();
    assert_eq!(party.json(list).await, first, "asked again, the same answer");
    assert!(served() > before, "the second asking is answered from memory");

    // A change to a table the list does not read leaves it kept.
    sqlx::query("UPDATE compliance_rules SET name = name || '' ").execute(&app.state.db.pool).await.unwrap();
    let before = served();
    assert_eq!(party.json(list).await, first);
    assert!(served() > before, "a change elsewhere does not drop the kept page");

    // A change made outside the server is seen at once: a renamed person moves in the order.
    let first_id = first["items"][0]["id"].as_i64().unwrap();
    sqlx::query("UPDATE people SET name = '齐某某' WHERE id = $1")
        .bind(first_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let after = party.json(list).await;
    assert_ne!(after["items"][0]["id"].as_i64().unwrap(), first_id, "the renamed person left page two's head");
    assert_eq!(after["total"], total);
    let found = party.json("/api/v1/people?keyword=齐某某&per_page=5").await;
    assert_eq!(found["items"][0]["id"].as_i64().unwrap(), first_id);

    // A write through the server is read at once, by the next request and on the page.
    let page_total = |n: i64| format!("共 {n} 条");
    let browser = app.login("party").await;
    assert!(browser.get("/org/people").await.text().await.unwrap().contains(&page_total(total)));
    let unit = app.unit_id("SL-JQ01").await;
    let r = party
        .req(Method::POST, "/api/v1/people")
        .json(&serde_json::json!({"kind": "officer", "name": "阿新", "gender": "male", "birth_date": "1986-09-09",
            "id_number": crate::org::id_number("1986-09-09", 41), "police_number": "3397777", "unit_id": unit, "party_status": "masses"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(party.json(list).await["total"].as_i64().unwrap(), total + 1);
    assert!(browser.get("/org/people").await.text().await.unwrap().contains(&page_total(total + 1)));

    // Removed by hand, outside the server: gone from the count at once.
    sqlx::query("DELETE FROM people WHERE id = $1").bind(id).execute(&app.state.db.pool).await.unwrap();
    assert_eq!(party.json(list).await["total"].as_i64().unwrap(), total);
    assert!(browser.get("/org/people").await.text().await.unwrap().contains(&page_total(total)));
}

/// The home page's to-dos and the full-text search are kept reads too: asked again they come
/// from memory, and a change (here made by hand, as another process would) shows on the next
/// request.
#[tokio::test]
async fn home_to_dos_and_search_follow_every_change() {
    let app = spawn_app().await;
    let pool = &app.state.db.pool;
    let served = || app.state.db.fresh.served_and_read().0;

    let officer = app.login("officer").await;
    let exam = "党纪法规知识测试·第二期（演示，进行中）";
    let todo = format!("参加考试：{exam}");
    let home = || async { officer.get("/").await.text().await.unwrap() };
    assert!(home().await.contains(&todo), "the open exam is on the officer's home page");
    let before = served();
    assert!(home().await.contains(&todo));
    assert!(served() > before, "the second home page is answered from memory");
    // Closed a minute ago: still read from the database's exams closing after midnight, and
    // no longer open now.
    let closes: i64 =
        sqlx::query_scalar("SELECT closes_at FROM exams WHERE title = $1").bind(exam).fetch_one(pool).await.unwrap();
    let set_closes =
        |at: i64| sqlx::query("UPDATE exams SET closes_at = $1 WHERE title = $2").bind(at).bind(exam).execute(pool);
    set_closes(app.state.clock.now_ms() - 60_000).await.unwrap();
    assert!(!home().await.contains(&todo), "a closed exam leaves the to-dos at once");
    set_closes(closes).await.unwrap();
    assert!(home().await.contains(&todo), "and comes back when it opens again");
    // Sat: the attempt is a change to another table the to-do reads.
    let person: i64 =
        sqlx::query_scalar("SELECT p.id FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'officer'")
            .fetch_one(pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO exam_attempts (exam_id, person_id, unit_id, started_at, deadline_at, submitted_at, closed_by) \
         SELECT id, $1, unit_id, $2, $2, $2, 'submitted' FROM exams WHERE title = $3",
    )
    .bind(person)
    .bind(app.state.clock.now_ms())
    .bind(exam)
    .execute(pool)
    .await
    .unwrap();
    assert!(!home().await.contains(&todo), "a sat exam leaves the to-dos at once");

    // The search: a record indexed by hand is found by the next search, and gone with it.
    let party = app.token("party").await;
    let unit = app.unit_id("SL-JQ01").await;
    let search = "/api/v1/search?q=zephyrine";
    assert_eq!(party.json(search).await["total"], 0);
    // A record id no person has (people are indexed themselves).
    sqlx::query("INSERT INTO search_docs (kind, record_id, unit_id, title, words) VALUES ('person', $1, $2, '测试 zephyrine', 'zephyrine')")
        .bind(person + 1_000_000)
        .bind(unit)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(party.json(search).await["total"], 1, "indexed, found by the next search");
    let before = served();
    assert_eq!(party.json(search).await["total"], 1);
    assert!(served() > before, "the same search again is answered from memory");
    sqlx::query("DELETE FROM search_docs WHERE title = '测试 zephyrine'").execute(pool).await.unwrap();
    assert_eq!(party.json(search).await["total"], 0, "removed, gone from the next search");
}

/// An upgrade that cuts text into words another way indexes the records anew at its first
/// start: a record is found by the words of the new cut and no longer by its old words, and a
/// document whose record is gone is dropped.
#[tokio::test]
async fn a_new_segmentation_indexes_the_records_anew_at_start() {
    let app = spawn_app().await;
    let pool = &app.state.db.pool;
    let party = app.token("party").await;
    let (id, title, body): (i64, String, String) = sqlx::query_as(
        "SELECT id, title, coalesce(speaker, '') || ' ' || coalesce(full_text, '') FROM study_materials \
         WHERE id IN (SELECT record_id FROM search_docs WHERE kind = 'study_material') ORDER BY id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    // As an older version would have left it: cut another way.
    sqlx::query("UPDATE search_docs SET words = 'zephyrine' WHERE kind = 'study_material' AND record_id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    // The document of a study material deleted since (no such record).
    sqlx::query(
        "INSERT INTO search_docs (kind, record_id, unit_id, title, words) \
         SELECT 'study_material', max(id) + 1000, min(unit_id), '已删除的材料', 'quixotic' FROM study_materials",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE settings SET value = 'an older cut' WHERE key = 'search.indexing'")
        .execute(pool)
        .await
        .unwrap();
    let ids = |v: serde_json::Value| -> Vec<i64> {
        v["items"].as_array().unwrap().iter().filter_map(|h| h["record_id"].as_i64()).collect()
    };
    assert_eq!(ids(party.json("/api/v1/search?q=zephyrine").await), vec![id]);
    assert_eq!(ids(party.json("/api/v1/search?q=quixotic").await).len(), 1);
    // A word of the text that is not in the title (the title is searched as it is).
    let new_words = platform::search::words(&format!("{title} {body}"));
    let word = new_words
        .split(' ')
        .filter(|w| !title.to_lowercase().contains(w))
        .max_by_key(|w| w.chars().count())
        .unwrap()
        .to_string();
    assert!(!ids(party.json(&format!("/api/v1/search?q={word}")).await).contains(&id));

    let (_server, _base) = start_server(&app.dir, app.database_url.as_deref()).await;
    assert!(ids(party.json("/api/v1/search?q=zephyrine").await).is_empty(), "the old words are gone");
    assert!(ids(party.json("/api/v1/search?q=quixotic").await).is_empty(), "the deleted record's document is gone");
    assert!(ids(party.json(&format!("/api/v1/search?q={word}")).await).contains(&id), "found by {word}");
    let (words, cut): (String, String) = sqlx::query_as(
        "SELECT d.words, s.value FROM search_docs d, settings s \
         WHERE d.kind = 'study_material' AND d.record_id = $1 AND s.key = 'search.indexing'",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((words, cut.as_str()), (new_words, platform::search::INDEXING));
}

/// Every table has a change counter, so nothing the kept reads depend on can change unseen; the
/// only tables without one are the bookkeeping and SQLite's search index, which goes by the counter
/// of the table it indexes.
#[tokio::test]
async fn every_table_has_a_change_counter() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let tables: Vec<String> = match db.backend {
        platform::db::Backend::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'"),
        platform::db::Backend::Postgres => {
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()")
        }
    }
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let counted: Vec<String> = sqlx::query_scalar("SELECT name FROM table_changes").fetch_all(&db.pool).await.unwrap();
    let uncounted: Vec<&String> = tables.iter().filter(|t| !counted.contains(t)).collect();
    for t in &uncounted {
        assert!(
            ["schema_migrations", "table_changes"].contains(&t.as_str())
                || t.starts_with("sqlite_")
                || t.starts_with("search_fts"),
            "table {t} has no change counter"
        );
    }
    assert!(counted.len() > 90, "{} tables counted", counted.len());
    // Each counter moves with its table, inside the writing transaction.
    let n = || async {
        sqlx::query_scalar::<_, i64>("SELECT n FROM table_changes WHERE name = 'compliance_rules'")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    let before = n().await;
    let mut tx = db.begin().await.unwrap();
    sqlx::query("UPDATE compliance_rules SET name = name || ''").execute(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(n().await, before, "a rolled-back change moves nothing");
    sqlx::query("UPDATE compliance_rules SET name = name || ''").execute(&db.pool).await.unwrap();
    assert!(n().await > before);
}
