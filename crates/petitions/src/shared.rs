//! What the ledgers of 信访稳定 share: the unit a record belongs to, the people offered on forms
//! (the caller's prison), the handlers a petition may be assigned to (accounts that may handle
//! petitions and are cleared for them), and the special periods.

use crate::domain::RESTRICTED;
use platform::db::Sql;
use platform::{AppError, AppResult, Ctx};

/// Departments in the caller's scope (and the caller's own unit), offered as the unit a record
/// belongs to.
pub async fn departments(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT u.id, u.name FROM units u WHERE (u.kind = 'department' OR u.id = ");
    q.bind(user.unit_id).push(") AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.push(" ORDER BY u.sort_order, u.id LIMIT 500");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// The unit a record is saved in: the chosen department (or the caller's own unit) when it is in
/// the caller's scope; the caller's own unit when none is chosen.
pub async fn unit_in_scope(ctx: &Ctx, chosen: Option<i64>) -> AppResult<i64> {
    let user = ctx.user()?;
    let id = chosen.unwrap_or(user.unit_id);
    let mut q = Sql::new("SELECT u.id FROM units u WHERE u.id = ");
    q.bind(id).push(" AND (u.kind = 'department' OR u.id = ").bind(user.unit_id).push(") AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.query_scalar::<i64>()
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or_else(|| AppError::field("unit_id", "请选择您管理范围内的部门"))
}

/// The departments of the caller's prison (a petition's unit concerned, a finding's department).
pub async fn prison_departments(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let prison = ctx.user()?.prison_id.unwrap_or(-1);
    Ok(sqlx::query_as(
        "SELECT id, name FROM units WHERE prison_id = $1 AND kind = 'department' ORDER BY sort_order, id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// Whether `unit` is a department of the caller's prison.
pub async fn is_prison_department(ctx: &Ctx, unit: i64) -> AppResult<bool> {
    let prison = ctx.user()?.prison_id.unwrap_or(-1);
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM units WHERE id = $1 AND prison_id = $2 AND kind = 'department'")
            .bind(unit)
            .bind(prison)
            .fetch_one(&ctx.state.db.pool)
            .await?;
    Ok(n > 0)
}

/// Active people of the caller's prison: (id, "name（unit post）"), leaders first when asked.
pub async fn prison_people(ctx: &Ctx, leaders_first: bool) -> AppResult<Vec<(i64, String)>> {
    let prison = ctx.user()?.prison_id.unwrap_or(-1);
    let order = if leaders_first {
        "CASE p.leadership_level WHEN 'division' THEN 0 WHEN 'deputy_division' THEN 1 WHEN 'section' THEN 2 ELSE 3 END, u.sort_order, p.name"
    } else {
        "u.sort_order, p.name"
    };
    let mut q = Sql::new(
        "SELECT p.id, p.name || '（' || u.name || ' ' || p.post || '）' FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE p.employment_status = 'active' AND u.prison_id = ",
    );
    q.bind(prison).push(" ORDER BY ").push(order).push(", p.id LIMIT 3000");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// Whether a person is active in the caller's prison (a group member, someone on duty, a
/// mediator, the officer responsible for a watch).
pub async fn person_ok(ctx: &Ctx, person: i64) -> AppResult<bool> {
    let prison = ctx.user()?.prison_id.unwrap_or(-1);
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1 AND u.prison_id = $2 \
         AND p.employment_status = 'active'",
    )
    .bind(person)
    .bind(prison)
    .fetch_one(&ctx.state.db.pool)
    .await?;
    Ok(n > 0)
}

/// Accounts that may handle a petition: active, holding `petition:edit` through a role, cleared
/// for the label, in the caller's prison: (user id, "name（unit）").
pub async fn handlers(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let prison = ctx.user()?.prison_id.unwrap_or(-1);
    Ok(sqlx::query_as(
        "SELECT u.id, u.display_name || '（' || n.name || '）' FROM users u JOIN units n ON n.id = u.unit_id \
         WHERE u.status = 'active' AND u.clearance >= $1 AND (n.prison_id = $2 OR n.id = $2) \
         AND EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id \
                     WHERE ur.user_id = u.id AND rp.permission = $3) ORDER BY u.display_name, u.id",
    )
    .bind(RESTRICTED)
    .bind(prison)
    .bind(crate::PETITION_EDIT)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// Special periods in the caller's scope, newest first: (id, "name（from 至 to）").
pub async fn periods(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT s.id, s.name || '（' || s.starts_on || ' 至 ' || s.ends_on || '）' FROM stability_periods s WHERE ",
    );
    user.scope.push_condition(&mut q, "s.unit_id", None);
    q.push(" ORDER BY s.starts_on DESC, s.id DESC LIMIT 200");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// Whether a special period is in the caller's scope.
pub async fn period_ok(ctx: &Ctx, period: i64) -> AppResult<bool> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT count(*) FROM stability_periods s WHERE s.id = ");
    q.bind(period).push(" AND ");
    user.scope.push_condition(&mut q, "s.unit_id", None);
    Ok(q.query_scalar::<i64>().fetch_one(&ctx.state.db.pool).await? > 0)
}

/// "HH:MM" (24 hours) or empty.
pub fn time_of_day(c: &mut platform::web::FormCheck, field: &str, label: &str, value: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        return String::new();
    }
    match v.parse::<jiff::civil::Time>() {
        Ok(t) => t.strftime("%H:%M").to_string(),
        Err(_) => {
            c.add(field, format!("{label}须为时:分（如 09:30）"));
            String::new()
        }
    }
}
