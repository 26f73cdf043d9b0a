//! Always-fresh reads: a read a request asks again is answered from memory while no table its
//! statement names has changed since, and from the database the moment one has.
//!
//! - Every table carries a change counter in `table_changes`, moved by a trigger in the same
//!   transaction as the change (any process, any tool, a test's own SQL), so a counter that can be
//!   seen means its change can be seen.
//! - A signed-in request reads the counters' sum with its session (a statement it makes anyway).
//!   When the process's copy of the counters is older than that sum, the copy is read again.
//! - A kept result is served only when each table its statement names (every word of its text
//!   that is a table's name) still has the count it had when the result was read; the counts are
//!   taken before the read, so a result is never older than the counts it is kept under.
//! - SQLite's full-text index goes by the counter of the table it indexes (its triggers keep it,
//!   in the table's transactions). A statement that names a table without a counter (the index's
//!   own storage tables), or the database's clock, is never kept. Nor is anything once the
//!   request has begun writing: from then on it reads its own writes from the database.
//! - Requests that miss the same statement under the same counts at once ask the database once:
//!   the first reads, the others wait for its result and are served it (after a change, every
//!   session of an account asking its page would otherwise read the same rows side by side).
//! - Reads outside a request (exports streaming after their handler, background work, commands)
//!   go to the database.

use super::{Backend, Db, Sql};
use std::any::{Any, TypeId};
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

tokio::task_local! {
    static REQUEST: Request;
}

struct Request {
    seen: i64,
    wrote: Cell<bool>,
}

/// Runs a request's handler with the change sum read with its session (None: no session, so
/// nothing is kept or served).
pub async fn during<F: Future>(seen: Option<i64>, f: F) -> F::Output {
    match seen {
        Some(seen) => REQUEST.scope(Request { seen, wrote: Cell::new(false) }, f).await,
        None => f.await,
    }
}

/// The request writes: its later reads go to the database. [`Db::begin`] calls it; a write made
/// outside a transaction must too.
pub fn wrote() {
    let _ = REQUEST.try_with(|r| r.wrote.set(true));
}

fn seen() -> Option<i64> {
    REQUEST.try_with(|r| (!r.wrote.get()).then_some(r.seen)).ok().flatten()
}

/// Results kept at most (rows, over all of them) and for one statement. At 20,000 rows in all the
/// province mix's memory went over its 150 MB budget (154 MiB at its highest).
const KEPT_ROWS: usize = 10_000;
const ONE_RESULT_ROWS: usize = 2_000;

#[derive(Default)]
pub struct Fresh {
    counts: RwLock<Arc<Counts>>,
    reading: tokio::sync::Mutex<()>,
    kept: Mutex<Kept>,
    /// The statements being read now, with the counts they are read under: a request that misses
    /// one of them waits for that read instead of making its own.
    turns: Mutex<Turns>,
    served: AtomicU64,
    read: AtomicU64,
}

/// A turn for each statement being read, by its key and the counts it is read under.
type Turns = HashMap<(Key, Vec<i64>), Arc<tokio::sync::Mutex<()>>, foldhash::fast::RandomState>;

#[derive(Default)]
struct Counts {
    sum: i64,
    of: HashMap<String, i64>,
    /// Tables without a counter: a statement naming one is never kept.
    uncounted: HashSet<String>,
    /// An index kept by its table's own triggers (SQLite's full-text index of `search_docs`)
    /// changes exactly when the table does: it goes by the table's counter.
    indexes: HashMap<String, String>,
}

#[derive(Default)]
struct Kept {
    rows: usize,
    /// foldhash (seeded at random per process): a key is a statement's whole text, hashed on
    /// every asking, where SipHash took a noticeable share of a kept page's time.
    map: HashMap<Key, Entry, foldhash::fast::RandomState>,
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct Key {
    text: String,
    binds: String,
    ty: TypeId,
}

struct Entry {
    /// The counted tables the statement names, and their counts before it was read.
    tables: Vec<String>,
    counts: Vec<i64>,
    rows: usize,
    value: Arc<dyn Any + Send + Sync>,
}

impl Counts {
    /// The counted tables `text` names, in the order of their names (an index stands for its
    /// table); None when it names one without a counter or reads the clock.
    fn tables_of(&self, text: &str) -> Option<Vec<String>> {
        let lower = text.to_ascii_lowercase();
        if ["current_date", "current_time", "now()", "'now'", "random()", "localtime"].iter().any(|w| lower.contains(w))
        {
            return None;
        }
        let words: BTreeSet<&str> =
            lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
        let mut tables = Vec::new();
        for w in words {
            if self.uncounted.contains(w) {
                return None;
            }
            let table = self.indexes.get(w).map_or(w, String::as_str);
            if self.of.contains_key(table) {
                tables.push(table.to_string());
            }
        }
        Some(tables)
    }

    /// The present counts of these tables (a table dropped since counts as never seen before).
    fn of_tables(&self, tables: &[String]) -> Vec<i64> {
        tables.iter().map(|t| self.of.get(t).copied().unwrap_or(-1)).collect()
    }

    #[cfg(test)]
    fn of_statement(&self, text: &str) -> Option<Vec<i64>> {
        self.tables_of(text).map(|t| self.of_tables(&t))
    }
}

impl Fresh {
    /// The counters as of `seen` or later.
    async fn counts(&self, db: &Db, seen: i64) -> Result<Arc<Counts>, sqlx::Error> {
        let now = self.counts.read().unwrap_or_else(PoisonError::into_inner).clone();
        if now.sum >= seen && !now.of.is_empty() {
            return Ok(now);
        }
        let _one = self.reading.lock().await;
        let now = self.counts.read().unwrap_or_else(PoisonError::into_inner).clone();
        if now.sum >= seen && !now.of.is_empty() {
            return Ok(now);
        }
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, n FROM table_changes").fetch_all(&db.pool).await?;
        let (uncounted, indexes) = if now.of.is_empty() {
            let counted: HashSet<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
            let indexes: HashMap<String, String> =
                content_indexes(db).await?.into_iter().filter(|(_, table)| counted.contains(table.as_str())).collect();
            let uncounted = tables(db)
                .await?
                .into_iter()
                .filter(|t| !counted.contains(t.as_str()) && !indexes.contains_key(t))
                .collect();
            (uncounted, indexes)
        } else {
            (now.uncounted.clone(), now.indexes.clone())
        };
        let counts = Arc::new(Counts {
            sum: rows.iter().map(|(_, n)| n).sum(),
            of: rows.into_iter().collect(),
            uncounted,
            indexes,
        });
        *self.counts.write().unwrap_or_else(PoisonError::into_inner) = counts.clone();
        Ok(counts)
    }

    /// The rows kept under `key`, when the tables its statement names still have the counts
    /// they had when it was read. Which tables those are was worked out from the text once, when
    /// it was first read; the rows are copied out after the lock is let go.
    fn get<T: Clone + 'static>(&self, key: &Key, counts: &Counts) -> Option<Vec<T>> {
        let value = {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            let e = kept.map.get(key)?;
            if counts.of_tables(&e.tables) != e.counts {
                return None;
            }
            e.value.clone()
        };
        value.downcast_ref::<Vec<T>>().cloned()
    }

    /// Keeps a result. When the bound is reached, the results no longer served (a table they
    /// name has changed since) go first, and everything only when that is not enough.
    fn put<T: Send + Sync + 'static>(
        &self,
        now: &Counts,
        key: Key,
        tables: Vec<String>,
        counts: Vec<i64>,
        rows: Vec<T>,
    ) {
        let n = rows.len().max(1);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.rows + n > KEPT_ROWS {
            kept.map.retain(|_, e| now.of_tables(&e.tables) == e.counts);
            kept.rows = kept.map.values().map(|e| e.rows).sum();
        }
        if kept.rows + n > KEPT_ROWS {
            kept.map.clear();
            kept.rows = 0;
        }
        kept.rows += n;
        if let Some(old) = kept.map.insert(key, Entry { tables, counts, rows: n, value: Arc::new(rows) }) {
            kept.rows -= old.rows;
        }
    }

    /// The turn to read `key` under the counts `at`: at once when no request is reading it, else
    /// when the one reading it has finished (and, most often, kept what the caller wants).
    async fn turn(&self, key: &Key, at: &[i64]) -> Turn<'_> {
        let lock = self
            .turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((key.clone(), at.to_vec()))
            .or_default()
            .clone();
        let held = lock.lock_owned().await;
        Turn { fresh: self, held: Some(held) }
    }

    /// Reads answered from memory, and reads that went to the database and were kept, so far.
    pub fn served_and_read(&self) -> (u64, u64) {
        (self.served.load(Ordering::Relaxed), self.read.load(Ordering::Relaxed))
    }
}

/// A request's turn to read a statement (see [`Fresh::turn`]). Let go when dropped, also when
/// the request is cancelled mid-read.
struct Turn<'a> {
    fresh: &'a Fresh,
    held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut turns = self.fresh.turns.lock().unwrap_or_else(PoisonError::into_inner);
        drop(self.held.take());
        // The statements nobody holds or waits for any more (only the map's own reference is
        // left): this one, unless others wait, and any whose waiters were all cancelled. The map
        // holds at most the reads under way.
        turns.retain(|_, lock| Arc::strong_count(lock) > 1);
    }
}

/// SQLite's full-text indexes over a table of ours (`content='search_docs'`), with that table:
/// kept by the table's triggers, in its transactions, and written by nothing else.
async fn content_indexes(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    if db.backend != Backend::Sqlite {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(name, sql)| {
            let rest = &sql[sql.find("content='")? + "content='".len()..];
            Some((name.to_ascii_lowercase(), rest[..rest.find('\'')?].to_ascii_lowercase()))
        })
        .collect())
}

/// Every table of the database.
async fn tables(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let q = match db.backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
        Backend::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
    };
    sqlx::query_scalar(q).fetch_all(&db.pool).await
}

/// Gives every table a change counter and its triggers (run after the migrations, so a table a
/// later migration adds is counted from then on). Left uncounted: the bookkeeping tables and
/// SQLite's own, and a virtual table (the search index) with its shadow tables, which cannot
/// carry triggers.
pub(crate) async fn count_every_table(db: &Db) -> anyhow::Result<()> {
    sqlx::query("CREATE TABLE IF NOT EXISTS table_changes (name TEXT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(&db.pool)
        .await?;
    let all = tables(db).await?;
    let virtual_tables: Vec<String> = match db.backend {
        Backend::Sqlite => {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
            )
            .fetch_all(&db.pool)
            .await?
        }
        Backend::Postgres => Vec::new(),
    };
    let counted: Vec<&String> = all
        .iter()
        .filter(|t| {
            !t.starts_with("sqlite_")
                && !["table_changes", "schema_migrations"].contains(&t.as_str())
                && !virtual_tables.iter().any(|v| *t == v || t.starts_with(&format!("{v}_")))
        })
        .collect();
    let triggers: HashSet<String> = match db.backend {
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetch_all(&db.pool).await?
        }
        Backend::Postgres => {
            sqlx::query_scalar("SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal").fetch_all(&db.pool).await?
        }
    }
    .into_iter()
    .collect();
    if db.backend == Backend::Postgres {
        // Once per table and transaction: a counter row updated again and again inside one
        // transaction (an import's row-by-row inserts) leaves a chain of versions each later
        // update walks, and a transaction's changes become visible together anyway.
        sqlx::raw_sql(
            "CREATE OR REPLACE FUNCTION table_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF current_setting('gangju.changed_' || TG_TABLE_NAME, true) IS DISTINCT FROM txid_current()::text THEN \
             UPDATE table_changes SET n = n + 1 WHERE name = TG_TABLE_NAME; \
             PERFORM set_config('gangju.changed_' || TG_TABLE_NAME, txid_current()::text, true); \
             END IF; RETURN NULL; END $$",
        )
        .execute(&db.pool)
        .await?;
    }
    for t in counted {
        // Table names come from the schema; each is a plain identifier.
        if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let name = format!("changes_{t}");
        if triggers.contains(&name) || triggers.contains(&format!("{name}_i")) {
            continue;
        }
        let mut tx = db.pool.begin().await?;
        sqlx::query("INSERT INTO table_changes (name, n) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
            .bind(t)
            .execute(&mut *tx)
            .await?;
        let ddl = match db.backend {
            Backend::Sqlite => ["INSERT", "UPDATE", "DELETE"]
                .iter()
                .map(|op| {
                    format!(
                        "CREATE TRIGGER {name}_{} AFTER {op} ON {t} BEGIN \
                         UPDATE table_changes SET n = n + 1 WHERE name = '{t}'; END;",
                        op[..1].to_ascii_lowercase()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Backend::Postgres => format!(
                "CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} \
                 FOR EACH STATEMENT EXECUTE FUNCTION table_changed();"
            ),
        };
        sqlx::raw_sql(super::AssertSqlSafe(ddl)).execute(&mut *tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// `sql`'s rows: kept, or read and kept (see the module's note).
pub(crate) async fn fetch_all<T>(db: &Db, sql: Sql) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Clone + Send + Sync + Unpin + 'static,
{
    let Some(seen) = seen() else {
        return sql.query_as::<T>().fetch_all(&db.reads()).await;
    };
    let counts = db.fresh.counts(db, seen).await?;
    let key = Key { text: sql.text().to_string(), binds: sql.binds().to_string(), ty: TypeId::of::<T>() };
    if let Some(rows) = db.fresh.get::<T>(&key, &counts) {
        db.fresh.served.fetch_add(1, Ordering::Relaxed);
        return Ok(rows);
    }
    let Some(tables) = counts.tables_of(sql.text()) else {
        return sql.query_as::<T>().fetch_all(&db.reads()).await;
    };
    let at = counts.of_tables(&tables);
    let _turn = db.fresh.turn(&key, &at).await;
    // Whoever had the turn before has read it under these counts, unless it was too large to keep.
    if let Some(rows) = db.fresh.get::<T>(&key, &counts) {
        db.fresh.served.fetch_add(1, Ordering::Relaxed);
        return Ok(rows);
    }
    let rows = sql.query_as::<T>().fetch_all(&db.reads()).await?;
    if rows.len() <= ONE_RESULT_ROWS {
        db.fresh.read.fetch_add(1, Ordering::Relaxed);
        db.fresh.put(&counts, key, tables, at, rows.clone());
    }
    Ok(rows)
}

/// A single value (a count): kept like [`fetch_all`]'s rows.
pub(crate) async fn fetch_scalar<T>(db: &Db, sql: Sql) -> Result<T, sqlx::Error>
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    T: Clone + Send + Sync + Unpin + 'static,
{
    let rows: Vec<(T,)> = fetch_all(db, sql).await?;
    rows.into_iter().next().map(|(v,)| v).ok_or(sqlx::Error::RowNotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_kept_under_the_counts_of_the_tables_it_names_and_never_when_it_names_an_uncounted_one() {
        let c = Counts {
            sum: 7,
            of: [("people".to_string(), 3), ("units".to_string(), 4), ("party_orgs".to_string(), 0)].into(),
            uncounted: ["audit_log_fts_data".to_string()].into(),
            indexes: HashMap::new(),
        };
        // In name order (party_orgs, people, units), whatever the statement's order or case.
        assert_eq!(
            c.of_statement("SELECT count(*) FROM People p JOIN units n ON n.id = p.unit_id WHERE p.branch_id IN (SELECT id FROM party_orgs)"),
            Some(vec![0, 3, 4])
        );
        // `people_name` is an index, not the table; the alias `p` names nothing.
        assert_eq!(c.of_statement("SELECT id FROM units INDEXED BY people_name"), Some(vec![4]));
        assert_eq!(c.of_statement("SELECT block FROM audit_log_fts_data"), None);
        assert_eq!(c.of_statement("SELECT count(*) FROM people WHERE due_on < CURRENT_DATE"), None);
        assert_eq!(c.of_statement("SELECT 1"), Some(vec![]));
    }

    #[tokio::test]
    async fn a_turn_waits_for_the_one_before_and_leaves_nothing_behind_when_waiters_give_up() {
        let fresh: &'static Fresh = Box::leak(Box::default());
        let key = Key { text: "SELECT 1".into(), binds: String::new(), ty: TypeId::of::<i64>() };
        let first = fresh.turn(&key, &[1]).await;
        // Another statement, or the same under other counts, does not wait.
        drop(fresh.turn(&key, &[2]).await);
        let waiter = tokio::spawn({
            let key = key.clone();
            async move { drop(fresh.turn(&key, &[1]).await) }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "the same statement under the same counts waits");
        waiter.abort();
        let _ = waiter.await;
        let later = tokio::spawn({
            let key = key.clone();
            async move { drop(fresh.turn(&key, &[1]).await) }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        drop(first);
        later.await.unwrap();
        assert!(fresh.turns.lock().unwrap().is_empty(), "no turn is left once nobody reads");
    }

    #[test]
    fn a_full_text_index_goes_by_the_counter_of_the_table_it_indexes() {
        let c = Counts {
            sum: 9,
            of: [("search_docs".to_string(), 9)].into(),
            uncounted: ["search_fts_data".to_string()].into(),
            indexes: [("search_fts".to_string(), "search_docs".to_string())].into(),
        };
        assert_eq!(c.of_statement("SELECT rowid FROM search_fts WHERE search_fts MATCH $1"), Some(vec![9]));
        assert_eq!(
            c.of_statement(
                "SELECT d.id FROM search_docs d JOIN search_fts f ON f.rowid = d.id WHERE search_fts MATCH $1"
            ),
            Some(vec![9, 9])
        );
        assert_eq!(c.of_statement("SELECT block FROM search_fts_data"), None);
    }
}
