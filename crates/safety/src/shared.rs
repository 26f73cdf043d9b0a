//! What the ledgers of 安保维稳 share: the unit a record belongs to, the people of the record's
//! prison (inspectors, handling officers, responsible officers, those on closed duty), the period
//! of a summary, and an API body read as the pairs the page forms post.

use platform::db::Sql;
use platform::web::FormCheck;
use platform::web::form::FormPairs;
use platform::{AppError, AppResult, Ctx};
use std::collections::BTreeMap;

pub type JsonBody = Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

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
pub async fn unit_in_scope(ctx: &Ctx, chosen: Option<i64>, field: &str) -> AppResult<(i64, String)> {
    let user = ctx.user()?;
    let id = chosen.unwrap_or(user.unit_id);
    let mut q = Sql::new("SELECT u.id, u.name FROM units u WHERE u.id = ");
    q.bind(id).push(" AND (u.kind = 'department' OR u.id = ").bind(user.unit_id).push(") AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.query_as::<(i64, String)>()
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or_else(|| AppError::field(field, "请选择您管理范围内的部门"))
}

/// The prison a unit belongs to (the unit itself when it is one).
pub async fn prison_of(ctx: &Ctx, unit: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT coalesce(prison_id, id) FROM units WHERE id = $1")
        .bind(unit)
        .fetch_one(&ctx.state.db.pool)
        .await?)
}

/// The departments of a prison (responsible departments of hazards, inspected units).
pub async fn prison_departments(ctx: &Ctx, prison: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, name FROM units WHERE prison_id = $1 AND kind = 'department' ORDER BY sort_order, id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// The caller's prison, or the first prison in scope (for the forms' pickers).
pub async fn callers_prison(ctx: &Ctx) -> AppResult<i64> {
    let user = ctx.user()?;
    if let Some(p) = user.prison_id {
        return Ok(p);
    }
    let mut q = Sql::new(
        "SELECT coalesce(min(coalesce(u.prison_id, u.id)), -1) FROM units u WHERE u.kind IN ('prison', 'department') AND ",
    );
    user.scope.push_condition(&mut q, "u.id", None);
    Ok(q.query_scalar().fetch_one(&ctx.state.db.pool).await?)
}

/// Active people of a prison: (id, "name（unit post）").
pub async fn prison_people(ctx: &Ctx, prison: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.name || '（' || u.name || CASE WHEN p.post = '' THEN '' ELSE ' ' || p.post END || '）' \
         FROM people p JOIN units u ON u.id = p.unit_id WHERE u.prison_id = $1 AND p.employment_status = 'active' \
         ORDER BY u.sort_order, p.name, p.id LIMIT 3000",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// Every one of `ids` is an active person of the prison; otherwise a field error.
pub async fn check_prison_people(ctx: &Ctx, prison: i64, ids: &[i64], field: &str, msg: &str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut q = Sql::new(
        "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employment_status = 'active' AND u.prison_id = ",
    );
    q.bind(prison).push(" AND p.id IN (");
    q.push_ids(unique.iter().copied());
    q.push(")");
    let n: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
    if n == unique.len() as i64 { Ok(()) } else { Err(AppError::field(field, msg)) }
}

/// Whole-number ids of a repeated field; a bad one is a field error.
pub fn ids(c: &mut FormCheck, f: &FormPairs, field: &str, what: &str, max: usize) -> Vec<i64> {
    let mut out = Vec::new();
    for raw in f.all(field, max) {
        match raw.trim().parse::<i64>() {
            Ok(id) if !out.contains(&id) => out.push(id),
            Ok(_) => {}
            Err(_) => c.add(field, format!("请选择有效的{what}")),
        }
    }
    out
}

/// A date that may not lie after today.
pub fn past_date(
    c: &mut FormCheck,
    f: &FormPairs,
    field: &str,
    label: &str,
    required: bool,
    today: jiff::civil::Date,
) -> Option<jiff::civil::Date> {
    let d = c.date(field, label, &f.get(field), required);
    if d.is_some_and(|d| d > today) {
        c.add(field, format!("{label}不能晚于今天"));
    }
    d
}

/// The period of a summary: `year`, or `from`..`to` (default: this year).
pub fn period_of(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<(String, String)> {
    let this = platform::clock::today(&ctx.state.clock).year();
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    if let Some(y) = platform::clock::year_param(q.get("year").map(String::as_str))? {
        return Ok((format!("{y}-01-01"), format!("{y}-12-31")));
    }
    let date = |k: &str, default: String| -> AppResult<String> {
        match get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<jiff::civil::Date>()
                .map(|d| d.to_string())
                .map_err(|_| AppError::BadRequest(format!("{k} 须为 YYYY-MM-DD 格式的日期"))),
        }
    };
    let (from, to) = (date("from", format!("{this}-01-01"))?, date("to", format!("{this}-12-31"))?);
    if from > to {
        return Err(AppError::BadRequest("开始日期不能晚于结束日期".into()));
    }
    Ok((from, to))
}

/// A JSON body as form pairs: scalars as text, `attendance: [{person_id, status, reason}]` as
/// `att_`/`reason_`, `results: [{position, result, note}]` as `res_`/`note_`, other arrays repeated.
pub fn json_pairs(b: JsonBody) -> AppResult<FormPairs> {
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
            ("attendance", serde_json::Value::Array(items)) => {
                for a in items.iter().take(5000) {
                    let pid = a.get("person_id").map(text).unwrap_or_default();
                    pairs.push((format!("att_{pid}"), a.get("status").map(text).unwrap_or_else(|| "present".into())));
                    pairs.push((format!("reason_{pid}"), a.get("reason").map(text).unwrap_or_default()));
                }
            }
            ("results", serde_json::Value::Array(items)) => {
                for a in items.iter().take(500) {
                    let pos = a.get("position").map(text).unwrap_or_default();
                    pairs.push((format!("res_{pos}"), a.get("result").map(text).unwrap_or_default()));
                    pairs.push((format!("note_{pos}"), a.get("note").map(text).unwrap_or_default()));
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

/// `att_<person id>` = present / late / absent (with `reason_<person id>`), or `none` (left out).
pub fn parse_attendance(c: &mut FormCheck, f: &FormPairs) -> Vec<(i64, String, String)> {
    let mut out: Vec<(i64, String, String)> = Vec::new();
    for (person, status) in f.prefixed("att_") {
        let Ok(pid) = person.trim().parse::<i64>() else {
            c.add("attendance", "参会人员编号有误");
            continue;
        };
        let status = status.trim().to_string();
        if status == "none" || status.is_empty() || out.iter().any(|(p, ..)| *p == pid) {
            continue;
        }
        if !crate::domain::ATTENDANCE.iter().any(|(s, _)| *s == status) {
            c.add("attendance", "出勤情况只能是出席、迟到或缺席");
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

pub use platform::scope::units_for_picking;

/// Active people in the caller's scope in a unit's subtree: (id, name, unit name).
pub async fn people_of_unit(ctx: &Ctx, unit: i64) -> AppResult<Vec<(i64, String, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employment_status = 'active' AND ",
    );
    user.scope.push_condition(&mut q, "p.unit_id", None);
    q.push(" AND u.path LIKE (SELECT s.path FROM units s WHERE s.id = ").bind(unit).push(") || '%'");
    q.push(" ORDER BY u.sort_order, p.name, p.id LIMIT 1000");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// People in the caller's scope by id, with their unit (for forms re-shown with the people
/// already chosen).
pub async fn people_named(ctx: &Ctx, ids: &[i64]) -> AppResult<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id IN (");
    q.push_ids(ids[..ids.len().min(2000)].iter().copied());
    q.push(") AND ");
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    q.push(" ORDER BY u.sort_order, p.name, p.id");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}
