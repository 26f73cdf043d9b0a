//! 动态口令 (SECURITY.md: a second factor the security administrator turns on): a user binds a
//! token, logs in with password and current code, a code is never accepted twice, the policy
//! makes every account bind one first, and an account administrator resets a lost one.

use crate::common::*;
use platform::auth::login::{FAILED_MESSAGE, FAILED_MESSAGE_WITH_CODE};
use platform::auth::totp;
use reqwest::StatusCode;

/// The current code of a secret by the server's clock, `ahead` steps on.
fn code(app: &TestApp, secret: &str, ahead: i64) -> String {
    let key = totp::decode(secret).unwrap();
    totp::code_at(&key, totp::step_of(app.clock.now_ms()) + ahead)
}

/// A six-digit string that is none of the codes the server would accept now.
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let near: Vec<String> = (-1..=1).map(|d| code(app, secret, d)).collect();
    (0..10).map(|n| format!("{n:06}")).find(|c| !near.contains(c)).unwrap()
}

async fn login_with_code(app: &TestApp, username: &str, otp: &str) -> reqwest::Response {
    let c = client();
    let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let form = [("_csrf", csrf_in(&page)), ("username", username.into()), ("password", PW.into()), ("otp", otp.into())];
    c.post(app.url("/login")).form(&form).send().await.unwrap()
}

/// Binds a token on the page; returns the secret and the time step of the code that bound it.
async fn bind(app: &TestApp, b: &Browser) -> (String, i64) {
    let page = b.get("/second-factor").await.text().await.unwrap();
    let secret: String = page.split("name=\"secret\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(totp::decode(&secret).map(|k| k.len()), Some(20), "{page}");
    assert!(page.contains("otpauth://totp/") && page.contains("algorithm=SM3"));
    // A wrong code binds nothing.
    let r = b.post("/second-factor", &[("secret", secret.as_str()), ("code", &wrong_code(app, &secret))]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("动态口令不正确"));
    let step = totp::step_of(app.clock.now_ms());
    let code = totp::code_at(&totp::decode(&secret).unwrap(), step);
    let r = b.post("/second-factor", &[("secret", secret.as_str()), ("code", &code)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (secret, step)
}

/// A first login under the policy: the password opens a session that can only bind a token.
async fn first_login_binds(app: &TestApp, username: &str) -> (Browser, String) {
    let (b, r) = app.try_login(username, PW).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = b.get("/second-factor").await.text().await.unwrap();
    assert!(page.contains("安全策略要求登录使用动态口令"), "{page}");
    let b = Browser { csrf: csrf_in(&page), ..b };
    let (secret, _) = bind(app, &b).await;
    (b, secret)
}

#[tokio::test]
async fn the_second_factor_is_bound_required_and_reset() {
    let app = spawn_app().await;
    let bound = || app.scalar("SELECT count(*) FROM users WHERE totp_secret <> ''");

    // An officer binds a token of their own accord; the secret is stored sealed.
    let officer = app.login("officer").await;
    let (secret, bound_step) = bind(&app, &officer).await;
    let key = totp::decode(&secret).unwrap();
    assert_eq!(bound().await, 1);
    assert_eq!(app.audit_count("second_factor_bind").await, 1);
    let stored: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = 'officer'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains(&secret.replace(' ', "")));
    // Binding again is refused: a lost token is reset by an administrator.
    let r = officer.post("/second-factor", &[("secret", secret.as_str()), ("code", &code(&app, &secret, 1))]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // From now on the password alone does not log in, nor does a wrong code; both count as failures.
    let failures = app.audit_count("login_failed").await;
    let (_, r) = app.try_login("officer", PW).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains(FAILED_MESSAGE));
    let r = login_with_code(&app, "officer", &wrong_code(&app, &secret)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("login_failed").await, failures + 2);
    // The code used to bind is spent; the next step's code logs in, once.
    let r = login_with_code(&app, "officer", &totp::code_at(&key, bound_step)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the binding code is not accepted again");
    let next = totp::code_at(&key, bound_step + 1);
    assert_eq!(login_with_code(&app, "officer", &next).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(login_with_code(&app, "officer", &next).await.status(), StatusCode::UNAUTHORIZED, "replayed code");
    // The API asks for it too.
    app.clock.advance_minutes(1);
    let api_login = |otp: String| {
        client()
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "officer", "password": PW, "otp": otp}))
            .send()
    };
    assert_eq!(api_login(String::new()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api_login(code(&app, &secret, 0)).await.unwrap().status(), StatusCode::OK);

    // The security administrator requires it of everyone: the login page asks for the code, and an
    // account without one is sent to bind it before anything else.
    let sec = app.login("secadmin").await;
    let policy = [
        ("idle_minutes", "30"),
        ("admin_idle_minutes", "15"),
        ("absolute_hours", "12"),
        ("lockout_threshold", "5"),
        ("lockout_minutes", "15"),
        ("password_expiry_days", "90"),
        ("watermark", "0"),
        ("second_factor", "1"),
    ];
    assert_eq!(sec.post("/system/security", &policy).await.status(), StatusCode::SEE_OTHER);
    let page = client().get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"otp\"") && page.contains("required>"));
    let (_, r) = app.try_login("leader", PW).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the password still opens a session, to bind");
    let (leader, _) = app.try_login("leader", PW).await;
    let r = leader.get("/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/second-factor");
    let r = leader.get("/search?q=%E5%AD%A6%E4%B9%A0").await;
    assert_eq!(r.headers()["location"], "/second-factor", "every page leads to binding first");
    drop(leader);
    let leader = first_login_binds(&app, "leader").await;
    let leader_secret = leader.1;
    let leader = leader.0;
    assert_eq!(leader.get("/").await.status(), StatusCode::OK, "bound, the system opens");
    assert_eq!(bound().await, 2);
    let (_, r) = app.try_login("leader", PW).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains(FAILED_MESSAGE_WITH_CODE));
    assert_eq!(login_with_code(&app, "leader", &code(&app, &leader_secret, 1)).await.status(), StatusCode::SEE_OTHER);

    // A lost token: the account administrator resets it; the officer's sessions end and the next
    // login binds a new one.
    let officer_id = app.scalar("SELECT id FROM users WHERE username = 'officer'").await;
    let (sys, _) = first_login_binds(&app, "sysadmin").await;
    let list = sys.get("/system/users?per_page=100").await.text().await.unwrap();
    assert!(
        list.contains(&format!("/system/users/{officer_id}/second-factor")),
        "the reset is offered for a bound account"
    );
    let r = sys.post(&format!("/system/users/{officer_id}/second-factor"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("second_factor_reset").await, 1);
    assert_eq!(officer.get("/").await.status(), StatusCode::SEE_OTHER, "the officer's session ended");
    let (officer, r) = app.try_login("officer", PW).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(officer.get("/").await.headers()["location"], "/second-factor");
    // Not an account administrator: no reset.
    let r = leader.post(&format!("/system/users/{officer_id}/second-factor"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
