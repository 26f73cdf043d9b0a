//! 动态口令: each user binds their own second factor (a TOTP token or app that does HMAC-SM3); the
//! security policy can require it of every account; an account administrator resets a lost one.

use super::totp;
use crate::audit::Event;
use crate::context::Ctx;
use crate::db::Tx;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::perm::Need;
use crate::routes::Routes;
use crate::web::{Frame, Html, redirect_with_flash};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub const PAGE: &str = "/second-factor";

pub fn routes(r: Routes) -> Routes {
    r.get(PAGE, Need::LoggedIn, "动态口令页", page).post(PAGE, Need::LoggedIn, "绑定动态口令", bind_submit)
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    frame: Frame,
    bound: bool,
    required: bool,
    secret: String,
    uri: String,
    errors: FieldErrors,
}

async fn is_bound(ctx: &Ctx) -> AppResult<bool> {
    let secret: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
        .bind(ctx.user()?.id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    Ok(!secret.is_empty())
}

fn render(ctx: &Ctx, bound: bool, secret: String, errors: FieldErrors) -> AppResult<Response> {
    let u = ctx.user()?;
    let frame = Frame::new(ctx, "动态口令", "", &[("动态口令", "")]);
    let uri = if bound { String::new() } else { totp::uri(&secret, &u.username) };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = SecondFactorPage { frame, bound, required: u.must_bind_second_factor, secret, uri, errors };
    Ok((status, Html(page)).into_response())
}

async fn page(ctx: Ctx) -> AppResult<Response> {
    let bound = is_bound(&ctx).await?;
    let secret = if bound { String::new() } else { totp::new_secret() };
    render(&ctx, bound, secret, FieldErrors::new())
}

#[derive(Deserialize)]
struct BindForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

/// Binds the secret shown on the page once the user proves their token has it (a current code).
async fn bind_submit(ctx: Ctx, form: axum::Form<BindForm>) -> AppResult<Response> {
    let u = ctx.user()?;
    if is_bound(&ctx).await? {
        return Err(AppError::BadRequest("已绑定动态口令；如需更换，请联系账号管理员重置".into()));
    }
    let Some(key) = totp::decode(&form.secret) else {
        return Err(AppError::BadRequest("密钥无效，请刷新页面重新绑定".into()));
    };
    let now = ctx.state.clock.now_ms();
    let Some(step) = totp::check(&key, &form.code, now, 0) else {
        let mut errors = FieldErrors::new();
        let m = if form.code.trim().is_empty() {
            "请输入动态口令"
        } else {
            "动态口令不正确，请核对令牌时间后重试"
        };
        errors.insert("code".into(), m.into());
        return render(&ctx, false, form.secret.clone(), errors);
    };
    let sealed = crate::crypto::seal(&ctx.state.keys.field, &form.secret);
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query("UPDATE users SET totp_secret = $1, totp_step = $2 WHERE id = $3 AND totp_secret = ''")
        .bind(sealed)
        .bind(step)
        .bind(u.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(AppError::Conflict("已绑定动态口令".into()));
    }
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("second_factor_bind", "user", u.id)).await?;
    tx.commit().await?;
    Ok(redirect_with_flash("/", "动态口令已绑定，今后登录须输入动态口令"))
}

/// Removes an account's second factor (a lost token) inside the caller's transaction; the user
/// binds a new one at their next login if the policy requires it.
pub async fn reset(ctx: &Ctx, tx: &mut Tx, user_id: i64, username: &str) -> AppResult<bool> {
    let n = sqlx::query("UPDATE users SET totp_secret = '', totp_step = 0 WHERE id = $1 AND totp_secret <> ''")
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 1 {
        ctx.state.audit(tx, &ctx.actor(), Event::ok("second_factor_reset", "user", user_id).detail(username)).await?;
    }
    Ok(n == 1)
}
