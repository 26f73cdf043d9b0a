//! The shared ledger mechanism (台账): what every record kind needs, written once. An area
//! declares a ledger's list query, its export columns and an importer; paging lives in
//! `web::list`, attachments in `attachments`, search text in `search`, to-dos in `registry`.

pub mod export;
pub mod import;
pub mod upload;

pub use export::export_xlsx;
pub use import::{ImportOutcome, Importer, RowError};

use crate::error::{AppError, AppResult};

/// After `UPDATE … SET version = version + 1 WHERE id = $ AND version = $`: no row means someone
/// saved first (or the record is gone), and the user is told instead of being overwritten.
pub fn expect_one_updated(rows: u64) -> AppResult<()> {
    if rows == 1 { Ok(()) } else { Err(AppError::stale()) }
}
