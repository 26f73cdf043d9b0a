//! A small, explicit migration chain. Each area registers its migrations; versions are global and
//! ordered. A migration that has landed is never edited: its checksum is checked at every start.

use super::{Backend, Db};
use anyhow::{Context, bail};
use sm3::{Digest, Sm3};
use sqlx::AssertSqlSafe;

#[derive(Clone, Copy, Debug)]
pub enum MigrationSql {
    /// Runs on both databases. `{{id}}` becomes the backend's auto-increment primary key.
    Portable(&'static str),
    PerBackend {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: MigrationSql,
}

impl Migration {
    fn text(&self, backend: Backend) -> String {
        let raw = match (self.sql, backend) {
            (MigrationSql::Portable(s), _) => s,
            (MigrationSql::PerBackend { sqlite, .. }, Backend::Sqlite) => sqlite,
            (MigrationSql::PerBackend { postgres, .. }, Backend::Postgres) => postgres,
        };
        let id = match backend {
            Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => "BIGSERIAL PRIMARY KEY",
        };
        raw.replace("{{id}}", id)
    }

    fn checksum(&self, backend: Backend) -> String {
        hex::encode(Sm3::digest(self.text(backend).as_bytes()))
    }
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";

async fn applied(db: &Db) -> anyhow::Result<Vec<(i64, String)>> {
    sqlx::query(CREATE_TABLE).execute(&db.pool).await?;
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, checksum FROM schema_migrations ORDER BY version").fetch_all(&db.pool).await?;
    Ok(rows)
}

fn sorted(all: &[&[Migration]]) -> anyhow::Result<Vec<Migration>> {
    let mut list: Vec<Migration> = all.iter().flat_map(|m| m.iter().copied()).collect();
    list.sort_by_key(|m| m.version);
    if let Some(w) = list.windows(2).find(|w| w[0].version == w[1].version) {
        bail!("migration version {} is used twice", w[0].version);
    }
    Ok(list)
}

/// Applies every pending migration, each in its own transaction with its bookkeeping row.
pub async fn migrate(db: &Db, all: &[&[Migration]]) -> anyhow::Result<usize> {
    let done = applied(db).await?;
    let mut count = 0;
    for m in sorted(all)? {
        let sum = m.checksum(db.backend);
        if let Some((_, old)) = done.iter().find(|(v, _)| *v == m.version) {
            if *old != sum {
                bail!("迁移 {} ({}) 在应用后被修改过，拒绝启动", m.version, m.name);
            }
            continue;
        }
        let mut tx = db.begin().await?;
        sqlx::raw_sql(AssertSqlSafe(m.text(db.backend)))
            .execute(&mut *tx)
            .await
            .with_context(|| format!("migration {} {}", m.version, m.name))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(m.name)
            .bind(sum)
            .bind(jiff::Timestamp::now().as_millisecond())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        count += 1;
    }
    super::fresh::count_every_table(db).await.context("table change counters")?;
    Ok(count)
}
