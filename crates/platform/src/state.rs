//! The application state every handler sees.

use crate::audit::{self, Actor, Event};
use crate::clock::Clock;
use crate::db::{Db, Tx};
use crate::keys::Keys;
use crate::registry::Registry;
use std::path::PathBuf;
use std::sync::Arc;

/// Security policy, with the defaults of SECURITY.md; an administrator can change them.
#[derive(Clone, Debug)]
pub struct Policy {
    pub idle_minutes: i64,
    pub admin_idle_minutes: i64,
    pub absolute_hours: i64,
    pub lockout_threshold: i64,
    pub lockout_minutes: i64,
    pub password_expiry_days: i64,
    pub max_upload_bytes: usize,
    pub watermark: bool,
    /// Every account must log in with a one-time code as well (accounts without one bind it first).
    pub second_factor: bool,
    pub secure_cookies: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            admin_idle_minutes: 15,
            absolute_hours: 12,
            lockout_threshold: 5,
            lockout_minutes: 15,
            password_expiry_days: 90,
            max_upload_bytes: 20 * 1024 * 1024,
            watermark: false,
            second_factor: false,
            secure_cookies: false,
        }
    }
}

pub struct Inner {
    pub db: Db,
    pub keys: Keys,
    pub clock: Clock,
    /// The policy in force: start-up settings overridden by what administrators saved.
    pub policy_cell: std::sync::RwLock<Policy>,
    pub policy_checked_ms: std::sync::atomic::AtomicI64,
    pub data_dir: PathBuf,
    pub demo: bool,
    pub registry: Registry,
    /// Users loaded for requests, kept until the auth generation moves (see `auth::session`).
    pub user_cache: crate::auth::session::UserCache,
    /// Where this process last left the audit chain ([`audit::LastHead`]).
    pub audit_head: audit::LastHead,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// What the security administrator may change at run time, as (settings key, Chinese name, min, max).
pub const POLICY_SETTINGS: &[(&str, &str, i64, i64)] = &[
    ("idle_minutes", "会话空闲超时（分钟）", 5, 60),
    ("admin_idle_minutes", "管理员会话空闲超时（分钟）", 5, 30),
    ("absolute_hours", "会话最长时间（小时）", 1, 24),
    ("lockout_threshold", "连续失败锁定次数", 3, 10),
    ("lockout_minutes", "锁定时长（分钟）", 5, 1440),
    ("password_expiry_days", "密码有效期（天，0 为不过期）", 0, 365),
    ("watermark", "页面水印（1 开启，0 关闭）", 0, 1),
    ("second_factor", "登录须用动态口令（1 开启，0 关闭）", 0, 1),
];

impl Policy {
    pub fn get(&self, key: &str) -> i64 {
        match key {
            "idle_minutes" => self.idle_minutes,
            "admin_idle_minutes" => self.admin_idle_minutes,
            "absolute_hours" => self.absolute_hours,
            "lockout_threshold" => self.lockout_threshold,
            "lockout_minutes" => self.lockout_minutes,
            "password_expiry_days" => self.password_expiry_days,
            "watermark" => i64::from(self.watermark),
            "second_factor" => i64::from(self.second_factor),
            _ => 0,
        }
    }

    pub fn set(&mut self, key: &str, v: i64) {
        match key {
            "idle_minutes" => self.idle_minutes = v,
            "admin_idle_minutes" => self.admin_idle_minutes = v,
            "absolute_hours" => self.absolute_hours = v,
            "lockout_threshold" => self.lockout_threshold = v,
            "lockout_minutes" => self.lockout_minutes = v,
            "password_expiry_days" => self.password_expiry_days = v,
            "watermark" => self.watermark = v != 0,
            "second_factor" => self.second_factor = v != 0,
            _ => {}
        }
    }
}

impl AppState {
    pub fn policy(&self) -> Policy {
        self.policy_cell.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// Reads the saved policy settings over `base`. Called at start, after a save, and at most
    /// every 30 seconds so that several processes on one database agree.
    pub async fn reload_policy(&self, base: Option<Policy>) -> Result<(), sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'policy.%'")
            .fetch_all(&self.db.pool)
            .await?;
        let mut p = base.unwrap_or_else(|| self.policy());
        for (k, v) in rows {
            if let (Some(name), Ok(n)) = (k.strip_prefix("policy."), v.parse::<i64>()) {
                p.set(name, n);
            }
        }
        if let Ok(mut w) = self.policy_cell.write() {
            *w = p;
        }
        self.policy_checked_ms.store(self.clock.now_ms(), std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    pub async fn refresh_policy_if_stale(&self) -> Result<(), sqlx::Error> {
        let last = self.policy_checked_ms.load(std::sync::atomic::Ordering::Relaxed);
        if self.clock.now_ms() - last > 30_000 { self.reload_policy(None).await } else { Ok(()) }
    }

    /// Writes an audit row inside the caller's transaction: if it fails, so does the change.
    pub async fn audit(&self, tx: &mut Tx, actor: &Actor, ev: Event<'_>) -> Result<i64, sqlx::Error> {
        audit::append(tx, &self.keys.audit, &self.audit_head, self.clock.now_ms(), actor, ev).await
    }

    /// Writes an audit row on its own (logins, refusals, views of sensitive records).
    pub async fn audit_alone(&self, actor: &Actor, ev: Event<'_>) -> Result<i64, sqlx::Error> {
        let mut tx = self.db.begin_audit().await?;
        let seq = self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(seq)
    }

    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}
