//! Labelled ledgers (integrity talks, accountability cases, key prisoners, petitions …): a reader
//! needs the ledger's permission and a clearance at least the record's label (set by the security
//! administrator); both are applied inside the query, on top of the data scope. Every list, view
//! and refused attempt is an audit row; exports are audited by the shared export. Records keep
//! their unit in `{alias}.unit_id` and their label in `{alias}.label`.

use crate::audit::Event;
use crate::db::Sql;
use crate::{AppError, AppResult, Ctx, CurrentUser};

/// The caller, if they hold `perm`, the permission to read this labelled ledger at all.
pub fn reader<'a>(ctx: &'a Ctx, perm: &str) -> AppResult<&'a CurrentUser> {
    let user = ctx.user()?;
    if !user.can(perm) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// Appends "in scope and cleared": `unit_col` inside the data scope, `label_col` ≤ clearance.
pub fn push_visible(q: &mut Sql, user: &CurrentUser, unit_col: &str, label_col: &str) {
    q.push("(");
    user.scope.push_condition(q, unit_col, None);
    q.push(" AND ").push(label_col).push(" <= ").bind(user.clearance).push(")");
}

/// One labelled record, read and audited; a record out of scope or above the caller's clearance
/// answers 404 and the attempt is audited too.
/// `detail` goes into the view's audit row (e.g. the record's number).
pub async fn get_one<T>(
    ctx: &Ctx,
    perm: &str,
    select_from: &str,
    id_col: &str,
    id: i64,
    object: &str,
    detail: &str,
) -> AppResult<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let user = reader(ctx, perm)?;
    let alias = id_col.split('.').next().unwrap_or("");
    let mut q = Sql::new(select_from);
    q.push(" WHERE ").push(id_col).push(" = ").bind(id).push(" AND ");
    push_visible(&mut q, user, &format!("{alias}.unit_id"), &format!("{alias}.label"));
    match q.query_as::<T>().fetch_optional(&ctx.state.db.pool).await? {
        Some(row) => {
            ctx.state.audit_alone(&ctx.actor(), Event::ok("view", object, id).detail(detail.to_string())).await?;
            Ok(row)
        }
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", object, id)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Whether the caller may read a labelled record of `table`, without reading or auditing it (for
/// links and counts).
pub async fn visible(ctx: &Ctx, perm: &str, table: &str, id: i64) -> AppResult<bool> {
    let user = reader(ctx, perm)?;
    let mut q = Sql::new("SELECT count(*) FROM ");
    q.push(table).push(" r WHERE r.id = ").bind(id).push(" AND ");
    push_visible(&mut q, user, "r.unit_id", "r.label");
    Ok(q.query_scalar::<i64>().fetch_one(&ctx.state.db.pool).await? > 0)
}

/// A list was read: which ledger, with which filters.
pub async fn audit_list(ctx: &Ctx, object: &str, filters: &str) -> AppResult<()> {
    ctx.state.audit_alone(&ctx.actor(), Event::ok("view_list", object, "").detail(filters.to_string())).await?;
    Ok(())
}

/// A refusal before any record is touched (no permission) is audited as well.
pub async fn refuse(ctx: &Ctx, object: &str) -> AppError {
    let _ = ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", object, "")).await;
    AppError::Forbidden
}
