//! The benchmark data generator at a tiny size: the province's thirty prisons with their units,
//! organisations and people, each with past years of meetings, measures, hazards, sealed
//! petitions, exam answers and audit rows — consistent enough that the audit chain verifies, new
//! records still get fresh ids and the pages show the generated records.

use crate::common::*;
use gangju::generate::{Scale, Volumes, generate};
use reqwest::StatusCode;

#[tokio::test]
async fn a_tiny_province_is_generated_whole_and_consistent() {
    let app = spawn_app().await;
    let before_meetings = app.scalar("SELECT count(*) FROM meetings").await;
    let before_audit = app.scalar("SELECT count(*) FROM audit_log").await;
    let tiny = Volumes {
        people: 24,
        branches: 2,
        years: 1,
        measures_per_year: 3,
        hazards_per_year: 4,
        petitions_per_year: 2,
        exams_per_year: 1,
        sitters_per_exam: 5,
        questions_per_paper: 4,
        audit_rows: 30,
    };
    let w = generate(&app.state, Scale::Province, &tiny, &|_| {}).await.unwrap();
    assert_eq!(w.prisons, 30, "the demo prison and 29 generated ones");
    assert_eq!(app.scalar("SELECT count(*) FROM units WHERE kind = 'prison' AND code LIKE 'G%'").await, 29);
    // The past year's task plan and this year's so far (from February on).
    let plans = if platform::clock::today(&app.clock).month() >= 2 { 2 } else { 1 };
    assert_eq!(w.measures, 30 * 3 * plans);
    assert_eq!(w.hazards, 30 * 4);
    assert_eq!(w.petitions, 30 * 2);
    assert_eq!(w.answers, 30 * 5 * 4);
    assert_eq!(app.scalar("SELECT count(*) FROM meetings").await - before_meetings, w.meetings as i64);
    assert!(w.meetings >= 29 * 2 * 52, "every branch, every week of the past year: {}", w.meetings);
    assert_eq!(app.scalar("SELECT count(*) FROM audit_log").await - before_audit, 30 * 30);
    // The chain the generator extended still verifies.
    let verdict = platform::audit::verify(&app.state.db, &app.state.keys.audit).await.unwrap();
    assert!(matches!(verdict, platform::audit::Verdict::Ok { .. }), "{verdict:?}");
    // New rows after generation get fresh ids (PostgreSQL's sequences moved past the explicit ids).
    let party = app.token("party").await;
    let r = party
        .send(
            reqwest::Method::POST,
            "/api/v1/task_plans",
            serde_json::json!({"title": "生成之后的计划", "year": 2026, "doc_number": "测〔2026〕9号"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    // The bureau sees the generated prisons side by side; the lists show the generated weeks.
    let bureau = app.login("bureau").await;
    let page = bureau.get("/dashboard/prisons").await.text().await.unwrap();
    assert!(page.contains("示例省生成第31监狱"));
    let last_year = platform::clock::today(&app.clock).year() - 1;
    let list = party.json(&format!("/api/v1/meetings?from={last_year}-01-01&to={last_year}-12-31&per_page=1")).await;
    assert!(list["total"].as_i64().unwrap() >= 2 * 52, "the demo prison's generated weeks are listed");
}
