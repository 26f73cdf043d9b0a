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
            secure_cookies: false,
        }
    }
}

pub struct Inner {
    pub db: Db,
    pub keys: Keys,
    pub clock: Clock,
    pub policy: Policy,
    pub data_dir: PathBuf,
    pub demo: bool,
    pub registry: Registry,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Writes an audit row inside the caller's transaction: if it fails, so does the change.
    pub async fn audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ev: Event<'_>,
    ) -> Result<i64, sqlx::Error> {
        audit::append(tx, &self.keys.audit, self.clock.now_ms(), actor, ev).await
    }

    /// Writes an audit row on its own (logins, refusals, views of sensitive records).
    pub async fn audit_alone(&self, actor: &Actor, ev: Event<'_>) -> Result<i64, sqlx::Error> {
        let mut tx = self.db.begin().await?;
        let seq = self.audit(&mut tx, actor, ev).await?;
        tx.commit().await?;
        Ok(seq)
    }

    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}
