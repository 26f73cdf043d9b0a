//! Spreadsheet export and import for the ledgers.
//!
//! Export writes one-sheet `.xlsx` workbooks ([`write_xlsx`]); import reads an
//! uploaded `.xlsx` or CSV into rows keyed by expected headers ([`read_table`]).
//! Uploads are hostile until proven otherwise: every limit in [`Limits`] is
//! enforced before the bytes reach a parser, and reading never panics.

mod csv;
mod error;
mod guard;
mod read;
mod table;
mod value;
mod write;
mod xlsx;

pub use error::OfficeError;
pub use read::read_table;
pub use write::{SheetWriter, neutralise, write_xlsx};

/// One spreadsheet cell value for export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Empty,
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<&String> for Cell {
    fn from(text: &String) -> Self {
        Cell::Text(text.clone())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Int(i64::from(n))
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Float(n)
    }
}

impl From<Option<String>> for Cell {
    fn from(text: Option<String>) -> Self {
        text.map_or(Cell::Empty, Cell::Text)
    }
}

/// Limits for reading an uploaded table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the upload itself.
    pub max_bytes: usize,
    /// Data rows (not counting the title, header and empty rows).
    pub max_rows: usize,
    /// Sum of the sizes an `.xlsx` archive declares for its entries.
    pub max_unzipped_bytes: u64,
    /// Characters (not bytes) in one trimmed cell of an expected column.
    pub max_cell_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_rows: 10_000,
            max_unzipped_bytes: 100 * 1024 * 1024,
            max_cell_chars: 2_000,
        }
    }
}

/// A table read from an upload: `rows` holds the data rows in the order of
/// the `expected` headers given to [`read_table`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<Row>,
}

/// One data row of an uploaded table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The 1-based row number the user sees in Excel, or the CSV line number
    /// where the record starts, so error messages point at the right place.
    pub line: usize,
    /// Trimmed, one per expected header, `""` when empty.
    pub cells: Vec<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
