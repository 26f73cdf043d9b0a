//! The figure catalogue through the API: the required keys exist, every figure's value equals the
//! total of its drill-down (a rate: numerator and denominator each), a unit narrows the count and
//! never widens the caller's scope, and bad parameters are a clear 400.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;

const REQUIRED: &[&str] = &[
    "branches_founded",
    "rotation_training_rounds_completed",
    "people_in_personnel_changes",
    "leadership_adjustments_zhengke",
    "zhengke_removals_senior_rank",
    "post_exchanges_fuke",
    "measures_in_task_plans",
    "measures_overdue",
    "responsibility_letters_signed",
    "committee_meetings_with_first_agenda_study",
    "central_group_study_weeks_missed",
    "integrity_talks_held",
    "warning_education_events",
    "discipline_exam_participation_rate",
    "trainings_held",
    "drills_held",
    "epidemic_meetings",
    "closed_duty_person_times",
    "vaccination_rate_officers",
    "vaccination_rate_workers",
    "vaccination_rate_prisoners",
    "hazards_found",
    "hazards_closed",
    "petitions_received",
    "petitions_replied_on_time_rate",
    "days_since_critical_incident",
];

/// What a drill-down adds up to: its number of records for a count, the sum of its records'
/// amounts (all of them on one page here) for a sum.
async fn drill_total(api: &Api, url: &str, counts: &str) -> i64 {
    let v = api.json(&format!("{url}&per_page=200")).await;
    let total = v["total"].as_i64().unwrap();
    let items = v["items"].as_array().unwrap();
    assert!(items.len() as i64 == total.min(200), "{url}");
    match counts {
        "records" => total,
        "amount" => {
            assert!(total <= 200, "{url}: one page");
            let sum: i64 = items.iter().map(|i| i["amount"].as_i64().expect("each record has its amount")).sum();
            assert_eq!(v["sum"].as_i64(), Some(sum), "{url}");
            sum
        }
        other => panic!("{url}: counts {other}"),
    }
}

async fn check_figure(api: &Api, k: &str, period: &str) {
    let v = api.json(&format!("/api/v1/figures/{k}?{period}")).await;
    assert_eq!(v["key"], k);
    assert!(v["from"].is_string() && v["to"].is_string() && v["records_url"].is_string());
    match v["kind"].as_str().unwrap() {
        "count" => {
            let total = drill_total(api, v["records_url"].as_str().unwrap(), v["counts"].as_str().unwrap()).await;
            assert_eq!(v["value"].as_i64().unwrap(), total, "{k}: value = drill-down total");
        }
        "rate" => {
            let (n, d) = (&v["numerator"], &v["denominator"]);
            let nt = drill_total(api, n["records_url"].as_str().unwrap(), n["counts"].as_str().unwrap()).await;
            let dt = drill_total(api, d["records_url"].as_str().unwrap(), d["counts"].as_str().unwrap()).await;
            assert_eq!((n["value"].as_i64().unwrap(), d["value"].as_i64().unwrap()), (nt, dt), "{k}");
            let expect = if dt == 0 { 0 } else { nt * 100 / dt };
            assert_eq!(v["value"].as_i64().unwrap(), expect, "{k}: percent of its parts");
        }
        other => panic!("{k}: kind {other}"),
    }
}

#[tokio::test]
async fn every_figure_equals_its_drill_down() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let cat = api.json("/api/v1/figures").await;
    let keys: Vec<&str> = cat["items"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    let year = platform::clock::today(&app.clock).year();
    let period = format!("from={}-01-01&to={}-12-31", year - 1, year);
    // The discipline committee sees the labelled figures too.
    let jiwei = app.token("jiwei").await;
    let labelled = jiwei.json("/api/v1/figures").await;
    let more: Vec<&str> = labelled["items"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert!(more.contains(&"accountability_cases") && !keys.contains(&"accountability_cases"));
    for k in REQUIRED.iter().chain(&["accountability_cases"]) {
        assert!(keys.contains(k) || more.contains(k), "{k} missing from the catalogue");
    }
    for (who, keys) in [(&api, &keys), (&jiwei, &more)] {
        for k in keys.iter() {
            check_figure(who, k, &period).await;
        }
    }
    // The demo's year: 45 measures in the plan, and the board's overdue count is the figure's.
    let m = api.json(&format!("/api/v1/figures/measures_in_task_plans?from={year}-01-01&to={year}-12-31")).await;
    assert_eq!(m["value"], 45);
    let today = platform::clock::today(&app.clock);
    let overdue = api.json(&format!("/api/v1/figures/measures_overdue?from={year}-01-01&to={today}")).await;
    let board = api.json("/api/v1/measures?status=overdue&per_page=1").await;
    assert_eq!(overdue["value"], board["total"]);
}

#[tokio::test]
async fn a_unit_narrows_a_figure_and_never_widens_the_scope() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let year = platform::clock::today(&app.clock).year();
    let url =
        |unit: i64| format!("/api/v1/figures/measures_in_task_plans?from={year}-01-01&to={year}-12-31&unit={unit}");
    let (jq1, jq2) = (app.unit_id("SL-JQ01").await, app.unit_id("SL-JQ02").await);
    let whole = api.json(&format!("/api/v1/figures/measures_in_task_plans?from={year}-01-01&to={year}-12-31")).await;
    let part = api.json(&url(jq2)).await;
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM measures m WHERE m.plan_id IS NOT NULL AND m.year = $1 AND (m.lead_unit_id = $2 \
         OR EXISTS (SELECT 1 FROM measure_units mu WHERE mu.measure_id = m.id AND mu.unit_id = $2))",
    )
    .bind(year as i64)
    .bind(jq2)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(part["value"].as_i64().unwrap(), expected);
    assert!(expected > 0 && expected < whole["value"].as_i64().unwrap());
    // clerk2 works for 二监区: its own unit is fine, 一监区 is not found.
    let clerk2 = app.token("clerk2").await;
    assert_eq!(clerk2.json(&url(jq2)).await["value"].as_i64().unwrap(), expected);
    assert_eq!(clerk2.get(&url(jq1)).await.status(), StatusCode::NOT_FOUND);
    // Bad parameters: a clear 400 in Chinese; an unknown key: 404.
    for bad in ["from=2026-13-01", "from=2026-05-01&to=2026-04-01", "unit=abc"] {
        let r = api.get(&format!("/api/v1/figures/measures_overdue?{bad}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let v: Value = r.json().await.unwrap();
        assert!(v.to_string().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "Chinese message: {v}");
    }
    assert_eq!(api.get("/api/v1/figures/no_such_figure").await.status(), StatusCode::NOT_FOUND);
    // The pages show the catalogue and the records.
    let party = app.login("party").await;
    let page = party.get("/reports/figures").await.text().await.unwrap();
    assert!(page.contains("measures_overdue") && page.contains("新成立党支部数"));
    let r = party
        .get(&format!(
            "/reports/figures/responsibility_letters_signed?from={year}-01-01&to={year}-12-31&part=denominator"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("分母"));
}
