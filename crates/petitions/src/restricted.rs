//! The labelled ledgers (petitions, reception records, mediations): a reader needs `petition:view`
//! and a clearance at least the record's label; both are applied inside the query, on top of the
//! data scope. Every list, view and refused attempt is an audit row; exports are audited by the
//! shared export. The petitioner's confidential fields and the case details are sealed with SM4
//! under the field key kept outside the database: lists see only masked forms.

use crate::PETITION_VIEW;
use platform::crypto;
use platform::{AppError, AppResult, Ctx, CurrentUser};

/// The caller, if they may read the labelled ledgers at all.
pub fn reader(ctx: &Ctx) -> AppResult<&CurrentUser> {
    platform::labelled::reader(ctx, PETITION_VIEW)
}

pub use platform::labelled::{audit_list, push_visible};

/// One labelled record, read and audited (404, audited, when out of scope or above the caller's
/// clearance). `alias` is the table alias of `id`/`unit_id`/`label`.
pub async fn get_one<T>(ctx: &Ctx, select_from: &str, alias: &str, id: i64, object: &str) -> AppResult<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    platform::labelled::get_one(ctx, PETITION_VIEW, select_from, &format!("{alias}.id"), id, object, "").await
}

/// Whether the caller may read a labelled record, without reading or auditing it (for links).
pub async fn visible(ctx: &Ctx, table: &str, id: i64) -> AppResult<bool> {
    platform::labelled::visible(ctx, PETITION_VIEW, table, id).await
}

/// Seals a confidential value for storage ("" stays "", so an absent field reveals nothing).
pub fn seal(ctx: &Ctx, plain: &str) -> String {
    if plain.is_empty() { String::new() } else { crypto::seal(&ctx.state.keys.field, plain) }
}

/// Opens what `seal` made; a damaged value or a wrong key is an internal error, never shown.
pub fn open(ctx: &Ctx, sealed: &str, what: &str) -> AppResult<String> {
    if sealed.is_empty() {
        return Ok(String::new());
    }
    crypto::open(&ctx.state.keys.field, sealed).map_err(|e| AppError::Internal(anyhow::anyhow!("{what}: {e}")))
}

/// The keyed index of a value (trimmed, upper-cased) for exact search without decrypting.
pub fn index(ctx: &Ctx, plain: &str) -> String {
    crypto::blind_index(&ctx.state.keys.field, plain)
}

/// The first `n` characters of a text, with … when cut.
pub fn excerpt(text: &str, n: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    }
}
