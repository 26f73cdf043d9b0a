//! A figure: a number a report prints, with its definition and the records it counted, so that
//! every figure can be traced. The figure catalogue (#11) collects the areas' figure functions.

use serde::Serialize;

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
    pub fn count(
        key: &'static str,
        name: &'static str,
        unit: &'static str,
        definition: String,
        records: Vec<FigureRecord>,
    ) -> Self {
        Self { key, name, definition, unit, value: records.len() as i64, records, summed: false }
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
