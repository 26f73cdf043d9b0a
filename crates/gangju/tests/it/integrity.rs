//! 清廉建设 through the real server: the labelled ledgers (accountability cases, integrity talks)
//! are read only by the discipline committee with enough clearance — not by a unit clerk nor the
//! system administrator, by page, API, export or attachment — and every read is audited; the
//! 每月一警 rule shows exactly the missing month; a key post without a talk is a to-do.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn audit_of(app: &TestApp, event: &str, object: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = $1 AND object_type = $2")
        .bind(event)
        .bind(object)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn labelled_ledgers_are_for_the_cleared_discipline_committee_only() {
    let app = spawn_app().await;
    let jiwei = app.token("jiwei").await;
    let views = audit_of(&app, "view", "accountability_case").await;
    let lists = audit_of(&app, "view_list", "accountability_case").await;
    let v = jiwei.json("/api/v1/accountability_cases?per_page=200").await;
    let items = v["items"].as_array().unwrap();
    assert!(items.len() >= 3, "the demo's cases");
    for c in items {
        for (_, name, masked) in
            c["people"].as_array().unwrap().iter().map(|p| (p[0].clone(), p[1].clone(), p[2].clone()))
        {
            assert!(name.is_string() && masked.as_str().unwrap().contains('*'), "ID numbers masked in lists: {masked}");
        }
    }
    let id = items[0]["id"].as_i64().unwrap();
    assert_eq!(jiwei.get(&format!("/api/v1/accountability_cases/{id}")).await.status(), StatusCode::OK);
    assert_eq!(audit_of(&app, "view", "accountability_case").await, views + 1, "every view is audited");
    assert_eq!(audit_of(&app, "view_list", "accountability_case").await, lists + 1, "every list is audited");
    let talks = jiwei.json("/api/v1/integrity_talks?per_page=1").await;
    assert!(talks["total"].as_i64().unwrap() > 0);

    // A file on the case, then everybody else tries every way in.
    let browser = app.login("jiwei").await;
    let r = browser
        .upload(
            &format!("/attachments?owner_type=accountability_case&owner_id={id}"),
            "处理决定.pdf",
            b"%PDF-1.4 demo".to_vec(),
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    let file: i64 = sqlx::query_scalar(
        "SELECT max(id) FROM attachments WHERE owner_type = 'accountability_case' AND owner_id = $1",
    )
    .bind(id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(browser.get(&format!("/attachments/{file}")).await.status(), StatusCode::OK);
    for who in ["clerk1", "sysadmin", "party"] {
        let b = app.login(who).await;
        for path in [
            "/integrity/cases".to_string(),
            format!("/integrity/cases/{id}"),
            "/integrity/cases/export".to_string(),
            "/integrity/talks".to_string(),
            "/integrity/talks/export".to_string(),
        ] {
            let s = b.get(&path).await.status();
            assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{who} {path}: {s}");
        }
        let s = b.get(&format!("/attachments/{file}")).await.status();
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{who} attachment: {s}");
        let api = app.token(who).await;
        for path in [
            "/api/v1/accountability_cases".to_string(),
            format!("/api/v1/accountability_cases/{id}"),
            "/api/v1/integrity_talks".to_string(),
        ] {
            let s = api.get(&path).await.status();
            assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{who} API {path}: {s}");
        }
        let fig = api.get("/api/v1/figures/accountability_cases").await.status();
        assert!(fig == StatusCode::FORBIDDEN || fig == StatusCode::NOT_FOUND, "{who} figure: {fig}");
    }

    // The permission alone is not enough: below the label's clearance nothing is there.
    sqlx::query("UPDATE users SET clearance = 1 WHERE username = 'jiwei'").execute(&app.state.db.pool).await.unwrap();
    assert_eq!(jiwei.json("/api/v1/accountability_cases").await["total"], 0);
    assert_eq!(jiwei.get(&format!("/api/v1/accountability_cases/{id}")).await.status(), StatusCode::NOT_FOUND);
    let s = browser.get(&format!("/attachments/{file}")).await.status();
    assert_eq!(s, StatusCode::NOT_FOUND, "the case's file follows the case");
    assert_eq!(jiwei.json("/api/v1/integrity_talks").await["total"], 0);
}

#[tokio::test]
async fn the_monthly_warning_rule_shows_exactly_the_missing_month() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let jw: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-JW-DW'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let people: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = 'SL-JW' ORDER BY p.id LIMIT 3",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    for month in [1, 2, 4, 5, 6] {
        let day = format!("2020-{month:02}-20");
        let attendance: Vec<Value> = people
            .iter()
            .enumerate()
            .map(|(k, p)| {
                if k == 0 && month == 1 {
                    json!({"person_id": p, "status": "absent", "reason": "病假"})
                } else {
                    json!({"person_id": p, "status": "present"})
                }
            })
            .collect();
        let r = api
            .req(Method::POST, "/api/v1/meetings")
            .json(&json!({"org_id": jw, "kind": "warning_education", "title": format!("{month}月每月一警"), "held_on": day,
                "agenda": [{"kind": "study", "title": "通报典型案例"}], "attendance": attendance}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    let v = api.json("/api/v1/compliance?rule=monthly_warning&from=2020-01-01&to=2020-06-30").await;
    let row = v["items"].as_array().unwrap().iter().find(|r| r["org_id"] == jw).unwrap().clone();
    let statuses: Vec<&str> = row["cells"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["held", "held", "missed", "held", "held", "held"]);
    let rate = api.json("/api/v1/figures/monthly_warning_compliance_rate?from=2020-01-01&to=2020-06-30").await;
    assert_eq!((rate["numerator"]["value"].as_i64(), rate["denominator"]["value"].as_i64()), (Some(5), Some(6)));
    let att = api.json("/api/v1/figures/warning_education_attendance_rate?from=2020-01-01&to=2020-06-30").await;
    assert_eq!((att["numerator"]["value"].as_i64(), att["denominator"]["value"].as_i64()), (Some(14), Some(15)));
    let events = api.json("/api/v1/figures/warning_education_events?from=2020-01-01&to=2020-06-30").await;
    assert_eq!(events["value"], 5);
    // The page shows the month grid.
    let page = app.login("party").await.get("/integrity/warnings?year=2020").await.text().await.unwrap();
    assert!(page.contains("每月一警") && page.contains("缺失"));
}

#[tokio::test]
async fn a_key_post_without_a_talk_this_year_is_a_todo_until_one_is_held() {
    let app = spawn_app().await;
    let unit = app.unit_id("SL-JQ05").await;
    sqlx::query(
        "INSERT INTO integrity_risks (unit_id, post, key_post, risk_point, level, next_review_on, created_at, updated_at) \
         VALUES ($1, '测试重点岗位', 1, '物资采购中收受好处', 'high', '2099-01-01', 0, 0)",
    )
    .bind(unit)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let b = app.login("jiwei").await;
    assert!(b.get("/").await.text().await.unwrap().contains("测试重点岗位"), "the key post is a to-do");
    let person: i64 = sqlx::query_scalar("SELECT min(id) FROM people WHERE unit_id = $1")
        .bind(unit)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let talker: i64 =
        sqlx::query_scalar("SELECT p.id FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'jiwei'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let api = app.token("jiwei").await;
    let today = platform::clock::today(&app.clock).to_string();
    // A talk in the future, or without a summary, is refused and nothing is saved.
    let before = app.scalar("SELECT count(*) FROM integrity_talks").await;
    let bad = json!({"talker_id": talker, "person_id": person, "post": "测试重点岗位", "kind": "reminder", "talked_on": "2999-01-01", "summary": ""});
    let r = api.req(Method::POST, "/api/v1/integrity_talks").json(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.json::<Value>().await.unwrap()["error"]["fields"].clone();
    assert!(fields["talked_on"].is_string() && fields["summary"].is_string(), "{fields}");
    assert_eq!(app.scalar("SELECT count(*) FROM integrity_talks").await, before);
    let good = json!({"talker_id": talker, "person_id": person, "post": "测试重点岗位", "kind": "reminder", "talked_on": today, "summary": "提醒廉洁自律"});
    let r = api.req(Method::POST, "/api/v1/integrity_talks").json(&good).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    assert!(!b.get("/").await.text().await.unwrap().contains("测试重点岗位"), "talked with: no longer a to-do");
}
