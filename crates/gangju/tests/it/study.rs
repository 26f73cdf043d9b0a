//! 学习教育 through the real server: a known missed week is exactly the gap, exempt weeks, the
//! Sunday-night week boundary, the 第一议题 flag, and attendance limited to the own prison.

use crate::common::*;
use jiff::ToSpan;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn branch_with_members(app: &TestApp, api: &Api, founded: &str) -> (i64, Vec<i64>) {
    branch_in(app, api, founded, "SL-JQ09").await
}

async fn branch_in(app: &TestApp, api: &Api, founded: &str, unit_code: &str) -> (i64, Vec<i64>) {
    let committee: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-DW'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let unit = app.unit_id(unit_code).await;
    let r = api.req(Method::POST, "/api/v1/party_orgs").json(&json!({"parent_id": committee, "code": "FX-ZB", "name": "测试党支部", "kind": "branch", "unit_id": unit, "founded_on": founded})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let org = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let people: Vec<(i64,)> = sqlx::query_as("SELECT id FROM people WHERE unit_id = $1 ORDER BY id LIMIT 3")
        .bind(unit)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    (org, people.into_iter().map(|(p,)| p).collect())
}

/// The demo committee and its current officers (who attend its meetings).
async fn committee_and_officers(app: &TestApp) -> (i64, Vec<i64>) {
    let committee: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-DW'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let members: Vec<(i64,)> =
        sqlx::query_as("SELECT person_id FROM org_officers WHERE org_id = $1 AND ended_on IS NULL")
            .bind(committee)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    (committee, members.into_iter().map(|(p,)| p).collect())
}

async fn meeting(api: &Api, org: i64, kind: &str, day: &str, first: &str, people: &[i64]) -> reqwest::Response {
    let attendance: Vec<_> = people.iter().map(|p| json!({"person_id": p, "status": "present"})).collect();
    api.req(Method::POST, "/api/v1/meetings")
        .json(&json!({"org_id": org, "kind": kind, "title": format!("测试{day}"), "held_on": day, "start_time": "23:59",
            "agenda": [{"kind": first, "title": "第一项"}, {"kind": "discussion", "title": "第二项"}], "attendance": attendance}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_known_missed_week_is_exactly_the_gap() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let monday = today.saturating_sub((today.weekday().to_monday_zero_offset() as i64).days());
    let w3 = monday.saturating_sub(21.days());
    let (org, people) = branch_with_members(&app, &api, &w3.to_string()).await;
    // Held in the week three back (Wednesday) and in last week, late on Sunday; not two weeks back.
    assert_eq!(
        meeting(&api, org, "branch_study", &w3.saturating_add(2.days()).to_string(), "study", &people).await.status(),
        StatusCode::CREATED
    );
    let last_sunday = monday.saturating_sub(1.day());
    assert_eq!(
        meeting(&api, org, "branch_study", &last_sunday.to_string(), "study", &people).await.status(),
        StatusCode::CREATED
    );
    let q = format!("/api/v1/compliance?rule=branch_study_weekly&from={w3}&to={today}");
    let v = api.json(&q).await;
    let row = v["items"].as_array().unwrap().iter().find(|r| r["org_id"] == org).unwrap().clone();
    let statuses: Vec<&str> = row["cells"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["held", "missed", "held", "pending"], "Sunday 23:59 belongs to its own week");
    let missed: Vec<&str> = row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "missed")
        .map(|c| c["start"].as_str().unwrap())
        .collect();
    assert_eq!(missed, vec![w3.saturating_add(7.days()).to_string()]);

    // A holiday declared over that week's working days makes it exempt, not missed.
    let party = app.login("party").await;
    let from = w3.saturating_add(7.days()).to_string();
    let to = w3.saturating_add(11.days()).to_string();
    let r = party
        .post("/study/exempt", &[("from_date", from.as_str()), ("to_date", to.as_str()), ("reason", "假期")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = api.json(&q).await;
    let row = v["items"].as_array().unwrap().iter().find(|r| r["org_id"] == org).unwrap().clone();
    assert_eq!(row["cells"][1]["status"], "exempt");
    // The page shows the grid and the gaps list; the secretary would see the open week as a to-do.
    let page = party.get("/study/compliance?rule=branch_study_weekly").await.text().await.unwrap();
    assert!(page.contains("测试党支部") && page.contains("缺失清单"));
}

#[tokio::test]
async fn a_committee_meeting_must_open_with_study() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let (committee, people) = committee_and_officers(&app).await;
    let day = platform::clock::today(&app.clock).to_string();
    let r = meeting(&api, committee, "committee_meeting", &day, "decision", &people).await;
    assert_eq!(r.status(), StatusCode::CREATED, "recorded, but flagged");
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let flagged = api.json("/api/v1/meetings?first=missing&per_page=200").await;
    assert!(flagged["items"].as_array().unwrap().iter().any(|m| m["id"] == id));
    let ok = meeting(&api, committee, "committee_meeting", &day, "study", &people).await;
    let ok_id = ok.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let flagged = api.json("/api/v1/meetings?first=missing&per_page=200").await;
    assert!(!flagged["items"].as_array().unwrap().iter().any(|m| m["id"] == ok_id));
    let b = app.login("party").await;
    assert!(b.get(&format!("/study/meetings/{id}")).await.text().await.unwrap().contains("第一议题未落实"));
    // A branch does not hold a 党委会.
    let branch: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-JQ01-ZB'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        meeting(&api, branch, "committee_meeting", &day, "study", &people).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn attendance_is_limited_to_the_own_prison_and_dates_to_the_past() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let (org, people) = branch_with_members(&app, &api, "2020-01-01").await;
    let far_unit = app.unit_id("SL2").await;
    let outsider: i64 = sqlx::query_scalar(
        "INSERT INTO people (kind, name, gender, birth_date, unit_id, created_at, updated_at) VALUES ('worker', '外监人员', 'male', '1980-01-01', $1, 0, 0) RETURNING id",
    )
    .bind(far_unit)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let mut with_outsider = people.clone();
    with_outsider.push(outsider);
    let before = app.scalar("SELECT count(*) FROM meetings").await;
    let r = meeting(&api, org, "branch_study", &today.to_string(), "study", &with_outsider).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["error"]["fields"]["attendance"].as_str().unwrap().contains("本监狱"));
    let tomorrow = today.saturating_add(1.day()).to_string();
    assert_eq!(
        meeting(&api, org, "branch_study", &tomorrow, "study", &people).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.scalar("SELECT count(*) FROM meetings").await, before, "nothing saved");
    // Absent without a reason is refused; with one it is recorded.
    let absent = json!({"org_id": org, "kind": "branch_study", "title": "缺席测试", "held_on": today.to_string(), "agenda": [{"kind": "study", "title": "学习"}], "attendance": [{"person_id": people[0], "status": "absent"}]});
    assert_eq!(
        api.req(Method::POST, "/api/v1/meetings").json(&absent).send().await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut with_reason = absent.clone();
    with_reason["attendance"][0]["reason"] = json!("病假");
    assert_eq!(
        api.req(Method::POST, "/api/v1/meetings").json(&with_reason).send().await.unwrap().status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn rotation_coverage_is_attendees_over_the_target_population() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    // The demo's four rounds have ended within the year.
    let ctx = platform::Ctx::internal(app.state.clone(), "test", &[]);
    let from = today.saturating_sub(1.year()).to_string();
    let done = study::rotation::rounds_completed(&ctx, &from, &today.to_string()).await.unwrap();
    assert_eq!((done.value, done.records.len()), (4, 4));

    let unit = app.unit_id("SL-JQ04").await;
    let start = today.saturating_sub(5.days()).to_string();
    let r = api.req(Method::POST, "/api/v1/rotation_rounds").json(&json!({"round_no": 5, "theme": "测试轮训", "start_on": start, "end_on": today.to_string(), "target_unit_id": unit, "target_kind": "officer"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let target: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM people WHERE unit_id = $1 AND kind = 'officer' AND employment_status = 'active' ORDER BY id",
    )
    .bind(unit)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(target.len() >= 2);
    let attended: Vec<i64> = target.iter().take(target.len() - 1).map(|(p,)| *p).collect();
    // Someone outside the target (a worker, or another unit) makes the whole entry fail.
    let outsider: i64 = sqlx::query_scalar("SELECT min(id) FROM people WHERE unit_id <> $1")
        .bind(unit)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let mut bad = attended.clone();
    bad.push(outsider);
    let r = api
        .req(Method::POST, &format!("/api/v1/rotation_rounds/{id}/attendance"))
        .json(&json!({"person_ids": bad, "attended_on": today.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .req(Method::POST, &format!("/api/v1/rotation_rounds/{id}/attendance"))
        .json(&json!({"person_ids": attended, "attended_on": today.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v = api.json(&format!("/api/v1/rotation_rounds/{id}")).await;
    assert_eq!(v["coverage"]["target"], target.len());
    assert_eq!(v["coverage"]["attended"], target.len() - 1);
    let party = app.login("party").await;
    let page = party.get(&format!("/study/rotation/{id}")).await.text().await.unwrap();
    assert!(page.contains(&format!("{} / {}", target.len() - 1, target.len())));
}

#[tokio::test]
async fn study_figures_on_a_fixture_in_a_quiet_year() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let (committee, people) = committee_and_officers(&app).await;
    // 2020: one material published 1 March; a good and a bad committee meeting; one week of two studied.
    let r = api
        .req(Method::POST, "/api/v1/study_materials")
        .json(&json!({"kind": "speech", "title": "测试讲话", "published_on": "2020-03-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let material = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let attendance: Vec<_> = people.iter().map(|p| json!({"person_id": p, "status": "present"})).collect();
    let post = |kind: &str, day: &str, first: &str| {
        json!({"org_id": committee, "kind": kind, "title": format!("{kind}{day}"), "held_on": day,
            "agenda": [{"kind": first, "title": "第一项", "material_id": if first == "study" { json!(material) } else { json!(null) }}], "attendance": attendance})
    };
    for (kind, day, first) in [
        ("committee_meeting", "2020-03-02", "study"),
        ("committee_meeting", "2020-03-09", "decision"),
        ("central_group_study", "2020-03-04", "study"),
    ] {
        let r = api.req(Method::POST, "/api/v1/meetings").json(&post(kind, day, first)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    let ctx = platform::Ctx::internal(app.state.clone(), "test", &[]);
    let (from, to) = (jiff::civil::Date::constant(2020, 3, 2), jiff::civil::Date::constant(2020, 3, 15));
    let first = study::figures::first_agenda_compliance(&ctx, from, to).await.unwrap();
    assert_eq!((first.numerator.value, first.denominator.value, first.percent), (1, 2, 50));
    let rate = study::figures::compliance_rate(&ctx, "central_group_weekly", from, to).await.unwrap();
    assert_eq!((rate.numerator.value, rate.denominator.value, rate.percent), (1, 2, 50), "studied in one of two weeks");
    let sessions = study::figures::study_sessions(&ctx, Some(committee), from, to).await.unwrap();
    assert_eq!(sessions.value, 1);
    let latency = study::figures::median_latency(
        &ctx,
        jiff::civil::Date::constant(2020, 1, 1),
        jiff::civil::Date::constant(2020, 12, 31),
    )
    .await
    .unwrap();
    assert_eq!((latency.value, latency.records.len()), (1, 1), "first studied on 2 March, a day after publication");
    let slowest = study::figures::slowest_orgs(
        &ctx,
        jiff::civil::Date::constant(2020, 1, 1),
        jiff::civil::Date::constant(2020, 12, 31),
    )
    .await
    .unwrap();
    assert_eq!(slowest, vec![("中共示例省第一监狱委员会".to_string(), 1, 1)]);
}

#[tokio::test]
async fn leadership_duties_are_for_leaders_only() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let leader: i64 = sqlx::query_scalar("SELECT min(id) FROM people WHERE leadership_level = 'section'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let staff: i64 = sqlx::query_scalar("SELECT min(id) FROM people WHERE leadership_level = 'staff'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let day = platform::clock::today(&app.clock).to_string();
    let body = |p: i64| json!({"person_id": p, "kind": "research", "done_on": day, "title": "到监区调研", "content": "了解一线民警学习情况"});
    assert_eq!(
        api.req(Method::POST, "/api/v1/leadership_duties").json(&body(staff)).send().await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        api.req(Method::POST, "/api/v1/leadership_duties").json(&body(leader)).send().await.unwrap().status(),
        StatusCode::CREATED
    );
    let list = api.json(&format!("/api/v1/leadership_duties?person={leader}")).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["kind"], "research");
}

#[tokio::test]
async fn a_branch_secretary_is_told_of_gaps_and_of_what_is_still_due() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let founded = today.saturating_sub(60.days()).to_string();
    // In the clerk's own department, so the branch is inside their data scope.
    let (org, people) = branch_in(&app, &api, &founded, "SL-JQ01").await;
    // Make them party members of the new branch, elect the first as secretary, link clerk1 to them.
    for p in &people {
        sqlx::query(
            "UPDATE people SET party_status = 'full', party_join_date = '2010-01-01', branch_id = $1 WHERE id = $2",
        )
        .bind(org)
        .bind(*p)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let r = api.req(Method::POST, "/api/v1/elections").json(&json!({"org_id": org, "kind": "term", "held_on": founded, "officers": [format!("secretary:{}", people[0])]})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    sqlx::query("UPDATE people SET user_id = NULL WHERE user_id = (SELECT id FROM users WHERE username = 'clerk1')")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE people SET user_id = (SELECT id FROM users WHERE username = 'clerk1') WHERE id = $1")
        .bind(people[0])
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let clerk = app.token("clerk1").await;
    let todos = clerk.json("/api/v1/todos").await;
    let mine: Vec<&serde_json::Value> =
        todos["items"].as_array().unwrap().iter().filter(|t| t["source"] == "制度落实").collect();
    assert!(
        mine.iter().any(|t| t["level"] == "overdue" && t["title"].as_str().unwrap().contains("测试党支部")),
        "last week's missed study: {mine:?}"
    );
    assert!(mine.iter().any(|t| t["level"] == "due_soon"), "this week's study still to hold");
    // Once this week's study is held, that reminder goes.
    let monday = today.saturating_sub((today.weekday().to_monday_zero_offset() as i64).days());
    let r = meeting(&api, org, "branch_study", &monday.max(today).to_string(), "study", &people).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let todos = clerk.json("/api/v1/todos").await;
    let weekly_due = todos["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["source"] == "制度落实"
                && t["level"] == "due_soon"
                && t["title"].as_str().unwrap().contains("每周跟进学习")
        })
        .count();
    assert_eq!(weekly_due, 0);
}

#[tokio::test]
async fn a_recorded_meeting_is_edited_whole_and_its_minutes_are_cleaned() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock).to_string();
    let (org, people) = branch_with_members(&app, &api, "2020-01-01").await;
    let attendance: Vec<_> = people.iter().map(|p| json!({"person_id": p, "status": "present"})).collect();
    let hostile = r#"<p onclick="steal()">学习<script>alert(1)</script></p><img src=x onerror=alert(2)><a href="javascript:alert(3)">链接</a>"#;
    let r = api
        .req(Method::POST, "/api/v1/meetings")
        .json(&json!({"org_id": org, "kind": "branch_study", "title": "原标题", "held_on": today,
            "agenda": [{"kind": "study", "title": "学习"}, {"kind": "discussion", "title": "讨论"}],
            "attendance": attendance, "minutes": hostile}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let stored = api.json(&format!("/api/v1/meetings/{id}")).await;
    let minutes = stored["meeting"]["minutes"].as_str().unwrap();
    assert!(minutes.starts_with("<p>学习</p>"), "{minutes}");
    for bad in ["script", "onclick", "onerror", "<img", "javascript:"] {
        assert!(!minutes.contains(bad), "{bad} kept in {minutes}");
    }
    let b = app.login("party").await;
    let view = b.get(&format!("/study/meetings/{id}")).await.text().await.unwrap();
    assert!(view.contains("<p>学习</p>") && !view.contains("alert("), "shown as cleaned HTML");

    // The edit page starts from the record; saving replaces the agenda and attendance whole.
    let edit = b.get(&format!("/study/meetings/{id}/edit")).await;
    assert_eq!(edit.status(), StatusCode::OK);
    let edit = edit.text().await.unwrap();
    assert!(edit.contains("原标题") && edit.contains(r#"name="version" value="1""#));
    let (p0, p1) = (people[0].to_string(), people[1].to_string());
    let (att0, reason0, att1) = (format!("att_{p0}"), format!("reason_{p0}"), format!("att_{p1}"));
    let mut form = vec![
        ("org_id", org.to_string()),
        ("kind", "branch_study".to_string()),
        ("title", "新标题".to_string()),
        ("held_on", today.clone()),
        ("host_id", p1.clone()),
        ("recorder_id", p1.clone()),
        ("version", "1".to_string()),
        ("agenda_kind_1", "study".to_string()),
        ("agenda_title_1", "学习新材料".to_string()),
        ("agenda_kind_2", "decision".to_string()),
        ("agenda_title_2", "研究决定".to_string()),
        ("agenda_kind_3", "other".to_string()),
        ("agenda_title_3", "其他事项".to_string()),
        ("minutes", "<h3>结论</h3><p>同意</p>".to_string()),
        (att0.as_str(), "absent".to_string()),
        (att1.as_str(), "late".to_string()),
    ];
    // Absent without a reason: refused, nothing changed.
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(b.post(&format!("/study/meetings/{id}"), &pairs).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.json(&format!("/api/v1/meetings/{id}")).await["meeting"]["title"], "原标题");
    form.push((reason0.as_str(), "公差".to_string()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(b.post(&format!("/study/meetings/{id}"), &pairs).await.status(), StatusCode::SEE_OTHER);
    let v = api.json(&format!("/api/v1/meetings/{id}")).await;
    assert_eq!(v["meeting"]["title"], "新标题");
    assert_eq!(v["meeting"]["version"], 2);
    assert_eq!(v["meeting"]["host_id"], people[1]);
    assert_eq!(v["meeting"]["minutes"], "<h3>结论</h3><p>同意</p>");
    let kinds: Vec<&str> = v["agenda"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["study", "decision", "other"]);
    let att = v["attendance"].as_array().unwrap();
    assert_eq!(att.len(), 2, "the third attendee is no longer recorded: {att:?}");
    let absent = att.iter().find(|a| a["person_id"] == people[0]).unwrap();
    assert_eq!((absent["status"].as_str(), absent["reason"].as_str()), (Some("absent"), Some("公差")));
    assert_eq!(v["meeting"]["present"], 1);
    let audited = app.scalar("SELECT count(*) FROM audit_log WHERE event = 'update' AND object_type = 'meeting'").await;
    assert_eq!(audited, 1, "the edit is audited once; the refused one is not");

    // Saving from the old version again is refused; so is another unit's clerk, who cannot see it.
    // (From a second session: the same session's repeat would be a double submission.)
    let stale = app.login("party").await.post(&format!("/study/meetings/{id}"), &pairs).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let put = json!({"org_id": org, "kind": "branch_study", "title": "接口修改", "held_on": today, "version": 2,
        "agenda": [{"kind": "study", "title": "学习"}], "attendance": [{"person_id": people[0], "status": "present"}]});
    let clerk2 = app.token("clerk2").await;
    let r = clerk2.req(Method::PUT, &format!("/api/v1/meetings/{id}")).json(&put).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = api.req(Method::PUT, &format!("/api/v1/meetings/{id}")).json(&put).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let v = api.json(&format!("/api/v1/meetings/{id}")).await;
    assert_eq!((v["meeting"]["title"].as_str(), v["attendance"].as_array().unwrap().len()), (Some("接口修改"), 1));
}

#[tokio::test]
async fn the_compliance_grid_pages_by_organisation_and_narrows_to_a_unit() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let party = app.login("party").await;
    let today = platform::clock::today(&app.clock);
    let year = today.year();
    let all = api.json(&format!("/api/v1/compliance?rule=branch_study_weekly&from={year}-01-01&to={today}")).await;
    let ids: Vec<i64> = all["items"].as_array().unwrap().iter().map(|r| r["org_id"].as_i64().unwrap()).collect();
    assert!(ids.len() > 10, "the demo prison has more branches than two pages of five");
    let link = |id: i64| format!("/study/meetings?org={id}&amp;");
    let page = |n: i64| format!("/study/compliance?rule=branch_study_weekly&per_page=5&page={n}");
    let p1 = party.get(&page(1)).await.text().await.unwrap();
    let p2 = party.get(&page(2)).await.text().await.unwrap();
    // Each page shows its five organisations in the grid's order, and none of another page's.
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(p1.contains(&link(*id)), i < 5, "page 1, organisation {i}");
        assert_eq!(p2.contains(&link(*id)), (5..10).contains(&i), "page 2, organisation {i}");
    }
    assert!(p1.contains(&format!("共 {} 条", ids.len())) && p1.contains("缺失清单（本页党组织）"));
    // The summary counts every organisation of the filter, whichever page is shown.
    let summary = |p: &str| p[p.find("已到期").unwrap()..p.find("个。").unwrap()].to_string();
    assert_eq!(summary(&p1), summary(&p2));
    // Without per_page the whole prison is one page, with no pager.
    let whole = party.get("/study/compliance?rule=branch_study_weekly").await.text().await.unwrap();
    assert!(ids.iter().all(|id| whole.contains(&link(*id))) && !whole.contains("跳至"));
    assert_eq!(summary(&whole), summary(&p1));

    // A unit narrows the grid (page and API) to its organisations, within the caller's scope.
    let jq2 = app.unit_id("SL-JQ02").await;
    let part =
        api.json(&format!("/api/v1/compliance?rule=branch_study_weekly&from={year}-01-01&to={today}&unit={jq2}")).await;
    let mine: Vec<i64> = part["items"].as_array().unwrap().iter().map(|r| r["org_id"].as_i64().unwrap()).collect();
    assert!(!mine.is_empty() && mine.len() < ids.len() && mine.iter().all(|id| ids.contains(id)));
    let narrowed =
        party.get(&format!("/study/compliance?rule=branch_study_weekly&unit={jq2}")).await.text().await.unwrap();
    for id in &ids {
        assert_eq!(narrowed.contains(&link(*id)), mine.contains(id), "organisation {id} with the unit filter");
    }
    let clerk2 = app.token("clerk2").await;
    let jq1 = app.unit_id("SL-JQ01").await;
    let r = clerk2.get(&format!("/api/v1/compliance?rule=branch_study_weekly&unit={jq1}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "a unit outside the scope is not found");
    let r = party.get("/study/compliance?rule=branch_study_weekly&unit=abc").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("单位编号"));
}

#[tokio::test]
async fn a_studied_material_stays_and_an_unstudied_one_is_deleted_without_a_trace() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let (committee, people) = committee_and_officers(&app).await;
    let mut ids = Vec::new();
    for title in ["测试讲话甲", "测试通知乙"] {
        let r = api
            .send(
                Method::POST,
                "/api/v1/study_materials",
                json!({"kind": "speech", "title": title, "published_on": "2020-03-01", "full_text": "zephyrine 全文"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let (studied, unstudied) = (ids[0], ids[1]);
    let attendance: Vec<_> = people.iter().map(|p| json!({"person_id": p, "status": "present"})).collect();
    let r = api
        .send(
            Method::POST,
            "/api/v1/meetings",
            json!({"org_id": committee, "kind": "committee_meeting", "title": "学习会", "held_on": "2020-03-02",
            "agenda": [{"kind": "study", "title": "学习讲话", "material_id": studied}], "attendance": attendance}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());

    // Studied: refused with the reason, and nothing changes.
    let audit_before = app.audit_count("delete").await;
    let r = api.req(Method::DELETE, &format!("/api/v1/study_materials/{studied}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("已有 1 次会议学习"));
    let browser = app.login("party").await;
    let r = browser.post(&format!("/study/materials/{studied}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = browser.get(&format!("/study/materials/{studied}")).await.text().await.unwrap();
    assert!(page.contains("不能删除"), "the refusal is shown on the material's page");
    assert_eq!(api.get(&format!("/api/v1/study_materials/{studied}")).await.status(), StatusCode::OK);
    assert_eq!(app.audit_count("delete").await, audit_before);

    // Edited through the API with its version; a stale version is a conflict.
    let path = format!("/api/v1/study_materials/{unstudied}");
    let edit = |title: &str| {
        let body = json!({"kind": "document", "title": title, "published_on": "2020-03-05", "version": "1"});
        api.send(Method::PUT, &path, body)
    };
    let r = edit("测试通知丙").await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["title"], "测试通知丙");
    assert_eq!(edit("测试通知丁").await.status(), StatusCode::CONFLICT, "version 1 is stale now");

    // Unstudied: the list offers 删除 for it only; deleted, it is gone from lists and search, audited.
    let list = browser.get("/study/materials?keyword=测试").await.text().await.unwrap();
    assert!(list.contains(&format!("/study/materials/{unstudied}/delete")));
    assert!(!list.contains(&format!("/study/materials/{studied}/delete")));
    let indexed = "SELECT count(*) FROM search_docs WHERE kind = 'study_material' AND record_id = $1";
    let count = |id: i64| {
        let pool = app.state.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(indexed).bind(id).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count(unstudied).await, 1);
    let r = browser.post(&format!("/study/materials/{unstudied}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api.get(&format!("/api/v1/study_materials/{unstudied}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(unstudied).await, 0, "its search entry is removed with it");
    assert_eq!(count(studied).await, 1);
    assert_eq!(app.audit_count("delete").await, audit_before + 1);
    let list = api.json("/api/v1/study_materials?keyword=测试").await;
    assert_eq!(list["total"], 1);
}
