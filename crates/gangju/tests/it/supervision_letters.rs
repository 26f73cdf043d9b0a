//! 责任书 and 重大事项请示报告 through the real server: a new letter lists every branch secretary
//! and department head once, a signature moves its signatory off the unsigned list, a future date
//! changes nothing, a letter is seen in scope or by its signatories; a major matter's trail, its
//! refused skipped steps, and its data scope.

use crate::common::*;
use jiff::ToSpan;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn ids(app: &TestApp, sql: &'static str) -> Vec<i64> {
    sqlx::query_scalar::<_, i64>(sql).fetch_all(&app.state.db.pool).await.unwrap()
}

async fn exec(app: &TestApp, sql: &'static str, binds: &[i64]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&app.state.db.pool).await.unwrap();
}

const SECRETARIES: &str = "SELECT DISTINCT f.person_id FROM org_officers f JOIN party_orgs o ON o.id = f.org_id \
    JOIN units u ON u.id = o.unit_id JOIN units pr ON pr.id = u.prison_id WHERE pr.code = 'SL' AND o.kind = 'branch' \
    AND o.dissolved_on IS NULL AND f.post = 'secretary' AND f.ended_on IS NULL ORDER BY f.person_id";
const HEADS: &str = "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id JOIN units pr ON pr.id = u.prison_id \
    WHERE pr.code = 'SL' AND u.kind = 'department' AND p.post = '主要负责人' AND p.employment_status = 'active' ORDER BY p.id";

async fn create_letter(api: &Api, title: &str) -> i64 {
    let r = api
        .req(Method::POST, "/api/v1/responsibility_letters")
        .json(&json!({"year": 2022, "title": title, "body": "<p>落实主体责任</p><script>alert(1)</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn signatories(v: &Value) -> Vec<Value> {
    v["signatories"].as_array().unwrap().clone()
}

fn row_of(v: &Value, person: i64) -> Value {
    signatories(v).into_iter().find(|s| s["person_id"] == person).unwrap_or_else(|| panic!("{person} not listed"))
}

#[tokio::test]
async fn a_new_letter_lists_secretaries_and_heads_once_and_records_signatures() {
    let app = spawn_app().await;
    let heads = ids(&app, HEADS).await;
    let secretaries = ids(&app, SECRETARIES).await;
    assert!(heads.len() >= 3 && !secretaries.is_empty(), "{heads:?} {secretaries:?}");
    // One department head is also elected secretary of a branch; another has retired.
    let both = heads[0];
    let branch: i64 = sqlx::query_scalar(
        "SELECT min(o.id) FROM party_orgs o JOIN org_officers f ON f.org_id = o.id WHERE o.kind = 'branch' \
         AND o.dissolved_on IS NULL AND f.post = 'secretary' AND f.ended_on IS NULL",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    exec(
        &app,
        "UPDATE org_officers SET person_id = $1 WHERE org_id = $2 AND post = 'secretary' AND ended_on IS NULL",
        &[both, branch],
    )
    .await;
    let retired = *heads.iter().rev().find(|h| !secretaries.contains(*h) && **h != both).unwrap();
    exec(&app, "UPDATE people SET employment_status = 'retired' WHERE id = $1", &[retired]).await;
    let secretaries: BTreeSet<i64> = ids(&app, SECRETARIES).await.into_iter().collect();
    let heads: BTreeSet<i64> = ids(&app, HEADS).await.into_iter().collect();
    assert!(secretaries.contains(&both) && heads.contains(&both) && !heads.contains(&retired));

    let api = app.token("party").await;
    let id = create_letter(&api, "测试责任书").await;
    let v = api.json(&format!("/api/v1/responsibility_letters/{id}")).await;
    let listed: Vec<i64> = signatories(&v).iter().map(|s| s["person_id"].as_i64().unwrap()).collect();
    let unique: BTreeSet<i64> = listed.iter().copied().collect();
    assert_eq!(listed.len(), unique.len(), "nobody is listed twice");
    assert_eq!(unique, secretaries.union(&heads).copied().collect::<BTreeSet<_>>());
    assert_eq!(row_of(&v, both)["capacity"], "branch_secretary", "a head who is also a secretary signs as secretary");
    let head_only = *heads.iter().find(|h| !secretaries.contains(h)).unwrap();
    assert_eq!(row_of(&v, head_only)["capacity"], "department_head");
    assert!(!unique.contains(&retired));
    assert_eq!(v["letter"]["total"], listed.len());
    assert_eq!(v["letter"]["signed"], 0);
    assert!(!v["letter"]["body"].as_str().unwrap().contains("script"), "the body is cleaned rich text");

    // The party office records a paper signature: a date after today is refused and changes nothing.
    let b = app.login("party").await;
    let unsigned_page = format!("/supervision/letters/{id}?signed=no");
    let marker = format!(r#"name="person_id" value="{head_only}""#);
    let page = b.get(&unsigned_page).await.text().await.unwrap();
    assert!(page.contains("未签名单") && page.contains(&marker));
    let updates = "SELECT count(*) FROM audit_log WHERE event = 'update' AND object_type = 'responsibility_letter'";
    let today = platform::clock::today(&app.clock);
    let tomorrow = today.saturating_add(1.day()).to_string();
    let who = head_only.to_string();
    let r = b.post(&format!("/supervision/letters/{id}/sign"), &[("person_id", &who), ("signed_on", &tomorrow)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("签订日期不能晚于今天"));
    let r = api
        .req(Method::POST, &format!("/api/v1/responsibility_letters/{id}/sign"))
        .json(&json!({"person_id": head_only, "signed_on": tomorrow}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v = api.json(&format!("/api/v1/responsibility_letters/{id}")).await;
    assert!(row_of(&v, head_only)["signed_on"].is_null());
    assert_eq!(app.scalar(updates).await, 0);

    // Today is fine: the signatory leaves the unsigned list, once.
    let day = today.to_string();
    let r = b.post(&format!("/supervision/letters/{id}/sign"), &[("person_id", &who), ("signed_on", &day)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = b.get(&unsigned_page).await.text().await.unwrap();
    assert!(!page.contains(&marker), "moved off the unsigned list");
    let v = api.json(&format!("/api/v1/responsibility_letters/{id}?signed=no")).await;
    assert!(signatories(&v).iter().all(|s| s["person_id"] != head_only));
    assert_eq!(signatories(&v).len(), listed.len() - 1);
    let v = api.json(&format!("/api/v1/responsibility_letters/{id}")).await;
    assert_eq!(row_of(&v, head_only)["signed_on"], day.as_str());
    assert_eq!(v["letter"]["signed"], 1);
    assert_eq!(app.scalar(updates).await, 1, "the signature is audited");
    // Signed again from another session (the same session's repeat is a double submission).
    let again = app.login("party").await;
    let r = again.post(&format!("/supervision/letters/{id}/sign"), &[("person_id", &who), ("signed_on", &day)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "not twice");
    // The pages: the list with its count, and a letter made from the form.
    let page = b.get("/supervision/letters?year=2022").await.text().await.unwrap();
    assert!(page.contains("测试责任书") && page.contains(&format!("1/{}", listed.len())));
    assert_eq!(b.get("/supervision/letters/new").await.status(), StatusCode::OK);
    let r = b.post("/supervision/letters", &[("year", "2022"), ("title", ""), ("body", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = b.post("/supervision/letters", &[("year", "2022"), ("title", "页面制定"), ("body", "<p>内容</p>")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = api.json("/api/v1/responsibility_letters?year=2022").await;
    let row = list["items"].as_array().unwrap().iter().find(|l| l["id"] == id).unwrap().clone();
    assert_eq!((row["signed"].as_i64(), row["total"].as_i64()), (Some(1), Some(listed.len() as i64)));
}

#[tokio::test]
async fn a_letter_is_seen_in_scope_or_by_its_signatories() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let id = create_letter(&api, "测试可见范围").await;
    let clerk2 = app.token("clerk2").await;
    let path = format!("/api/v1/responsibility_letters/{id}");
    assert_eq!(clerk2.get(&path).await.status(), StatusCode::NOT_FOUND, "监区内勤的数据范围不含监狱本级");
    let list = clerk2.json("/api/v1/responsibility_letters?per_page=200").await;
    assert!(list["items"].as_array().unwrap().iter().all(|l| l["id"] != id));
    let b2 = app.login("clerk2").await;
    assert_eq!(b2.get(&format!("/supervision/letters/{id}")).await.status(), StatusCode::NOT_FOUND);

    // clerk2's own person, of 二监区, is added as a signatory: now they see it, and their own row.
    let jq02 = app.unit_id("SL-JQ02").await;
    let me: i64 = sqlx::query_scalar(
        "SELECT min(id) FROM people WHERE unit_id = $1 AND employment_status = 'active' AND user_id IS NULL \
         AND id NOT IN (SELECT person_id FROM letter_signatories WHERE letter_id = $2)",
    )
    .bind(jq02)
    .bind(id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    exec(&app, "UPDATE people SET user_id = (SELECT id FROM users WHERE username = 'clerk2') WHERE id = $1", &[me])
        .await;
    let r = api
        .req(Method::POST, &format!("{path}/signatories"))
        .json(&json!({"person_id": me, "capacity": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let r = api.req(Method::POST, &format!("{path}/signatories")).json(&json!({"person_id": me})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "listed once");
    let v = clerk2.json(&path).await;
    assert_eq!(v["letter"]["id"], id);
    let rows = signatories(&v);
    assert!(rows.iter().any(|s| s["person_id"] == me));
    assert!(rows.iter().all(|s| s["unit_id"] == jq02), "only 二监区's signatories: {rows:?}");
    let todos = clerk2.json("/api/v1/todos").await;
    assert!(todos["items"].as_array().unwrap().iter().any(|t| t["title"] == "签订《测试可见范围》"), "{todos:?}");

    // They sign for themselves, not for anyone else; clerk1 still cannot see the letter.
    let today = platform::clock::today(&app.clock).to_string();
    if let Some(other) = rows.iter().find(|s| s["person_id"] != me) {
        let r = clerk2
            .req(Method::POST, &format!("{path}/sign"))
            .json(&json!({"person_id": other["person_id"], "signed_on": today}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = clerk2
        .req(Method::POST, &format!("{path}/sign"))
        .json(&json!({"person_id": me, "signed_on": today}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(row_of(&clerk2.json(&path).await, me)["signed_on"], today.as_str());
    let todos = clerk2.json("/api/v1/todos").await;
    assert!(!todos["items"].as_array().unwrap().iter().any(|t| t["title"] == "签订《测试可见范围》"));
    let clerk1 = app.token("clerk1").await;
    assert_eq!(clerk1.get(&path).await.status(), StatusCode::NOT_FOUND);
    // Only the party office changes the list or deletes the letter.
    let r = clerk2.req(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(api.req(Method::DELETE, &path).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(api.get(&path).await.status(), StatusCode::NOT_FOUND);
}

async fn step(api: &Api, id: i64, body: Value) -> reqwest::Response {
    api.req(Method::POST, &format!("/api/v1/major_matters/{id}/steps")).json(&body).send().await.unwrap()
}

fn trail(v: &Value) -> Vec<String> {
    v["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_major_matter_follows_its_trail_and_skipped_steps_change_nothing() {
    let app = spawn_app().await;
    let clerk2 = app.token("clerk2").await;
    let today = platform::clock::today(&app.clock);
    let post = |title: &str, on: String| json!({"kind": "request", "title": title, "body": "关于补选支部委员的请示", "submitted_on": on});
    let r = clerk2
        .req(Method::POST, "/api/v1/major_matters")
        .json(&post("明天的请示", today.saturating_add(1.day()).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "not submitted in the future");
    let r = clerk2
        .req(Method::POST, "/api/v1/major_matters")
        .json(&post("测试请示", today.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/major_matters/{id}");
    let v = clerk2.json(&path).await;
    assert_eq!(v["matter"]["status"], "submitted");
    assert_eq!(v["matter"]["unit_id"], app.unit_id("SL-JQ02").await);
    assert_eq!(trail(&v), vec!["submit"]);

    // clerk1 (一监区) does not see 二监区's report.
    let clerk1 = app.token("clerk1").await;
    assert_eq!(clerk1.get(&path).await.status(), StatusCode::NOT_FOUND);
    let list = clerk1.json("/api/v1/major_matters?per_page=200").await;
    assert!(list["items"].as_array().unwrap().iter().all(|m| m["id"] != id));
    assert_eq!(step(&clerk1, id, json!({"action": "resubmit", "note": "x"})).await.status(), StatusCode::NOT_FOUND);

    let updates = "SELECT count(*) FROM audit_log WHERE event = 'update' AND object_type = 'major_matter'";
    // The leader reviews: answering without starting the review is refused and changes nothing.
    let leader = app.token("leader").await;
    assert!(
        leader.json("/api/v1/todos").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["href"] == format!("/supervision/matters/{id}"))
    );
    let r = step(&leader, id, json!({"action": "answer", "note": "同意"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let msg = r.json::<Value>().await.unwrap()["error"]["fields"]["action"].as_str().unwrap().to_string();
    assert!(msg.contains("不能批复"), "{msg}");
    let v = leader.json(&path).await;
    assert_eq!((v["matter"]["status"].as_str(), v["matter"]["version"].as_i64()), (Some("submitted"), Some(1)));
    assert_eq!(trail(&v).len(), 1);
    assert_eq!(app.scalar(updates).await, 0);
    // The submitting unit cannot review its own report.
    assert_eq!(step(&clerk2, id, json!({"action": "review"})).await.status(), StatusCode::FORBIDDEN);

    assert_eq!(step(&leader, id, json!({"action": "review", "version": 1})).await.status(), StatusCode::OK);
    // An answer needs its text; one from a stale version is refused.
    assert_eq!(step(&leader, id, json!({"action": "answer"})).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = step(&leader, id, json!({"action": "answer", "note": "同意", "version": 1})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = step(&leader, id, json!({"action": "answer", "note": "同意，按程序办理。", "version": 2})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v = clerk2.json(&path).await;
    assert_eq!(v["matter"]["status"], "answered");
    assert_eq!(v["matter"]["answer"], "同意，按程序办理。");
    assert_eq!(trail(&v), vec!["submit", "review", "answer"]);
    assert_eq!(v["steps"][2]["by_name"], "周明远");
    assert_eq!(app.scalar(updates).await, 2);

    // Resubmitting an answered report is refused; nothing changes.
    let r = step(&clerk2, id, json!({"action": "resubmit", "note": "再报"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v = clerk2.json(&path).await;
    assert_eq!((v["matter"]["status"].as_str(), v["matter"]["version"].as_i64()), (Some("answered"), Some(3)));
    assert_eq!(trail(&v).len(), 3);
    assert_eq!(app.scalar(updates).await, 2);

    // Returned with a reason, the unit is told and submits it again.
    let r = clerk2
        .req(Method::POST, "/api/v1/major_matters")
        .json(&post("第二份请示", today.to_string()))
        .send()
        .await
        .unwrap();
    let second = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let party = app.login("party").await;
    let page = format!("/supervision/matters/{second}/steps");
    let r = party.post(&page, &[("action", "return"), ("note", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a return needs its reason");
    let r = party.post(&page, &[("action", "return"), ("note", "请附支部委员会意见")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let todos = clerk2.json("/api/v1/todos").await;
    assert!(
        todos["items"].as_array().unwrap().iter().any(|t| t["href"] == format!("/supervision/matters/{second}")
            && t["detail"].as_str().unwrap().contains("请附支部委员会意见")),
        "{todos:?}"
    );
    let r = step(&clerk2, second, json!({"action": "resubmit", "note": "已补充"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v = clerk2.json(&format!("/api/v1/major_matters/{second}")).await;
    assert_eq!(v["matter"]["status"], "submitted");
    assert_eq!(trail(&v), vec!["submit", "return", "resubmit"]);
    let b = app.login("clerk2").await;
    let view = b.get(&format!("/supervision/matters/{second}")).await.text().await.unwrap();
    assert!(view.contains("请附支部委员会意见") && view.contains("已报送"));
    let list = b.get("/supervision/matters?status=answered").await.text().await.unwrap();
    assert!(list.contains("测试请示") && !list.contains("第二份请示"));
    assert_eq!(b.get("/supervision/matters/new").await.status(), StatusCode::OK);
    let on = today.to_string();
    let form = [("kind", "report"), ("title", "页面报告"), ("body", "<p>情况</p>"), ("submitted_on", on.as_str())];
    assert_eq!(b.post("/supervision/matters", &form).await.status(), StatusCode::SEE_OTHER);
    // A reviewer's page offers the next steps and refuses a skipped one with the reason.
    let lb = app.login("leader").await;
    let view = lb.get(&format!("/supervision/matters/{second}")).await.text().await.unwrap();
    assert!(view.contains("开始审阅") && view.contains("退回"));
    let r = lb.post(&format!("/supervision/matters/{second}/steps"), &[("action", "answer"), ("note", "同意")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不能批复"));
}
