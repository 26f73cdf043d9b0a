//! Logging in: one answer for "no such user", "wrong password", "wrong one-time code", "disabled"
//! and "locked", so the page tells an attacker nothing; 5 failures lock the account for 15
//! minutes; all audited. An account with a second factor bound also needs its current code.

use super::{password, totp};
use crate::audit::{Actor, Event};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const FAILED_MESSAGE: &str = "用户名或密码错误（连续失败 5 次将锁定 15 分钟）";
/// The one message while the policy asks every account for a one-time code.
pub const FAILED_MESSAGE_WITH_CODE: &str = "用户名、密码或动态口令错误（连续失败 5 次将锁定 15 分钟）";

fn refused(state: &AppState) -> AppError {
    let m = if state.policy().second_factor { FAILED_MESSAGE_WITH_CODE } else { FAILED_MESSAGE };
    AppError::BadRequest(m.into())
}

#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    password_hash: String,
    status: String,
    failed_count: i64,
    locked_until: i64,
    unit_id: i64,
    totp_secret: String,
    totp_step: i64,
}

/// Checks the credentials (`otp` is the one-time code, "" when none was typed) and returns the
/// user id, or a `BadRequest` with the one failure message.
pub async fn authenticate(state: &AppState, username: &str, pw: &str, otp: &str, actor: &Actor) -> AppResult<i64> {
    let username = username.trim();
    let cand: Option<Candidate> = sqlx::query_as(
        "SELECT id, password_hash, status, failed_count, locked_until, unit_id, totp_secret, totp_step \
         FROM users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(&state.db.pool)
    .await?;
    let actor = Actor { username: username.chars().take(64).collect(), ..actor.clone() };
    let Some(c) = cand else {
        password::verify(pw.to_string(), password::DUMMY_HASH.to_string()).await;
        state.audit_alone(&actor, Event::failed("login_failed", "user", "").detail("无此用户")).await?;
        return Err(refused(state));
    };
    let actor = Actor { user_id: Some(c.id), unit_id: Some(c.unit_id), ..actor };
    let now = state.clock.now_ms();
    let good = password::verify(pw.to_string(), c.password_hash.clone()).await;
    let mut tx = state.db.begin().await?;
    if c.locked_until > now {
        state.audit(&mut tx, &actor, Event::failed("login_failed", "user", c.id).detail("账号锁定中")).await?;
        tx.commit().await?;
        return Err(refused(state));
    }
    if c.status != "active" {
        state.audit(&mut tx, &actor, Event::failed("login_failed", "user", c.id).detail("账号已停用")).await?;
        tx.commit().await?;
        return Err(refused(state));
    }
    let otp_step = if good && !c.totp_secret.is_empty() {
        let key = crate::crypto::open(&state.keys.field, &c.totp_secret).ok().and_then(|s| totp::decode(&s));
        key.and_then(|k| totp::check(&k, otp, now, c.totp_step))
    } else {
        None
    };
    let reason = if !good {
        Some("密码错误")
    } else if !c.totp_secret.is_empty() && otp_step.is_none() {
        Some(if otp.trim().is_empty() { "未填动态口令" } else { "动态口令错误" })
    } else {
        None
    };
    if let Some(reason) = reason {
        let failed = c.failed_count + 1;
        if failed >= state.policy().lockout_threshold {
            let until = now + state.policy().lockout_minutes * 60_000;
            sqlx::query("UPDATE users SET failed_count = 0, locked_until = $1 WHERE id = $2")
                .bind(until)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            let detail = format!("连续 {failed} 次登录失败（{reason}），锁定 {} 分钟", state.policy().lockout_minutes);
            state.audit(&mut tx, &actor, Event::failed("lockout", "user", c.id).detail(detail)).await?;
        } else {
            sqlx::query("UPDATE users SET failed_count = $1 WHERE id = $2")
                .bind(failed)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            state.audit(&mut tx, &actor, Event::failed("login_failed", "user", c.id).detail(reason)).await?;
        }
        tx.commit().await?;
        return Err(refused(state));
    }
    sqlx::query("UPDATE users SET failed_count = 0, locked_until = 0, last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
    if let Some(step) = otp_step {
        // Only a later step than the last one used: the same code, sent twice at once, logs in once.
        let fresh = sqlx::query("UPDATE users SET totp_step = $1 WHERE id = $2 AND totp_step < $1")
            .bind(step)
            .bind(c.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if fresh != 1 {
            tx.rollback().await?;
            state.audit_alone(&actor, Event::failed("login_failed", "user", c.id).detail("动态口令已用过")).await?;
            return Err(refused(state));
        }
    }
    state.audit(&mut tx, &actor, Event::ok("login", "user", c.id)).await?;
    tx.commit().await?;
    Ok(c.id)
}
