//! 组织与队伍 through the real server: roster import, ID numbers sealed and scoped, terms and
//! their reminders, personnel changes and the figures, on a fixture whose answers are known.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A valid 18-character number in the unassigned region 99 (no real person has it).
pub fn id_number(birth: &str, seq: u32) -> String {
    let body = format!("990101{}{:03}", birth.replace('-', ""), seq);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

const ROSTER: &[&str] = &[
    "姓名",
    "类别",
    "性别",
    "出生日期",
    "身份证号",
    "警号",
    "单位编码",
    "岗位",
    "警员职务等级",
    "领导职务",
    "政治面貌",
    "入党日期",
    "所在支部编码",
    "手机号",
];

#[tokio::test]
async fn roster_import_checks_every_row_and_imports_all_or_nothing() {
    let app = spawn_app().await;
    let party = app.login("party").await;
    let before = app.scalar("SELECT count(*) FROM people").await;
    let good1 = id_number("1985-06-01", 11); // odd sequence: male
    let good2 = id_number("1990-02-03", 22); // even: female
    let mut bad_check = id_number("1988-01-01", 31);
    bad_check.replace_range(17..18, if bad_check.ends_with('0') { "1" } else { "0" });
    let rows = vec![
        vec![
            "赵测试",
            "民警",
            "男",
            "1985-06-01",
            good1.as_str(),
            "3399001",
            "SL-JQ01",
            "管教民警",
            "三级警长",
            "",
            "正式党员",
            "2010-07-01",
            "SL-JQ01-ZB",
            "13800000001",
        ],
        vec!["钱测试", "职工", "女", "1990-02-03", good2.as_str(), "", "SL-NOPE", "内勤", "", "", "群众", "", "", ""],
        vec![
            "孙测试",
            "民警",
            "男",
            "1988-01-01",
            bad_check.as_str(),
            "3399002",
            "SL-JQ02",
            "",
            "",
            "",
            "群众",
            "",
            "",
            "",
        ],
        vec!["李测试", "民警", "男", "1988-02-30", "", "3399003", "SL-JQ02", "", "", "", "群众", "", "", ""],
        vec!["周测试", "民警", "男", "1985-06-01", "", "3399001", "SL-JQ02", "", "", "", "群众", "", "", ""],
    ];
    let r = party.upload("/org/people/import", "花名册.xlsx", xlsx(ROSTER, &rows)).await;
    let page = r.text().await.unwrap();
    for needle in ["单位编码“SL-NOPE”不存在", "身份证号校验位不正确", "出生日期不是有效日期", "警号已存在"]
    {
        assert!(page.contains(needle), "missing {needle}");
    }
    assert_eq!(app.scalar("SELECT count(*) FROM people").await, before, "nothing imported");

    // 1,500 good rows: checked, then imported in one transaction.
    let ids: Vec<String> =
        (0..1500).map(|i| id_number(if i < 750 { "1980-01-01" } else { "1981-01-01" }, i % 750)).collect();
    let polices: Vec<String> = (0..1500).map(|i| format!("44{i:05}")).collect();
    let names: Vec<String> = (0..1500).map(|i| format!("导入{i}")).collect();
    let rows: Vec<Vec<&str>> = (0..1500)
        .map(|i| {
            vec![
                names[i].as_str(),
                "民警",
                if (i % 750) % 2 == 1 { "男" } else { "女" },
                if i < 750 { "1980-01-01" } else { "1981-01-01" },
                ids[i].as_str(),
                polices[i].as_str(),
                "SL-JQ03",
                "管教民警",
                "二级警长",
                "",
                "群众",
                "",
                "",
                "",
            ]
        })
        .collect();
    let started = std::time::Instant::now();
    let r = party.upload("/org/people/import", "花名册.xlsx", xlsx(ROSTER, &rows)).await;
    let page = r.text().await.unwrap();
    assert!(page.contains("共 1500 行，全部校验通过"), "{}", page.split("alert").nth(1).unwrap_or(""));
    let token: String =
        page.split("name=\"token\" value=\"").nth(1).unwrap().chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    let done = party.post("/org/people/import/confirm", &[("token", token.as_str())]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    eprintln!("roster of 1,500: checked and imported in {:?}", started.elapsed());
    assert_eq!(app.scalar("SELECT count(*) FROM people").await, before + 1500);
    // The same file again: every row is now a duplicate, and nothing more is imported.
    let r = party.upload("/org/people/import", "花名册.xlsx", xlsx(ROSTER, &rows[..3])).await;
    assert!(r.text().await.unwrap().contains("身份证号已在花名册中"));
}

#[tokio::test]
async fn id_numbers_are_sealed_masked_and_revealed_only_with_the_permission() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let unit = app.unit_id("SL-JQ01").await;
    let n = id_number("1986-09-09", 15);
    let r = party
        .req(Method::POST, "/api/v1/people")
        .json(&json!({"kind": "officer", "name": "周密", "gender": "male", "birth_date": "1986-09-09", "id_number": n, "police_number": "3398888", "unit_id": unit, "party_status": "masses"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["id_number_masked"], format!("{}**********{}", &n[..4], &n[14..]));
    assert!(!v.to_string().contains(&n), "the API never sends the full number unasked");
    // At rest: neither the number nor its digits in order are in the database row.
    let (sealed, index): (String, String) =
        sqlx::query_as("SELECT id_number_sealed, id_number_index FROM people WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(sealed.starts_with("v1:") && !sealed.contains(&n) && !index.contains(&n));
    // A second person with the same number (lower-case x or not) is refused.
    let r = party.req(Method::POST, "/api/v1/people").json(&json!({"kind": "worker", "name": "重号", "gender": "male", "birth_date": "1986-09-09", "id_number": n.to_lowercase(), "unit_id": unit})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Birth date and gender must agree with the number.
    let r = party.req(Method::POST, "/api/v1/people").json(&json!({"kind": "worker", "name": "不符", "gender": "female", "birth_date": "1986-09-10", "id_number": id_number("1986-09-09", 17), "unit_id": unit})).send().await.unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["error"]["fields"]["id_number"].as_str().unwrap().contains("不一致"));

    let audits = app.audit_count("view_sensitive").await;
    let full = party.json(&format!("/api/v1/people/{id}/id_number")).await;
    assert_eq!(full["id_number"], n);
    assert_eq!(app.audit_count("view_sensitive").await, audits + 1, "every full view is audited");
    let clerk = app.token("clerk1").await;
    assert_eq!(clerk.get(&format!("/api/v1/people/{id}")).await.status(), StatusCode::OK);
    assert_eq!(clerk.get(&format!("/api/v1/people/{id}/id_number")).await.status(), StatusCode::FORBIDDEN);
    let clerk2 = app.token("clerk2").await;
    assert_eq!(
        clerk2.get(&format!("/api/v1/people/{id}")).await.status(),
        StatusCode::NOT_FOUND,
        "another department's person"
    );
    let page = clerk2.json("/api/v1/people?per_page=200").await;
    let other_units: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["unit_name"].as_str().unwrap())
        .filter(|u| *u != "二监区")
        .collect();
    assert!(other_units.is_empty(), "clerk2 sees only 二监区: {other_units:?}");
    // Scope "self": the officer sees their own record only.
    let officer = app.token("officer").await;
    let mine = officer.json("/api/v1/people").await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["name"], "陈浩然");
}

#[tokio::test]
async fn terms_ending_are_reminded_and_elections_replace_officers() {
    let app = spawn_app().await;
    let party = app.login("party").await;
    let home = party.get("/").await.text().await.unwrap();
    assert!(home.contains("换届") && home.contains("届满"), "term reminders on the home page");
    let api = app.token("party").await;
    let todos = api.json("/api/v1/todos").await;
    let levels: Vec<&str> = todos["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source"] == "换届选举")
        .map(|t| t["level"].as_str().unwrap())
        .collect();
    assert!(levels.contains(&"overdue") && levels.contains(&"due_soon"), "{levels:?}");
    let ctx = platform::Ctx::internal(app.state.clone(), "test", &[]);
    let due = org::figures::orgs_due_for_election(&ctx, platform::clock::today(&app.clock)).await.unwrap();
    assert_eq!(due.value as usize, levels.len());
    assert_eq!(due.value as usize, due.records.len());

    // A term election ends the old officers' terms and records the new ones.
    let (org, name): (i64, String) =
        sqlx::query_as("SELECT o.id, o.name FROM party_orgs o WHERE o.code = 'SL-JQ02-ZB'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let members: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM people WHERE branch_id = $1 AND party_status = 'full' ORDER BY id LIMIT 3")
            .bind(org)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let today = platform::clock::today(&app.clock).to_string();
    let officers = vec![format!("secretary:{}", members[0].0), format!("member:{}", members[1].0)];
    let r = api
        .req(Method::POST, "/api/v1/elections")
        .json(&json!({"org_id": org, "kind": "term", "held_on": today, "officers": officers}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let current: i64 = sqlx::query_scalar("SELECT count(*) FROM org_officers WHERE org_id = $1 AND ended_on IS NULL")
        .bind(org)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(current, 2);
    let page = party.get(&format!("/org/orgs/{org}")).await.text().await.unwrap();
    assert!(page.contains(&name) && page.contains("在任") && page.contains("离任"));
    // A by-election keeps the term's end date; a non-member cannot be elected.
    let masses: i64 = sqlx::query_scalar("SELECT min(id) FROM people WHERE party_status = 'masses'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = api
        .req(Method::POST, "/api/v1/elections")
        .json(
            &json!({"org_id": org, "kind": "by_election", "held_on": today, "officers": [format!("member:{masses}")]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api.req(Method::POST, "/api/v1/elections").json(&json!({"org_id": org, "kind": "by_election", "held_on": today, "officers": [format!("member:{}", members[2].0)]})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let ends: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT term_end FROM org_officers WHERE org_id = $1 AND ended_on IS NULL")
            .bind(org)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(ends.len(), 1, "the by-election ends with the term");
}

#[tokio::test]
async fn congresses_hold_elections_and_people_link_to_accounts() {
    let app = spawn_app().await;
    let api = app.token("party").await;
    let list = api.json("/api/v1/congresses").await;
    assert_eq!(list["total"], 1, "the demo's 4th congress");
    assert_eq!(list["items"][0]["elections"], 2, "it elected the committee and the discipline committee");
    let branch: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-JQ01-ZB'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = api
        .req(Method::POST, "/api/v1/congresses")
        .json(&json!({"org_id": branch, "session_no": 1, "name": "支部代表大会", "held_on": "2023-01-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "only a committee holds a congress");
    let committee: i64 = sqlx::query_scalar("SELECT id FROM party_orgs WHERE code = 'SL-DW'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = api.req(Method::POST, "/api/v1/congresses").json(&json!({"org_id": committee, "session_no": 5, "name": "第五次党代会", "held_on": "2027-04-20", "delegates": 110})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(api.json("/api/v1/congresses").await["total"], 2);

    // A branch may cover several units; another prison's unit is refused.
    let (a, b, far) = (app.unit_id("SL-JQ01").await, app.unit_id("SL-JQ02").await, app.unit_id("SL2").await);
    let r = api
        .req(Method::PUT, &format!("/api/v1/party_orgs/{branch}/units"))
        .json(&json!({"unit_ids": [a, far]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .req(Method::PUT, &format!("/api/v1/party_orgs/{branch}/units"))
        .json(&json!({"unit_ids": [a, b]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 2);

    // A person is linked to one account at most, and only to an account in scope.
    let officer_user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'officer'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let other: i64 = sqlx::query_scalar("SELECT min(id) FROM people WHERE user_id IS NULL")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let p = api.json(&format!("/api/v1/people/{other}")).await;
    let mut body = p.clone();
    body["user_id"] = json!(officer_user);
    body["id_number"] = json!("");
    let r = api.req(Method::PUT, &format!("/api/v1/people/{other}")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["user_id"], "该账号已关联其他人员", "{v}");
}

/// The home card 党员数 counts the serving 正式 and 预备 members in scope, and its link lists
/// exactly those (the list's `party_status=member`), on the page and through the API.
#[tokio::test]
async fn the_member_card_and_the_list_it_links_to_agree() {
    let app = spawn_app().await;
    let party = app.login("party").await;
    let home = party.get("/").await.text().await.unwrap();
    let marker = "党员数</span><span class=\"stat-value\">";
    let at = home.find(marker).expect("the card is on the home page") + marker.len();
    let n: i64 = home[at..].split('<').next().unwrap().parse().unwrap();
    let open = home[..at].rfind("href=\"").unwrap() + "href=\"".len();
    let href = home[open..].split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&");
    assert_eq!(href, "/org/people?party_status=member&employment_status=active", "the card's link");

    let api = app.token("party").await;
    let total = |q: &'static str| {
        let api = &api;
        async move { api.json(&format!("/api/v1/people?{q}&per_page=1")).await["total"].as_i64().unwrap() }
    };
    assert_eq!(total("party_status=member&employment_status=active").await, n);
    let full = total("party_status=full&employment_status=active").await;
    let probationary = total("party_status=probationary&employment_status=active").await;
    assert!(full > 0 && probationary > 0, "the demo has both: {full}, {probationary}");
    assert_eq!(full + probationary, n, "正式 and 预备 together");

    let page = party.get("/org/people?party_status=member&employment_status=active").await.text().await.unwrap();
    assert!(page.contains(&format!("共 {n} 条")), "the linked page lists the card's number");
    assert!(page.contains("<option value=\"member\" selected>党员（正式和预备）</option>"));
}

/// The full-text search finds people by name and police number, within the searcher's scope; an
/// edit is found by the new name at once and no longer by the old one.
#[tokio::test]
async fn people_are_found_by_the_search_within_the_scope() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let unit = app.unit_id("SL-JQ01").await;
    let r = party
        .req(Method::POST, "/api/v1/people")
        .json(&json!({"kind": "officer", "name": "欧阳明轩", "gender": "male", "birth_date": "1986-09-09", "id_number": id_number("1986-09-09", 19), "police_number": "3397001", "unit_id": unit, "post": "教育改造干事", "party_status": "masses"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let people = |v: serde_json::Value| -> Vec<(i64, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["kind"] == "person")
            .map(|h| (h["record_id"].as_i64().unwrap(), h["href"].as_str().unwrap().to_string()))
            .collect()
    };
    let search = |q: &str| format!("/api/v1/search?q={}", platform::web::url_encode(q));
    let found = vec![(id, format!("/org/people/{id}"))];
    assert_eq!(people(party.json(&search("欧阳明轩")).await), found);
    assert_eq!(people(party.json(&search("3397001")).await), found);
    // The department's clerk finds the person; another department's clerk does not.
    assert_eq!(people(app.token("clerk1").await.json(&search("欧阳明轩")).await), found);
    assert!(people(app.token("clerk2").await.json(&search("欧阳明轩")).await).is_empty());
    // Renamed: found by the new name only.
    let mut body = party.json(&format!("/api/v1/people/{id}")).await;
    body["name"] = json!("司马远航");
    body["id_number"] = json!("");
    let r = party.req(Method::PUT, &format!("/api/v1/people/{id}")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(people(party.json(&search("司马远航")).await), found);
    assert!(people(party.json(&search("欧阳明轩")).await).is_empty());
    // The demo's own people are found too (the roster and the leadership).
    let leader: String =
        sqlx::query_scalar("SELECT p.name FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'leader'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(people(party.json(&search(&leader)).await).len(), 1, "{leader}");
}
