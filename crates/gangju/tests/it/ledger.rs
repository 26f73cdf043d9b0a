//! The shared ledger mechanism on units and accounts: import, bad input, conflicts, paging,
//! uploads (exports: `export.rs`; what reads see: `kept_reads.rs`).

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
