//! Login, lockout, session timeouts, CSRF, headers, forced password change, API tokens.

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn login_logout_and_the_one_failure_message() {
    let app = spawn_app().await;
    let (_, wrong) = app.try_login("leader", "Wrong#Pass123").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body = wrong.text().await.unwrap();
    assert!(body.contains("用户名或密码错误"), "{body}");
    let (_, nobody) = app.try_login("nobody", "Wrong#Pass123").await;
    let nobody_body = nobody.text().await.unwrap();
    assert!(nobody_body.contains("用户名或密码错误"));
    assert_eq!(app.audit_count("login_failed").await, 2);

    let b = app.login("leader").await;
    assert_eq!(app.audit_count("login").await, 1);
    let home = b.get("/").await.text().await.unwrap();
    assert!(home.contains("工作台") && home.contains("演示数据，均为虚构"));
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = b.get("/").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(after.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(app.audit_count("logout").await, 1);
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let (_, r) = app.try_login("party", "Wrong#Pass123").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.audit_count("lockout").await, 1);
    let (_, right) = app.try_login("party", PW).await;
    assert_eq!(right.status(), StatusCode::UNAUTHORIZED, "the right password is refused while locked");
    app.clock.advance_minutes(14);
    let (_, still) = app.try_login("party", PW).await;
    assert_eq!(still.status(), StatusCode::UNAUTHORIZED);
    app.clock.advance_minutes(2);
    let (_, ok) = app.try_login("party", PW).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn idle_and_absolute_session_timeouts() {
    let app = spawn_app().await;
    let user = app.login("leader").await;
    let admin = app.login("sysadmin").await;
    app.clock.advance_minutes(16);
    // Administrators time out after 15 idle minutes, others after 30.
    assert_eq!(admin.get("/system/units").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(user.get("/").await.status(), StatusCode::OK);
    app.clock.advance_minutes(29);
    assert_eq!(user.get("/").await.status(), StatusCode::OK, "activity keeps the session alive");
    app.clock.advance_minutes(31);
    assert_eq!(user.get("/").await.status(), StatusCode::SEE_OTHER, "31 idle minutes end it");

    // Absolute limit: 12 hours however active.
    let busy = app.login("party").await;
    for i in 0..24 {
        app.clock.advance_minutes(29);
        assert_eq!(busy.get("/").await.status(), StatusCode::OK, "still active after {} minutes", (i + 1) * 29);
    }
    app.clock.advance_minutes(29);
    assert_eq!(busy.get("/").await.status(), StatusCode::SEE_OTHER, "no session outlives 12 hours");
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let b = app.login("sysadmin").await;
    let parent = app.unit_id("SL").await.to_string();
    let before = app.scalar("SELECT count(*) FROM units").await;
    let form = [("parent_id", parent.as_str()), ("code", "X1"), ("name", "新科室"), ("kind", "department")];
    let no_token = b.c.post(app.url("/system/units")).form(&form).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert!(no_token.text().await.unwrap().contains("CSRF"));
    let mut bad = vec![("_csrf", "0000")];
    bad.extend_from_slice(&form);
    assert_eq!(b.c.post(app.url("/system/units")).form(&bad).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let cross =
        b.c.post(app.url("/system/units")).header("origin", "http://evil.example").form(&bad).send().await.unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    // The login form is protected too (double-submit cookie).
    let c = client();
    let r = c.post(app.url("/login")).form(&[("username", "leader"), ("password", PW)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before);
    let ok = b.post("/system/units", &form).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before + 1);
}

#[tokio::test]
async fn security_headers_and_cookie_flags() {
    let app = spawn_app().await;
    let r = client().get(app.url("/login")).send().await.unwrap();
    let h = r.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(!h["content-security-policy"].to_str().unwrap().contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.contains_key("referrer-policy"));
    let (_, resp) = app.try_login("leader", PW).await;
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("gj_sid="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let sid = cookie.trim_start_matches("gj_sid=").split(';').next().unwrap();
    assert_eq!(sid.len(), 64, "256-bit session id");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE id_hash = $1")
        .bind(sid)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "the database keeps only a digest of the session id");
    assert_eq!(client().get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn login_returns_only_to_pages_of_this_site() {
    let app = spawn_app().await;
    let c = client();
    let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let t = csrf_in(&page);
    for (next, to) in [
        ("/system/units?x=1", "/system/units?x=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil", "/"),
    ] {
        let c = client();
        let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        let t2 = csrf_in(&page);
        let r = c
            .post(app.url("/login"))
            .form(&[("_csrf", t2.as_str()), ("username", "leader"), ("password", PW), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], to, "{next}");
    }
    assert_eq!(t.len(), 64);
    // An anonymous visitor is sent to the login page, which remembers where they were going.
    let r = client().get(app.url("/system/units?kind=prison")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login?next=%2Fsystem%2Funits%3Fkind%3Dprison");
}

#[tokio::test]
async fn a_new_session_id_at_every_login() {
    let app = spawn_app().await;
    let (b, first) = app.try_login("leader", PW).await;
    let sid = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("gj_sid="))
            .unwrap()
    };
    let s1 = sid(&first);
    let page = b.get("/login").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "a logged-in user is sent home");
    let (_, second) = app.try_login("leader", PW).await;
    assert_ne!(s1, sid(&second));
}

#[tokio::test]
async fn one_time_password_must_be_changed_first() {
    let app = spawn_app().await;
    let admin = app.login("sysadmin").await;
    let unit = app.unit_id("SL-JQ03").await.to_string();
    let r = admin
        .post(
            "/system/users",
            &[("username", "zhangsan"), ("display_name", "张三"), ("unit_id", unit.as_str()), ("phone", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let marker = "<code class=\"secret\">";
    let start = page.find(marker).unwrap() + marker.len();
    let otp: String = page[start..].chars().take_while(|c| *c != '<').collect();
    let (mut b, resp) = app.try_login("zhangsan", &otp).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let home = b.get("/").await;
    assert_eq!(home.headers()["location"], "/password", "every page sends the user to change the password");
    b.csrf = csrf_in(&b.get("/password").await.text().await.unwrap());
    let weak = b.post("/password", &[("old", otp.as_str()), ("new", "password1"), ("confirm", "password1")]).await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().await.unwrap().contains("至少三类"));
    let ok =
        b.post("/password", &[("old", otp.as_str()), ("new", "Qing-Feng2022"), ("confirm", "Qing-Feng2022")]).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn api_tokens_log_in_and_out_and_cookies_are_not_accepted() {
    let app = spawn_app().await;
    let api = app.token("leader").await;
    let me = api.json("/api/v1/me").await;
    assert_eq!(me["username"], "leader");
    let todos = api.json("/api/v1/todos").await;
    assert!(todos["items"].is_array());
    // A browser session cookie is no key to the API.
    let b = app.login("leader").await;
    assert_eq!(b.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let err: serde_json::Value = client().get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(err["error"]["code"], "unauthenticated");
    let weak = api
        .req(reqwest::Method::POST, "/api/v1/auth/password")
        .json(&serde_json::json!({"old": PW, "new": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = weak.json().await.unwrap();
    assert!(v["error"]["fields"]["new"].as_str().unwrap().contains("至少 8 位"));
    let out = api.req(reqwest::Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(api.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_security_administrator_sets_the_policy_and_it_applies() {
    let app = spawn_app().await;
    let sec = app.login("secadmin").await;
    let page = sec.get("/system/security").await.text().await.unwrap();
    assert!(page.contains("连续失败锁定次数"));
    let form = [
        ("idle_minutes", "30"),
        ("admin_idle_minutes", "15"),
        ("absolute_hours", "12"),
        ("lockout_threshold", "3"),
        ("lockout_minutes", "15"),
        ("password_expiry_days", "90"),
        ("watermark", "1"),
        ("second_factor", "0"),
    ];
    let bad: Vec<(&str, &str)> =
        form.iter().map(|(k, v)| if *k == "lockout_threshold" { (*k, "1") } else { (*k, *v) }).collect();
    let r = sec.post("/system/security", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("须在 3 到 10 之间"));
    assert_eq!(app.state.policy().lockout_threshold, 5, "a bad form changes nothing");
    assert_eq!(sec.post("/system/security", &form).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("setting_change").await, 1);

    // Three failures now lock; every page carries the viewer's name as a watermark.
    for _ in 0..3 {
        app.try_login("officer", "Wrong#Pass123").await;
    }
    let (_, r) = app.try_login("officer", PW).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let leader = app.login("leader").await;
    let home = leader.get("/").await.text().await.unwrap();
    assert!(home.contains("class=\"watermark\"") && home.contains("周明远"));
    // Nobody else may change it.
    assert_eq!(app.login("sysadmin").await.post("/system/security", &form).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions() {
    let app = spawn_app().await;
    let officer = app.login("officer").await;
    let api = app.token("officer").await;
    assert_eq!(officer.get("/").await.status(), StatusCode::OK);
    let admin = app.token("sysadmin").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'officer'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = admin.req(reqwest::Method::DELETE, &format!("/api/v1/users/{id}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(officer.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(api.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let (_, r) = app.try_login("officer", PW).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("disable").await, 1);
}

#[tokio::test]
async fn to_dos_come_from_every_registered_source() {
    let app = spawn_app().await;
    // A locked account is a to-do for the account managers.
    for _ in 0..5 {
        app.try_login("officer", "Wrong#Pass123").await;
    }
    let admin = app.login("sysadmin").await;
    let home = admin.get("/").await.text().await.unwrap();
    assert!(home.contains("陈浩然（officer）已被锁定"), "the locked account is on the home page");
    let api = app.token("sysadmin").await;
    let todos = api.json("/api/v1/todos").await;
    assert_eq!(todos["total"], 1);
    assert_eq!(todos["items"][0]["href"], "/system/users?keyword=officer");
    // A password about to expire is the user's own to-do (demo accounts never expire).
    let unit = app.unit_id("SL-JQ01").await;
    let r = api
        .req(reqwest::Method::POST, "/api/v1/users")
        .json(&serde_json::json!({"username": "zhaoliu", "display_name": "赵六", "unit_id": unit}))
        .send()
        .await
        .unwrap();
    let otp = r.json::<serde_json::Value>().await.unwrap()["one_time_password"].as_str().unwrap().to_string();
    let (mut b, _) = app.try_login("zhaoliu", &otp).await;
    b.csrf = csrf_in(&b.get("/password").await.text().await.unwrap());
    let r = b.post("/password", &[("old", otp.as_str()), ("new", "Zhao-Liu#2022"), ("confirm", "Zhao-Liu#2022")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!b.get("/").await.text().await.unwrap().contains("修改登录密码"));
    app.clock.advance_minutes(85 * 24 * 60);
    let (b, _) = app.try_login("zhaoliu", "Zhao-Liu#2022").await;
    let home = b.get("/").await.text().await.unwrap();
    assert!(home.contains("修改登录密码") && home.contains("天后过期"), "the expiry warning is a to-do");
    app.clock.advance_minutes(6 * 24 * 60);
    let (b, _) = app.try_login("zhaoliu", "Zhao-Liu#2022").await;
    assert_eq!(b.get("/").await.headers()["location"], "/password", "after 90 days the password must be changed");
}

/// A logged-in user is kept between requests (one query instead of six), but never past a change:
/// a role taken away applies to the very next request of the same session, and so does a change
/// another process makes in the database.
#[tokio::test]
async fn a_role_change_applies_to_the_next_request_of_an_open_session() {
    let app = spawn_app().await;
    let party = app.token("party").await;
    let party_id = app.scalar("SELECT id FROM users WHERE username = 'party'").await;
    let me = party.json("/api/v1/me").await;
    let roles: Vec<String> = me["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
    assert!(!roles.is_empty());
    let generation = || app.scalar("SELECT n FROM auth_generation WHERE id = 1");
    let g0 = generation().await;
    assert_eq!(party.get("/api/v1/measures?per_page=1").await.status(), StatusCode::OK);
    assert_eq!(party.get("/api/v1/measures?per_page=1").await.status(), StatusCode::OK, "kept");
    assert_eq!(generation().await, g0, "reading moves nothing");

    // The security administrator takes every role away: the open session has none at once.
    let sec = app.token("secadmin").await;
    let r = sec
        .req(reqwest::Method::PUT, &format!("/api/v1/users/{party_id}/roles"))
        .json(&serde_json::json!({"roles": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(party.get("/api/v1/measures?per_page=1").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(party.json("/api/v1/me").await["permissions"].as_array().unwrap().len(), 0);

    // Another process (here: SQL on the same database) gives one back: seen at the next request.
    let role_id: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE code = $1")
        .bind(&roles[0])
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)")
        .bind(party_id)
        .bind(role_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert!(generation().await > g0, "the change moved the generation");
    assert_eq!(party.json("/api/v1/me").await["roles"][0], roles[0].as_str());
    // And a unit renamed elsewhere shows under its new name.
    sqlx::query("UPDATE units SET name = '党委办公室（改名）' WHERE id = (SELECT unit_id FROM users WHERE id = $1)")
        .bind(party_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(party.json("/api/v1/me").await["unit_name"], "党委办公室（改名）");
}
