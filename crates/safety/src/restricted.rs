//! The labelled key-prisoner register, read through `platform::labelled` with `keyprisoner:view`:
//! permission and clearance inside the query, every list, view and refusal audited.

use crate::KEYPRISONER_VIEW;
use platform::{AppResult, Ctx, CurrentUser};

pub use platform::labelled::push_visible;

/// The caller, if they may read the register at all; a refusal is audited.
pub async fn reader(ctx: &Ctx) -> AppResult<&CurrentUser> {
    match platform::labelled::reader(ctx, KEYPRISONER_VIEW) {
        Ok(u) => Ok(u),
        Err(_) => Err(platform::labelled::refuse(ctx, "key_prisoner").await),
    }
}

/// One key prisoner (alias `k`), read and audited with `detail`; out of reach is an audited 404.
pub async fn get_one<T>(ctx: &Ctx, select_from: &str, id: i64, detail: &str) -> AppResult<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    reader(ctx).await?;
    platform::labelled::get_one(ctx, KEYPRISONER_VIEW, select_from, "k.id", id, "key_prisoner", detail).await
}

/// A list was read: with which filters.
pub async fn audit_list(ctx: &Ctx, filters: &str) -> AppResult<()> {
    platform::labelled::audit_list(ctx, "key_prisoner", filters).await
}
