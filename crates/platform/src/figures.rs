//! A figure: a number a report prints, with its definition and the records it counted, so that
//! every figure can be traced. The figure catalogue (#11) collects the areas' figure functions.

use crate::db::Sql;
use crate::{AppResult, Ctx};
use serde::Serialize;
use std::future::Future;

#[derive(Clone, Debug, Serialize)]
pub struct FigureRecord {
    pub id: i64,
    pub label: String,
    pub href: String,
    /// For a figure that adds up amounts (people counted per unit, say) rather than counting
    /// records: what this record contributes. `None` for a plain count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub name: &'static str,
    pub definition: String,
    pub unit: &'static str,
    pub value: i64,
    /// Exactly the records counted: `value == records.len()` for a count, and the sum of the
    /// records' amounts for a sum.
    pub records: Vec<FigureRecord>,
    /// Whether the value adds up the records' amounts instead of counting them.
    pub summed: bool,
}

impl Figure {
    /// A figure that counts its records. Given only their number ([`Rows::Count`], inside
    /// [`value_only`]), it carries no records.
    pub fn count(
        key: &'static str,
        name: &'static str,
        unit: &'static str,
        definition: String,
        records: impl Into<Rows<FigureRecord>>,
    ) -> Self {
        let records = records.into();
        let value = records.len();
        Self { key, name, definition, unit, value, records: records.into_vec(), summed: false }
    }

    /// A figure whose value is the sum of its records' amounts (a record without one adds 0).
    pub fn sum(
        key: &'static str,
        name: &'static str,
        unit: &'static str,
        definition: String,
        records: Vec<FigureRecord>,
    ) -> Self {
        let value = records.iter().filter_map(|r| r.amount).sum();
        Self { key, name, definition, unit, value, records, summed: true }
    }
}

/// What a figure counted: every row, or (asked inside [`value_only`]) only how many there are.
#[derive(Clone, Debug)]
pub enum Rows<T> {
    All(Vec<T>),
    Count(i64),
}

impl<T> Rows<T> {
    pub fn len(&self) -> i64 {
        match self {
            Rows::All(v) => v.len() as i64,
            Rows::Count(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each row turned into something else (a row into its record); a count stays a count.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Rows<U> {
        match self {
            Rows::All(v) => Rows::All(v.into_iter().map(f).collect()),
            Rows::Count(n) => Rows::Count(n),
        }
    }

    /// The rows of both, or the sum of the counts; a count with rows counts them.
    pub fn chain(self, other: Rows<T>) -> Rows<T> {
        match (self, other) {
            (Rows::All(mut a), Rows::All(b)) => {
                a.extend(b);
                Rows::All(a)
            }
            (a, b) => Rows::Count(a.len() + b.len()),
        }
    }

    /// The rows; none for a count.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Rows::All(v) => v,
            Rows::Count(_) => Vec::new(),
        }
    }
}

impl<T> From<Vec<T>> for Rows<T> {
    fn from(v: Vec<T>) -> Self {
        Rows::All(v)
    }
}

tokio::task_local! {
    static VALUE_ONLY: ();
}

/// Runs `f` (a figure's computation) for its value alone: the figures it computes count their
/// rows in the database (`SELECT count(*)`) instead of reading every one of them to build
/// records nobody will show. The value is the same either way. A dashboard, the work report, a
/// goal's indicator and the value API ask like this; the drill-down asks for the records.
pub async fn value_only<F: Future>(f: F) -> F::Output {
    VALUE_ONLY.scope((), f).await
}

/// A figure's rows: those of `q` in the order `order` (`" ORDER BY …"`, or empty); inside
/// [`value_only`], only how many there are, counted by the database.
pub async fn fetch<T>(ctx: &Ctx, mut q: Sql, order: &str) -> AppResult<Rows<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    if VALUE_ONLY.try_with(|_| ()).is_ok() {
        q.drop_unused_lookups();
        let n: i64 = q.wrap("SELECT count(*) FROM (", ") AS counted").fetch_fresh_scalar(&ctx.state.db).await?;
        return Ok(Rows::Count(n));
    }
    q.push(order);
    Ok(Rows::All(q.query_as().fetch_all(&ctx.state.db.reads()).await?))
}

/// Rows of (id, label) as records whose pages are `{href}{id}` (`/safety/hazards/` …).
pub fn records(rows: impl Into<Rows<(i64, String)>>, href: &str) -> Rows<FigureRecord> {
    rows.into().map(|(id, label)| FigureRecord { amount: None, href: format!("{href}{id}"), id, label })
}

/// A rate: numerator over denominator, each a count with its own records.
#[derive(Clone, Debug, Serialize)]
pub struct Rate {
    pub key: &'static str,
    pub name: &'static str,
    pub definition: String,
    /// Whole percent, rounded down; 0 when nothing was due.
    pub percent: i64,
    pub numerator: Figure,
    pub denominator: Figure,
}

impl Rate {
    pub fn new(
        key: &'static str,
        name: &'static str,
        definition: String,
        numerator: Figure,
        denominator: Figure,
    ) -> Self {
        let percent = if denominator.value == 0 { 0 } else { numerator.value * 100 / denominator.value };
        Self { key, name, definition, percent, numerator, denominator }
    }
}

/// What a figure is asked for: a period and, optionally, one unit (its whole subtree).
#[derive(Clone, Copy, Debug)]
pub struct FigureArgs {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
}

/// A computed figure: a count with its records, or a rate with both of its counts.
#[derive(Clone, Debug)]
pub enum FigureValue {
    Count(Figure),
    Rate(Rate),
}

pub type FigureFn =
    for<'a> fn(&'a crate::Ctx, FigureArgs) -> crate::registry::BoxFuture<'a, crate::AppResult<FigureValue>>;

/// An entry of the figure catalogue (#11): a stable key, its name and definition in words, the
/// unit of its value, who may see it, and how it is computed. The unit parameter narrows the
/// caller's data scope before `compute` runs, so every figure takes it the same way.
#[derive(Clone, Copy)]
pub struct FigureDef {
    pub key: &'static str,
    pub name: &'static str,
    pub definition: &'static str,
    /// "个", "项", "人", "%" …
    pub unit: &'static str,
    pub need: &'static str,
    pub compute: FigureFn,
}

impl std::fmt::Debug for FigureDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FigureDef").field("key", &self.key).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_counts_agree_on_their_length() {
        let rows: Rows<(i64, String)> = vec![(1, "甲".to_string()), (2, "乙".to_string())].into();
        let recs = records(rows, "/x/");
        assert_eq!(recs.len(), 2);
        let all = recs.clone().into_vec();
        assert_eq!((all[1].id, all[1].href.as_str(), all[1].label.as_str()), (2, "/x/2", "乙"));
        // A count maps to a count, chains by adding, and makes a figure of that value with no records.
        let counted: Rows<FigureRecord> = records(Rows::Count(5), "/x/");
        assert_eq!(counted.clone().chain(recs.clone()).len(), 7);
        assert_eq!(recs.clone().chain(recs).len(), 4);
        let f = Figure::count("k", "名", "个", String::new(), counted);
        assert_eq!((f.value, f.records.len()), (5, 0));
    }
}
