//! 目标体系 through the real server: a framework built through the API, an indicator's value
//! equal to its catalogue figure, an unknown figure refused by name with nothing saved, linked
//! measures making an indicator red when overdue, the bureau's framework readable by the prison
//! but not changeable, and a node with children not deleted.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn nodes(app: &TestApp) -> i64 {
    app.scalar("SELECT count(*) FROM goal_nodes").await
}

async fn create(api: &Api, body: Value) -> i64 {
    let r = api.send(Method::POST, "/api/v1/goals", body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn indicators_read_their_figures_and_linked_measures() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let year = today.year();

    let fw = create(&party, json!({"kind": "framework", "name": "测试目标体系"})).await;
    let goal = create(&party, json!({"parent_id": fw, "kind": "goal", "name": "执行能力"})).await;

    // An unknown figure is refused with its name, and nothing is saved.
    let before = nodes(&app).await;
    let bad = party
        .send(
            Method::POST,
            "/api/v1/goals",
            json!({"parent_id": goal, "kind": "indicator", "name": "坏指标", "figure_key": "no_such_figure"}),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("no_such_figure"));
    // A framework cannot sit under a goal; an indicator cannot have children.
    let r = party
        .send(Method::POST, "/api/v1/goals", json!({"parent_id": goal, "kind": "framework", "name": "错层"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nodes(&app).await, before);

    let ind = create(
        &party,
        json!({"parent_id": goal, "kind": "indicator", "name": "工作措施", "figure_key": "measures_in_task_plans",
               "target": 50, "comparison": "at_least", "rule_code": "monthly_warning"}),
    )
    .await;
    let r = party
        .send(
            Method::POST,
            "/api/v1/goals",
            json!({"parent_id": ind, "kind": "indicator", "name": "下级", "figure_key": "drills_held"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing under an indicator");

    // Its value is the catalogue's figure for the year so far: the demo plan's 45 measures.
    let v = party.json(&format!("/api/v1/goals/{ind}?year={year}")).await;
    let figure = party.json(&format!("/api/v1/figures/measures_in_task_plans?from={year}-01-01&to={today}")).await;
    assert_eq!(v["reading"]["value"], figure["value"]);
    assert_eq!(v["reading"]["value"], 45);
    assert_eq!(v["reading"]["status"], "尚未达到", "45 of 50 with the year still running");
    assert!(v["reading"]["rule_missed"].is_i64(), "the rule's missed periods are read");
    let trend = v["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 5);
    assert_eq!(trend[4]["value"], 45);
    assert_eq!(trend[4]["year"], year);

    // Linking an overdue measure makes the indicator red; linking it twice is refused.
    let overdue = party.json("/api/v1/measures?status=overdue&per_page=1").await;
    let m = overdue["items"][0]["id"].as_i64().expect("the demo has an overdue measure");
    let r = party.send(Method::POST, &format!("/api/v1/goals/{ind}/measures"), json!({"measure_id": m})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Another session links it again (the same session's repeat would be a double submission).
    let again = app.token("party").await;
    let again = again.send(Method::POST, &format!("/api/v1/goals/{ind}/measures"), json!({"measure_id": m})).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let nowhere =
        party.send(Method::POST, &format!("/api/v1/goals/{ind}/measures"), json!({"measure_id": 987654})).await;
    assert_eq!(nowhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v = party.json(&format!("/api/v1/goals/{ind}")).await;
    assert_eq!((v["reading"]["measures"].as_i64(), v["reading"]["overdue_measures"].as_i64()), (Some(1), Some(1)));
    assert_eq!(v["reading"]["red"], true);
    assert_eq!(v["measures"][0]["id"], m);
    // The board filters by indicator.
    let board = party.json(&format!("/api/v1/measures?goal={ind}")).await;
    assert_eq!(board["total"], 1);

    // The tree lists it under its goal, with the same reading.
    let tree = party.json(&format!("/api/v1/goals?year={year}")).await;
    let items = tree["items"].as_array().unwrap();
    let at = |id: i64| items.iter().position(|i| i["id"] == id).unwrap();
    assert!(at(fw) < at(goal) && at(goal) < at(ind));
    assert_eq!(items[at(ind)]["depth"], 2);
    assert_eq!(items[at(ind)]["reading"]["value"], 45);

    // A node with children stays; a leaf goes with its links.
    let r = party.req(Method::DELETE, &format!("/api/v1/goals/{goal}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("下级"));
    let r = party.req(Method::DELETE, &format!("/api/v1/goals/{ind}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.scalar("SELECT count(*) FROM measure_goal_links WHERE measure_id NOT IN (SELECT id FROM measures)").await,
        0
    );
    let board = party.json(&format!("/api/v1/measures?goal={ind}")).await;
    assert_eq!(board["total"], 0);
    assert!(app.audit_count("link_measure").await >= 1);

    // The pages: the tree with the frameworks, and a node with its trend chart.
    let b = app.login("party").await;
    let page = b.get("/goals").await.text().await.unwrap();
    assert!(page.contains("测试目标体系") && page.contains("“六大建设”"));
    let demo_ind: i64 =
        app.scalar("SELECT min(id) FROM goal_nodes WHERE kind = 'indicator' AND figure_key = 'trainings_held'").await;
    let page = b.get(&format!("/goals/{demo_ind}")).await.text().await.unwrap();
    assert!(
        page.contains("<svg") && page.contains("/reports/figures/trainings_held?from="),
        "a trend that links to its records"
    );
    let export = b.get("/goals/export").await;
    assert_eq!(export.status(), StatusCode::OK);
    let rows = read_xlsx(&export.bytes().await.unwrap());
    assert!(rows.iter().any(|r| r.iter().any(|c| c.contains("六大建设"))));
}

#[tokio::test]
async fn the_bureau_framework_is_read_by_the_prison_and_changed_only_by_the_bureau() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let bureau_fw: i64 = app.scalar("SELECT g.id FROM goal_nodes g JOIN units u ON u.id = g.unit_id WHERE u.code = 'SJ' AND g.parent_id IS NULL").await;
    let tree = party.json("/api/v1/goals").await;
    let row = tree["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == bureau_fw)
        .cloned()
        .expect("the prison reads the bureau's framework");
    assert_eq!(row["editable"], false);
    let r = party
        .send(
            Method::PUT,
            &format!("/api/v1/goals/{bureau_fw}"),
            json!({"kind": "framework", "name": "改名", "version": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = party
        .send(Method::POST, "/api/v1/goals", json!({"parent_id": bureau_fw, "kind": "goal", "name": "挂到省局下"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A unit clerk reads goals but changes none.
    let clerk = app.token("clerk1").await;
    assert_eq!(clerk.get("/api/v1/goals").await.status(), StatusCode::OK);
    let r = clerk.send(Method::POST, "/api/v1/goals", json!({"kind": "framework", "name": "科室目标"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A future year is a clear 400.
    let r = party.get("/api/v1/goals?year=2999").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("年度"));
    // The bureau's leader reads the prison's frameworks too.
    let bureau = app.token("bureau").await;
    let tree = bureau.json("/api/v1/goals").await;
    assert!(tree["items"].as_array().unwrap().iter().any(|i| i["name"] == "“六大建设”"));
}

#[tokio::test]
async fn the_dashboard_shows_the_catalogue_figures_and_what_needs_attention() {
    let app = spawn_app().await;
    let leader = app.token("leader").await;
    let today = platform::clock::today(&app.clock);
    let d = leader.json("/api/v1/dashboard").await;
    let tiles = d["tiles"].as_array().unwrap();
    assert!(tiles.len() >= 12);
    for t in tiles {
        let key = t["key"].as_str().unwrap();
        let f = leader.json(&format!("/api/v1/figures/{key}?from={}-01-01&to={today}", today.year())).await;
        assert_eq!(t["value"], f["value"], "{key}: the tile is the catalogue's figure");
        assert!(t["href"].as_str().unwrap().starts_with(&format!("/reports/figures/{key}?")));
    }
    let overdue = tiles.iter().find(|t| t["key"] == "measures_overdue").unwrap();
    assert_eq!(overdue["red"], overdue["value"].as_i64().unwrap() > 0);
    // Indicators needing attention are the tree's red ones.
    let tree = leader.json("/api/v1/goals").await;
    let red = tree["items"].as_array().unwrap().iter().filter(|i| i["reading"]["red"] == true).count();
    assert_eq!(d["attention"].as_array().unwrap().len(), red);
    assert!(red > 0, "the demo has indicators to look at");
    // One prison of the bureau: the bureau's leader narrows to it; the prison's leader cannot see the other.
    let bureau = app.token("bureau").await;
    let sl2 = app.unit_id("SL2").await;
    let d2 = bureau.json(&format!("/api/v1/dashboard?unit={sl2}")).await;
    let m = d2["tiles"].as_array().unwrap().iter().find(|t| t["key"] == "measures_in_task_plans").unwrap().clone();
    assert_eq!(m["value"], 0, "the second prison has no plan");
    assert_eq!(leader.get(&format!("/api/v1/dashboard?unit={sl2}")).await.status(), StatusCode::NOT_FOUND);
    let b = app.login("bureau").await;
    let page = b.get("/dashboard/prisons").await.text().await.unwrap();
    assert!(page.contains("示例省第一监狱") && page.contains("示例省第二监狱") && page.contains("<svg"));
    let page = app.login("leader").await.get("/dashboard").await.text().await.unwrap();
    assert!(page.contains("class=\"tile") && page.contains("<svg") && !page.contains("各监狱对比"));
}
