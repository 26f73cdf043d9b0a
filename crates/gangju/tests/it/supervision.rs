//! 主体责任 through the real server: a plan imported from the committee's spreadsheet (refused
//! whole when a department is unknown), overdue derived from the deadline and the clock, who may
//! report and who may sign off, and another prison's department kept out.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn plan(api: &Api, title: &str) -> i64 {
    plan_of(api, title, 2026).await
}

async fn plan_of(api: &Api, title: &str, year: i16) -> i64 {
    let r = api
        .req(Method::POST, "/api/v1/task_plans")
        .json(&json!({"title": title, "year": year, "doc_number": "测党发〔2026〕1号"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn unit_name(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT name FROM units WHERE code = $1").bind(code).fetch_one(&app.state.db.pool).await.unwrap()
}

/// A leader of the demo prison whose name nobody else has (so a spreadsheet can name them).
async fn a_leader(app: &TestApp) -> (i64, String) {
    sqlx::query_as(
        "SELECT p.id, p.name FROM people p JOIN units u ON u.id = p.unit_id JOIN units s ON s.id = u.prison_id \
         WHERE s.code = 'SL' AND p.employment_status = 'active' AND p.leadership_level IN ('division', 'deputy_division') \
         AND (SELECT count(*) FROM people q WHERE q.name = p.name) = 1 ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn measures_of(app: &TestApp, plan: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM measures WHERE plan_id = $1")
        .bind(plan)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn import(api: &Api, plan: i64, bytes: Vec<u8>, dry: bool) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("任务安排.xlsx");
    api.req(Method::POST, &format!("/api/v1/task_plans/import?plan={plan}&dry_run={dry}"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_plan_with_an_unknown_department_is_refused_whole_with_the_row_named() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let id = plan(&api, "测试任务安排").await;
    let (_, leader) = a_leader(&app).await;
    let (zzc, jw, jq2) =
        (unit_name(&app, "SL-ZZC").await, unit_name(&app, "SL-JW").await, unit_name(&app, "SL-JQ02").await);
    let partners = format!("{jw}、{jq2}");
    let headers = ["序号", "工作措施", "责任领导", "牵头部门", "参加部门", "完成时限"];
    let good = vec!["1", "专题研究全面从严治党工作", leader.as_str(), zzc.as_str(), partners.as_str(), "2026年3月底"];
    let bad = vec!["2", "签订党风廉政建设责任书", leader.as_str(), "宣传教育科（不存在）", jw.as_str(), "每季度"];
    let third = vec!["3", "开展警示教育", leader.as_str(), jw.as_str(), "", "全年"];
    let r = import(&api, id, xlsx(&headers, &[good.clone(), bad, third.clone()]), false).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["imported"], 0);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["line"], 4, "the second data row, under the title and header rows");
    assert_eq!(errors[0]["column"], "牵头部门");
    assert!(errors[0]["reason"].as_str().unwrap().contains("宣传教育科（不存在）"));
    assert_eq!(measures_of(&app, id).await, 0, "not one row imported");

    // An unknown leader is named the same way; a dry run of a good sheet writes nothing.
    let nobody = vec!["2", "签订责任书", "查无此人", zzc.as_str(), "", "每季度"];
    let v: Value = import(&api, id, xlsx(&headers, &[good.clone(), nobody]), true).await.json().await.unwrap();
    assert_eq!(v["errors"][0]["column"], "责任领导");
    let fixed = vec!["2", "签订党风廉政建设责任书", leader.as_str(), zzc.as_str(), jw.as_str(), "每季度"];
    let rows = [good, fixed, third];
    let r = import(&api, id, xlsx(&headers, &rows), true).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(measures_of(&app, id).await, 0, "dry run");
    let v: Value = import(&api, id, xlsx(&headers, &rows), false).await.json().await.unwrap();
    assert_eq!(v["imported"], 3);
    let list = api.json(&format!("/api/v1/measures?plan={id}&sort=number")).await;
    let items = list["items"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> =
        items.iter().map(|m| (m["deadline_kind"].as_str().unwrap(), m["deadline"].as_str().unwrap())).collect();
    assert_eq!(kinds, vec![("date", "2026-03-31"), ("quarterly", "2026-12-31"), ("yearly", "2026-12-31")]);
    assert_eq!(items[0]["partners"].as_array().unwrap().len(), 2);
    // The same numbers again are refused as duplicates.
    let v: Value = import(&api, id, xlsx(&headers, &rows), false).await.json().await.unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 3);
    assert_eq!(measures_of(&app, id).await, 3);
}

async fn add_measure(
    api: &Api,
    plan: i64,
    number: i64,
    lead: i64,
    partners: &[i64],
    deadline: &str,
    leader: i64,
) -> i64 {
    let r = api
        .req(Method::POST, &format!("/api/v1/task_plans/{plan}/measures"))
        .json(
            &json!({"number": number, "content": format!("测试措施{number}"), "leader_id": leader, "lead_unit_id": lead,
            "partner_ids": partners, "deadline": deadline}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn status_of(api: &Api, id: i64) -> (String, i64, i64) {
    let v = api.json(&format!("/api/v1/measures/{id}")).await;
    let m = &v["measure"];
    (m["status"].as_str().unwrap().to_string(), m["overdue"].as_i64().unwrap(), m["due_soon"].as_i64().unwrap())
}

fn listed(v: &Value, id: i64) -> bool {
    v["items"].as_array().unwrap().iter().any(|m| m["id"] == id)
}

#[tokio::test]
async fn overdue_is_derived_from_the_deadline_and_the_clock() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    // The middle of next month: a monthly measure set now owes its report for this month by then.
    let at = today.first_of_month().saturating_add(jiff::Span::new().months(1).days(14));
    let id = plan_of(&api, "逾期测试", at.year()).await;
    let (leader, _) = a_leader(&app).await;
    let zzc = app.unit_id("SL-ZZC").await;
    let in_3 = today.saturating_add(jiff::Span::new().days(3)).to_string();
    let dated = add_measure(&api, id, 1, zzc, &[], &in_3, leader).await;
    let monthly = add_measure(&api, id, 2, zzc, &[], "每月", leader).await;
    assert_eq!(status_of(&api, dated).await, ("not_started".into(), 0, 1), "due within 7 days");
    let party = app.login("party").await;
    assert!(
        party.get("/").await.text().await.unwrap().contains("督办事项第1项即将到期"),
        "the lead department's to-do"
    );

    let overdue_at = |d: jiff::civil::Date| format!("/api/v1/measures?plan={id}&status=overdue&at={d}");
    assert!(!listed(&api.json(&overdue_at(today)).await, monthly), "set this month: nothing owed yet");
    assert!(listed(&api.json(&overdue_at(at)).await, monthly), "a whole month without a report");
    let r = api
        .req(Method::POST, &format!("/api/v1/measures/{monthly}/progress"))
        .json(&json!({"kind": "progress", "text": "本月已推进", "percent": 40}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    assert!(!listed(&api.json(&overdue_at(at)).await, monthly), "this month's report was made");
    assert_eq!(status_of(&api, monthly).await.0, "in_progress");

    app.clock.advance_minutes(5 * 24 * 60);
    let (api, party) = (app.token("party").await, app.login("party").await);
    assert_eq!(status_of(&api, dated).await, ("not_started".into(), 1, 0), "past its date: overdue");
    let stored: String = sqlx::query_scalar("SELECT status FROM measures WHERE id = $1")
        .bind(dated)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, "not_started", "overdue is never stored");
    assert!(listed(&api.json("/api/v1/measures?status=overdue&per_page=200").await, dated));
    assert!(party.get("/").await.text().await.unwrap().contains("督办事项第1项已逾期"));
    // Asked at the day it was set, the same measure was not overdue then.
    assert!(!listed(&api.json(&overdue_at(today)).await, dated));
}

#[tokio::test]
async fn a_participating_department_reports_but_cannot_sign_off_and_others_cannot_see() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let id = plan(&api, "销号测试").await;
    let (leader, _) = a_leader(&app).await;
    let (zzc, jq2) = (app.unit_id("SL-ZZC").await, app.unit_id("SL-JQ02").await);
    let today = platform::clock::today(&app.clock).to_string();
    let m = add_measure(&api, id, 1, zzc, &[jq2], "全年", leader).await;
    let step =
        |who: &Api, body: Value| who.req(Method::POST, &format!("/api/v1/measures/{m}/progress")).json(&body).send();
    let clerk2 = app.token("clerk2").await;
    assert_eq!(clerk2.get(&format!("/api/v1/measures/{m}")).await.status(), StatusCode::OK);
    let r = step(
        &clerk2,
        json!({"kind": "progress", "text": "二监区已完成本部门任务", "percent": 30, "reported_on": today}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "a participating department reports");
    let r = step(&clerk2, json!({"kind": "submit", "text": "完成"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "only the lead department asks for sign-off");
    // The lead department (the party office here, whose scope covers 政治处) asks for sign-off.
    let r = step(&api, json!({"kind": "submit", "unit_id": zzc, "text": "已完成"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    assert_eq!(step(&clerk2, json!({"kind": "approve"})).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(step(&api, json!({"kind": "approve"})).await.unwrap().status(), StatusCode::FORBIDDEN, "not the leader");
    assert_eq!(status_of(&api, m).await.0, "submitted");

    // The responsible leader's account signs off (or sends back with a reason).
    let leader_user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'leader'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE people SET user_id = NULL WHERE user_id = $1")
        .bind(leader_user)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE people SET user_id = $1 WHERE id = $2")
        .bind(leader_user)
        .bind(leader)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let boss = app.token("leader").await;
    assert_eq!(
        step(&boss, json!({"kind": "reject"})).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason"
    );
    assert_eq!(step(&boss, json!({"kind": "reject", "text": "佐证不足"})).await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(status_of(&api, m).await.0, "in_progress", "sent back");
    assert_eq!(
        step(&api, json!({"kind": "submit", "unit_id": zzc, "text": "已补充"})).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(step(&boss, json!({"kind": "approve", "text": "同意"})).await.unwrap().status(), StatusCode::CREATED);
    let v = api.json(&format!("/api/v1/measures/{m}")).await;
    assert_eq!(v["measure"]["status"], "done");
    let kinds: Vec<&str> = v["trail"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["approve", "submit", "reject", "submit", "progress"]);
    assert_eq!(
        step(&clerk2, json!({"kind": "progress", "text": "补报"})).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Neither an uninvolved department nor another prison's department sees or reports on it.
    let clerk1 = app.token("clerk1").await;
    assert_eq!(clerk1.get(&format!("/api/v1/measures/{m}")).await.status(), StatusCode::NOT_FOUND);
    let far = app.unit_id("SL2").await;
    let mut tx = app.state.db.begin().await.unwrap();
    let nu = system::accounts::service::NewUser {
        username: "farclerk".into(),
        display_name: "外监内勤".into(),
        unit_id: far,
        roles: vec!["unit_clerk".into()],
        phone: String::new(),
        password: Some(PW.into()),
        never_expires: true,
    };
    system::accounts::service::create_user(&mut tx, &nu, "第二监狱", 0).await.unwrap();
    tx.commit().await.unwrap();
    let outsider = app.token("farclerk").await;
    assert_eq!(outsider.get(&format!("/api/v1/measures/{m}")).await.status(), StatusCode::NOT_FOUND);
    let r = step(&outsider, json!({"kind": "progress", "text": "越权"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let listed = outsider.json("/api/v1/measures?per_page=200").await;
    assert_eq!(listed["total"], 0);
    assert_eq!(outsider.get(&format!("/api/v1/task_plans/{id}")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn supervision_figures_count_exactly_their_records() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    // Next year's plan: nothing of the demo's falls in it.
    let y = platform::clock::today(&app.clock).year() + 1;
    let id = plan_of(&api, "下年度任务安排", y).await;
    let (leader, _) = a_leader(&app).await;
    let zzc = app.unit_id("SL-ZZC").await;
    let a = add_measure(&api, id, 1, zzc, &[], &format!("{y}-03-31"), leader).await;
    let b = add_measure(&api, id, 2, zzc, &[], &format!("{y}-06-30"), leader).await;
    let c = add_measure(&api, id, 3, zzc, &[], "全年", leader).await;
    let d = add_measure(&api, id, 4, zzc, &[], "每季度", leader).await;
    // A is signed off now by its leader (the plan's owner is not set).
    let leader_user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'leader'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE people SET user_id = NULL WHERE user_id = $1")
        .bind(leader_user)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE people SET user_id = $1 WHERE id = $2")
        .bind(leader_user)
        .bind(leader)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let boss = app.token("leader").await;
    for (who, kind) in [(&api, "submit"), (&boss, "approve")] {
        let r = who
            .req(Method::POST, &format!("/api/v1/measures/{a}/progress"))
            .json(&json!({"kind": kind, "unit_id": zzc, "text": "完成"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{kind}: {}", r.text().await.unwrap());
    }
    let ctx = platform::Ctx::internal(app.state.clone(), "test", &[]);
    let year = (jiff::civil::date(y, 1, 1), jiff::civil::date(y, 12, 31));
    let at = jiff::civil::date(y, 7, 15);
    let ids = |f: &platform::figures::Figure| {
        let mut v: Vec<i64> = f.records.iter().map(|r| r.id).collect();
        v.sort_unstable();
        v
    };
    let all = supervision::figures::measures_in_task_plans(&ctx, year.0, year.1, None).await.unwrap();
    assert_eq!((all.value, ids(&all)), (4, vec![a, b, c, d]));
    // At 15 July: B is past its date, D has no report for the second quarter; A is done.
    // (Earlier years' open measures of the department are overdue then too.)
    let overdue = supervision::figures::measures_overdue(&ctx, at, Some(zzc)).await.unwrap();
    let ours: Vec<i64> = ids(&overdue).into_iter().filter(|m| [a, b, c, d].contains(m)).collect();
    assert_eq!(ours, vec![b, d]);
    let earlier: i64 =
        sqlx::query_scalar("SELECT count(*) FROM measures WHERE lead_unit_id = $1 AND year < $2 AND status <> 'done'")
            .bind(zzc)
            .bind(y as i64)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(overdue.value, 2 + earlier);
    let rate = supervision::figures::completion_rate(&ctx, at, Some(zzc)).await.unwrap();
    assert_eq!((rate.numerator.value, rate.denominator.value, rate.percent), (1, 4, 25));
    assert_eq!(ids(&rate.numerator), vec![a]);
    // The board's summary for the department agrees with the figures.
    let v = api.json(&format!("/api/v1/measures/by_department?at={at}")).await;
    let row = v["items"].as_array().unwrap().iter().find(|r| r["unit_id"] == zzc).unwrap().clone();
    assert!(row["overdue"].as_i64().unwrap() >= 2 && row["done"].as_i64().unwrap() >= 1);
}

#[tokio::test]
async fn the_bare_board_shows_this_year_and_what_links_name_shows_every_year() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let y = platform::clock::today(&app.clock).year();
    let (leader, _) = a_leader(&app).await;
    let zzc = app.unit_id("SL-ZZC").await;
    let last = plan_of(&api, "去年的任务安排", y - 1).await;
    add_measure(&api, last, 901, zzc, &[], &format!("{}-06-30", y - 1), leader).await;
    let this = plan_of(&api, "今年的任务安排", y).await;
    add_measure(&api, this, 902, zzc, &[], &format!("{y}-01-31"), leader).await;

    let party = app.login("party").await;
    let bare = party.get("/supervision/measures").await.text().await.unwrap();
    assert!(bare.contains(&format!("{y} 年度")), "the summary says which year");
    assert!(bare.contains("测试措施902"), "this year's overdue measure leads the list");
    assert!(!bare.contains("测试措施901"), "last year's is not on this year's board");
    let every = party.get("/supervision/measures?year=").await.text().await.unwrap();
    assert!(every.contains("全部年度") && every.contains("测试措施901") && every.contains("测试措施902"));

    // The summary per department follows the year; without one it counts every year.
    let total = |v: Value| {
        v["items"].as_array().unwrap().iter().find(|r| r["unit_id"] == zzc).map_or(0, |r| r["total"].as_i64().unwrap())
    };
    let this_year = total(api.json(&format!("/api/v1/measures/by_department?year={y}")).await);
    let all_years = total(api.json("/api/v1/measures/by_department").await);
    assert_eq!(all_years, this_year + 1);
    let r = api.req(Method::GET, "/api/v1/measures/by_department?year=去年").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("year 须为 2000 到 2100 之间的年份"));

    // The home card counts overdue measures of every year, as the list it links to does.
    let overdue = api.json("/api/v1/measures?status=overdue&per_page=1").await["total"].as_i64().unwrap();
    let home = party.get("/").await.text().await.unwrap();
    let card = format!("逾期督办事项</span><span class=\"stat-value\">{overdue}</span>");
    assert!(home.contains(&card), "the card shows {overdue}");
    let linked = party.get("/supervision/measures?status=overdue").await.text().await.unwrap();
    assert!(linked.contains("测试措施901") && linked.contains("全部年度"));
}

#[tokio::test]
async fn a_departments_overdue_card_counts_what_it_leads_and_what_it_only_takes_part_in_once_each() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let y = platform::clock::today(&app.clock).year();
    let (leader, _) = a_leader(&app).await;
    let (zzc, jq01) = (app.unit_id("SL-ZZC").await, app.unit_id("SL-JQ01").await);
    let plan = plan_of(&api, "监区参加的任务安排", y).await;
    let past = format!("{}-01-31", y);
    // Led by the clerk's department; led by another with the clerk's department taking part (and
    // one with both); led by another alone: the card counts the first three.
    let led = add_measure(&api, plan, 911, jq01, &[zzc], &past, leader).await;
    let partner = add_measure(&api, plan, 912, zzc, &[jq01], &past, leader).await;
    let both = add_measure(&api, plan, 913, jq01, &[jq01, zzc], &past, leader).await;
    let other = add_measure(&api, plan, 914, zzc, &[], &past, leader).await;

    let clerk_api = app.token("clerk1").await;
    let list = clerk_api.json("/api/v1/measures?status=overdue&per_page=200").await;
    for id in [led, partner, both] {
        assert!(listed(&list, id), "the clerk's overdue list holds measure {id}");
    }
    assert!(!listed(&list, other), "a measure of another department alone is not the clerk's");
    let total = list["total"].as_i64().unwrap();
    assert_eq!(total, list["items"].as_array().unwrap().len() as i64);
    let clerk = app.login("clerk1").await;
    let home = clerk.get("/").await.text().await.unwrap();
    let card = format!("逾期督办事项</span><span class=\"stat-value\">{total}</span>");
    assert!(home.contains(&card), "the clerk's card shows {total}: {home}");

    // Signed off, the measure the department only takes part in leaves the count.
    sqlx::query("UPDATE measures SET status = 'done', done_on = $1 WHERE id = $2")
        .bind(platform::clock::today(&app.clock).to_string())
        .bind(partner)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let home = clerk.get("/").await.text().await.unwrap();
    let card = format!("逾期督办事项</span><span class=\"stat-value\">{}</span>", total - 1);
    assert!(home.contains(&card), "after the sign-off the card shows {}", total - 1);
}
