//! The figures of 组织与队伍 on a fixture whose answers are known by hand, and on the demo's year,
//! which reproduces the seed report's numbers.

use crate::common::*;
use crate::org::id_number;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn figures_count_exactly_the_records_on_a_known_fixture() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let committee: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-DW'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let unit = app.unit_id("SL-JQ05").await;
    // Three branches: two founded in 2019, one in 2020.
    for (code, founded) in [("FX-1", "2019-02-01"), ("FX-2", "2019-12-31"), ("FX-3", "2020-01-01")] {
        let r = api.req(Method::POST, "/api/v1/party_orgs").json(&json!({"parent_id": committee, "code": code, "name": format!("测试{code}支部"), "kind": "branch", "unit_id": unit, "founded_on": founded})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    // A: 正科 and 四级高级警长; B: 正科 and 一级警长; C: 副科.
    let mut ids = Vec::new();
    for (name, level, rank, seq) in [
        ("甲", "section", "senior_4", 101),
        ("乙", "section", "sergeant_1", 103),
        ("丙", "deputy_section", "sergeant_2", 105),
    ] {
        let r = api
            .req(Method::POST, "/api/v1/people")
            .json(&json!({"kind": "officer", "name": name, "gender": "male", "birth_date": "1970-01-01", "id_number": id_number("1970-01-01", seq), "police_number": format!("FX{seq}"), "unit_id": unit, "leadership_level": level, "police_rank": rank}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        ids.push(r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let change = |person: i64, kind: &str, on: &str| json!({"person_id": person, "kind": kind, "effective_on": on, "after_unit_id": if kind == "transfer" { json!(app_unit(unit)) } else { json!("") }});
    fn app_unit(u: i64) -> i64 {
        u
    }
    for (p, kind, on) in [
        (ids[0], "removal", "2019-03-01"),
        (ids[1], "removal", "2019-04-01"),
        (ids[2], "post_exchange", "2019-05-01"),
        (ids[2], "post_exchange", "2019-06-01"),
        (ids[0], "transfer", "2020-02-01"),
    ] {
        let r = api.req(Method::POST, "/api/v1/personnel_changes").json(&change(p, kind, on)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    let ctx = platform::Ctx::internal(app.state.clone(), "test", &[]);
    let f = org::figures::branches_founded(&ctx, "2019-01-01", "2019-12-31").await.unwrap();
    assert_eq!((f.value, f.records.len()), (2, 2));
    use org::figures::{ChangeFilter, people_changed};
    let all = people_changed(&ctx, "2019-01-01", "2019-12-31", ChangeFilter::default()).await.unwrap();
    assert_eq!(all.value, 3, "three people, one of them changed twice");
    let senior =
        ChangeFilter { kind: Some("removal"), before_level: Some("section"), min_before_rank: Some("senior_4") };
    let f = people_changed(&ctx, "2019-01-01", "2019-12-31", senior).await.unwrap();
    assert_eq!(f.value, 1);
    assert_eq!(f.records[0].id, ids[0]);
    assert!(f.definition.contains("四级高级警长及以上"));
    let ex = ChangeFilter { kind: Some("post_exchange"), before_level: Some("deputy_section"), ..Default::default() };
    assert_eq!(people_changed(&ctx, "2019-01-01", "2019-12-31", ex).await.unwrap().value, 1);
    // The demo's year reproduces the seed report: 210 people, 13 removals, 6 exchanges, 4 adjustments.
    let today = platform::clock::today(&app.clock);
    let from = today.saturating_sub(jiff::Span::new().years(1)).to_string();
    let to = today.to_string();
    let removed = people_changed(&ctx, &from, &to, senior).await.unwrap();
    assert_eq!(removed.value, 13);
    let adjust = ChangeFilter { kind: Some("level_change"), before_level: Some("section"), ..Default::default() };
    assert_eq!(people_changed(&ctx, &from, &to, adjust).await.unwrap().value, 4);
    // The removal moved 甲 out of the 正科 post; undoing the latest change puts the person back.
    let (level,): (String,) = sqlx::query_as("SELECT leadership_level FROM people WHERE id = $1")
        .bind(ids[1])
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(level, "");
    let latest: i64 = sqlx::query_scalar("SELECT max(id) FROM personnel_changes WHERE person_id = $1")
        .bind(ids[1])
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        api.req(Method::DELETE, &format!("/api/v1/personnel_changes/{latest}")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let (level,): (String,) = sqlx::query_as("SELECT leadership_level FROM people WHERE id = $1")
        .bind(ids[1])
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(level, "section");
}
