//! The platform's own pages and endpoints: login, logout, password change, home with to-dos,
//! health, static assets, the API's auth, to-dos and OpenAPI document.

use crate::audit::Event;
use crate::auth::{PRE_COOKIE, SESSION_COOKIE, layer::cookie, login, password, session};
use crate::context::{Ctx, SessionKind};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::perm::Need;
use crate::registry::{Area, Todo};
use crate::routes::Routes;
use crate::web::{Frame, Html, redirect_with_flash};
use askama::Template;
use axum::Json;
use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::future::try_join_all;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn area() -> Area {
    Area {
        code: "platform",
        migrations: crate::MIGRATIONS,
        permissions: crate::perm::PLATFORM_PERMISSIONS,
        grants: crate::perm::PLATFORM_GRANTS,
        menu: &[],
        routes,
        todos: || vec![std::sync::Arc::new(crate::todos::PasswordExpiry)],
        attachment_owners: Vec::new,
        cards: Vec::new,
        search: &[],
        figures: Vec::new,
        profile: Vec::new,
        ledgers: Vec::new,
    }
}

fn routes(r: Routes) -> Routes {
    let r = r
        .get("/login", Need::Public, "登录页", login_page)
        .post("/login", Need::Public, "登录", login_submit)
        .post("/logout", Need::LoggedIn, "退出", logout)
        .get("/password", Need::LoggedIn, "修改密码页", password_page)
        .post("/password", Need::LoggedIn, "修改密码", password_submit)
        .get("/", Need::LoggedIn, "首页（待办）", home)
        .get("/healthz", Need::Public, "健康检查", healthz)
        .get("/static/{*path}", Need::Public, "静态资源", crate::web::assets::serve)
        .post("/api/v1/auth/login", Need::Public, "登录，返回令牌", api_login)
        .post("/api/v1/auth/logout", Need::LoggedIn, "注销令牌", api_logout)
        .post("/api/v1/auth/password", Need::LoggedIn, "修改本人密码（old, new），所有令牌随之失效", api_password)
        .get("/api/v1/me", Need::LoggedIn, "当前用户", api_me)
        .get("/api/v1/todos", Need::LoggedIn, "当前用户的待办", api_todos)
        .get("/api/v1/openapi.json", Need::Public, "OpenAPI 文档", crate::openapi::serve)
        .get("/search", Need::LoggedIn, "全文检索", crate::search::page)
        .get("/api/v1/search", Need::LoggedIn, "全文检索（q=关键词）", crate::search::api);
    let r = crate::auth::second_factor::routes(r);
    crate::attachments::routes(r)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    error: String,
    username: String,
    next: String,
    demo: bool,
    second_factor: bool,
}

fn safe_next(next: &str) -> String {
    // Only paths on this site: never "//host" or a full URL.
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_string()
    } else {
        "/".into()
    }
}

fn set_cookie(resp: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn cookie_attrs(ctx: &Ctx) -> &'static str {
    if ctx.state.policy().secure_cookies {
        "Path=/; HttpOnly; SameSite=Strict; Secure"
    } else {
        "Path=/; HttpOnly; SameSite=Strict"
    }
}

fn render_login(
    ctx: &Ctx,
    headers: &HeaderMap,
    error: &str,
    username: &str,
    next: &str,
    status: StatusCode,
) -> Response {
    // Before login the CSRF token is a double-submit cookie.
    let csrf = cookie(headers, PRE_COOKIE).filter(|c| c.len() == 64).unwrap_or_else(session::random_token);
    let page = LoginPage {
        csrf: csrf.clone(),
        error: error.into(),
        username: username.into(),
        next: safe_next(next),
        demo: ctx.state.demo,
        second_factor: ctx.state.policy().second_factor,
    };
    let mut resp = (status, Html(page)).into_response();
    set_cookie(&mut resp, format!("{PRE_COOKIE}={csrf}; {}", cookie_attrs(ctx)));
    resp
}

async fn login_page(ctx: Ctx, headers: HeaderMap, q: Query<BTreeMap<String, String>>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render_login(&ctx, &headers, "", "", q.get("next").map(String::as_str).unwrap_or("/"), StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    otp: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(ctx: Ctx, headers: HeaderMap, form: axum::Form<LoginForm>) -> AppResult<Response> {
    let f = form.0;
    if f.username.trim().is_empty() || f.password.is_empty() {
        return Ok(render_login(
            &ctx,
            &headers,
            "请输入用户名和密码",
            &f.username,
            &f.next,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let user_id = match login::authenticate(&ctx.state, &f.username, &f.password, &f.otp, &ctx.actor()).await {
        Ok(id) => id,
        Err(AppError::BadRequest(m)) => {
            return Ok(render_login(&ctx, &headers, &m, &f.username, &f.next, StatusCode::UNAUTHORIZED));
        }
        Err(e) => return Err(e),
    };
    // A new session id at every login (no fixation); the old one, if any, is ended.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        session::delete(&ctx.state, &old).await?;
    }
    let mut tx = ctx.state.db.begin().await?;
    let (token, _) = session::create(&ctx.state, &mut tx, user_id, SessionKind::Web, &ctx.addr).await?;
    tx.commit().await?;
    let mut resp = Redirect::to(&safe_next(&f.next)).into_response();
    set_cookie(&mut resp, format!("{SESSION_COOKIE}={token}; {}", cookie_attrs(&ctx)));
    set_cookie(&mut resp, format!("{PRE_COOKIE}=; Max-Age=0; {}", cookie_attrs(&ctx)));
    Ok(resp)
}

async fn logout(ctx: Ctx, headers: HeaderMap) -> AppResult<Response> {
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        session::delete(&ctx.state, &t).await?;
    }
    let u = ctx.user()?;
    ctx.state.audit_alone(&ctx.actor(), Event::ok("logout", "user", u.id)).await?;
    let mut resp = Redirect::to("/login").into_response();
    set_cookie(&mut resp, format!("{SESSION_COOKIE}=; Max-Age=0; {}", cookie_attrs(&ctx)));
    Ok(resp)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    frame: Frame,
    errors: FieldErrors,
    forced: bool,
}

async fn password_page(ctx: Ctx) -> AppResult<Response> {
    let forced = ctx.user()?.must_change_password;
    let frame = Frame::new(&ctx, "修改密码", "", &[("修改密码", "")]);
    Ok(Html(PasswordPage { frame, errors: FieldErrors::new(), forced }).into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Changes the caller's own password; every session of the account ends, this one is renewed.
pub async fn change_own_password(ctx: &Ctx, old: &str, new: &str, confirm: &str) -> AppResult<()> {
    let u = ctx.user()?;
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(u.id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    let mut errors = FieldErrors::new();
    if !password::verify(old.to_string(), stored.clone()).await {
        errors.insert("old".into(), "原密码不正确".into());
    }
    if let Some(m) = password::check_policy(new, &u.username, &u.unit_name) {
        errors.insert("new".into(), m);
    } else if new != confirm {
        errors.insert("confirm".into(), "两次输入的新密码不一致".into());
    } else if password::verify(new.to_string(), stored).await {
        errors.insert("new".into(), "新密码不能与原密码相同".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = password::hash(new.to_string()).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = 0, version = version + 1 WHERE id = $3")
        .bind(hash)
        .bind(ctx.state.clock.now_ms())
        .bind(u.id)
        .execute(&mut *tx)
        .await?;
    session::delete_for_user(&mut tx, u.id).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("password_change", "user", u.id)).await?;
    tx.commit().await?;
    Ok(())
}

async fn password_submit(ctx: Ctx, form: axum::Form<PasswordForm>) -> AppResult<Response> {
    match change_own_password(&ctx, &form.old, &form.new, &form.confirm).await {
        Ok(()) => {
            let mut tx = ctx.state.db.begin().await?;
            let (token, _) = session::create(&ctx.state, &mut tx, ctx.user()?.id, SessionKind::Web, &ctx.addr).await?;
            tx.commit().await?;
            let mut resp = redirect_with_flash("/", "密码已修改");
            set_cookie(&mut resp, format!("{SESSION_COOKIE}={token}; {}", cookie_attrs(&ctx)));
            Ok(resp)
        }
        Err(AppError::Validation(errors)) => {
            let forced = ctx.user()?.must_change_password;
            let frame = Frame::new(&ctx, "修改密码", "", &[("修改密码", "")]);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(PasswordPage { frame, errors, forced })).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Every registered source's to-dos for this user, soonest first. The sources are asked at
/// once: each is a few statements of its own, and asked one after another a busy server made
/// the page wait its turn for a connection once per statement of every source.
pub async fn todos_for(ctx: &Ctx) -> AppResult<Vec<Todo>> {
    let parts = try_join_all(ctx.state.registry.todos.iter().map(|src| src.todos(ctx))).await?;
    let mut all: Vec<Todo> = parts.into_iter().flatten().collect();
    all.sort_by(|a, b| a.due.as_deref().unwrap_or("9999").cmp(b.due.as_deref().unwrap_or("9999")));
    Ok(all)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
    todos: Vec<Todo>,
    cards: Vec<(String, String, String)>,
}

async fn home(ctx: Ctx) -> AppResult<Response> {
    let cards = try_join_all(ctx.state.registry.cards.iter().map(|c| c.card(&ctx)));
    let (todos, cards) = tokio::try_join!(todos_for(&ctx), cards)?;
    let frame = Frame::new(&ctx, "工作台", "/", &[]);
    Ok(Html(HomePage { frame, todos, cards: cards.into_iter().flatten().collect() }).into_response())
}

async fn healthz(ctx: Ctx) -> Response {
    if ctx.state.db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

#[derive(Deserialize)]
struct ApiLogin {
    username: String,
    password: String,
    /// The one-time code, for an account with a second factor bound.
    #[serde(default)]
    otp: String,
}

async fn api_login(
    ctx: Ctx,
    body: Result<Json<ApiLogin>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let Json(b) = body.map_err(|_| AppError::BadRequest("请求体须为 JSON：{\"username\",\"password\"}".into()))?;
    let user_id = match login::authenticate(&ctx.state, &b.username, &b.password, &b.otp, &ctx.actor()).await {
        Ok(id) => id,
        Err(AppError::BadRequest(m)) => {
            return Ok((
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({"error": {"code": "login_failed", "message": m, "fields": {}}})),
            )
                .into_response());
        }
        Err(e) => return Err(e),
    };
    let mut tx = ctx.state.db.begin().await?;
    let (token, _) = session::create(&ctx.state, &mut tx, user_id, SessionKind::Api, &ctx.addr).await?;
    tx.commit().await?;
    let expires = session::expires_at(&ctx.state, ctx.state.clock.now_ms());
    let at = jiff::Timestamp::from_millisecond(expires).map(|t| t.to_string()).unwrap_or_default();
    Ok(Json(serde_json::json!({ "token": token, "expires_at": at })).into_response())
}

#[derive(Deserialize)]
struct ApiPassword {
    old: String,
    new: String,
}

async fn api_password(
    ctx: Ctx,
    body: Result<Json<ApiPassword>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let Json(b) = body.map_err(|_| AppError::BadRequest("请求体须为 JSON：{\"old\",\"new\"}".into()))?;
    change_own_password(&ctx, &b.old, &b.new, &b.new).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_logout(ctx: Ctx, headers: HeaderMap) -> AppResult<Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    session::delete(&ctx.state, token.trim()).await?;
    ctx.state.audit_alone(&ctx.actor(), Event::ok("logout", "user", ctx.user()?.id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_me(ctx: Ctx) -> AppResult<Response> {
    let u = ctx.user()?;
    Ok(Json(serde_json::json!({
        "id": u.id, "username": u.username, "display_name": u.display_name, "unit_id": u.unit_id,
        "unit_name": u.unit_name, "roles": u.roles, "permissions": u.perms, "must_change_password": u.must_change_password,
    }))
    .into_response())
}

async fn api_todos(ctx: Ctx) -> AppResult<Response> {
    let items = todos_for(&ctx).await?;
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": total.max(1) })).into_response())
}
