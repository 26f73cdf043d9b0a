//! The one database abstraction: SQLite by default, PostgreSQL when the URL says so.
//! Queries are written once with `$1` placeholders; dialect differences live only here.

pub mod fresh;
mod migrate;
mod sql;

pub use sql::Sql;

pub use migrate::{Migration, MigrationSql, migrate};

use anyhow::{Context, bail};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
pub use sqlx::AssertSqlSafe;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database a transaction runs on (for code that has a transaction and not its [`Db`]).
    pub fn of(tx: &Tx) -> Backend {
        if tx.backend_name() == "PostgreSQL" { Backend::Postgres } else { Backend::Sqlite }
    }
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// A SQLite file too large to check at open, left for [`Db::check_later`] or
    /// [`Db::check_if_left`].
    unchecked: Option<PathBuf>,
    /// Set when that later check found damage: from then on no write transaction begins and the
    /// health check fails.
    damaged: std::sync::Arc<std::sync::OnceLock<String>>,
    /// Results kept while the tables they read are unchanged ([`fresh`]).
    pub fresh: std::sync::Arc<fresh::Fresh>,
    /// The connections bulk work reads through ([`Db::bulk_reads`]).
    bulk: Option<AnyPool>,
}

tokio::task_local! {
    /// Set while bulk work reads: the pool its reads go through.
    static BULK: AnyPool;
}

/// A SQLite file up to this size is checked (`PRAGMA quick_check`, which reads every page) when
/// it is opened; a larger one is left to the opener: the server checks it in the background once
/// it has started, and every other command checks it before going on. Checking reads the whole
/// file: a prison's 63 MB took 170–190 ms with the file in the operating system's cache and 570 ms
/// without (1.1–1.6 s in some benchmark starts), a province's 1.7 GB 14 s; both now answer at
/// once, and a damaged file found by the check stops every write ([`Db::check_later`]). A demo's
/// database (a few MB) is checked before the first answer. `GANGJU_CHECK_AT_START_MAX` (bytes)
/// overrides the size.
const CHECK_AT_START_MAX: u64 = 16 << 20;

/// Where the database lives, as the operator named it.
#[derive(Clone, Debug)]
pub enum DbLocation {
    SqliteFile(PathBuf),
    Postgres(String),
}

impl DbLocation {
    /// `url` wins when given; otherwise the SQLite file in the data directory.
    pub fn resolve(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        match url {
            None => Ok(Self::SqliteFile(data_dir.join("gangju.sqlite"))),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Self::Postgres(u.to_string()))
            }
            Some(u) if u.starts_with("sqlite://") || u.starts_with("sqlite:") => {
                let rest = u.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                let path = rest.split('?').next().unwrap_or(rest);
                if path.is_empty() || path == ":memory:" {
                    bail!("数据库地址必须指向一个 SQLite 文件");
                }
                Ok(Self::SqliteFile(PathBuf::from(path)))
            }
            Some(_) => bail!("不支持的数据库地址：只支持 sqlite:// 或 postgres://"),
        }
    }
}

/// Every pool this process opened, so that `close_all` can close them before it exits; kept only
/// once the binary asked for it (`close_on_exit`), so that tests opening many databases in one
/// process do not hold them all open.
static OPENED: std::sync::Mutex<Vec<sqlx::AnyPool>> = std::sync::Mutex::new(Vec::new());
static CLOSE_ON_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, pools are remembered for `close_all`.
pub fn close_on_exit() {
    CLOSE_ON_EXIT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Closes every pool this process opened. Called once by the binary before it exits: SQLite then
/// checkpoints its write-ahead log into the database file and removes it, so the file alone (what
/// an operator might copy by hand) holds everything.
pub async fn close_all() {
    let pools: Vec<sqlx::AnyPool> =
        std::mem::take(&mut *OPENED.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for p in pools {
        p.close().await;
    }
}

fn remember(pool: &sqlx::AnyPool) {
    if !CLOSE_ON_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    OPENED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(pool.clone());
}

/// Whether a pooled connection may be handed out: not when it is still inside a transaction. A
/// COMMIT that fails (SQLite's SQLITE_FULL on a full disk) leaves the connection marked as in a
/// transaction, and every later BEGIN on it would fail; such a connection is closed instead (which
/// rolls back whatever it held) and the pool opens a fresh one.
fn out_of_transaction(conn: &sqlx::AnyConnection) -> bool {
    use sqlx::Connection;
    let free = !conn.is_in_transaction();
    if !free {
        tracing::warn!("a pooled connection was still in a transaction; closed");
    }
    free
}

/// SQLite connections for bulk work at most, and how long a bulk read waits for one.
const BULK_CONNECTIONS: u32 = 4;
const BULK_WAIT: Duration = Duration::from_secs(120);

/// PostgreSQL connections for bulk work at most. The server's bulk threads run at a lower
/// priority (`crate::bulk`), but on PostgreSQL their reads are done by the database's own
/// processes, at the same priority as every page's. Through the server's pool, the exports
/// running at once each had a database process reading at full speed (a province's slice of
/// 2,000 measures was the largest statement there); through these, at most this many read for
/// exports at a time, and the rest wait their turn.
const PG_BULK_CONNECTIONS: u32 = 1;

/// A PostgreSQL pool's options.
/// - No JIT: our statements are short, but a list's derived columns (overdue, the last report)
///   make the planner's cost estimate cross jit_above_cost, and compiling took 25 ms of a query
///   that runs in 2 (a 3 s home page under load).
/// - A kept statement is planned once for all its values: planning again for each was most of
///   the database's work (see `Sql::query`); what a plan must know, LIMIT and OFFSET, is written
///   into the text.
/// - No parallel workers: with every core busy answering requests, a summary that read the
///   province's measures in three processes took as long as in one (14 against 15 ms alone) with
///   three times the CPU.
fn pg_pool(max: u32) -> AnyPoolOptions {
    pool(
        max,
        "SET jit = off; SET plan_cache_mode = force_generic_plan; \
         SET max_parallel_workers_per_gather = 0",
    )
}

/// A SQLite pool's options: PRAGMAs run on every new connection (WAL for concurrent readers, FULL
/// sync so an acknowledged write survives power loss, foreign keys enforced), and no connection
/// handed out still inside a transaction.
fn sqlite_pool(max: u32) -> AnyPoolOptions {
    pool(
        max,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
         PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
    )
}

/// A pool of at most `max` connections that runs `setup` on every new one and hands out none
/// still inside a transaction (both databases).
fn pool(max: u32, setup: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .before_acquire(|conn, _meta| Box::pin(async move { Ok(out_of_transaction(conn)) }))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                sqlx::raw_sql(setup).execute(&mut *conn).await?;
                Ok(())
            })
        })
}

impl Db {
    /// Opens the database. A SQLite file that does not exist is refused unless `create` is set:
    /// a mistyped path must not open an empty database in place of the real one.
    pub async fn open(loc: &DbLocation, create: bool) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        match loc {
            DbLocation::SqliteFile(path) => {
                if !path.exists() && !create {
                    bail!(
                        "数据库文件 {} 不存在。新建请运行 `gangju migrate`（或 `gangju demo` 生成演示库）",
                        path.display()
                    );
                }
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
                check_sqlite_header(path)?;
                let url = format!("sqlite://{}?mode=rwc", path.display());
                let opts = AnyConnectOptions::from_str(&url)?.log_statements(tracing::log::LevelFilter::Trace);
                let pool = sqlite_pool(8)
                    .min_connections(1)
                    .connect_with(opts.clone())
                    .await
                    .with_context(|| format!("opening {}", path.display()))?;
                // Opened by the first bulk thread that reads, not now: a SQLite connection's work
                // is done on a thread of its own, which starts at the priority of the thread that
                // opened it (see `bulk_reads`). Ten minutes idle, such a connection is closed.
                let bulk = sqlite_pool(BULK_CONNECTIONS).acquire_timeout(BULK_WAIT).connect_lazy_with(opts);
                remember(&pool);
                remember(&bulk);
                let limit = std::env::var("GANGJU_CHECK_AT_START_MAX")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(CHECK_AT_START_MAX);
                let large = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > limit;
                let unchecked = large.then(|| path.clone());
                let db = Self {
                    pool,
                    backend: Backend::Sqlite,
                    unchecked,
                    damaged: Default::default(),
                    fresh: Default::default(),
                    bulk: Some(bulk),
                };
                if !large {
                    db.check_integrity().await?;
                }
                Ok(db)
            }
            DbLocation::Postgres(url) => {
                sql::on_postgres();
                let opts = AnyConnectOptions::from_str(url)?;
                let pool = pg_pool(16).connect_with(opts.clone()).await.context("connecting to PostgreSQL")?;
                // Opened when an export first reads; ten minutes idle, a connection is closed.
                let bulk = pg_pool(PG_BULK_CONNECTIONS).acquire_timeout(BULK_WAIT).connect_lazy_with(opts);
                remember(&pool);
                remember(&bulk);
                Ok(Self {
                    pool,
                    backend: Backend::Postgres,
                    unchecked: None,
                    damaged: Default::default(),
                    fresh: Default::default(),
                    bulk: Some(bulk),
                })
            }
        }
    }

    /// Runs `reads` with the reads that go through [`Db::reads`] on the bulk connections: called
    /// by bulk work ([`crate::bulk`]) on its own thread, so that the SQLite connections' threads,
    /// opened from there, share its lower priority. (The server's own connections were opened by
    /// its workers: reading a province's 30,000 measures through them took a third of the
    /// export's CPU at the pages' priority.) On PostgreSQL the bulk connection is one, so bulk
    /// work reads in turns (see `PG_BULK_CONNECTIONS`).
    pub async fn bulk_reads<F: Future>(&self, reads: F) -> F::Output {
        match &self.bulk {
            Some(pool) => BULK.scope(pool.clone(), reads).await,
            None => reads.await,
        }
    }

    /// Closes every connection, the bulk ones too.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(bulk) = &self.bulk {
            bulk.close().await;
        }
    }

    /// How many bulk connections are open.
    pub fn bulk_connections(&self) -> u32 {
        self.bulk.as_ref().map_or(0, AnyPool::size)
    }

    /// The pool a read goes through: the bulk connections inside [`Db::bulk_reads`], else the
    /// server's.
    pub fn reads(&self) -> AnyPool {
        BULK.try_with(AnyPool::clone).unwrap_or_else(|_| self.pool.clone())
    }

    /// Refuse to run on a damaged SQLite file rather than make it worse. `open` runs it for a file
    /// of up to [`CHECK_AT_START_MAX`]; whoever must know before going on (a restore) runs it
    /// whatever the size.
    pub async fn check_integrity(&self) -> anyhow::Result<()> {
        let res: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&self.pool)
            .await
            .context("数据库文件无法读取（可能已损坏或不是 SQLite 文件）")?;
        if res != "ok" {
            bail!("数据库完整性检查失败：{res}");
        }
        Ok(())
    }

    /// Checks now a file that `open` left unchecked (for commands that are not the server).
    pub async fn check_if_left(&self) -> anyhow::Result<()> {
        match self.unchecked {
            Some(_) => self.check_integrity().await,
            None => Ok(()),
        }
    }

    /// Checks in the background a file that `open` left unchecked (for the server, once it has
    /// started). Damage found stops every write transaction and fails [`Db::ping`].
    pub fn check_later(&self) {
        let Some(path) = self.unchecked.clone() else { return };
        let db = self.clone();
        tokio::spawn(async move {
            if let Err(e) = db.check_integrity().await {
                tracing::error!("{}：{e:#}；已停止写入", path.display());
                let _ = db.damaged.set(format!("{e:#}"));
            }
        });
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`) so two
    /// writers queue on busy_timeout instead of failing when a read lock is upgraded.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.about_to_write()?;
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => {
                // Writers take turns, as on SQLite: each table's change counter is a row a
                // writer holds until it commits, and two writers taking two tables' counters in
                // opposite orders would deadlock. One round trip: a statement without parameters
                // is sent as a simple query, which may hold two.
                self.pool.begin_with("BEGIN; SELECT pg_advisory_xact_lock(7301)").await
            }
        }
    }

    /// A transaction that writes one audit row and nothing else
    /// ([`crate::state::AppState::audit_alone`]: logins, refusals, exports). On PostgreSQL it does
    /// not wait for the writers' turn ([`Db::begin`]): its first statement locks the audit head
    /// row, and every writer locks that row before it touches the audit tables' change counters
    /// (`audit::append`, `audit::purge`), so the two cannot deadlock, and an export's audit row
    /// waits for a writer only from that writer's own audit row to its commit, not for its whole
    /// transaction. On SQLite it is a write transaction like any.
    pub async fn begin_audit(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.begin().await,
            Backend::Postgres => {
                self.about_to_write()?;
                self.pool.begin().await
            }
        }
    }

    /// Refuses a write to a database found damaged; otherwise notes that the request writes, so
    /// that its later reads go to the database ([`fresh::wrote`]).
    fn about_to_write(&self) -> Result<(), sqlx::Error> {
        if let Some(why) = self.damaged.get() {
            return Err(sqlx::Error::Io(std::io::Error::other(format!("数据库文件已损坏，拒绝写入：{why}"))));
        }
        fresh::wrote();
        Ok(())
    }

    /// Whether the database answers (and was not found damaged).
    pub async fn ping(&self) -> bool {
        self.damaged.get().is_none() && sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }
}

/// A file that exists must start with SQLite's header: anything else is refused at once, before a
/// connection could fail slowly or a tool could "repair" it.
fn check_sqlite_header(path: &Path) -> anyhow::Result<()> {
    use std::io::Read;
    if !path.exists() {
        return Ok(());
    }
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| format!("读取 {}", path.display()))?;
    if n > 0 && (n < 16 || &head != b"SQLite format 3\0") {
        bail!("{} 不是 SQLite 数据库文件（可能已损坏或路径有误），拒绝启动", path.display());
    }
    Ok(())
}

/// Escapes `%`, `_` and `\` so user text in a LIKE pattern matches literally (use `ESCAPE '\'`).
pub fn like_contains(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Rows read for many records at once (`… WHERE owner_id IN (…)`), each given as (owner id,
/// value), handed out by owner: each owner's values in the order they were read. A list's page
/// or an export's slice fills its records' children from one read with this; finding each
/// record's rows by scanning all of them was quadratic (a 2,000-measure slice compared every
/// partner row with every measure).
pub fn by_owner<V>(
    rows: impl IntoIterator<Item = (i64, V)>,
) -> std::collections::HashMap<i64, Vec<V>, foldhash::fast::RandomState> {
    let mut map: std::collections::HashMap<i64, Vec<V>, foldhash::fast::RandomState> = Default::default();
    for (owner, v) in rows {
        map.entry(owner).or_default().push(v);
    }
    map
}

#[cfg(test)]
mod by_owner_tests {
    #[test]
    fn each_owner_gets_its_own_values_in_the_order_read() {
        let mut m = super::by_owner([(2, "b1"), (1, "a1"), (2, "b2"), (3, "c1"), (1, "a2")]);
        assert_eq!(m.remove(&1), Some(vec!["a1", "a2"]));
        assert_eq!(m.remove(&2), Some(vec!["b1", "b2"]));
        assert_eq!(m.remove(&3), Some(vec!["c1"]));
        assert_eq!(m.remove(&4), None);
    }
}
