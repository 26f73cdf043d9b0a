//! The labelled ledgers of this area (integrity talks, accountability cases) read through
//! `platform::labelled` with the discipline permission.

use crate::DISCIPLINE_VIEW;
use platform::{AppResult, Ctx, CurrentUser};

pub use platform::labelled::{audit_list, push_visible};

/// The caller, if they may read this area's labelled ledgers at all.
pub fn reader(ctx: &Ctx) -> AppResult<&CurrentUser> {
    platform::labelled::reader(ctx, DISCIPLINE_VIEW)
}

/// One labelled record of this area, read and audited (404, audited, when out of reach).
pub async fn get_one<T>(ctx: &Ctx, select_from: &str, id_col: &str, id: i64, object: &str) -> AppResult<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    platform::labelled::get_one(ctx, DISCIPLINE_VIEW, select_from, id_col, id, object, "").await
}
