//! 清廉建设 ledgers through the real server: an activity's required film title and its meeting of
//! the right kind, an activity of one prison area kept from another (its attachment too), the
//! 五个一 card, a risk review moving the next review and clearing the to-do, and the key-post
//! review coverage.

use crate::common::*;
use jiff::ToSpan;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn activities(app: &TestApp) -> i64 {
    app.scalar("SELECT count(*) FROM integrity_activities").await
}

async fn post_json(api: &Api, path: &str, body: Value) -> reqwest::Response {
    api.req(Method::POST, path).json(&body).send().await.unwrap()
}

async fn created(r: reqwest::Response) -> i64 {
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn field_error(r: reqwest::Response, field: &str) -> String {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    v["error"]["fields"][field].as_str().unwrap_or_else(|| panic!("no error on {field}: {v}")).to_string()
}

/// A 警示教育 meeting of the prison's committee, attended by its officers.
async fn warning_meeting(app: &TestApp, api: &Api, day: &str) -> i64 {
    let committee: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-DW'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let people: Vec<i64> =
        sqlx::query_scalar("SELECT person_id FROM org_officers WHERE org_id = $1 AND ended_on IS NULL")
            .bind(committee)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let attendance: Vec<_> = people.iter().map(|p| json!({"person_id": p, "status": "present"})).collect();
    let body = json!({"org_id": committee, "kind": "warning_education", "title": "警示教育大会（测试）", "held_on": day,
        "agenda": [{"kind": "study", "title": "通报典型案例"}], "attendance": attendance});
    created(post_json(api, "/api/v1/meetings", body).await).await
}

#[tokio::test]
async fn a_film_without_its_title_or_a_meeting_of_another_kind_is_refused_and_nothing_saved() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let before = activities(&app).await;
    let film = json!({"kind": "warning_film", "title": "组织观看警示教育片（测试）", "held_on": today.to_string(), "participants": 60});
    let msg = field_error(post_json(&api, "/api/v1/integrity_activities", film).await, "film_title").await;
    assert!(msg.contains("片名"), "{msg}");
    assert_eq!(activities(&app).await, before, "nothing saved");

    // The page form is checked by the same parser: shown again with the field marked.
    let party = app.login("party").await;
    let r = party
        .post(
            "/integrity/activities",
            &[
                ("kind", "warning_film"),
                ("title", "观看警示片"),
                ("held_on", &today.to_string()),
                ("participants", "60"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("观看警示教育片须填写片名") && html.contains("观看警示片"), "the form comes back filled");
    assert_eq!(activities(&app).await, before);

    // A date to come and a negative count are refused too.
    let tomorrow = today.saturating_add(1.day()).to_string();
    let future = json!({"kind": "integrity_reminder", "title": "廉政提醒（测试）", "held_on": tomorrow});
    field_error(post_json(&api, "/api/v1/integrity_activities", future).await, "held_on").await;
    let negative = json!({"kind": "integrity_reminder", "title": "廉政提醒（测试）", "held_on": today.to_string(), "participants": -1});
    field_error(post_json(&api, "/api/v1/integrity_activities", negative).await, "participants").await;

    // A meeting of another kind cannot be linked; a recorded 警示教育 meeting can.
    let other: i64 = app.scalar("SELECT min(id) FROM meetings WHERE kind <> 'warning_education'").await;
    let linked = json!({"kind": "warning_day", "title": "警示教育日（测试）", "held_on": today.to_string(), "meeting_id": other});
    let msg = field_error(post_json(&api, "/api/v1/integrity_activities", linked).await, "meeting_id").await;
    assert!(msg.contains("警示教育"), "{msg}");
    assert_eq!(activities(&app).await, before);
    let meeting = warning_meeting(&app, &api, &today.to_string()).await;
    let ok = json!({"kind": "warning_film", "title": "组织观看警示教育片（测试）", "held_on": today.to_string(),
        "film_title": "零容忍", "participants": 60, "meeting_id": meeting, "content": "<p>观看后<script>alert(1)</script>分组讨论</p>"});
    let id = created(post_json(&api, "/api/v1/integrity_activities", ok).await).await;
    let v = api.json(&format!("/api/v1/integrity_activities/{id}")).await;
    assert_eq!(v["activity"]["meeting_id"], meeting);
    assert_eq!(v["activity"]["meeting_title"], "警示教育大会（测试）");
    assert!(!v["activity"]["content"].as_str().unwrap().contains("script"), "rich text is cleaned");
    assert_eq!(activities(&app).await, before + 1);

    // An edit with a stale version is refused; with the current one it is saved.
    let edit = |version: i64| {
        json!({"kind": "warning_film", "title": "组织观看警示教育片（改）", "held_on": today.to_string(),
            "film_title": "零容忍", "participants": 61, "version": version})
    };
    let put = |body: Value| api.req(Method::PUT, &format!("/api/v1/integrity_activities/{id}")).json(&body).send();
    assert_eq!(put(edit(1)).await.unwrap().status(), StatusCode::NO_CONTENT);
    // A second clerk's save from the same version (the same session's repeat would be a double
    // submission, answered with the first answer).
    let other = app.token("party").await;
    let r = other.req(Method::PUT, &format!("/api/v1/integrity_activities/{id}")).json(&edit(1)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let v = api.json(&format!("/api/v1/integrity_activities/{id}")).await;
    assert_eq!((v["activity"]["participants"].as_i64(), v["activity"]["version"].as_i64()), (Some(61), Some(2)));
    assert_eq!(v["activity"]["meeting_id"], Value::Null, "the edit left the meeting out");
}

#[tokio::test]
async fn another_prison_area_sees_neither_an_activity_of_the_first_nor_its_attachment() {
    let app = spawn_app().await;
    let jq1 = app.unit_id("SL-JQ01").await;
    let today = platform::clock::today(&app.clock).to_string();
    let party = app.login("party").await;
    let r = party
        .post(
            "/integrity/activities",
            &[
                ("unit_id", &jq1.to_string()),
                ("kind", "integrity_reminder"),
                ("title", "一监区节前廉政提醒（测试）"),
                ("held_on", &today),
                ("organiser", "一监区"),
                ("audience", "一监区全体民警"),
                ("participants", "38"),
                ("content", "重申“六个严禁”"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let up = party
        .upload(&format!("/attachments?owner_type=integrity_activity&owner_id={id}"), "签到表.txt", "签到表".into())
        .await;
    assert_eq!(up.status(), StatusCode::SEE_OTHER);
    let (att, unit): (i64, i64) =
        sqlx::query_as("SELECT id, unit_id FROM attachments WHERE owner_type = 'integrity_activity'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(unit, jq1, "the file belongs to the activity's unit");

    let clerk1 = app.login("clerk1").await;
    let page = clerk1.get(&at).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("一监区节前廉政提醒（测试）") && html.contains("签到表.txt"));
    assert!(!html.contains("上传附件"), "viewing only");
    assert_eq!(clerk1.get(&format!("/attachments/{att}")).await.status(), StatusCode::OK);

    let denied = app.audit_count("access_denied").await;
    let clerk2 = app.login("clerk2").await;
    assert_eq!(clerk2.get(&at).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(clerk2.get(&format!("/attachments/{att}")).await.status(), StatusCode::NOT_FOUND);
    let api2 = app.token("clerk2").await;
    assert_eq!(api2.get(&format!("/api/v1/integrity_activities/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api2.get(&format!("/api/v1/attachments?owner_type=integrity_activity&owner_id={id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let listed = api2.json("/api/v1/integrity_activities?per_page=200").await;
    assert!(listed["items"].as_array().unwrap().iter().all(|a| a["id"] != id));
    assert!(!clerk2.get("/integrity/activities").await.text().await.unwrap().contains("一监区节前廉政提醒"));
    assert!(app.audit_count("access_denied").await >= denied + 3, "the attempts are audited");
    // Uploading onto it is refused the same way (and a prison area only views this ledger).
    let sneaky = clerk2
        .upload(&format!("/attachments?owner_type=integrity_activity&owner_id={id}"), "x.txt", b"x".to_vec())
        .await;
    assert!(matches!(sneaky.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN));
    let r = post_json(&api2, "/api/v1/integrity_activities", json!({"kind": "other", "title": "x", "held_on": today}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("SELECT count(*) FROM attachments").await, 1);

    // Deleting it is audited in the same transaction.
    let api = app.token("party").await;
    let r = api.req(Method::DELETE, &format!("/api/v1/integrity_activities/{id}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE event = 'delete' AND object_type = 'integrity_activity' AND object_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
}

/// Whether the 五个一 card shows `label` as held.
fn held(html: &str, label: &str) -> bool {
    let card = &html[html.find("id=\"five-ones\"").unwrap()..];
    let item = &card[card.find(label).unwrap_or_else(|| panic!("{label} not on the card"))..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(item.contains("已开展") ^ item.contains("尚未开展"), "{item}");
    item.contains("已开展")
}

#[tokio::test]
async fn the_five_ones_card_reflects_a_new_activity() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let party = app.login("party").await;
    let year = platform::clock::today(&app.clock).year() - 3;
    let card = format!("/integrity/activities?year={year}");
    let html = party.get(&card).await.text().await.unwrap();
    assert!(html.contains(&format!("“五个一”开展情况（{year} 年）")));
    assert!(!held(&html, "上好廉政教育一堂课") && !held(&html, "汇编纪委工作实务一本书"));

    let lecture = json!({"kind": "integrity_lecture", "title": "廉政党课（测试）", "held_on": format!("{year}-06-18"), "participants": 120});
    created(post_json(&api, "/api/v1/integrity_activities", lecture).await).await;
    let html = party.get(&card).await.text().await.unwrap();
    assert!(held(&html, "上好廉政教育一堂课"), "the new lecture counts");
    assert!(html.contains("已开展 1 次"));
    assert!(!held(&html, "汇编纪委工作实务一本书") && !held(&html, "开展一个廉政专项活动"));
    let other_year = party.get(&format!("/integrity/activities?year={}", year - 1)).await.text().await.unwrap();
    assert!(!held(&other_year, "上好廉政教育一堂课"), "only its own year");
    // Held by the party office: not in the card of a prison area's clerk.
    let clerk2 = app.login("clerk2").await;
    assert!(!held(&clerk2.get(&card).await.text().await.unwrap(), "上好廉政教育一堂课"));
    // The list filtered by the year shows it.
    let v = api.json(&format!("/api/v1/integrity_activities?year={year}")).await;
    assert_eq!(v["total"], 1);
}

async fn risk(api: &Api, unit: i64, post: &str, key: bool, next: &str) -> i64 {
    let body = json!({"unit_id": unit, "post": post, "key_post": key, "risk_point": format!("{post}的测试风险点"),
        "level": "high", "measures": "集体研究、全程留痕", "next_review_on": next});
    created(post_json(api, "/api/v1/integrity_risks", body).await).await
}

async fn review(api: &Api, id: i64, day: &str) -> reqwest::Response {
    post_json(
        api,
        &format!("/api/v1/integrity_risks/{id}/reviews"),
        json!({"reviewed_on": day, "note": "对照职责逐项复核"}),
    )
    .await
}

async fn todo_level(api: &Api, id: i64) -> Option<String> {
    let v = api.json("/api/v1/todos").await;
    let href = format!("/integrity/risks/{id}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["href"] == href.as_str())
        .map(|t| t["level"].as_str().unwrap().into())
}

#[tokio::test]
async fn a_risk_review_moves_the_next_review_and_clears_the_to_do() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let today = platform::clock::today(&app.clock);
    let jq1 = app.unit_id("SL-JQ01").await;
    let id = risk(&api, jq1, "测试岗位", true, &today.saturating_add(10.days()).to_string()).await;
    assert_eq!(todo_level(&api, id).await.as_deref(), Some("due_soon"));
    let due = api.json(&format!("/api/v1/integrity_risks?unit={jq1}&due=1&per_page=200")).await;
    assert!(due["items"].as_array().unwrap().iter().any(|r| r["id"] == id));

    // Not after today; a next date not after the review; not by a prison area's clerk.
    let tomorrow = today.saturating_add(1.day()).to_string();
    field_error(review(&api, id, &tomorrow).await, "reviewed_on").await;
    let early = json!({"reviewed_on": today.to_string(), "next_review_on": today.to_string()});
    field_error(post_json(&api, &format!("/api/v1/integrity_risks/{id}/reviews"), early).await, "next_review_on").await;
    let clerk1 = app.token("clerk1").await;
    assert_eq!(review(&clerk1, id, &today.to_string()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("SELECT count(*) FROM risk_reviews WHERE note = '对照职责逐项复核'").await, 0);

    let audited = |id: i64| {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_log WHERE event = 'update' AND object_type = 'integrity_risk' AND object_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&app.state.db.pool)
    };
    assert_eq!(audited(id).await.unwrap(), 0);
    assert_eq!(review(&api, id, &today.to_string()).await.status(), StatusCode::CREATED);
    let v = api.json(&format!("/api/v1/integrity_risks/{id}")).await;
    assert_eq!(v["risk"]["last_review_on"], today.to_string());
    assert_eq!(v["risk"]["next_review_on"], today.saturating_add(1.year()).to_string());
    assert_eq!(v["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(v["reviews"][0]["by_name"], "林晓岚");
    assert_eq!(audited(id).await.unwrap(), 1, "audited with the change");
    assert_eq!(todo_level(&api, id).await, None, "the to-do is gone");
    let due = api.json(&format!("/api/v1/integrity_risks?unit={jq1}&due=1&per_page=200")).await;
    assert!(due["items"].as_array().unwrap().iter().all(|r| r["id"] != id));

    // A risk whose review date has passed is overdue, in red on the register.
    let past = risk(&api, jq1, "测试岗位二", false, &today.saturating_sub(3.days()).to_string()).await;
    assert_eq!(todo_level(&api, past).await.as_deref(), Some("overdue"));
    let html =
        app.login("party").await.get(&format!("/integrity/risks?unit={jq1}&due=overdue")).await.text().await.unwrap();
    assert!(html.contains("测试岗位二的测试风险点") && html.contains("已逾期"));
    // The view page's form records a review too, with a date of choice for the next one.
    let party = app.login("party").await;
    let next = today.saturating_add(6.months()).to_string();
    let r = party
        .post(
            &format!("/integrity/risks/{past}/reviews"),
            &[("reviewed_on", &today.to_string()), ("next_review_on", &next)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = api.json(&format!("/api/v1/integrity_risks/{past}")).await;
    assert_eq!(v["risk"]["next_review_on"], next);
    assert_eq!(todo_level(&api, past).await, None);
    // A clerk (viewing only) has no such to-dos.
    let clerk1 = app.token("clerk1").await;
    assert!(
        clerk1.json("/api/v1/todos").await["items"].as_array().unwrap().iter().all(|t| t["source"] != "廉政风险点")
    );
}

/// (covered, total) as the register page shows it.
async fn coverage(b: &Browser, unit: i64, year: i16) -> ((i64, i64), String) {
    let html = b.get(&format!("/integrity/risks?unit={unit}&year={year}")).await.text().await.unwrap();
    let marker = "data-coverage>";
    let at = html.find(marker).unwrap() + marker.len();
    let text: String = html[at..].chars().take_while(|c| *c != '<').collect();
    let (c, t) = text.split_once('/').unwrap();
    ((c.trim().parse().unwrap(), t.trim().parse().unwrap()), html)
}

fn not_covered(html: &str, post: &str) -> bool {
    html.find("id=\"not-covered\"").is_some_and(|at| html[at..html[at..].find("</ul>").unwrap() + at].contains(post))
}

#[tokio::test]
async fn coverage_counts_a_key_post_only_when_all_its_risks_were_reviewed_this_year() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let party = app.login("party").await;
    let today = platform::clock::today(&app.clock);
    let (year, day) = (today.year(), today.to_string());
    let jq2 = app.unit_id("SL-JQ02").await;
    let ((c0, t0), _) = coverage(&party, jq2, year).await;

    let next = today.saturating_add(1.year()).to_string();
    let a = risk(&api, jq2, "测试重点岗位", true, &next).await;
    // A second risk at the same post, entered by a second clerk (the same session's identical
    // request at once would be a double submission: one record).
    let b = risk(&app.token("party").await, jq2, "测试重点岗位", true, &next).await;
    let plain = risk(&api, jq2, "测试一般岗位", false, &next).await;
    let (counts, html) = coverage(&party, jq2, year).await;
    assert_eq!(counts, (c0, t0 + 1), "one more key post, not yet reviewed; the ordinary post does not count");
    assert!(not_covered(&html, "测试重点岗位") && !not_covered(&html, "测试一般岗位"));

    assert_eq!(review(&api, a, &day).await.status(), StatusCode::CREATED);
    assert_eq!(review(&api, plain, &day).await.status(), StatusCode::CREATED);
    let (counts, html) = coverage(&party, jq2, year).await;
    assert_eq!(counts, (c0, t0 + 1), "one of its two risks is not enough");
    assert!(not_covered(&html, "测试重点岗位") && html.contains("已复核 1/2"));

    assert_eq!(review(&api, b, &day).await.status(), StatusCode::CREATED);
    let (counts, html) = coverage(&party, jq2, year).await;
    assert_eq!(counts, (c0 + 1, t0 + 1));
    assert!(!not_covered(&html, "测试重点岗位"));

    // A third risk of the post, reviewed only last year, takes the post out of this year's count
    // (and counts it in last year's only if all were reviewed then).
    let c = risk(&api, jq2, "测试重点岗位", false, &next).await;
    let last_year = today.saturating_sub(1.year()).to_string();
    assert_eq!(review(&api, c, &last_year).await.status(), StatusCode::CREATED);
    let (counts, html) = coverage(&party, jq2, year).await;
    assert_eq!(counts, (c0, t0 + 1));
    assert!(not_covered(&html, "测试重点岗位") && html.contains("已复核 2/3"));
    let v = api.json(&format!("/api/v1/integrity_risks/{c}")).await;
    assert_eq!(v["risk"]["last_review_on"], last_year);
}

#[tokio::test]
async fn a_compilation_holds_warning_cases_in_order_and_every_page_renders() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let party = app.login("party").await;
    let today = platform::clock::today(&app.clock).to_string();
    let body = json!({"title": "身边案例汇编（测试）", "compiled_on": today, "description": "供支部学习"});
    let id = created(post_json(&api, "/api/v1/case_compilations", body).await).await;
    let cases: Vec<i64> = sqlx::query_scalar("SELECT id FROM study_materials WHERE kind = 'warning_case' ORDER BY id")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(cases.len() >= 2, "the demo's warning cases");
    let cases_path = format!("/api/v1/case_compilations/{id}/cases");
    let add = |m: i64| post_json(&api, &cases_path, json!({"material_id": m}));
    assert_eq!(add(cases[1]).await.status(), StatusCode::CREATED);
    assert_eq!(add(cases[0]).await.status(), StatusCode::CREATED);
    // Added again from another session (the same session's repeat is a double submission).
    let other = app.token("party").await;
    field_error(post_json(&other, &cases_path, json!({"material_id": cases[0]})).await, "material_id").await;
    let speech: i64 = app.scalar("SELECT min(id) FROM study_materials WHERE kind <> 'warning_case'").await;
    let msg = field_error(add(speech).await, "material_id").await;
    assert!(msg.contains("不是警示案例"), "{msg}");
    let v = api.json(&format!("/api/v1/case_compilations/{id}")).await;
    let order: Vec<(i64, i64)> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["position"].as_i64().unwrap(), c["material_id"].as_i64().unwrap()))
        .collect();
    assert_eq!(order, vec![(1, cases[1]), (2, cases[0])], "appended at the end");
    assert_eq!(v["compilation"]["cases"], 2);
    let html = party.get(&format!("/integrity/compilations/{id}")).await.text().await.unwrap();
    assert!(html.contains(&format!("/study/materials/{}", cases[0])));
    // Taking the first out moves the second up.
    let r = party.post(&format!("/integrity/compilations/{id}/cases/{}/delete", cases[1]), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = api.json(&format!("/api/v1/case_compilations/{id}")).await;
    assert_eq!((v["cases"][0]["position"].as_i64(), v["cases"][0]["material_id"].as_i64()), (Some(1), Some(cases[0])));
    let demo = api.json("/api/v1/case_compilations?q=以案为鉴").await;
    assert_eq!(demo["total"], 1, "the demo's compilation");
    // A prison area's clerk sees neither (it belongs to the party office).
    let clerk2 = app.token("clerk2").await;
    assert_eq!(clerk2.get(&format!("/api/v1/case_compilations/{id}")).await.status(), StatusCode::NOT_FOUND);

    // Every page of the three ledgers renders.
    let activity = api.json("/api/v1/integrity_activities?per_page=1").await["items"][0]["id"].as_i64().unwrap();
    let risk = api.json("/api/v1/integrity_risks?per_page=1").await["items"][0]["id"].as_i64().unwrap();
    for page in [
        "/integrity/activities".to_string(),
        "/integrity/activities/new?kind=warning_film".into(),
        format!("/integrity/activities/{activity}"),
        format!("/integrity/activities/{activity}/edit"),
        "/integrity/compilations".into(),
        "/integrity/compilations/new".into(),
        "/integrity/risks?due=1&key_post=1&level=high&q=岗".into(),
        "/integrity/risks/new".into(),
        format!("/integrity/risks/{risk}"),
        format!("/integrity/risks/{risk}/edit"),
    ] {
        assert_eq!(party.get(&page).await.status(), StatusCode::OK, "{page}");
    }
    for (path, header) in
        [("/integrity/activities/export?kind=warning_film", "警示教育片"), ("/integrity/risks/export", "风险点")]
    {
        let r = party.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let rows = read_xlsx(&r.bytes().await.unwrap());
        assert!(rows.iter().any(|row| row.iter().any(|c| c == header)), "{path}");
        assert!(rows.len() > 2, "{path} has rows");
    }
    // The risk form lists the chosen department's people after 选择.
    let jq1 = app.unit_id("SL-JQ01").await.to_string();
    let r = party.post("/integrity/risks", &[("unit_id", &jq1), ("choose", "1")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("（未指定）"));

    let r = party.post(&format!("/integrity/compilations/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM compilation_cases WHERE compilation_id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
