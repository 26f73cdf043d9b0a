//! 安保维稳 through the real server: the key-prisoner register is read only by the leadership and
//! the prison-administration role the security administrator sets up, with clearance — never by
//! a unit clerk or the system administrator, by page, API, export, search, figure or attachment —
//! and every read is audited; closed-duty person-times merge a person's overlapping stretches;
//! vaccination rates round down and an empty population has none; an overdue hazard is a to-do
//! until the inspecting side signs it off; sentence-change stages and their timeliness; the days
//! since the last critical incident; every page renders.

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

fn shut(s: StatusCode) -> bool {
    s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND
}

async fn audit_of(app: &TestApp, event: &str, object: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = $1 AND object_type = $2")
        .bind(event)
        .bind(object)
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

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// Whether the test hazard is among the to-dos on the home page.
async fn todo(b: &Browser) -> bool {
    b.get("/").await.text().await.unwrap().contains("疏散通道堆放杂物（测试隐患）")
}

async fn overdue(api: &Api, unit: i64) -> i64 {
    api.json(&format!("/api/v1/figures/hazards_overdue?unit={unit}")).await["value"].as_i64().unwrap()
}

async fn drill_total(api: &Api, url: &str) -> i64 {
    let v = api.json(&format!("{url}&per_page=200")).await;
    v["total"].as_i64().unwrap()
}

#[tokio::test]
async fn the_key_prisoner_register_is_for_the_leadership_and_prison_administration_only() {
    let app = spawn_app().await;
    // The demo's register, read by the leadership: every list and view is audited.
    let leader = app.token("leader").await;
    let lists = audit_of(&app, "view_list", "key_prisoner").await;
    let v = leader.json("/api/v1/key_prisoners?per_page=200").await;
    assert!(v["total"].as_i64().unwrap() >= 20, "the demo's register");
    assert_eq!(audit_of(&app, "view_list", "key_prisoner").await, lists + 1);

    // There is no built-in prison-administration role: the security administrator makes one and
    // grants it, with the clearance the register's label needs.
    let sec = app.login("secadmin").await;
    let r = sec
        .post(
            "/system/roles",
            &[
                ("code", "prison_admin"),
                ("name", "狱政管理"),
                ("data_scope", "all"),
                ("permissions", "keyprisoner:view"),
                ("permissions", "keyprisoner:edit"),
                ("permissions", "safety:view"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let clerk2 = user_id(&app, "clerk2").await;
    let r = app
        .token("secadmin")
        .await
        .req(Method::PUT, &format!("/api/v1/users/{clerk2}/roles"))
        .json(&json!({"roles": ["prison_admin"], "clearance": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let yz = app.token("clerk2").await;
    let jq2 = app.unit_id("SL-JQ02").await;
    let officer = people_of(&app, "SL-JQ02", 1).await[0];
    let today = platform::clock::today(&app.clock);
    let body = json!({"unit_id": jq2, "prisoner_no": "T20220001", "name": "测试重点罪犯", "category": "escape_risk",
        "risk_level": "high", "control_measures": "包夹监控（测试）", "officer_id": officer,
        "listed_on": today.saturating_sub(10.days()).to_string(), "review_on": today.saturating_add(20.days()).to_string()});
    let id = created(post_json(&yz, "/api/v1/key_prisoners", body.clone()).await).await;
    // Entered again by another session (the same session's repeat is a double submission).
    let dup = refused(post_json(&app.token("clerk2").await, "/api/v1/key_prisoners", body).await).await;
    assert!(dup["prisoner_no"].is_string());
    let views = audit_of(&app, "view", "key_prisoner").await;
    let one = leader.json(&format!("/api/v1/key_prisoners/{id}")).await;
    assert_eq!(one["key_prisoner"]["label"], 2);
    assert_eq!(audit_of(&app, "view", "key_prisoner").await, views + 1, "every view is audited");
    // A review moves the record on and is kept as history.
    let review = json!({"reviewed_on": today.to_string(), "reviewer_id": officer, "conclusion": "adjust", "risk_after": "medium",
        "note": "表现平稳，调整为中风险（测试）", "next_review_on": today.saturating_add(30.days()).to_string()});
    created(post_json(&yz, &format!("/api/v1/key_prisoners/{id}/reviews"), review).await).await;
    let one = yz.json(&format!("/api/v1/key_prisoners/{id}")).await;
    assert_eq!(one["key_prisoner"]["risk_level"], "medium");
    assert_eq!(one["reviews"].as_array().unwrap().len(), 1);

    // A file on the record, readable by the leadership.
    let b = app.login("clerk2").await;
    let r = b
        .upload(
            &format!("/attachments?owner_type=key_prisoner&owner_id={id}"),
            "管控方案.pdf",
            b"%PDF-1.4 demo".to_vec(),
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success(), "{}", r.status());
    let file: i64 =
        sqlx::query_scalar("SELECT max(id) FROM attachments WHERE owner_type = 'key_prisoner' AND owner_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let boss = app.login("leader").await;
    assert_eq!(boss.get(&format!("/attachments/{file}")).await.status(), StatusCode::OK);
    let exports = app.audit_count("export").await;
    let r = boss.get("/safety/key_prisoners/export?q=T20220001").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = read_xlsx(&r.bytes().await.unwrap());
    assert!(rows.iter().any(|row| row.iter().any(|c| c == "T20220001")), "{rows:?}");
    assert_eq!(app.audit_count("export").await, exports + 1);
    assert!(boss.get("/safety/key_prisoners?q=T20220001").await.text().await.unwrap().contains("测试重点罪犯"));

    // Never indexed for search.
    let indexed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM search_docs WHERE title LIKE '%测试重点罪犯%' OR words LIKE '%T20220001%'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(indexed, 0);

    // A branch secretary (unit clerk), the system administrator and the Party office: nothing, by
    // any way in, and the refusals are audited.
    let denied = app.audit_count("access_denied").await;
    for who in ["clerk1", "sysadmin", "party"] {
        let b = app.login(who).await;
        let home = b.get("/").await.text().await.unwrap();
        assert!(!home.contains("/safety/key_prisoners"), "{who} sees no menu entry");
        for path in [
            "/safety/key_prisoners".to_string(),
            format!("/safety/key_prisoners/{id}"),
            "/safety/key_prisoners/export".to_string(),
            "/safety/key_prisoners/new".to_string(),
            format!("/attachments/{file}"),
        ] {
            let s = b.get(&path).await.status();
            assert!(shut(s), "{who} {path}: {s}");
        }
        let api = app.token(who).await;
        for path in [
            "/api/v1/key_prisoners".to_string(),
            format!("/api/v1/key_prisoners/{id}"),
            format!("/api/v1/attachments?owner_type=key_prisoner&owner_id={id}"),
            format!("/api/v1/attachments/{file}"),
            "/api/v1/figures/key_prisoners_listed".to_string(),
        ] {
            let s = api.get(&path).await.status();
            assert!(shut(s), "{who} API {path}: {s}");
        }
        for q in ["测试重点罪犯", "T20220001"] {
            let hits = api.json(&format!("/api/v1/search?q={}", platform::web::url_encode(q))).await;
            assert_eq!(hits["total"], 0, "{who} search {q}");
        }
    }
    assert!(app.audit_count("access_denied").await > denied, "refusals are audited");

    // The permission alone is not enough: below the label's clearance there is nothing.
    sqlx::query("UPDATE users SET clearance = 1 WHERE username = 'leader'").execute(&app.state.db.pool).await.unwrap();
    assert_eq!(leader.json("/api/v1/key_prisoners").await["total"], 0);
    assert_eq!(leader.get(&format!("/api/v1/key_prisoners/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        boss.get(&format!("/attachments/{file}")).await.status(),
        StatusCode::NOT_FOUND,
        "the file follows the record"
    );
    assert_eq!(leader.json("/api/v1/figures/key_prisoners_listed").await["value"], 0);
}

#[tokio::test]
async fn closed_duty_person_times_count_a_persons_overlapping_stretches_once() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let zhzx = app.unit_id("SL-ZHZX").await;
    let p = people_of(&app, "SL-JQ03", 3).await;
    let roster = |title: &str, from: &str, to: &str| json!({"unit_id": zhzx, "title": title, "place": "封闭执勤区（测试）", "from_on": from, "to_on": to});
    let a = created(
        post_json(&party, "/api/v1/epidemic_rosters", roster("第1轮（测试）", "2020-03-01", "2020-03-31")).await,
    )
    .await;
    let b = created(
        post_json(&party, "/api/v1/epidemic_rosters", roster("第2轮（测试）", "2020-03-10", "2020-04-10")).await,
    )
    .await;
    let add = |roster: i64, people: Vec<i64>, from: &str, to: &str| {
        let body = json!({"person_ids": people, "from_on": from, "to_on": to});
        let url = format!("/api/v1/epidemic_rosters/{roster}/entries");
        let party = &party;
        async move { post_json(party, &url, body).await }
    };
    for (roster, people, from, to) in [
        (a, vec![p[0], p[1]], "2020-03-01", "2020-03-14"),
        (a, vec![p[2]], "2020-03-01", "2020-03-05"),
        (a, vec![p[2]], "2020-03-20", "2020-03-25"),
        // p0 stays on across the handover day (overlap: merged); p1 comes back the day after (no
        // overlap: a second person-time); p0 again inside the merged stretch (nothing new).
        (b, vec![p[0]], "2020-03-14", "2020-03-28"),
        (b, vec![p[1]], "2020-03-15", "2020-03-28"),
        (b, vec![p[0]], "2020-03-20", "2020-03-22"),
    ] {
        let r = add(roster, people, from, to).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    // The same entry twice is one entry (sent by another session: the same session's repeat would
    // be a double submission); a stretch outside the rotation is refused.
    let body = json!({"person_ids": [p[2]], "from_on": "2020-03-20", "to_on": "2020-03-25"});
    let r = post_json(&app.token("party").await, &format!("/api/v1/epidemic_rosters/{a}/entries"), body).await;
    assert_eq!(r.json::<Value>().await.unwrap()["added"], 0);
    let outside = refused(add(a, vec![p[2]], "2020-02-20", "2020-03-02").await).await;
    assert!(outside["from_on"].is_string());
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM epidemic_roster_entries WHERE roster_id IN ($1, $2)")
        .bind(a)
        .bind(b)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(entries, 7);

    // p0: one stay; p1: two; p2: two. Five person-times, each a record.
    let f = party
        .json(&format!("/api/v1/figures/closed_duty_person_times?from=2020-01-01&to=2020-12-31&unit={zhzx}"))
        .await;
    assert_eq!(f["value"], 5);
    assert_eq!(drill_total(&party, f["records_url"].as_str().unwrap()).await, 5);
    let v = party.json("/api/v1/epidemic_rosters/person_times?from=2020-01-01&to=2020-12-31").await;
    assert_eq!(v["person_times"], 5);
    // A stay counts in the period it began: from 10 March, p0's stay (begun 1 March) is not new.
    let f = party
        .json(&format!("/api/v1/figures/closed_duty_person_times?from=2020-03-10&to=2020-12-31&unit={zhzx}"))
        .await;
    assert_eq!(f["value"], 2);
    // Each roster marks which entries counted.
    let rb = party.json(&format!("/api/v1/epidemic_rosters/{b}")).await;
    let counted: Vec<(i64, &str, i64)> = rb["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["person_id"].as_i64().unwrap(), e["from_on"].as_str().unwrap(), e["counted"].as_i64().unwrap()))
        .collect();
    assert!(counted.contains(&(p[0], "2020-03-14", 0)) && counted.contains(&(p[0], "2020-03-20", 0)), "{counted:?}");
    assert!(counted.contains(&(p[1], "2020-03-15", 1)), "{counted:?}");
    assert_eq!(rb["person_times"], 1);
    let page = app.login("party").await.get(&format!("/safety/epidemic/rosters/{b}")).await.text().await.unwrap();
    assert!(page.contains("重叠不重复计"));
    // Another area's clerk sees none of it.
    let clerk = app.token("clerk1").await;
    assert_eq!(clerk.get(&format!("/api/v1/epidemic_rosters/{a}")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn vaccination_rates_round_down_and_an_empty_population_has_none() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let (jq1, jq2) = (app.unit_id("SL-JQ01").await, app.unit_id("SL-JQ02").await);
    let count = |unit: i64, population: &str, as_of: &str, total: i64, vaccinated: i64| json!({"unit_id": unit, "population": population, "as_of": as_of, "total": total, "vaccinated": vaccinated});
    let rate = |v: &Value, population: &str| -> Value {
        v["items"].as_array().unwrap().iter().find(|r| r["population"] == population).unwrap().clone()
    };
    created(post_json(&party, "/api/v1/epidemic_vaccinations", count(jq1, "officers", "2020-06-01", 1000, 949)).await)
        .await;
    let v = party.json("/api/v1/epidemic_vaccinations/rates?at=2020-06-30").await;
    let o = rate(&v, "officers");
    assert_eq!((o["percent"].as_i64(), o["percent_text"].as_str()), (Some(94), Some("94.9")), "94.9% is not 95%");
    // Each unit's latest count on or before the date is the one that holds.
    created(post_json(&party, "/api/v1/epidemic_vaccinations", count(jq2, "officers", "2020-05-01", 500, 480)).await)
        .await;
    created(post_json(&party, "/api/v1/epidemic_vaccinations", count(jq2, "officers", "2020-06-15", 500, 500)).await)
        .await;
    let o = rate(&party.json("/api/v1/epidemic_vaccinations/rates?at=2020-06-10").await, "officers");
    assert_eq!(
        (o["vaccinated"].as_i64(), o["total"].as_i64(), o["percent"].as_i64()),
        (Some(1429), Some(1500), Some(95))
    );
    // The catalogue's figure is the same rate, its parts sums over the same two counts.
    let f = party.json("/api/v1/figures/vaccination_rate_officers?from=2020-01-01&to=2020-06-10").await;
    assert_eq!((f["kind"].as_str(), f["value"].as_i64()), (Some("rate"), Some(95)));
    assert_eq!((f["numerator"]["value"].as_i64(), f["denominator"]["value"].as_i64()), (Some(1429), Some(1500)));
    assert_eq!(f["numerator"]["counts"], "amount");
    let d = party.json(f["denominator"]["records_url"].as_str().unwrap()).await;
    let amounts: Vec<i64> = d["items"].as_array().unwrap().iter().map(|i| i["amount"].as_i64().unwrap()).collect();
    assert_eq!((amounts, d["sum"].as_i64()), (vec![1000, 500], Some(1500)));
    let page = app
        .login("party")
        .await
        .get("/reports/figures/vaccination_rate_officers?from=2020-01-01&to=2020-06-10&part=numerator")
        .await;
    let html = page.text().await.unwrap();
    assert!(html.contains("949") && html.contains("480") && html.contains("1429"), "amounts and their sum on the page");
    let o = rate(&party.json("/api/v1/epidemic_vaccinations/rates?at=2020-06-30").await, "officers");
    assert_eq!(
        (o["vaccinated"].as_i64(), o["total"].as_i64(), o["percent"].as_i64()),
        (Some(1449), Some(1500), Some(96))
    );
    assert_eq!(o["percent_text"], "96.6");
    assert_eq!(o["counts"].as_array().unwrap().len(), 2, "the counts it adds up");
    // An empty population: no rate, no division by zero.
    created(post_json(&party, "/api/v1/epidemic_vaccinations", count(jq1, "prisoners", "2020-06-01", 0, 0)).await)
        .await;
    let v = party.json("/api/v1/epidemic_vaccinations/rates?at=2020-06-30").await;
    for pop in ["prisoners", "workers"] {
        let r = rate(&v, pop);
        assert_eq!(
            (r["total"].as_i64(), r["percent"].clone(), r["percent_text"].clone()),
            (Some(0), Value::Null, Value::Null),
            "{pop}"
        );
    }
    // Bad counts are refused with a Chinese message and change nothing.
    let before = app.scalar("SELECT count(*) FROM epidemic_vaccinations").await;
    let f =
        refused(post_json(&party, "/api/v1/epidemic_vaccinations", count(jq1, "workers", "2020-06-01", 10, 11)).await)
            .await;
    assert!(f["vaccinated"].is_string());
    let f =
        refused(post_json(&party, "/api/v1/epidemic_vaccinations", count(jq1, "officers", "2020-06-01", 10, 9)).await)
            .await;
    assert!(f["as_of"].is_string(), "one count per unit, population and day");
    let f =
        refused(post_json(&party, "/api/v1/epidemic_vaccinations", count(jq1, "officers", "2999-01-01", 10, 9)).await)
            .await;
    assert!(f["as_of"].is_string());
    assert_eq!(app.scalar("SELECT count(*) FROM epidemic_vaccinations").await, before);
    let page = app.login("party").await.get("/safety/epidemic/vaccinations?at=2020-06-30").await.text().await.unwrap();
    assert!(page.contains("96.6%") && page.contains("无统计"));
}

#[tokio::test]
async fn an_overdue_hazard_is_a_todo_until_the_inspecting_side_signs_it_off() {
    let app = spawn_app().await;
    let clerk = app.token("clerk1").await;
    let jq1 = app.unit_id("SL-JQ01").await;
    let inspector = people_of(&app, "SL-JQ01", 1).await[0];
    let today = platform::clock::today(&app.clock);
    let items = clerk.json("/api/v1/check_items?kind=fire").await["total"].as_i64().unwrap();
    assert!(items >= 3, "the fire template");
    let results: Vec<Value> = (1..=items)
        .map(|n| {
            if n == 2 {
                json!({"position": n, "result": "problem", "note": "疏散通道堆物"})
            } else {
                json!({"position": n, "result": "ok"})
            }
        })
        .collect();
    let mut body = json!({"unit_id": jq1, "kind": "fire", "inspected_on": today.saturating_sub(30.days()).to_string(),
        "place": "一监区监舍楼（测试）", "inspector_ids": [inspector], "results": results});
    // A checklist, not free text: every item answered.
    let mut partial = body.clone();
    partial["results"] = json!([{"position": 1, "result": "ok"}]);
    assert!(refused(post_json(&clerk, "/api/v1/inspections", partial).await).await["results"].is_string());
    let ins = created(post_json(&clerk, "/api/v1/inspections", body.clone()).await).await;
    let v = clerk.json(&format!("/api/v1/inspections/{ins}")).await;
    assert_eq!((v["inspection"]["items"].as_i64(), v["inspection"]["problems"].as_i64()), (Some(items), Some(1)));
    body["kind"] = json!("custody_items");
    let n = clerk.json("/api/v1/check_items?kind=custody_items").await["total"].as_i64().unwrap();
    body["results"] = json!((1..=n).map(|n| json!({"position": n, "result": "ok"})).collect::<Vec<_>>());
    created(post_json(&clerk, "/api/v1/inspections", body).await).await;

    // The hazard found, already past its deadline.
    let hazard = json!({"inspection_id": ins, "unit_id": jq1, "place": "二楼走廊", "description": "疏散通道堆放杂物（测试隐患）",
        "level": "general", "deadline": today.saturating_sub(10.days()).to_string()});
    let h = created(post_json(&clerk, "/api/v1/hazards", hazard).await).await;
    let b = app.login("clerk1").await;
    assert!(todo(&b).await, "an overdue hazard is a to-do");
    assert_eq!(clerk.json(&format!("/api/v1/hazards/{h}")).await["hazard"]["overdue"], 1);
    // Another area's clerk does not see it.
    assert_eq!(app.token("clerk2").await.get(&format!("/api/v1/hazards/{h}")).await.status(), StatusCode::NOT_FOUND);

    // Rectified with evidence: still a to-do until signed off, and not by whoever rectified it.
    let f =
        refused(post_json(&clerk, &format!("/api/v1/hazards/{h}/rectify"), json!({"rectification": "已清理"})).await)
            .await;
    assert!(f["evidence"].is_string() && f["rectified_on"].is_string());
    let r = post_json(
        &clerk,
        &format!("/api/v1/hazards/{h}/rectify"),
        json!({"rectification": "已清理杂物并设置警示标识", "evidence": "整改前后照片", "rectified_on": today.to_string()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", r.text().await.unwrap());
    assert!(todo(&b).await, "rectified but not signed off: still a to-do");
    let r = post_json(&clerk, &format!("/api/v1/hazards/{h}/sign_off"), json!({})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "no signing off one's own rectification");
    assert!(todo(&b).await);
    let party = app.token("party").await;
    let before = overdue(&party, jq1).await;
    let r = post_json(&party, &format!("/api/v1/hazards/{h}/sign_off"), json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", r.text().await.unwrap());
    assert!(!todo(&b).await, "signed off: no longer a to-do");
    let v = clerk.json(&format!("/api/v1/hazards/{h}")).await;
    assert_eq!((v["hazard"]["status"].as_str(), v["hazard"]["overdue"].as_i64()), (Some("closed"), Some(0)));
    assert_eq!(overdue(&party, jq1).await, before - 1);
    let closed = party.json(&format!("/api/v1/figures/hazards_closed?unit={jq1}")).await;
    assert!(
        party.json(&format!("{}&per_page=200", closed["records_url"].as_str().unwrap())).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == h)
    );
    // Signed off again by another session (the same session's repeat is a double submission).
    assert_eq!(
        post_json(&app.token("party").await, &format!("/api/v1/hazards/{h}/sign_off"), json!({})).await.status(),
        StatusCode::CONFLICT
    );
    // An inspection with hazards is kept.
    assert_eq!(
        clerk.req(Method::DELETE, &format!("/api/v1/inspections/{ins}")).send().await.unwrap().status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn sentence_changes_move_through_their_stages_on_time_or_late() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let jq4 = app.unit_id("SL-JQ04").await;
    let officer = people_of(&app, "SL-XFK", 1).await[0];
    let case = |no: &str, extra: Value| {
        let mut v = json!({"unit_id": jq4, "case_no": no, "kind": "commutation", "proposed_on": "2020-01-02", "officer_ids": [officer]});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    // Stages in order, none skipped, none in the future; a decision has a result.
    let f =
        refused(post_json(&party, "/api/v1/sentence_changes", case("T-1", json!({"meeting_on": "2020-02-01"}))).await)
            .await;
    assert!(f["meeting_on"].is_string());
    let f =
        refused(post_json(&party, "/api/v1/sentence_changes", case("T-1", json!({"reviewed_on": "2020-01-01"}))).await)
            .await;
    assert!(f["reviewed_on"].is_string());
    let all = json!({"reviewed_on": "2020-01-20", "publicised_on": "2020-01-22", "meeting_on": "2020-02-01",
        "submitted_on": "2020-02-05", "decided_on": "2020-02-25"});
    let f = refused(post_json(&party, "/api/v1/sentence_changes", case("T-1", all.clone())).await).await;
    assert!(f["result"].is_string());
    let mut done = all.clone();
    done["result"] = json!("granted");
    let on_time = created(post_json(&party, "/api/v1/sentence_changes", case("T-1", done)).await).await;
    // Reviewed 49 days after being proposed (limit 30), and waiting since for publicity.
    let late =
        created(post_json(&party, "/api/v1/sentence_changes", case("T-2", json!({"reviewed_on": "2020-02-20"}))).await)
            .await;
    let v = party.json(&format!("/api/v1/sentence_changes/{late}")).await;
    assert_eq!(v["case"]["stage"], "reviewed");
    assert_eq!(v["case"]["late"], 1, "waiting past the limit today");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!((steps[1]["days"].as_i64(), steps[1]["late"].as_bool()), (Some(49), Some(true)));
    assert_eq!((steps[2]["waiting"].as_bool(), steps[2]["late"].as_bool()), (Some(true), Some(true)));
    let v = party.json(&format!("/api/v1/sentence_changes/{on_time}")).await;
    assert_eq!((v["case"]["stage"].as_str(), v["case"]["late"].as_i64()), (Some("decided"), Some(0)));
    assert!(v["steps"].as_array().unwrap().iter().all(|s| s["late"] == false));

    let s = party.json("/api/v1/sentence_changes/summary?year=2020").await;
    let c = s["items"].as_array().unwrap().iter().find(|r| r["kind"] == "commutation").unwrap().clone();
    assert_eq!(c["stages"], json!([0, 1, 0, 0, 0, 1]));
    assert_eq!((c["total"].as_i64(), c["late"].as_i64()), (Some(2), Some(1)));
    let fig = |key: &str| {
        let url = format!("/api/v1/figures/{key}?from=2020-01-01&to=2020-12-31&unit={jq4}");
        let party = &party;
        async move { party.json(&url).await }
    };
    assert_eq!(fig("sentence_changes_commutation").await["value"], 2);
    assert_eq!(fig("sentence_changes_reviewed").await["value"], 1);
    assert_eq!(fig("sentence_changes_decided").await["value"], 1);
    let l = fig("sentence_changes_late").await;
    assert_eq!(l["value"], 1);
    assert_eq!(drill_total(&party, l["records_url"].as_str().unwrap()).await, 1);
    // At the end of February 2020 the first case was decided; the late one was still waiting.
    let feb = party
        .json(&format!("/api/v1/figures/sentence_changes_submitted?from=2020-01-01&to=2020-02-20&unit={jq4}"))
        .await;
    assert_eq!(feb["value"], 1);
    let list = party.json("/api/v1/sentence_changes?late=1&year=2020").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], late);
}

#[tokio::test]
async fn days_since_the_last_critical_incident_are_the_days_themselves() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let jq3 = app.unit_id("SL-JQ03").await;
    let kinds = party.json("/api/v1/critical_incident_kinds").await;
    let names: Vec<&str> = kinds["items"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["罪犯脱逃", "狱内重大案件", "重大安全生产事故", "重大疫情", "重大舆情", "民警重大违纪违法"]);
    let escape = kinds["items"][0]["id"].as_i64().unwrap();
    let f = refused(
        post_json(
            &party,
            "/api/v1/critical_incidents",
            json!({"unit_id": jq3, "kind_id": escape, "occurred_on": "2999-01-01", "title": "x", "facts": ""}),
        )
        .await,
    )
    .await;
    assert!(f["occurred_on"].is_string() && f["facts"].is_string());
    created(
        post_json(
            &party,
            "/api/v1/critical_incidents",
            json!({"unit_id": jq3, "kind_id": escape, "occurred_on": "2020-01-10", "title": "测试脱逃事件", "facts": "测试用"}),
        )
        .await,
    )
    .await;
    let d = party.json("/api/v1/figures/days_since_escape?from=2020-01-01&to=2020-01-31").await;
    assert_eq!(d["value"], 21, "11 to 31 January");
    let recs = party.json(&format!("{}&per_page=200", d["records_url"].as_str().unwrap())).await;
    assert_eq!(recs["total"], 21);
    assert!(recs["items"][0]["label"].as_str().unwrap().starts_with("2020-01-11"));
    assert_eq!(
        party.json("/api/v1/figures/days_since_critical_incident?from=2020-01-01&to=2020-01-31").await["value"],
        21
    );
    // None of the kind yet: the days of the period.
    assert_eq!(party.json("/api/v1/figures/days_since_epidemic?from=2020-01-01&to=2020-01-31").await["value"], 31);
    assert_eq!(party.json("/api/v1/figures/critical_incidents?from=2020-01-01&to=2020-01-31").await["value"], 1);
    let v = party.json("/api/v1/critical_incidents/days_since?at=2020-01-31").await;
    let e = v["items"].as_array().unwrap().iter().find(|k| k["code"] == "escape").unwrap().clone();
    assert_eq!((e["days"].as_i64(), e["last_on"].as_str()), (Some(21), Some("2020-01-10")));
    // The kinds are configurable: a stopped kind is no longer counted.
    let r = party
        .req(Method::PUT, &format!("/api/v1/critical_incident_kinds/{escape}"))
        .json(&json!({"name": "罪犯脱逃", "sort_order": 10, "active": 0, "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", r.text().await.unwrap());
    let v = party.json("/api/v1/critical_incidents/days_since?at=2020-01-31").await;
    assert!(v["items"].as_array().unwrap().iter().all(|k| k["code"] != "escape"));
    assert_eq!(v["any"]["days"], Value::Null, "no incident of an active kind by then");
}

#[tokio::test]
async fn every_safety_page_renders_and_the_seed_figures_are_computable() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let period = format!("from={}&to={today}", today.saturating_sub(364.days()));
    let cat = party.json("/api/v1/figures").await;
    let keys: Vec<&str> = cat["items"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap()).collect();
    for k in [
        "epidemic_meetings",
        "closed_duty_person_times",
        "hazards_found",
        "hazards_closed",
        "hazards_overdue",
        "days_since_critical_incident",
        "inspections_fire",
        "inspections_custody_items",
        "sentence_changes_parole",
        "sentence_changes_submitted",
    ] {
        assert!(keys.contains(&k), "{k} in the catalogue");
        let v = party.json(&format!("/api/v1/figures/{k}?{period}")).await;
        assert_eq!(v["value"].as_i64().unwrap(), drill_total(&party, v["records_url"].as_str().unwrap()).await, "{k}");
    }
    // The demo's year: "20余次" meetings; person-times at the tests' smaller roster; ≥95% everywhere.
    let m = party.json(&format!("/api/v1/figures/epidemic_meetings?{period}")).await;
    assert_eq!(m["value"], 23);
    let pt = party.json(&format!("/api/v1/figures/closed_duty_person_times?{period}")).await["value"].as_i64().unwrap();
    let entries = app.scalar("SELECT count(*) FROM epidemic_roster_entries").await;
    assert!(pt > 0 && pt < entries, "overlapping stretches merged: {pt} of {entries}");
    let v = party.json("/api/v1/epidemic_vaccinations/rates").await;
    for r in v["items"].as_array().unwrap() {
        assert!(r["percent"].as_i64().unwrap() >= 95, "{r}");
    }
    assert_eq!(party.json(&format!("/api/v1/figures/critical_incidents?{period}")).await["value"], 0);

    for who in ["party", "clerk1", "leader"] {
        let b = app.login(who).await;
        let api = app.token(who).await;
        let mut pages = vec![
            "/safety/sentence_changes".to_string(),
            "/safety/inspections".to_string(),
            "/safety/hazards".to_string(),
            "/safety/hazards?status=overdue".to_string(),
            "/safety/epidemic/meetings".to_string(),
            "/safety/epidemic/rosters".to_string(),
            "/safety/epidemic/vaccinations".to_string(),
            "/safety/incidents".to_string(),
            "/safety/incident_kinds".to_string(),
            "/safety/check_items?kind=custody_places".to_string(),
        ];
        if who != "leader" {
            pages.extend(
                [
                    "/safety/sentence_changes/new",
                    "/safety/inspections/new?kind=gas",
                    "/safety/hazards/new",
                    "/safety/epidemic/meetings/new",
                    "/safety/epidemic/rosters/new",
                    "/safety/epidemic/vaccinations/new",
                    "/safety/incidents/new",
                ]
                .map(String::from),
            );
        } else {
            pages.push("/safety/key_prisoners".to_string());
        }
        for (list, page) in [
            ("/api/v1/sentence_changes", "/safety/sentence_changes/"),
            ("/api/v1/inspections", "/safety/inspections/"),
            ("/api/v1/hazards", "/safety/hazards/"),
            ("/api/v1/epidemic_meetings", "/safety/epidemic/meetings/"),
            ("/api/v1/epidemic_rosters", "/safety/epidemic/rosters/"),
            ("/api/v1/key_prisoners", "/safety/key_prisoners/"),
        ] {
            if list.contains("key_prisoners") && who != "leader" {
                continue;
            }
            let v = api.json(&format!("{list}?per_page=1")).await;
            if let Some(id) = v["items"][0]["id"].as_i64() {
                pages.push(format!("{page}{id}"));
            }
        }
        for p in pages {
            let r = b.get(&p).await;
            assert_eq!(r.status(), StatusCode::OK, "{who} {p}");
            let html = r.text().await.unwrap();
            assert!(html.contains("安保维稳"), "{who} {p}");
        }
        for p in ["/safety/inspections/export", "/safety/hazards/export", "/safety/epidemic/rosters/export?per_page=2"]
        {
            assert_eq!(b.get(p).await.status(), StatusCode::OK, "{who} {p}");
        }
    }
}
