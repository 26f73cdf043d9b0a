//! 教育培训 through the real server: the figures on a small fixture of 2020 in one prison area with
//! known answers (trainings, attendances, coverage and the people without training, 学时 per
//! person, drills by kind with the problems found and signed off through a rectification batch,
//! the legal-education plan's completion and activities by law); bad input refused with a Chinese
//! message and nothing saved; another area's clerk finds nothing; the to-dos; every page renders.

use crate::common::*;
use jiff::ToSpan;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post_json(api: &Api, path: &str, body: Value) -> reqwest::Response {
    api.req(Method::POST, path).json(&body).send().await.unwrap()
}

async fn created(r: reqwest::Response) -> i64 {
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// The field errors of a refused request, each checked to be in Chinese.
async fn refused(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let fields = v["error"]["fields"].clone();
    for (k, msg) in fields.as_object().unwrap() {
        let msg = msg.as_str().unwrap();
        assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{k}: {msg}");
    }
    fields
}

async fn kind_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM training_kinds WHERE name = $1")
        .bind(name)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn people_of(app: &TestApp, code: &str, n: i64) -> Vec<i64> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = $1 AND p.employment_status = 'active' \
         ORDER BY p.id LIMIT $2",
    )
    .bind(code)
    .bind(n)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(ids.len() as i64, n, "{code} has {n} active people");
    ids
}

fn today_after(app: &TestApp, days: i64) -> String {
    platform::clock::today(&app.clock).saturating_add(days.days()).to_string()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// A figure of 2020 narrowed to one unit: (value, record ids) of a count, or of each part of a rate.
async fn figure(api: &Api, key: &str, unit: i64) -> Value {
    api.json(&format!("/api/v1/figures/{key}?from=2020-01-01&to=2020-12-31&unit={unit}")).await
}

async fn record_ids(api: &Api, url: &str) -> Vec<i64> {
    let v = api.json(&format!("{url}&per_page=200")).await;
    let mut ids: Vec<i64> = v["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn training_figures_count_exactly_their_records() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let jq5 = app.unit_id("SL-JQ05").await;
    let p = people_of(&app, "SL-JQ05", 4).await;
    let (fire_kind, mind_kind) = (kind_id(&app, "消防知识").await, kind_id(&app, "心理健康").await);
    let training = |kind: i64, title: &str, day: &str, hours: Value, attendance: Value| {
        json!({"unit_id": jq5, "kind_id": kind, "title": title, "start_on": day, "hours": hours, "trainer": "测试教官",
            "attendance": attendance})
    };
    let a = created(
        post_json(
            &party,
            "/api/v1/trainings",
            training(
                fire_kind,
                "消防知识培训（测试）",
                "2020-03-10",
                json!(2),
                json!([{"person_id": p[0], "status": "present"}, {"person_id": p[1], "status": "late"},
                    {"person_id": p[2], "status": "absent", "reason": "病假"}]),
            ),
        )
        .await,
    )
    .await;
    let b = created(
        post_json(
            &party,
            "/api/v1/trainings",
            training(mind_kind, "心理健康培训（测试）", "2020-06-01", json!("1.5"), json!([{"person_id": p[0]}])),
        )
        .await,
    )
    .await;
    created(
        post_json(
            &party,
            "/api/v1/trainings",
            training(fire_kind, "上年培训（测试）", "2019-12-20", json!(3), json!([{"person_id": p[3]}])),
        )
        .await,
    )
    .await;
    let v = party.json(&format!("/api/v1/trainings/{a}")).await;
    assert_eq!((v["training"]["present"].as_i64(), v["training"]["invited"].as_i64()), (Some(2), Some(3)));
    assert_eq!(v["training"]["hours"], 2.0);

    // Trainings, attendances, coverage and the people without training in 2020.
    let held = figure(&party, "trainings_held", jq5).await;
    assert_eq!(held["value"], 2);
    assert_eq!(record_ids(&party, held["records_url"].as_str().unwrap()).await, {
        let mut v = vec![a, b];
        v.sort_unstable();
        v
    });
    assert_eq!(figure(&party, "training_attendances", jq5).await["value"], 3);
    let active: i64 =
        sqlx::query_scalar("SELECT count(*) FROM people WHERE unit_id = $1 AND employment_status = 'active'")
            .bind(jq5)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let cov = figure(&party, "training_coverage_rate", jq5).await;
    assert_eq!((cov["numerator"]["value"].as_i64(), cov["denominator"]["value"].as_i64()), (Some(2), Some(active)));
    assert_eq!(record_ids(&party, cov["numerator"]["records_url"].as_str().unwrap()).await, vec![p[0], p[1]]);
    let none = figure(&party, "people_without_training", jq5).await;
    assert_eq!(none["value"].as_i64(), Some(active - 2));
    let none_ids = record_ids(&party, none["records_url"].as_str().unwrap()).await;
    assert!(none_ids.contains(&p[2]) && none_ids.contains(&p[3]) && !none_ids.contains(&p[0]));

    // 学时 per person: the person's record and the 学时统计 list agree.
    let rec = party.json(&format!("/api/v1/people/{}/trainings?year=2020", p[0])).await;
    assert_eq!((rec["hours"].as_f64(), rec["sessions"].as_i64()), (Some(3.5), Some(2)));
    let rec = party.json(&format!("/api/v1/people/{}/trainings?year=2020", p[2])).await;
    assert_eq!((rec["hours"].as_f64(), rec["trainings"][0]["status"].as_str()), (Some(0.0), Some("absent")));
    let rec = party.json(&format!("/api/v1/people/{}/trainings", p[3])).await;
    let y2019 = rec["years"].as_array().unwrap().iter().find(|y| y["year"] == "2019").unwrap().clone();
    assert_eq!((y2019["sessions"].as_i64(), y2019["hours_tenths"].as_i64()), (Some(1), Some(30)), "year by year");
    let hours =
        party.json(&format!("/api/v1/training_hours?year=2020&unit={jq5}&sort=hours&order=desc&per_page=200")).await;
    let top: Vec<(i64, f64)> = hours["items"].as_array().unwrap()[..2]
        .iter()
        .map(|h| (h["person_id"].as_i64().unwrap(), h["hours"].as_f64().unwrap()))
        .collect();
    assert_eq!(top, vec![(p[0], 3.5), (p[1], 2.0)]);
    assert_eq!((hours["people"].as_i64(), hours["hours"].as_f64()), (Some(active), Some(5.5)));
    assert_eq!(hours["untrained"].as_i64(), Some(active - 2));
    let kinds = party.json("/api/v1/trainings/by_kind?year=2020").await;
    let fire = kinds["items"].as_array().unwrap().iter().find(|k| k["kind_id"] == fire_kind).unwrap().clone();
    assert_eq!((fire["sessions"].as_i64(), fire["attendances"].as_i64()), (Some(1), Some(2)));

    // Drills: two in 2020 (fire, escape), one the year before; the fire drill's two problems go to
    // a rectification batch, one is signed off by the batch's approver.
    let drill = |kind: &str, title: &str, day: &str| {
        json!({"unit_id": jq5, "kind": kind, "title": title, "scenario": "模拟情景（测试）", "held_on": day,
            "unit_ids": [jq5], "people": [{"person_id": p[0]}, {"person_id": p[1], "role": "commander"}]})
    };
    let d1 =
        created(post_json(&party, "/api/v1/drills", drill("fire", "监舍消防演练（测试）", "2020-04-01")).await).await;
    let d2 =
        created(post_json(&party, "/api/v1/drills", drill("escape", "防逃演练（测试）", "2020-05-01")).await).await;
    created(post_json(&party, "/api/v1/drills", drill("fire", "上年消防演练（测试）", "2019-11-01")).await).await;
    let aqk = app.unit_id("SL-AQK").await;
    let approver: i64 =
        sqlx::query_scalar("SELECT p.id FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'leader'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let problem = |text: &str| json!({"problem": text, "content": "立即整改（测试）", "lead_unit_id": aqk, "deadline": "2020-06-30"});
    let fields = refused(post_json(&party, &format!("/api/v1/drills/{d1}/problems"), problem("无审核人")).await).await;
    assert!(fields["approver_id"].is_string(), "the first problem needs the approver: {fields}");
    assert_eq!(party.json(&format!("/api/v1/drills/{d1}")).await["drill"]["rectification_id"], Value::Null);
    let mut first = problem("疏散通道堆放杂物（测试）");
    first["approver_id"] = json!(approver);
    let r = post_json(&party, &format!("/api/v1/drills/{d1}/problems"), first).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let (m1, batch) = (v["id"].as_i64().unwrap(), v["rectification_id"].as_i64().unwrap());
    let m2 =
        created(post_json(&party, &format!("/api/v1/drills/{d1}/problems"), problem("灭火器过期（测试）")).await).await;
    let b = party.json(&format!("/api/v1/rectifications/{batch}")).await;
    assert_eq!((b["source"].as_str(), b["problems"].as_i64()), (Some("other"), Some(2)));
    assert_eq!(b["title"], "监舍消防演练（测试）发现问题整改");
    let d = party.json(&format!("/api/v1/drills/{d1}")).await;
    assert_eq!(d["drill"]["rectification_id"], batch);
    assert_eq!(
        d["problems"].as_array().unwrap().iter().map(|m| m["number"].as_i64().unwrap()).collect::<Vec<_>>(),
        vec![1, 2]
    );
    // The lead department asks for sign-off; the approver signs off (dated in the fixture's year).
    let r = post_json(
        &party,
        &format!("/api/v1/measures/{m1}/progress"),
        json!({"kind": "submit", "unit_id": aqk, "text": "已清理"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let boss = app.token("leader").await;
    let r =
        post_json(&boss, &format!("/api/v1/measures/{m1}/progress"), json!({"kind": "approve", "text": "同意销号"}))
            .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    sqlx::query("UPDATE measures SET done_on = '2020-09-01' WHERE id = $1")
        .bind(m1)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    // A drill under rectification is not deleted.
    assert_eq!(
        party.req(Method::DELETE, &format!("/api/v1/drills/{d1}")).send().await.unwrap().status(),
        StatusCode::CONFLICT
    );

    let drills = figure(&party, "drills_held", jq5).await;
    assert_eq!(drills["value"], 2);
    let mut both = vec![d1, d2];
    both.sort_unstable();
    assert_eq!(record_ids(&party, drills["records_url"].as_str().unwrap()).await, both);
    assert_eq!(figure(&party, "drills_held_fire", jq5).await["value"], 1);
    assert_eq!(figure(&party, "drills_held_escape", jq5).await["value"], 1);
    assert_eq!(figure(&party, "drills_held_riot", jq5).await["value"], 0);
    let found = figure(&party, "drill_problems_found", jq5).await;
    let mut ms = vec![m1, m2];
    ms.sort_unstable();
    assert_eq!(record_ids(&party, found["records_url"].as_str().unwrap()).await, ms);
    let closed = figure(&party, "drill_problems_closed_rate", jq5).await;
    assert_eq!(
        (closed["numerator"]["value"].as_i64(), closed["denominator"]["value"].as_i64(), closed["value"].as_i64()),
        (Some(1), Some(2), Some(50))
    );
    assert_eq!(record_ids(&party, closed["numerator"]["records_url"].as_str().unwrap()).await, vec![m1]);
    let by_kind = party.json("/api/v1/drills/by_kind?from=2020-01-01&to=2020-12-31").await;
    let fire = by_kind["items"].as_array().unwrap().iter().find(|k| k["kind"] == "fire").unwrap().clone();
    assert_eq!(
        (fire["drills"].as_i64(), fire["problems"].as_i64(), fire["closed"].as_i64()),
        (Some(1), Some(2), Some(1))
    );

    // The 2020 plan: three items, two done; activities by law.
    let plan = created(
        post_json(
            &party,
            "/api/v1/legal_plans",
            json!({"unit_id": jq5, "year": 2020, "title": "2020年度普法计划（测试）"}),
        )
        .await,
    )
    .await;
    let dup =
        refused(post_json(&party, "/api/v1/legal_plans", json!({"unit_id": jq5, "year": 2020, "title": "重复"})).await)
            .await;
    assert!(dup["year"].as_str().unwrap().contains("已存在"));
    let item = |content: &str, law: &str, deadline: &str| json!({"content": content, "law": law, "lead_unit_id": jq5, "deadline": deadline});
    let i1 = created(
        post_json(
            &party,
            &format!("/api/v1/legal_plans/{plan}/items"),
            item("宪法学习（测试）", "constitution", "2020-03-31"),
        )
        .await,
    )
    .await;
    let i2 = created(
        post_json(
            &party,
            &format!("/api/v1/legal_plans/{plan}/items"),
            item("民法典宣传（测试）", "civil_code", "2020-06-30"),
        )
        .await,
    )
    .await;
    created(
        post_json(&party, &format!("/api/v1/legal_plans/{plan}/items"), item("年度总结（测试）", "", "2020-12-31"))
            .await,
    )
    .await;
    let late = refused(
        post_json(&party, &format!("/api/v1/legal_plans/{plan}/items"), item("跨年（测试）", "", "2021-01-15")).await,
    )
    .await;
    assert!(late["deadline"].as_str().unwrap().contains("2020"));
    for (i, day) in [(i1, "2020-03-20"), (i2, "2020-07-05")] {
        let r = post_json(
            &party,
            &format!("/api/v1/legal_plan_items/{i}/done"),
            json!({"done_on": day, "done_note": "已完成"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let v = party.json(&format!("/api/v1/legal_plans/{plan}")).await;
    let states: Vec<&str> = v["items"].as_array().unwrap().iter().map(|i| i["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["done", "late_done", "overdue"]);
    let activity = |form: &str, laws: Value, day: &str| json!({"unit_id": jq5, "form": form, "laws": laws, "title": format!("{form}普法（测试）"), "held_on": day, "participants": 30});
    let mut e1 = activity("case", json!(["constitution", "civil_code"]), "2020-12-04");
    e1["plan_item_id"] = json!(i1);
    e1["attendance"] = json!([{"person_id": p[0]}, {"person_id": p[1], "status": "absent", "reason": "值班"}]);
    let e1 = created(post_json(&party, "/api/v1/legal_education", e1).await).await;
    let e2 = created(
        post_json(&party, "/api/v1/legal_education", activity("quiz", json!(["anti_organized_crime"]), "2020-05-10"))
            .await,
    )
    .await;
    created(
        post_json(&party, "/api/v1/legal_education", activity("comic", json!(["work_safety"]), "2019-06-01")).await,
    )
    .await;
    let v = party.json(&format!("/api/v1/legal_education/{e1}")).await;
    assert_eq!(v["activity"]["participants"], 1, "with attendance taken, those who attended");
    assert_eq!(v["activity"]["laws"], json!(["constitution", "civil_code"]));

    let done = figure(&party, "legal_plan_completion_rate", jq5).await;
    assert_eq!(
        (done["numerator"]["value"].as_i64(), done["denominator"]["value"].as_i64(), done["value"].as_i64()),
        (Some(2), Some(3), Some(66))
    );
    let acts = figure(&party, "legal_activities", jq5).await;
    let mut es = vec![e1, e2];
    es.sort_unstable();
    assert_eq!(record_ids(&party, acts["records_url"].as_str().unwrap()).await, es);
    for (key, n) in [
        ("legal_activities_constitution", 1),
        ("legal_activities_civil_code", 1),
        ("legal_activities_anti_organized_crime", 1),
        ("legal_activities_work_safety", 0),
    ] {
        assert_eq!(figure(&party, key, jq5).await["value"], n, "{key}");
    }
    let s = party.json("/api/v1/legal_education/summary?year=2020").await;
    let law =
        |code: &str| s["by_law"].as_array().unwrap().iter().find(|r| r["code"] == code).unwrap()["activities"].as_i64();
    assert_eq!((law("constitution"), law("work_safety")), (Some(1), Some(0)));

    // Another prison area narrows every one of them to nothing.
    let jq6 = app.unit_id("SL-JQ06").await;
    for key in ["trainings_held", "training_attendances", "drills_held", "drill_problems_found", "legal_activities"] {
        assert_eq!(figure(&party, key, jq6).await["value"], 0, "{key}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_in_chinese_and_nothing_saved() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let p = people_of(&app, "SL-JQ03", 2).await;
    let kind = kind_id(&app, "管教业务").await;
    let before = (count(&app, "trainings").await, count(&app, "training_attendance").await);
    let tomorrow = today.saturating_add(1.day()).to_string();
    let bad = json!({"kind_id": kind, "title": "管教业务培训（测试）", "start_on": tomorrow, "end_on": "2020-01-01", "hours": "2.25",
        "attendance": [{"person_id": p[0], "status": "absent"}, {"person_id": p[1], "status": "present"}]});
    let fields = refused(post_json(&party, "/api/v1/trainings", bad).await).await;
    for f in ["start_on", "end_on", "hours", "attendance"] {
        assert!(fields[f].is_string(), "{f}: {fields}");
    }
    assert!(fields["hours"].as_str().unwrap().contains("一位小数"));
    assert!(fields["attendance"].as_str().unwrap().contains("缺席原因"));
    let fields = refused(
        post_json(
            &party,
            "/api/v1/trainings",
            json!({"kind_id": 999999, "title": "无人培训", "start_on": today.to_string(), "hours": 2}),
        )
        .await,
    )
    .await;
    assert!(fields["attendance"].is_string(), "{fields}");
    let fields = refused(post_json(&party, "/api/v1/trainings", json!({"kind_id": 999999, "title": "未知类别", "start_on": today.to_string(), "hours": 2, "attendance": [{"person_id": p[0]}]})).await).await;
    assert!(fields["kind_id"].as_str().unwrap().contains("培训类别"), "{fields}");
    assert_eq!((count(&app, "trainings").await, count(&app, "training_attendance").await), before, "nothing saved");

    // The page form comes back filled in, with the message, and saves nothing either.
    let browser = app.login("party").await;
    let att = format!("att_{}", p[0]);
    let kind_s = kind.to_string();
    let today_s = today.to_string();
    let r = browser
        .post(
            "/training/sessions",
            &[
                ("kind_id", &kind_s),
                ("title", "页面培训（测试）"),
                ("start_on", &today_s),
                ("hours", "abc"),
                (&att, "present"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("学时须为") && html.contains("页面培训（测试）"), "the form comes back filled");
    assert_eq!(count(&app, "trainings").await, before.0);

    // A stale edit is refused.
    let id = created(post_json(&party, "/api/v1/trainings", json!({"kind_id": kind, "title": "培训（测试）", "start_on": today_s, "hours": 2, "attendance": [{"person_id": p[0]}]})).await).await;
    let edit = |version: i64| json!({"kind_id": kind, "title": "培训（改）", "start_on": today_s, "hours": 3, "version": version, "attendance": [{"person_id": p[0]}, {"person_id": p[1]}]});
    let put = |body: Value| party.req(Method::PUT, &format!("/api/v1/trainings/{id}")).json(&body).send();
    assert_eq!(put(edit(1)).await.unwrap().status(), StatusCode::NO_CONTENT);
    // A second clerk's save from the same version (the same session's repeat would be a double
    // submission, answered with the first answer).
    let other = app.token("party").await;
    let r = other.req(Method::PUT, &format!("/api/v1/trainings/{id}")).json(&edit(1)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(party.json(&format!("/api/v1/trainings/{id}")).await["training"]["invited"], 2);

    // Drills: an unknown kind, a rating without the evaluation, nobody taking part.
    let before = count(&app, "drills").await;
    let fields = refused(
        post_json(
            &party,
            "/api/v1/drills",
            json!({"kind": "flood", "title": "演练（测试）", "scenario": "情景", "held_on": today_s, "rating": "good"}),
        )
        .await,
    )
    .await;
    for f in ["kind", "evaluation", "unit_ids"] {
        assert!(fields[f].is_string(), "{f}: {fields}");
    }
    let far = app.unit_id("SL2").await;
    let fields = refused(
        post_json(
            &party,
            "/api/v1/drills",
            json!({"kind": "fire", "title": "演练（测试）", "scenario": "情景", "held_on": today_s, "unit_ids": [far]}),
        )
        .await,
    )
    .await;
    assert!(fields["unit_ids"].as_str().unwrap().contains("本监狱"), "{fields}");
    assert_eq!(count(&app, "drills").await, before);

    // Legal education: an exam only for 答题, at least one law.
    let before = count(&app, "legal_education").await;
    let fields = refused(
        post_json(
            &party,
            "/api/v1/legal_education",
            json!({"form": "case", "title": "案例普法（测试）", "held_on": today_s, "exam_id": 1}),
        )
        .await,
    )
    .await;
    assert!(fields["exam_id"].as_str().unwrap().contains("答题普法") && fields["laws"].is_string(), "{fields}");
    let fields = refused(
        post_json(
            &party,
            "/api/v1/legal_education",
            json!({"form": "quiz", "laws": ["no_such_law"], "title": "答题（测试）", "held_on": today_s}),
        )
        .await,
    )
    .await;
    assert!(fields["laws"].is_string());
    assert_eq!(count(&app, "legal_education").await, before);

    // The catalogue: a duplicate name is refused, a kind in use is stopped rather than deleted,
    // and a stopped kind is not offered for new trainings; clerks do not keep the catalogue.
    let fields = refused(post_json(&party, "/api/v1/training_kinds", json!({"name": "管教业务"})).await).await;
    assert!(fields["name"].as_str().unwrap().contains("已存在"));
    let r = party.req(Method::DELETE, &format!("/api/v1/training_kinds/{kind}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let new_kind = created(
        post_json(&party, "/api/v1/training_kinds", json!({"name": "保密知识（测试）", "sort_order": 120})).await,
    )
    .await;
    let r = party
        .req(Method::PUT, &format!("/api/v1/training_kinds/{new_kind}"))
        .json(&json!({"name": "保密知识（测试）", "active": false, "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let fields = refused(post_json(&party, "/api/v1/trainings", json!({"kind_id": new_kind, "title": "保密培训", "start_on": today_s, "hours": 1, "attendance": [{"person_id": p[0]}]})).await).await;
    assert!(fields["kind_id"].as_str().unwrap().contains("停用"));
    let r = party.req(Method::DELETE, &format!("/api/v1/training_kinds/{new_kind}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "unused: deleted");
    let clerk = app.token("clerk1").await;
    assert_eq!(
        post_json(&clerk, "/api/v1/training_kinds", json!({"name": "内勤自设类别"})).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn another_prison_areas_clerk_finds_nothing_of_the_first() {
    let app = spawn_app().await;
    let (clerk1, clerk2) = (app.token("clerk1").await, app.token("clerk2").await);
    let today = platform::clock::today(&app.clock).to_string();
    let mine = people_of(&app, "SL-JQ01", 2).await;
    let kind = kind_id(&app, "管教业务").await;
    let body = json!({"kind_id": kind, "title": "一监区业务培训（测试）", "start_on": today, "hours": 2,
        "attendance": [{"person_id": mine[0]}, {"person_id": mine[1]}]});
    let t = created(post_json(&clerk1, "/api/v1/trainings", body.clone()).await).await;
    assert_eq!(
        clerk1.json(&format!("/api/v1/trainings/{t}")).await["training"]["unit_id"],
        app.unit_id("SL-JQ01").await
    );
    let d = created(
        post_json(
            &clerk1,
            "/api/v1/drills",
            json!({"kind": "escape", "title": "一监区防逃演练（测试）", "scenario": "情景", "held_on": today, "people": [{"person_id": mine[0]}]}),
        )
        .await,
    )
    .await;
    let e = created(
        post_json(
            &clerk1,
            "/api/v1/legal_education",
            json!({"form": "case", "laws": ["civil_code"], "title": "一监区案例普法（测试）", "held_on": today}),
        )
        .await,
    )
    .await;

    for path in [
        format!("/api/v1/trainings/{t}"),
        format!("/api/v1/drills/{d}"),
        format!("/api/v1/legal_education/{e}"),
        format!("/api/v1/people/{}/trainings", mine[0]),
    ] {
        assert_eq!(clerk2.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let mut edit = body.clone();
    edit["version"] = json!(1);
    let r = clerk2.req(Method::PUT, &format!("/api/v1/trainings/{t}")).json(&edit).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        clerk2.req(Method::DELETE, &format!("/api/v1/trainings/{t}")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        clerk2.req(Method::DELETE, &format!("/api/v1/drills/{d}")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    for list in
        ["/api/v1/trainings?per_page=200", "/api/v1/drills?per_page=200", "/api/v1/legal_education?per_page=200"]
    {
        let v = clerk2.json(list).await;
        assert!(
            !v["items"].as_array().unwrap().iter().any(|i| [t, d, e].contains(&i["id"].as_i64().unwrap())),
            "{list}"
        );
    }
    let b2 = app.login("clerk2").await;
    for page in [
        format!("/training/sessions/{t}"),
        format!("/training/drills/{d}"),
        format!("/training/legal/activities/{e}"),
        format!("/training/people/{}", mine[0]),
    ] {
        assert_eq!(b2.get(&page).await.status(), StatusCode::NOT_FOUND, "{page}");
    }
    // Nor can the second area record the first area's people.
    let fields = refused(post_json(&clerk2, "/api/v1/trainings", body).await).await;
    assert!(fields["attendance"].as_str().unwrap().contains("管理范围"));
    assert!(
        clerk2.json("/api/v1/training_hours?per_page=200").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| !mine.contains(&h["person_id"].as_i64().unwrap()))
    );
    // Problems found go to the prison's rectification, which a clerk does not open.
    let r = post_json(&clerk1, &format!("/api/v1/drills/{d}/problems"), json!({"problem": "问题", "content": "整改", "lead_unit_id": app.unit_id("SL-JQ01").await, "deadline": "12月31日", "approver_id": 1})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "rectifications WHERE title LIKE '一监区防逃演练%'").await, 0);
}

#[tokio::test]
async fn untrained_people_and_plan_items_due_are_todos() {
    let app = spawn_app().await;
    let jq1 = app.unit_id("SL-JQ01").await;
    // A newcomer of 一监区 who has had no training this year.
    let newcomer: i64 = sqlx::query_scalar(
        "INSERT INTO people (kind, name, gender, birth_date, unit_id, created_at, updated_at) \
         VALUES ('officer', '新民警（测试）', 'male', '1998-01-01', $1, 0, 0) RETURNING id",
    )
    .bind(jq1)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let clerk = app.login("clerk1").await;
    assert!(clerk.get("/").await.text().await.unwrap().contains("今年尚未参加培训"), "the clerk's to-do");
    let api = app.token("clerk1").await;
    let year = platform::clock::today(&app.clock).year();
    let untrained = api.json(&format!("/api/v1/training_hours?year={year}&none=1&per_page=200")).await;
    let ids: Vec<i64> =
        untrained["items"].as_array().unwrap().iter().map(|h| h["person_id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&newcomer));
    let attendance: Vec<Value> = ids.iter().map(|p| json!({"person_id": p})).collect();
    let today = platform::clock::today(&app.clock).to_string();
    let kind = kind_id(&app, "依法治监").await;
    created(
        post_json(
            &api,
            "/api/v1/trainings",
            json!({"kind_id": kind, "title": "补训（测试）", "start_on": today, "hours": 1, "attendance": attendance}),
        )
        .await,
    )
    .await;
    assert!(!clerk.get("/").await.text().await.unwrap().contains("今年尚未参加培训"), "everyone trained: no to-do");
    let rec = api.json(&format!("/api/v1/people/{newcomer}/trainings")).await;
    assert_eq!(rec["hours"], 1.0);

    // A plan item due in three days is the party office's to-do until it is done.
    let party = app.token("party").await;
    let jq6 = app.unit_id("SL-JQ06").await;
    let plan = created(
        post_json(
            &party,
            "/api/v1/legal_plans",
            json!({"unit_id": jq6, "year": year, "title": "六监区普法计划（测试）"}),
        )
        .await,
    )
    .await;
    let due = platform::clock::today(&app.clock).saturating_add(3.days()).min(jiff::civil::date(year, 12, 31));
    let item = created(post_json(&party, &format!("/api/v1/legal_plans/{plan}/items"), json!({"content": "六监区宪法学习（测试）", "law": "constitution", "lead_unit_id": jq6, "deadline": due.to_string()})).await).await;
    let office = app.login("party").await;
    let home = office.get("/").await.text().await.unwrap();
    assert!(home.contains("普法计划第1项即将到期") && home.contains("六监区宪法学习"), "the plan item's to-do");
    // Recorded done on the plan's page: a day to come is refused there, today is taken.
    let (item_s, tomorrow) = (item.to_string(), today_after(&app, 1));
    let form =
        |day: String| vec![("item_id", item_s.clone()), ("done_on", day), ("done_note", "已组织学习".to_string())];
    let pairs = form(tomorrow);
    let r = office
        .post(
            &format!("/training/legal/plans/{plan}/done"),
            &pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("完成日期不能晚于今天"));
    let pairs = form(today_after(&app, 0));
    let r = office
        .post(
            &format!("/training/legal/plans/{plan}/done"),
            &pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = party.json(&format!("/api/v1/legal_plans/{plan}")).await;
    assert_eq!(v["items"][0]["done_note"], "已组织学习");
    assert!(!office.get("/").await.text().await.unwrap().contains("六监区宪法学习"), "done: no longer a to-do");
    let r = post_json(&party, &format!("/api/v1/legal_plan_items/{item}/reopen"), json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(office.get("/").await.text().await.unwrap().contains("六监区宪法学习"), "reopened: a to-do again");
}

#[tokio::test]
async fn every_page_of_the_area_renders_with_the_demo() {
    let app = spawn_app().await;
    let party = app.login("party").await;
    let api = app.token("party").await;
    let year = platform::clock::today(&app.clock).year();
    // The demo: a year of trainings across the catalogue, a drill of each kind, the year's plan.
    let trainings = api.json(&format!("/api/v1/trainings?year={year}&per_page=200")).await;
    assert!(trainings["total"].as_i64().unwrap() >= 10);
    let drills = api.json(&format!("/api/v1/drills/by_kind?year={year}")).await;
    assert!(drills["items"].as_array().unwrap().iter().all(|k| k["drills"].as_i64().unwrap() >= 1), "{drills}");
    let plans = api.json(&format!("/api/v1/legal_plans?year={year}")).await;
    assert_eq!(plans["total"], 1);
    let t = trainings["items"][0]["id"].as_i64().unwrap();
    let d = api.json("/api/v1/drills?problems=1").await["items"][0]["id"].as_i64().unwrap();
    let plan = plans["items"][0]["id"].as_i64().unwrap();
    let e = api.json("/api/v1/legal_education").await["items"][0]["id"].as_i64();
    let person = api.json(&format!("/api/v1/trainings/{t}")).await["attendance"][0]["person_id"].as_i64().unwrap();
    let mut pages = vec![
        "/training/sessions".to_string(),
        format!("/training/sessions?year={year}&kind_id=1"),
        "/training/sessions/new".to_string(),
        format!("/training/sessions/{t}"),
        format!("/training/sessions/{t}/edit"),
        "/training/hours".to_string(),
        "/training/hours?none=1&sort=hours&order=desc".to_string(),
        format!("/training/people/{person}"),
        "/training/drills".to_string(),
        "/training/drills/new".to_string(),
        format!("/training/drills/{d}"),
        format!("/training/drills/{d}/edit"),
        "/training/legal/plans".to_string(),
        "/training/legal/plans/new".to_string(),
        format!("/training/legal/plans/{plan}"),
        format!("/training/legal/plans/{plan}/edit"),
        "/training/legal/activities".to_string(),
        "/training/legal/activities/new".to_string(),
        "/training/kinds".to_string(),
        format!("/training/kinds/{}/edit", kind_id(&app, "党务知识").await),
    ];
    if let Some(e) = e {
        pages.push(format!("/training/legal/activities/{e}"));
        pages.push(format!("/training/legal/activities/{e}/edit"));
    }
    for page in &pages {
        let r = party.get(page).await;
        assert_eq!(r.status(), StatusCode::OK, "{page}");
        assert!(r.text().await.unwrap().contains("教育培训"), "{page}");
    }
    let drill_page = party.get(&format!("/training/drills/{d}")).await.text().await.unwrap();
    assert!(drill_page.contains("发现问题与整改") && drill_page.contains("/supervision/rectifications/"));
    // Choosing a unit lists its people on the attendance form.
    let jq2 = app.unit_id("SL-JQ02").await.to_string();
    let r = party.post("/training/sessions", &[("choose", "1"), ("pick_unit", &jq2)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let name: String = sqlx::query_scalar("SELECT min(p.name) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = 'SL-JQ02' AND p.employment_status = 'active'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains(&name));
    for export in [
        "/training/sessions/export",
        "/training/drills/export",
        "/training/legal/activities/export",
        "/training/hours/export",
    ] {
        let r = party.get(export).await;
        assert_eq!(r.status(), StatusCode::OK, "{export}");
        let rows = read_xlsx(&r.bytes().await.unwrap());
        assert!(rows.len() > 2, "{export}");
    }
    // The clerk sees the menu and the area's own pages; the leader only views.
    let clerk = app.login("clerk1").await;
    let home = clerk.get("/").await.text().await.unwrap();
    for entry in ["培训记录", "学时统计", "应急演练", "普法计划", "普法活动", "培训类别"] {
        assert!(home.contains(entry), "menu: {entry}");
    }
    assert_eq!(clerk.get("/training/sessions/new").await.status(), StatusCode::OK);
    let leader = app.login("leader").await;
    assert_eq!(leader.get("/training/sessions").await.status(), StatusCode::OK);
    assert_eq!(leader.get("/training/sessions/new").await.status(), StatusCode::FORBIDDEN);
}
