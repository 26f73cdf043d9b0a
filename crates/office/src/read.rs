use crate::guard::{self, Kind};
use crate::{Limits, OfficeError, Table, csv, xlsx};

/// Reads an uploaded `.xlsx` (its first worksheet) or CSV into the columns
/// named by `expected`.
///
/// The format is told from the content, never from the file name. The
/// header row is the first of the first five non-empty rows holding every
/// expected header (trimmed, exact, in any order; extra columns ignored), so
/// both an export from [`crate::write_xlsx`] (title row first) and a bare
/// template can be imported. Rows empty in all expected columns are skipped.
pub fn read_table(bytes: &[u8], expected: &[&str], limits: &Limits) -> Result<Table, OfficeError> {
    if bytes.is_empty() {
        return Err(OfficeError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(OfficeError::TooLarge { max_mb: limits.max_bytes.div_ceil(1024 * 1024) });
    }
    match guard::sniff(bytes) {
        Kind::Xlsx => xlsx::read(bytes, expected, limits),
        Kind::Compound => Err(OfficeError::NotATable),
        Kind::Text => csv::read(bytes, expected, limits),
    }
}
