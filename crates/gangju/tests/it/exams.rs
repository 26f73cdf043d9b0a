//! Online exams through the real server: the answer key never reaches the candidate before the
//! exam closes (API and pages), saved answers survive a reload, marking of each kind, the
//! server's deadline closes the sitting and refuses a late submission, results and figures.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post(api: &Api, path: &str, body: Value) -> Value {
    let r = api.req(Method::POST, path).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "POST {path}: {} {}", r.status(), r.text().await.unwrap());
    if r.status() == StatusCode::NO_CONTENT { Value::Null } else { r.json().await.unwrap() }
}

fn local(ms: i64) -> String {
    platform::clock::format_ms(ms).get(..16).unwrap().replace(' ', "T")
}

/// A fixed paper of one question of each kind (25 points each), and an exam of it for the demo
/// officer; returns (exam id, officer person id).
async fn fixture(app: &TestApp, api: &Api, limit_min: i64, open_min: i64) -> (i64, i64) {
    let mut ids = Vec::new();
    for q in [
        json!({"kind": "single", "stem": "单选测试题", "options": ["选项一", "选项二", "选项三"], "answer": "B", "explanation": "解析标记XQ1"}),
        json!({"kind": "multiple", "stem": "多选测试题", "options": ["甲", "乙", "丙", "丁"], "answer": "ACD", "explanation": "解析标记XQ2"}),
        json!({"kind": "judge", "stem": "判断测试题", "answer": "错", "explanation": "解析标记XQ3"}),
        json!({"kind": "fill", "stem": "填空测试题____", "answer": "独特答案甲乙丙|另一答案", "explanation": "解析标记XQ4"}),
    ] {
        ids.push(post(api, "/api/v1/questions", q).await["id"].as_i64().unwrap());
    }
    let paper = post(
        api,
        "/api/v1/papers",
        json!({"title": "测试卷", "mode": "fixed", "pass_mark": 60, "time_limit_min": limit_min}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    for id in ids {
        post(api, &format!("/api/v1/papers/{paper}/questions"), json!({"question_id": id, "points": 25})).await;
    }
    let officer: i64 =
        sqlx::query_scalar("SELECT p.id FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'officer'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let now = app.clock.now_ms();
    let exam = post(
        api,
        "/api/v1/exams",
        json!({"title": "测试考试", "paper_id": paper, "opens_at": local(now - 120_000), "closes_at": local(now + open_min * 60_000),
            "attempts_allowed": 1, "show_answers": true, "person_ids": [officer]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    (exam, officer)
}

const SECRETS: &[&str] = &["解析标记", "另一答案", "独特答案甲乙丙", "\"key\"", "\"explanation\""];

fn assert_no_key(text: &str, what: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s}");
    }
}

#[tokio::test]
async fn the_key_stays_on_the_server_until_the_exam_closes_and_marking_is_right() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let (exam, person) = fixture(&app, &party, 30, 60).await;
    let officer = app.token("officer").await;
    let mine = officer.json("/api/v1/my/exams").await;
    assert!(mine["items"].as_array().unwrap().iter().any(|e| e["id"] == exam));
    let attempt =
        post(&officer, &format!("/api/v1/exams/{exam}/start"), json!({})).await["attempt_id"].as_i64().unwrap();
    let text = officer.get(&format!("/api/v1/attempts/{attempt}")).await.text().await.unwrap();
    assert_no_key(&text, "the sitting (API)");
    let browser = app.login("officer").await;
    for page in [format!("/exams/attempts/{attempt}"), "/exams/my".to_string()] {
        let html = browser.get(&page).await.text().await.unwrap();
        assert_no_key(&html, &page);
    }
    // Answer by kind: right, right, wrong, right (the second accepted spelling of the fill-in).
    let v: Value = serde_json::from_str(&text).unwrap();
    let questions = v["questions"].as_array().unwrap().clone();
    assert_eq!(questions.len(), 4);
    for q in &questions {
        let texts: Vec<&str> = q["options"].as_array().unwrap().iter().map(|o| o[1].as_str().unwrap()).collect();
        let answer = match q["kind"].as_str().unwrap() {
            "single" => json!("B"),
            "multiple" => json!(["D", "A", "C"]),
            "judge" => json!("T"),
            _ => json!(" 另一答案 "),
        };
        if q["kind"] == "single" {
            let mut sorted = texts.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec!["选项一", "选项三", "选项二"], "all options shown, in some order");
        }
        let r = officer
            .req(Method::POST, &format!("/api/v1/attempts/{attempt}/answers"))
            .json(&json!({"position": q["position"], "answer": answer}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", r.text().await.unwrap());
    }
    let single = questions.iter().find(|q| q["kind"] == "single").unwrap()["position"].clone();
    let bad = officer
        .req(Method::POST, &format!("/api/v1/attempts/{attempt}/answers"))
        .json(&json!({"position": single, "answer": "Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "not an option");
    // A reload restores every saved answer.
    let again = officer.json(&format!("/api/v1/attempts/{attempt}")).await;
    let saved: Vec<(String, String)> = again["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["kind"].as_str().unwrap().to_string(), q["answer"].as_str().unwrap().to_string()))
        .collect();
    for (kind, answer) in &saved {
        let expect = match kind.as_str() {
            "single" => "B",
            "multiple" => "ACD",
            "judge" => "T",
            _ => "另一答案",
        };
        assert_eq!(answer, expect, "{kind}");
    }
    let html = browser.get(&format!("/exams/attempts/{attempt}")).await.text().await.unwrap();
    assert!(html.contains(r#"value="另一答案""#), "the page shows the saved fill-in");
    let done = post(&officer, &format!("/api/v1/attempts/{attempt}/submit"), json!({})).await;
    assert_eq!((done["attempt"]["score"].as_i64(), done["attempt"]["passed"].as_i64()), (Some(75), Some(1)));
    let after = officer.get(&format!("/api/v1/attempts/{attempt}")).await.text().await.unwrap();
    for s in ["解析标记", "\"key\""] {
        assert!(!after.contains(s), "submitted but the exam is still open: {s} leaked");
    }
    // Once the exam has closed, the key and the explanations are shown (the exam says so).
    app.clock.advance_minutes(61);
    let officer = app.token("officer").await;
    let closed = officer.get(&format!("/api/v1/attempts/{attempt}")).await.text().await.unwrap();
    assert!(closed.contains("解析标记XQ4") && closed.contains("\"key\""));
    let party = app.token("party").await;
    let r = party.json(&format!("/api/v1/exams/{exam}/results")).await;
    assert_eq!((r["results"]["total"]["sat"].as_i64(), r["results"]["total"]["passed"].as_i64()), (Some(1), Some(1)));
    let wrong = &r["results"]["most_wrong"][0];
    assert_eq!((wrong["stem"].as_str(), wrong["wrong"].as_i64()), (Some("判断测试题"), Some(1)));
    // The result is on the person's profile, with their training record.
    let profile = app.login("party").await.get(&format!("/org/people/{person}")).await.text().await.unwrap();
    assert!(profile.contains("考试成绩") && profile.contains("75 / 100") && profile.contains("培训记录"));
}

#[tokio::test]
async fn the_server_deadline_closes_the_sitting_and_refuses_a_late_submission() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let (exam, _) = fixture(&app, &party, 10, 120).await;
    let officer = app.token("officer").await;
    let attempt =
        post(&officer, &format!("/api/v1/exams/{exam}/start"), json!({})).await["attempt_id"].as_i64().unwrap();
    let v = officer.json(&format!("/api/v1/attempts/{attempt}")).await;
    let judge = v["questions"].as_array().unwrap().iter().find(|q| q["kind"] == "judge").unwrap()["position"].clone();
    post(&officer, &format!("/api/v1/attempts/{attempt}/answers"), json!({"position": judge, "answer": "F"})).await;
    // Starting again returns the same sitting (a lost connection loses nothing).
    let same = post(&officer, &format!("/api/v1/exams/{exam}/start"), json!({})).await["attempt_id"].as_i64().unwrap();
    assert_eq!(same, attempt);
    app.clock.advance_minutes(11);
    let officer = app.token("officer").await;
    let late = officer
        .req(Method::POST, &format!("/api/v1/attempts/{attempt}/answers"))
        .json(&json!({"position": judge, "answer": "T"}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
    let r = officer.req(Method::POST, &format!("/api/v1/attempts/{attempt}/submit")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let msg = r.text().await.unwrap();
    assert!(msg.contains("超过作答时限"), "{msg}");
    let a = officer.json(&format!("/api/v1/attempts/{attempt}")).await;
    assert_eq!(a["attempt"]["closed_by"], "deadline");
    assert_eq!(a["attempt"]["score"], 25, "what was saved before the deadline is marked");
    // One attempt allowed: no new sitting.
    let again = officer.req(Method::POST, &format!("/api/v1/exams/{exam}/start")).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    // Someone who is not a candidate cannot see the exam at all.
    let clerk = app.token("clerk2").await;
    assert_eq!(clerk.get(&format!("/api/v1/attempts/{attempt}")).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_bank_is_for_its_editors_and_imports_are_checked_whole() {
    let app = spawn_app().await;
    let clerk = app.token("clerk1").await;
    assert_eq!(clerk.get("/api/v1/questions").await.status(), StatusCode::FORBIDDEN, "candidates never read the bank");
    let party = app.token("party").await;
    let before = app.scalar("SELECT count(*) FROM questions").await;
    let headers =
        ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "标签", "难度"];
    let rows = vec![
        vec!["单选题", "导入题一", "甲", "乙", "", "", "", "", "B", "", "测试", "1"],
        vec!["多选题", "导入题二", "甲", "乙", "丙", "", "", "", "AD", "", "测试", "2"],
        vec!["判断题", "导入题三", "", "", "", "", "", "", "对", "", "测试", ""],
    ];
    let part = reqwest::multipart::Part::bytes(xlsx(&headers, &rows)).file_name("题库.xlsx");
    let r = party
        .req(Method::POST, "/api/v1/questions/import")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["line"], 4);
    assert_eq!(v["errors"][0]["column"], "答案");
    assert_eq!(app.scalar("SELECT count(*) FROM questions").await, before, "refused whole");
    let mut fixed = rows.clone();
    fixed[1][8] = "AC";
    let part = reqwest::multipart::Part::bytes(xlsx(&headers, &fixed)).file_name("题库.xlsx");
    let r = party
        .req(Method::POST, "/api/v1/questions/import")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.scalar("SELECT count(*) FROM questions").await, before + 3);
}

/// The people who must sit an exam, chosen by a Party organisation (and those below it) and by
/// name: the organisation's active members and the named ones, each once.
#[tokio::test]
async fn candidates_by_organisation_and_by_name_are_those_people_each_once() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let (first, officer) = fixture(&app, &party, 30, 60).await;
    let db = &app.state.db.pool;
    let paper: i64 =
        sqlx::query_scalar("SELECT paper_id FROM exams WHERE id = $1").bind(first).fetch_one(db).await.unwrap();
    // The organisation with the most active members below it (the committee's general branch or a branch).
    let (org, path): (i64, String) = sqlx::query_as(
        "SELECT o.id, o.path FROM party_orgs o WHERE o.parent_id IS NOT NULL ORDER BY \
         (SELECT count(*) FROM people p JOIN party_orgs b ON b.id = p.branch_id \
          WHERE p.employment_status = 'active' AND b.path LIKE o.path || '%') DESC, o.id LIMIT 1",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let mut expected: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN party_orgs b ON b.id = p.branch_id \
         WHERE p.employment_status = 'active' AND b.path LIKE $1 || '%'",
    )
    .bind(&path)
    .fetch_all(db)
    .await
    .unwrap();
    assert!(expected.len() > 1, "the organisation has members: {}", expected.len());
    let member = expected[0];
    expected.push(officer);
    expected.sort_unstable();
    expected.dedup();
    let now = app.clock.now_ms();
    let exam = post(
        &party,
        "/api/v1/exams",
        json!({"title": "支部测试考试", "paper_id": paper, "opens_at": local(now - 120_000), "closes_at": local(now + 3_600_000),
            "attempts_allowed": 1, "show_answers": false, "org_id": org, "person_ids": [officer, member]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let got: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM exam_candidates WHERE exam_id = $1 ORDER BY person_id")
            .bind(exam)
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(got, expected);
}
