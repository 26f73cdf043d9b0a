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
