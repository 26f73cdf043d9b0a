//! Data scope: a department's user cannot read or change another department's record by id,
//! through pages or the API, attachments included; the attempts are audited.

use crate::common::*;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn a_department_clerk_sees_and_changes_only_their_own_department() {
    let app = spawn_app().await;
    let own = app.unit_id("SL-JQ01").await;
    let other = app.unit_id("SL-JQ02").await;
    let clerk = app.login("clerk1").await;

    let list = clerk.get("/system/units").await.text().await.unwrap();
    assert!(list.contains("一监区") && !list.contains("二监区"), "the list holds only the own unit");
    assert!(list.contains("共 1 条"));
    assert_eq!(clerk.get(&format!("/system/units/{own}")).await.status(), StatusCode::OK);
    let not_found = clerk.get(&format!("/system/units/{other}")).await;
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    let page = not_found.text().await.unwrap();
    assert!(
        page.contains("记录不存在") && page.contains("演示数据，均为虚构"),
        "a Chinese error page, in the demo too"
    );
    assert_eq!(clerk.get(&format!("/system/units/{other}/edit")).await.status(), StatusCode::NOT_FOUND);
    let denied_before = app.audit_count("access_denied").await;
    let r = clerk.post(&format!("/system/units/{other}/edit"), &[("name", "被改名"), ("version", "1")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = clerk.post("/system/units/delete", &[("ids", other.to_string().as_str())]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(app.audit_count("access_denied").await > denied_before, "attempts on another unit are audited");

    let api = app.token("clerk1").await;
    let page = api.json("/api/v1/units?per_page=200").await;
    assert_eq!(page["total"], 1);
    assert_eq!(api.get(&format!("/api/v1/units/{other}")).await.status(), StatusCode::NOT_FOUND);
    let put = api
        .req(Method::PUT, &format!("/api/v1/units/{other}"))
        .json(&serde_json::json!({"name": "改", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::NOT_FOUND);
    let del = api.req(Method::DELETE, &format!("/api/v1/units/{other}")).send().await.unwrap();
    assert_eq!(del.status(), StatusCode::NOT_FOUND);
    let name: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
        .bind(other)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(name, "二监区", "nothing changed");

    // Their own unit they may edit.
    let ok = api
        .req(Method::PUT, &format!("/api/v1/units/{own}"))
        .json(&serde_json::json!({"name": "一监区", "phone": "0571-1234567", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn attachments_are_authorised_by_their_own_unit() {
    let app = spawn_app().await;
    let other = app.unit_id("SL-JQ02").await;
    let clerk2 = app.login("clerk2").await;
    let up = clerk2
        .upload(
            &format!("/attachments?owner_type=unit&owner_id={other}"),
            "../../二监区职责.txt",
            "二监区职责说明".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(up.status(), StatusCode::SEE_OTHER);
    let (id, name): (i64, String) =
        sqlx::query_as("SELECT id, file_name FROM attachments").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(name, "二监区职责.txt", "directory parts are stripped");

    let dl = clerk2.get(&format!("/attachments/{id}")).await;
    assert_eq!(dl.status(), StatusCode::OK);
    assert!(dl.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(dl.text().await.unwrap(), "二监区职责说明");

    let clerk1 = app.login("clerk1").await;
    assert_eq!(clerk1.get(&format!("/attachments/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(clerk1.post(&format!("/attachments/{id}/delete"), &[]).await.status(), StatusCode::NOT_FOUND);
    let api = app.token("clerk1").await;
    assert_eq!(api.get(&format!("/api/v1/attachments/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.get(&format!("/api/v1/attachments?owner_type=unit&owner_id={other}")).await.status(),
        StatusCode::NOT_FOUND
    );
    // Uploading onto another unit's record is refused the same way.
    let sneaky = clerk1.upload(&format!("/attachments?owner_type=unit&owner_id={other}"), "x.txt", b"x".to_vec()).await;
    assert_eq!(sneaky.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.scalar("SELECT count(*) FROM attachments").await, 1);

    // Content decides the type, not the name: an HTML page named .pdf is refused.
    let html = clerk2
        .upload(
            &format!("/attachments?owner_type=unit&owner_id={other}"),
            "报告.pdf",
            b"<html><script>alert(1)</script></html>".to_vec(),
        )
        .await;
    assert_eq!(html.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.scalar("SELECT count(*) FROM attachments").await, 1);
}

#[tokio::test]
async fn a_prison_sees_only_itself() {
    let app = spawn_app().await;
    let second = app.unit_id("SL2").await;
    let leader = app.login("leader").await;
    assert_eq!(leader.get(&format!("/system/units/{second}")).await.status(), StatusCode::NOT_FOUND);
    let list = leader.get("/system/units?per_page=100").await.text().await.unwrap();
    assert!(!list.contains("示例省第二监狱") && !list.contains("示例省监狱管理局"));
    assert!(list.contains("示例省第一监狱"));
}

#[tokio::test]
async fn chinese_search_finds_words_within_the_scope() {
    let app = spawn_app().await;
    let leader = app.token("leader").await;
    for q in ["警示教育", "党风", "廉政提醒谈话"] {
        let v = leader.json(&format!("/api/v1/search?q={}", platform::web::url_encode(q))).await;
        let units: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["kind"] == "unit")
            .map(|h| h["title"].as_str().unwrap())
            .collect();
        assert_eq!(units, vec!["纪委办公室"], "{q}");
    }
    // The study materials' full text is searched too (the demo's texts mention 警示教育).
    let v = leader.json("/api/v1/search?q=%E8%AD%A6%E7%A4%BA%E6%95%99%E8%82%B2").await;
    assert!(v["items"].as_array().unwrap().iter().any(|h| h["kind"] == "study_material"));
    // A word inside a longer one: the demo's texts say 全面从严治党.
    let v = leader.json(&format!("/api/v1/search?q={}", platform::web::url_encode("从严治党"))).await;
    assert!(v["items"].as_array().unwrap().iter().any(|h| h["kind"] == "study_material"), "{v}");
    let v = leader.json("/api/v1/search?q=%E4%B8%89%E4%BC%9A%E4%B8%80%E8%AF%BE").await;
    let unit_hit = v["items"].as_array().unwrap().iter().find(|h| h["kind"] == "unit").unwrap().clone();
    assert_eq!(unit_hit["title"], "政治处", "三会一课 is one word");
    assert_eq!(unit_hit["href"].as_str().unwrap(), format!("/system/units/{}", app.unit_id("SL-ZZC").await));
    // Query syntax is just text.
    let v = leader.json("/api/v1/search?q=%22%20OR%20*%20NEAR(").await;
    assert_eq!(v["total"], 0);
    // A department clerk finds nothing outside their department; an officer may not view units.
    let clerk = app.token("clerk1").await;
    assert_eq!(clerk.json("/api/v1/search?q=%E8%AD%A6%E7%A4%BA%E6%95%99%E8%82%B2").await["total"], 0);
    let b = app.login("leader").await;
    let page = b.get("/search?q=%E8%AD%A6%E7%A4%BA%E6%95%99%E8%82%B2").await.text().await.unwrap();
    assert!(page.contains("纪委办公室") && page.contains("学习材料"));
}

#[tokio::test]
async fn a_custom_scope_shows_exactly_the_chosen_units() {
    let app = spawn_app().await;
    let (jq1, jq2, jq3, other_prison) = (
        app.unit_id("SL-JQ01").await,
        app.unit_id("SL-JQ02").await,
        app.unit_id("SL-JQ03").await,
        app.unit_id("SL2").await,
    );
    let sec = app.login("secadmin").await;
    let (u1, u3, u_other) = (jq1.to_string(), jq3.to_string(), other_prison.to_string());
    let base = [
        ("code", "jq_inspect"),
        ("name", "监区巡查"),
        ("data_scope", "custom"),
        ("permissions", "unit:view"),
        ("version", "0"),
    ];
    let mut outside = base.to_vec();
    outside.push(("units", u_other.as_str()));
    let r = sec.post("/system/roles", &outside).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "another prison's unit cannot be chosen");
    let mut admin_perm = base.to_vec();
    admin_perm.extend([("units", u1.as_str()), ("permissions", "user:edit")]);
    assert_eq!(sec.post("/system/roles", &admin_perm).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut ok = base.to_vec();
    ok.extend([("units", u1.as_str()), ("units", u3.as_str())]);
    let r = sec.post("/system/roles", &ok).await;
    let s = r.status();
    assert_eq!(
        s,
        StatusCode::SEE_OTHER,
        "{}",
        r.text()
            .await
            .unwrap()
            .split("field-error")
            .skip(1)
            .map(|x| x.chars().take(60).collect::<String>())
            .collect::<Vec<_>>()
            .join(" | ")
    );

    let api = app.token("secadmin").await;
    let officer: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'officer'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = api
        .req(Method::PUT, &format!("/api/v1/users/{officer}/roles"))
        .json(&serde_json::json!({"roles": ["officer", "jq_inspect"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let o = app.token("officer").await;
    let page = o.json("/api/v1/units?per_page=50").await;
    let mut ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, vec![jq1, jq3]);
    assert_eq!(o.get(&format!("/api/v1/units/{jq2}")).await.status(), StatusCode::NOT_FOUND);
    // The scope is computed per request: taking a unit away takes effect at once.
    let role_id: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE code = 'jq_inspect'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = sec
        .post(
            &format!("/system/roles/{role_id}/edit"),
            &[
                ("name", "监区巡查"),
                ("data_scope", "custom"),
                ("permissions", "unit:view"),
                ("units", u1.as_str()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(o.get(&format!("/api/v1/units/{jq3}")).await.status(), StatusCode::NOT_FOUND);
    // A role somebody holds cannot be deleted.
    sec.post(&format!("/system/roles/{role_id}/delete"), &[]).await;
    assert_eq!(app.scalar("SELECT count(*) FROM roles WHERE code = 'jq_inspect'").await, 1);
}

/// A bureau whose tree holds every unit there is gets the fast form of its scope ("has a unit");
/// its lists, counts and to-dos are exactly those of the subtree form, which it gets back as soon
/// as a unit outside its tree exists.
#[tokio::test]
async fn a_scope_over_every_unit_shows_exactly_what_its_subtree_shows() {
    let app = spawn_app().await;
    let year = platform::clock::today(&app.clock).year();
    let lists = [
        "/api/v1/people?per_page=1".to_string(),
        "/api/v1/people?party_status=full&per_page=1".to_string(),
        "/api/v1/meetings?per_page=1".to_string(),
        "/api/v1/measures?per_page=1".to_string(),
        format!("/api/v1/measures?year={year}&per_page=1"),
        "/api/v1/measures?status=overdue&per_page=1".to_string(),
        "/api/v1/hazards?per_page=1".to_string(),
    ];
    let bureau_id: i64 = app.scalar("SELECT id FROM users WHERE username = 'bureau'").await;
    let whole_tree = || async {
        let u = platform::auth::session::load_user(&app.state, bureau_id).await.unwrap().unwrap();
        u.scope.whole_tree
    };
    let api = app.token("bureau").await;
    let seen = || async {
        let mut totals = Vec::new();
        for l in &lists {
            let v = api.json(l).await;
            totals.push(v["total"].as_i64().unwrap_or_else(|| panic!("{l}: {v}")));
        }
        (totals, api.json("/api/v1/todos").await)
    };
    assert!(whole_tree().await, "the demo bureau's tree holds every unit");
    let (whole, todos) = seen().await;
    assert!(whole.iter().all(|n| *n > 0), "every list has rows to compare: {whole:?}");
    assert!(todos.to_string().len() > 20, "to-dos to compare: {todos}");

    sqlx::query(
        "INSERT INTO units (code, name, kind, path, sort_order, created_at, updated_at) \
         VALUES ('ZZ', '另一管理局（测试）', 'bureau', '/999999/', 99, 0, 0)",
    )
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    assert!(!whole_tree().await, "a unit outside the tree: the subtree form again");
    let (part, todos_part) = seen().await;
    assert_eq!(whole, part, "the same totals either way ({lists:?})");
    assert_eq!(todos, todos_part, "the same to-dos either way");
}
