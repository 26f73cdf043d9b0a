//! The shared ledger mechanism (台账): what every record kind needs, written once. An area
//! declares a ledger's list query, its export columns and an importer; paging lives in
//! `web::list`, attachments in `attachments`, search text in `search`, to-dos in `registry`.

pub mod export;
pub mod import;
pub mod upload;

pub use export::{export_list, export_xlsx};
pub use import::{ImportOutcome, Importer, RowError};

use crate::error::{AppError, AppResult};

/// After `UPDATE … SET version = version + 1 WHERE id = $ AND version = $`: no row means someone
/// saved first (or the record is gone), and the user is told instead of being overwritten.
pub fn expect_one_updated(rows: u64) -> AppResult<()> {
    if rows == 1 { Ok(()) } else { Err(AppError::stale()) }
}

/// One record by id, only if it is inside the caller's data scope; otherwise NotFound, and the
/// attempt is audited. `select_from` is "SELECT … FROM … [JOIN …]" (no WHERE); `id_col`,
/// `unit_col` and `owner_col` name columns of it; `object` names the record kind in the audit row.
pub async fn get_in_scope<T>(
    ctx: &crate::Ctx,
    select_from: &str,
    id_col: &str,
    id: i64,
    unit_col: &str,
    owner_col: Option<&str>,
    object: &str,
) -> AppResult<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let user = ctx.user()?;
    let mut q = crate::db::Sql::new(select_from);
    q.push(" WHERE ").push(id_col).push(" = ").bind(id).push(" AND ");
    user.scope.push_condition(&mut q, unit_col, owner_col);
    match q.query_as::<T>().fetch_optional(&ctx.state.db.pool).await? {
        Some(row) => Ok(row),
        None => {
            ctx.state.audit_alone(&ctx.actor(), crate::audit::Event::failed("access_denied", object, id)).await?;
            Err(AppError::NotFound)
        }
    }
}
