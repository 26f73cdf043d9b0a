//! A figure: a number a report prints, with its definition and the records it counted, so that
//! every figure can be traced. The figure catalogue (#11) collects the areas' figure functions.

use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct FigureRecord {
    pub id: i64,
    pub label: String,
    pub href: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub name: &'static str,
    pub definition: String,
    pub unit: &'static str,
    pub value: i64,
    /// Exactly the records counted: `value == records.len()` for a count.
    pub records: Vec<FigureRecord>,
}

impl Figure {
    pub fn count(
        key: &'static str,
        name: &'static str,
        unit: &'static str,
        definition: String,
        records: Vec<FigureRecord>,
    ) -> Self {
        Self { key, name, definition, unit, value: records.len() as i64, records }
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
