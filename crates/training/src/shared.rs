//! What the ledgers of 教育培训 share: the unit a record belongs to, and attendance taken from
//! people in a few clicks — pick a unit (with everything under it) or a Party organisation, the
//! active people in scope are listed, each marked present (default), late, absent (with a
//! reason) or left out.

use crate::domain::ATTENDANCE;
use platform::db::{Sql, Tx};
use platform::web::FormCheck;
use platform::web::form::FormPairs;
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

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
pub async fn unit_in_scope(ctx: &Ctx, chosen: Option<i64>) -> AppResult<(i64, String)> {
    let user = ctx.user()?;
    let id = chosen.unwrap_or(user.unit_id);
    let mut q = Sql::new("SELECT u.id, u.name FROM units u WHERE u.id = ");
    q.bind(id).push(" AND (u.kind = 'department' OR u.id = ").bind(user.unit_id).push(") AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.query_as::<(i64, String)>()
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or_else(|| AppError::field("unit_id", "请选择您管理范围内的部门"))
}

pub use platform::scope::units_for_picking;

/// Party organisations whose unit is in the caller's scope: (id, name).
pub async fn orgs_for_picking(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT o.id, o.name FROM party_orgs o WHERE o.dissolved_on IS NULL AND ");
    user.scope.push_condition(&mut q, "o.unit_id", None);
    q.push(" ORDER BY o.path, o.sort_order LIMIT 500");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// The prison departments (for drills' participating units and plan items' lead departments).
pub async fn prison_departments(ctx: &Ctx, prison: Option<i64>) -> AppResult<Vec<(i64, String)>> {
    let prison = prison.or(ctx.user()?.prison_id).unwrap_or(-1);
    Ok(sqlx::query_as(
        "SELECT id, name FROM units WHERE prison_id = $1 AND kind = 'department' ORDER BY sort_order, id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// The prison a unit belongs to (the unit itself when it is one).
pub async fn prison_of(ctx: &Ctx, unit: i64) -> AppResult<i64> {
    sqlx::query_scalar("SELECT coalesce(prison_id, id) FROM units WHERE id = $1")
        .bind(unit)
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or_else(|| AppError::field("unit_id", "请选择有效的单位"))
}

/// A person offered on an attendance form.
#[derive(Clone, Debug, Serialize)]
pub struct Pickable {
    pub id: i64,
    pub name: String,
    pub unit_name: String,
}

/// The active people in scope of a unit's subtree (`pick_unit`) or a Party organisation's
/// (`pick_org`), and the people already on the form (`att_<id>` / `role_<id>`), in that order.
pub async fn listed_people(ctx: &Ctx, f: &FormPairs, prefix: &str) -> AppResult<Vec<Pickable>> {
    let user = ctx.user()?;
    let posted: Vec<i64> = f.prefixed(prefix).into_iter().filter_map(|(p, _)| p.parse().ok()).collect();
    let mut out: Vec<Pickable> = Vec::new();
    if !posted.is_empty() {
        let mut q =
            Sql::new("SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id IN (");
        for (n, p) in posted.iter().take(2000).enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.bind(*p);
        }
        q.push(") AND ");
        user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
        q.push(" ORDER BY u.sort_order, p.name, p.id");
        let rows: Vec<(i64, String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
        out.extend(rows.into_iter().map(|(id, name, unit_name)| Pickable { id, name, unit_name }));
    }
    let unit: Option<i64> = f.get("pick_unit").trim().parse().ok();
    let org: Option<i64> = f.get("pick_org").trim().parse().ok();
    if unit.is_none() && org.is_none() {
        return Ok(out);
    }
    let mut q = Sql::new(
        "SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employment_status = 'active' AND ",
    );
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    if let Some(u) = unit {
        q.push(" AND u.path LIKE (SELECT s.path FROM units s WHERE s.id = ").bind(u).push(") || '%'");
    }
    if let Some(o) = org {
        q.push(" AND p.branch_id IN (SELECT b.id FROM party_orgs b WHERE b.path LIKE (SELECT g.path FROM party_orgs g WHERE g.id = ")
            .bind(o)
            .push(") || '%')");
    }
    q.push(" ORDER BY u.sort_order, p.name, p.id LIMIT 1000");
    let rows: Vec<(i64, String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let seen: std::collections::HashSet<i64> = out.iter().map(|p| p.id).collect();
    out.extend(rows.into_iter().filter(|r| !seen.contains(&r.0)).map(|(id, name, unit_name)| Pickable {
        id,
        name,
        unit_name,
    }));
    Ok(out)
}

/// `att_<person id>` = present / late / absent (with `reason_<person id>`), or `none` (left out).
pub fn parse_attendance(c: &mut FormCheck, f: &FormPairs) -> Vec<(i64, String, String)> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (person, status) in f.prefixed("att_") {
        let Ok(pid) = person.trim().parse::<i64>() else {
            c.add("attendance", "参加人员编号有误");
            continue;
        };
        let status = status.trim().to_string();
        if status == "none" || status.is_empty() {
            continue;
        }
        if !ATTENDANCE.iter().any(|(s, _)| *s == status) {
            c.add("attendance", "出勤情况只能是出席、迟到或缺席");
            continue;
        }
        if !seen.insert(pid) {
            continue;
        }
        let reason = c.text("attendance", "缺席原因", &f.get(&format!("reason_{pid}")), 100, false);
        if status == "absent" && reason.is_empty() {
            c.add("attendance", "缺席人员须填写缺席原因");
        }
        out.push((pid, status, reason));
    }
    out
}

/// The JSON `attendance: [{person_id, status, reason}]` as the pairs the page form posts.
pub fn attendance_pairs(v: &serde_json::Value, pairs: &mut Vec<(String, String)>) {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    for a in v.get("attendance").and_then(|a| a.as_array()).into_iter().flatten().take(5000) {
        let pid = a.get("person_id").map(text).unwrap_or_default();
        pairs.push((format!("att_{pid}"), a.get("status").map(text).unwrap_or_else(|| "present".into())));
        pairs.push((format!("reason_{pid}"), a.get("reason").map(text).unwrap_or_default()));
    }
}

/// Every one of `people` is a person of the caller's scope; otherwise a field error on `field`.
pub async fn check_people(ctx: &Ctx, people: &[i64], field: &str, msg: &str) -> AppResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let user = ctx.user()?;
    let mut unique = people.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut q = Sql::new("SELECT count(*) FROM people p WHERE p.id IN (");
    for (n, p) in unique.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(*p);
    }
    q.push(") AND ");
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    let found: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
    if found != unique.len() as i64 { Err(AppError::field(field, msg)) } else { Ok(()) }
}

/// Writes the attendance rows of a record (`table` is one of ours, never typed by a user).
pub async fn write_attendance(
    tx: &mut Tx,
    table: &'static str,
    owner_col: &'static str,
    id: i64,
    rows: &[(i64, String, String)],
) -> AppResult<()> {
    let sql = format!("INSERT INTO {table} ({owner_col}, person_id, status, reason) VALUES ($1,$2,$3,$4)");
    for (person, status, reason) in rows {
        sqlx::query(platform::db::AssertSqlSafe(sql.clone()))
            .bind(id)
            .bind(*person)
            .bind(status)
            .bind(reason)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// One attendance row as shown on a record's page.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Attendee {
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub status: String,
    pub reason: String,
}

impl Attendee {
    pub fn status_label(&self) -> &'static str {
        crate::domain::label(ATTENDANCE, &self.status)
    }
}

pub async fn attendees(ctx: &Ctx, table: &'static str, owner_col: &'static str, id: i64) -> AppResult<Vec<Attendee>> {
    let sql = format!(
        "SELECT a.person_id, p.name, u.name AS unit_name, a.status, a.reason FROM {table} a \
         JOIN people p ON p.id = a.person_id JOIN units u ON u.id = p.unit_id WHERE a.{owner_col} = $1 \
         ORDER BY CASE a.status WHEN 'absent' THEN 1 ELSE 0 END, u.sort_order, p.name LIMIT 5000"
    );
    Ok(sqlx::query_as(platform::db::AssertSqlSafe(sql)).bind(id).fetch_all(&ctx.state.db.pool).await?)
}

/// A JSON body as form pairs: scalar fields as they are, the attendance list as `att_`/`reason_`,
/// and other arrays repeated (`unit_ids: [1, 2]`).
pub fn json_pairs(
    b: Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<FormPairs> {
    let axum::Json(v) = b.map_err(|e| {
        AppError::BadRequest(format!("请求体不是有效的 JSON：{}", e.body_text().chars().take(200).collect::<String>()))
    })?;
    let Some(map) = v.as_object() else {
        return Err(AppError::BadRequest("请求体须为 JSON 对象".into()));
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        other => other.to_string(),
    };
    let mut pairs = Vec::new();
    for (k, val) in map {
        match (k.as_str(), val) {
            ("attendance", _) => attendance_pairs(&v, &mut pairs),
            ("people", serde_json::Value::Array(items)) => {
                for p in items.iter().take(5000) {
                    let pid = p.get("person_id").map(text).unwrap_or_default();
                    pairs
                        .push((format!("role_{pid}"), p.get("role").map(text).unwrap_or_else(|| "participant".into())));
                }
            }
            (_, serde_json::Value::Array(items)) => {
                pairs.extend(items.iter().take(5000).map(|x| (k.clone(), text(x))));
            }
            (_, other) => pairs.push((k.clone(), text(other))),
        }
    }
    Ok(FormPairs::from(pairs))
}
