//! A small builder for dynamic SQL with `$n` placeholders on both databases (sqlx's own builder
//! writes `?` for the Any driver, which PostgreSQL refuses). Text is only ever pushed from code;
//! user values only ever go through `bind`.

use sqlx::any::{Any, AnyArguments};
use sqlx::{Arguments, Encode, Type};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the process's database is PostgreSQL, told when it is opened ([`on_postgres`]); a
/// process serves one database. There id lists are one bound array ([`Sql::push_ids`]) and a
/// subquery list is an array ([`Sql::push_in_select`]).
static POSTGRES: AtomicBool = AtomicBool::new(false);

/// Statements built from now on are for PostgreSQL.
pub(super) fn on_postgres() {
    POSTGRES.store(true, Ordering::Relaxed);
}

fn postgres() -> bool {
    POSTGRES.load(Ordering::Relaxed)
}

#[derive(Default)]
pub struct Sql {
    text: String,
    args: AnyArguments,
    n: usize,
    /// The bound values as written by `Debug`, each ended by U+001F: with the text, what a kept
    /// result is found by ([`super::fresh`]).
    binds: String,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_string(), ..Default::default() }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: for<'q> Encode<'q, Any> + Type<Any> + Send + std::fmt::Debug + 'static,
    {
        self.text.push('$');
        self.text.push_str(&(self.n + 1).to_string());
        self.value(value)
    }

    /// A value for a placeholder the text already holds: for a statement written whole with its
    /// own `$1 … $n` (a placeholder used twice takes one value), whose values follow in order.
    pub fn value<T>(&mut self, value: T) -> &mut Self
    where
        T: for<'q> Encode<'q, Any> + Type<Any> + Send + std::fmt::Debug + 'static,
    {
        use std::fmt::Write;
        let _ = write!(self.binds, "{value:?}\u{1f}");
        self.n += 1;
        // Encoding a plain value into the Any buffer does not fail.
        let _ = self.args.add(value);
        self
    }

    /// A list of record ids for `IN (…)`: one bound value, so that the statement's text, and
    /// what its connection keeps prepared for it ([`Sql::query`]), is the same whatever the ids.
    /// On PostgreSQL it is an array; on SQLite a JSON array read by `json_each` (binding each
    /// id as a value of its own would cost SQLite a quadratic parameter lookup for an export's
    /// slice of thousands).
    pub fn push_ids(&mut self, ids: impl IntoIterator<Item = i64>) -> &mut Self {
        self.push_ids_as(ids, postgres())
    }

    fn push_ids_as(&mut self, ids: impl IntoIterator<Item = i64>, postgres: bool) -> &mut Self {
        use std::fmt::Write;
        let mut list = String::new();
        for id in ids {
            if !list.is_empty() {
                list.push(',');
            }
            let _ = write!(list, "{id}");
        }
        if postgres {
            self.push("SELECT unnest(CAST(").bind(format!("{{{list}}}")).push(" AS BIGINT[]))")
        } else {
            self.push("SELECT value FROM json_each(").bind(format!("[{list}]")).push(")")
        }
    }

    /// `col IN (SELECT …)`, the subquery written by `select`. On PostgreSQL it is written
    /// `col = ANY(ARRAY(SELECT …))`: the same rows (the subquery is read once either way), but a
    /// condition an index on `col` answers even inside an OR, where an `IN (SELECT …)` made
    /// PostgreSQL read every row of the table (a prison's open measures among a province's:
    /// 100–400 ms against 2–4 ms).
    pub fn push_in_select(&mut self, col: &str, select: impl FnOnce(&mut Self)) -> &mut Self {
        let pg = postgres();
        self.push(col).push(if pg { " = ANY(ARRAY(" } else { " IN (" });
        select(self);
        self.push(if pg { "))" } else { ")" })
    }

    /// A whole number written into the text: for LIMIT and OFFSET, which the planner must see to
    /// choose between reading a few rows in index order and sorting them all (a kept plan made
    /// for an unknown LIMIT assumes a tenth of the table). An integer cannot inject anything.
    pub fn push_number(&mut self, n: i64) -> &mut Self {
        self.text.push_str(&n.to_string());
        self
    }

    /// The statement inside `before` and `after` (`SELECT count(*) FROM (` … `) AS c`); its
    /// placeholders keep their numbers.
    pub fn wrap(mut self, before: &str, after: &str) -> Self {
        self.text.insert_str(0, before);
        self.text.push_str(after);
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn binds(&self) -> &str {
        &self.binds
    }

    /// Its rows, answered from memory while the tables it names are unchanged ([`super::fresh`]).
    pub async fn fetch_fresh<T>(self, db: &super::Db) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Clone + Send + Sync + Unpin + 'static,
    {
        super::fresh::fetch_all(db, self).await
    }

    /// Its single value (a count), answered like [`Sql::fetch_fresh`].
    pub async fn fetch_fresh_scalar<T>(self, db: &super::Db) -> Result<T, sqlx::Error>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
        T: Clone + Send + Sync + Unpin + 'static,
    {
        super::fresh::fetch_scalar(db, self).await
    }

    /// Drops every `LEFT JOIN t a ON a.id = b.c` whose alias `a` is used nowhere else in the
    /// statement: a lookup by primary key that finds at most one row for each row and adds none,
    /// there only to show a name. A count or a page's keys are the same without it, and SQLite
    /// still looks every one of them up when it counts (the meeting list's count: 1.24 → 0.63
    /// ms). Only such exact joins with no bound value are dropped, so the placeholders keep
    /// their numbers; a grouped statement is left whole.
    pub fn drop_unused_lookups(&mut self) -> &mut Self {
        if self.text.contains("GROUP BY") {
            return self;
        }
        const JOIN: &str = " LEFT JOIN ";
        let mut from = 0;
        while let Some(i) = self.text[from..].find(JOIN) {
            let at = from + i;
            match lookup_join(&self.text[at + JOIN.len()..]) {
                Some((alias, len)) if uses(&self.text, alias) == 1 => {
                    self.text.replace_range(at..at + JOIN.len() + len, "");
                }
                _ => from = at + 1,
            }
        }
        self
    }

    /// The statement to run, kept prepared on its connection (sqlx's LRU of 100 per connection)
    /// on both databases. Its id lists are one bound value ([`Sql::push_ids`]), so a statement's
    /// text does not change with the rows it is asked for. (When SQLite's lists were written into
    /// the text, each page's statement was new and a cache of them held most of the server's
    /// memory under load, so SQLite prepared every statement anew: parsing and planning a page of
    /// measures, with its derived columns, took 2.0 ms where running it took 0.4.) On PostgreSQL
    /// parsing and planning a list's statement cost more than running it, 1.6–4.5 ms against 1–3
    /// ms; there it is also planned once for all values (`plan_cache_mode`, set in
    /// [`super::Db::open`]).
    pub fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        sqlx::query_with(sqlx::AssertSqlSafe(self.text), self.args)
    }

    pub fn query_as<T>(self) -> sqlx::query::QueryAs<'static, Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(sqlx::AssertSqlSafe(self.text), self.args)
    }

    pub fn query_scalar<T>(self) -> sqlx::query::QueryScalar<'static, Any, T, AnyArguments>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(sqlx::AssertSqlSafe(self.text), self.args)
    }
}

/// `t a ON a.id = b.c` at the start of `rest`, ending where the next clause starts: the alias
/// and the clause's length.
fn lookup_join(rest: &str) -> Option<(&str, usize)> {
    let ident = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let column = |w: &str| matches!(w.split_once('.'), Some((a, c)) if ident(a) && ident(c));
    let words: Vec<&str> = rest.splitn(7, ' ').collect();
    let [table, alias, on, key, eq, other] = words.get(..6)?.try_into().ok()?;
    let ok = ident(table)
        && ident(alias)
        && on == "ON"
        && key.strip_prefix(alias) == Some(".id")
        && eq == "="
        && column(other)
        && !other.starts_with(&format!("{alias}."));
    let len = [table, alias, on, key, eq, other].iter().map(|w| w.len() + 1).sum::<usize>() - 1;
    let next = rest[len..].trim_start();
    let ends = next.is_empty()
        || ["LEFT JOIN ", "JOIN ", "WHERE ", "ORDER BY ", "CROSS JOIN ", "INNER JOIN "]
            .iter()
            .any(|k| next.starts_with(k));
    (ok && ends).then_some((alias, len))
}

/// How often `alias.` is written in `text` as a qualifier (not as the end of a longer name).
fn uses(text: &str, alias: &str) -> usize {
    let needle = format!("{alias}.");
    text.match_indices(&needle)
        .filter(|(i, _)| *i == 0 || !text.as_bytes()[i - 1].is_ascii_alphanumeric() && text.as_bytes()[i - 1] != b'_')
        .count()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_on_sqlite_are_one_bound_json_array() {
        let mut q = super::Sql::new("SELECT 1 WHERE y = ");
        q.bind(7_i64).push(" AND x IN (");
        q.push_ids_as([3, -4, 5], false).push(")");
        assert_eq!(q.text(), "SELECT 1 WHERE y = $1 AND x IN (SELECT value FROM json_each($2))");
        assert_eq!(q.binds(), "7\u{1f}\"[3,-4,5]\"\u{1f}");
        let mut e = super::Sql::new("IN (");
        e.push_ids_as(Vec::<i64>::new(), false).push(")");
        assert_eq!(e.binds(), "\"[]\"\u{1f}");
    }

    #[test]
    fn kept_prepared_ids_are_one_bound_array() {
        let mut q = super::Sql::new("SELECT 1 WHERE y = ");
        q.bind(7_i64).push(" AND x IN (");
        q.push_ids_as([3, -4, 5], true).push(")");
        assert_eq!(q.text(), "SELECT 1 WHERE y = $1 AND x IN (SELECT unnest(CAST($2 AS BIGINT[])))");
        assert_eq!(q.binds(), "7\u{1f}\"{3,-4,5}\"\u{1f}");
        let mut e = super::Sql::new("IN (");
        e.push_ids_as(Vec::<i64>::new(), true).push(")");
        assert_eq!(e.binds(), "\"{}\"\u{1f}");
    }

    #[test]
    fn unused_lookups_are_dropped_and_used_ones_kept() {
        let mut q = super::Sql::new(
            "SELECT count(*) FROM meetings m JOIN party_orgs o ON o.id = m.org_id \
             LEFT JOIN people h ON h.id = m.host_id LEFT JOIN people r ON r.id = m.recorder_id \
             LEFT JOIN units u ON u.id = m.unit_id WHERE u.name = ",
        );
        q.bind(String::from("x"));
        q.drop_unused_lookups();
        assert_eq!(
            q.text(),
            "SELECT count(*) FROM meetings m JOIN party_orgs o ON o.id = m.org_id \
             LEFT JOIN units u ON u.id = m.unit_id WHERE u.name = $1"
        );
        // A join another join reads through, one with more in its ON, and a grouped statement stay.
        for kept in [
            "SELECT count(*) FROM a x LEFT JOIN people h ON h.id = x.p LEFT JOIN units hu ON hu.id = h.unit_id WHERE hu.id = 1",
            "SELECT count(*) FROM a x LEFT JOIN people h ON h.id = x.p AND h.kind = 'police' WHERE x.y = 1",
            "SELECT count(*) FROM a x LEFT JOIN people h ON h.id = x.p GROUP BY x.y",
            "SELECT count(*) FROM a x LEFT JOIN people h ON h.id = x.p WHERE (SELECT 1 FROM b WHERE b.h = h.id)",
        ] {
            let mut q = super::Sql::new(kept);
            q.drop_unused_lookups();
            assert_eq!(q.text(), kept);
        }
        // The last join of a statement, and one an alias like `xh.` does not count as using.
        let mut q = super::Sql::new("SELECT x.id FROM a x LEFT JOIN people h ON h.id = x.p");
        q.drop_unused_lookups();
        assert_eq!(q.text(), "SELECT x.id FROM a x");
        let mut q = super::Sql::new("SELECT xh.id FROM a xh LEFT JOIN people h ON h.id = xh.p WHERE xh.q = 1");
        q.drop_unused_lookups();
        assert_eq!(q.text(), "SELECT xh.id FROM a xh WHERE xh.q = 1");
    }
}
