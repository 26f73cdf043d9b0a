//! Logging in: one answer for "no such user", "wrong password", "disabled" and "locked", so the
//! page tells an attacker nothing; 5 failures lock the account for 15 minutes; all audited.

use super::password;
use crate::audit::{Actor, Event};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const FAILED_MESSAGE: &str = "用户名或密码错误（连续失败 5 次将锁定 15 分钟）";

#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    password_hash: String,
    status: String,
    failed_count: i64,
    locked_until: i64,
    unit_id: i64,
}

/// Checks the credentials and returns the user id, or a `BadRequest` with the one failure message.
pub async fn authenticate(state: &AppState, username: &str, pw: &str, actor: &Actor) -> AppResult<i64> {
    let username = username.trim();
    let cand: Option<Candidate> = sqlx::query_as(
        "SELECT id, password_hash, status, failed_count, locked_until, unit_id FROM users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(&state.db.pool)
    .await?;
    let actor = Actor { username: username.chars().take(64).collect(), ..actor.clone() };
    let Some(c) = cand else {
        password::verify(pw.to_string(), password::DUMMY_HASH.to_string()).await;
        state.audit_alone(&actor, Event::failed("login_failed", "user", "").detail("无此用户")).await?;
        return Err(AppError::BadRequest(FAILED_MESSAGE.into()));
    };
    let actor = Actor { user_id: Some(c.id), unit_id: Some(c.unit_id), ..actor };
    let now = state.clock.now_ms();
    let good = password::verify(pw.to_string(), c.password_hash.clone()).await;
    let mut tx = state.db.begin().await?;
    if c.locked_until > now {
        state.audit(&mut tx, &actor, Event::failed("login_failed", "user", c.id).detail("账号锁定中")).await?;
        tx.commit().await?;
        return Err(AppError::BadRequest(FAILED_MESSAGE.into()));
    }
    if c.status != "active" {
        state.audit(&mut tx, &actor, Event::failed("login_failed", "user", c.id).detail("账号已停用")).await?;
        tx.commit().await?;
        return Err(AppError::BadRequest(FAILED_MESSAGE.into()));
    }
    if !good {
        let failed = c.failed_count + 1;
        if failed >= state.policy().lockout_threshold {
            let until = now + state.policy().lockout_minutes * 60_000;
            sqlx::query("UPDATE users SET failed_count = 0, locked_until = $1 WHERE id = $2")
                .bind(until)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            let detail = format!("连续 {failed} 次密码错误，锁定 {} 分钟", state.policy().lockout_minutes);
            state.audit(&mut tx, &actor, Event::failed("lockout", "user", c.id).detail(detail)).await?;
        } else {
            sqlx::query("UPDATE users SET failed_count = $1 WHERE id = $2")
                .bind(failed)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            state.audit(&mut tx, &actor, Event::failed("login_failed", "user", c.id).detail("密码错误")).await?;
        }
        tx.commit().await?;
        return Err(AppError::BadRequest(FAILED_MESSAGE.into()));
    }
    sqlx::query("UPDATE users SET failed_count = 0, locked_until = 0, last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
    state.audit(&mut tx, &actor, Event::ok("login", "user", c.id)).await?;
    tx.commit().await?;
    Ok(c.id)
}
