//! 隐患整改: a hazard found by an inspection (or in daily rounds) with its level, responsible
//! department, deadline and place; the department records the rectification and its evidence
//! (files attached to the hazard), and the inspecting side signs it off (销号) or sends it back.
//! Whoever rectified cannot sign off their own work. 已逾期 is derived from the deadline and the
//! clock; an overdue hazard is a to-do until it is signed off.

use crate::domain::*;
use crate::inspections::Inspection;
use crate::shared::{JsonBody, callers_prison, json_pairs, past_date, prison_departments, prison_of, unit_in_scope};
use crate::{SAFETY_EDIT, SAFETY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use office::Cell;
use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::registry::{BoxFuture, CardSource, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx, CurrentUser};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(SAFETY_VIEW), Need::Perm(SAFETY_EDIT));
    r.get("/safety/hazards", view, "隐患整改", list_page)
        .get("/safety/hazards/export", view, "导出隐患整改台账", export)
        .get("/safety/hazards/new", edit, "登记日常发现的隐患页", new_page)
        .post("/safety/hazards", edit, "登记日常发现的隐患", create_page)
        .get("/safety/hazards/{id}", view, "隐患详情（整改、证明材料、销号）", view_page)
        .get("/safety/hazards/{id}/edit", edit, "修改隐患页", edit_page)
        .post("/safety/hazards/{id}", edit, "修改隐患（未销号的）", update_page)
        .post("/safety/hazards/{id}/rectify", edit, "报送整改情况（责任部门）", rectify_page)
        .post("/safety/hazards/{id}/sign_off", edit, "隐患销号（检查方）", sign_off_page)
        .post("/safety/hazards/{id}/return", edit, "退回整改（检查方）", return_page)
        .get(
            "/api/v1/hazards",
            view,
            "隐患列表（status=open|rectified|closed|overdue|unclosed, level, kind, group, unit, year, from, to, q）",
            api_list,
        )
        .post(
            "/api/v1/hazards",
            edit,
            "登记隐患（inspection_id 或 source_unit_id, unit_id, kind, found_on, place, description, level, deadline）",
            api_create,
        )
        .get("/api/v1/hazards/{id}", view, "隐患详情", api_get)
        .put(
            "/api/v1/hazards/{id}",
            edit,
            "修改隐患（place, description, level, unit_id, deadline, version）",
            api_update,
        )
        .post(
            "/api/v1/hazards/{id}/rectify",
            edit,
            "报送整改情况（rectification, evidence, rectified_on, version）",
            api_rectify,
        )
        .post("/api/v1/hazards/{id}/sign_off", edit, "隐患销号（version）", api_sign_off)
        .post("/api/v1/hazards/{id}/return", edit, "退回整改（note, version）", api_return)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Hazard {
    pub id: i64,
    pub inspection_id: Option<i64>,
    pub source_unit_id: i64,
    pub source_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub found_on: String,
    pub place: String,
    pub description: String,
    pub level: String,
    pub deadline: String,
    pub rectification: String,
    pub evidence: String,
    pub rectified_on: Option<String>,
    pub rectified_by: Option<i64>,
    pub status: String,
    pub closed_on: Option<String>,
    pub closed_by_name: String,
    pub returned_note: String,
    /// 1 when past its deadline and not signed off today (derived in the query).
    pub overdue: i64,
    pub version: i64,
}

impl Hazard {
    pub fn kind_label(&self) -> &'static str {
        label(INSPECTION_KINDS, &self.kind)
    }
    pub fn level_label(&self) -> &'static str {
        label(HAZARD_LEVELS, &self.level)
    }
    pub fn level_tag(&self) -> &'static str {
        if self.level == "major" { "red" } else { "orange" }
    }
    pub fn status_label(&self) -> &'static str {
        if self.overdue == 1 { "已逾期" } else { label(HAZARD_STATUSES, &self.status) }
    }
    pub fn status_tag(&self) -> &'static str {
        match (self.overdue, self.status.as_str()) {
            (1, _) => "red",
            (_, "closed") => "green",
            (_, "rectified") => "blue",
            _ => "grey",
        }
    }
    pub fn short(&self) -> String {
        let s: String = self.description.chars().take(30).collect();
        if self.description.chars().count() > 30 { format!("{s}…") } else { s }
    }
}

/// SQL (0/1) for "overdue at `at`": past the deadline and not signed off by then. The date is ours.
pub fn overdue_sql(at: Date) -> String {
    format!("(CASE WHEN NOT (h.status = 'closed' AND h.closed_on <= '{at}') AND h.deadline < '{at}' THEN 1 ELSE 0 END)")
}

/// The condition "overdue at `at`" ([`overdue_sql`] = 1) as a filter. From `today` on it is
/// "not signed off and past the deadline" (a sign-off is dated the day it is made), which the
/// index of open hazards answers without reading the signed-off history.
pub fn overdue_where(at: Date, today: Date) -> String {
    if at >= today {
        return format!("(h.status <> 'closed' AND h.deadline < '{at}')");
    }
    format!("{} = 1", overdue_sql(at))
}

fn cols(at: Date) -> String {
    format!(
        "h.id, h.inspection_id, h.source_unit_id, s.name AS source_name, h.unit_id, u.name AS unit_name, h.kind, h.found_on, h.place, \
         h.description, h.level, h.deadline, h.rectification, h.evidence, h.rectified_on, h.rectified_by, h.status, h.closed_on, \
         h.closed_by_name, h.returned_note, {} AS overdue, h.version",
        overdue_sql(at)
    )
}
const FROM: &str = "FROM hazards h JOIN units u ON u.id = h.unit_id JOIN units s ON s.id = h.source_unit_id";
pub const SORTS: &[(&str, &str)] =
    &[("deadline", "h.deadline"), ("found_on", "h.found_on"), ("level", "h.level"), ("unit", "u.sort_order")];

/// The responsible department or the inspecting side in scope.
pub fn push_scope(q: &mut Sql, user: &CurrentUser) {
    q.push("(");
    user.scope.push_condition(q, "h.unit_id", None);
    q.push(" OR ");
    user.scope.push_condition(q, "h.source_unit_id", None);
    q.push(")");
}

/// Filters: status (open | rectified | closed | overdue | unclosed), level, kind, group, unit
/// (responsible), year / from / to (found), inspection, q (description, place). Without a sort:
/// overdue first, then by deadline.
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Hazard>> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let g = |k: &str| p.get(k).to_string();
    let (status, level, kind, group, from, to, text) =
        (g("status"), g("level"), g("kind"), g("group"), g("from"), g("to"), g("q"));
    let (year, unit, inspection) = (year_of(p.get("year")), p.get_i64("unit"), p.get_i64("inspection"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = format!("{} DESC, CASE h.status WHEN 'closed' THEN 1 ELSE 0 END, h.deadline", overdue_sql(today));
    }
    Ok(fetch_page::<Hazard>(
        &ctx.state.db,
        &cols(today),
        "h.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_scope(q, user);
            match status.as_str() {
                "overdue" => {
                    q.push(" AND ").push(&overdue_where(today, today));
                }
                "unclosed" => {
                    q.push(" AND h.status <> 'closed'");
                }
                "" => {}
                s => {
                    q.push(" AND h.status = ").bind(s.to_string());
                }
            }
            for (col, v) in [("h.level", &level), ("h.kind", &kind)] {
                if !v.is_empty() {
                    q.push(" AND ").push(col).push(" = ").bind(v.clone());
                }
            }
            if let Some(gs) = group_sql(&group, "h.kind") {
                q.push(" AND ").push(&gs);
            }
            if let Some(y) = year {
                q.push(" AND h.found_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND h.found_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND h.found_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND h.found_on <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND h.unit_id = ").bind(u);
            }
            if let Some(i) = inspection {
                q.push(" AND h.inspection_id = ").bind(i);
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (h.description LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR h.place LIKE ");
                q.bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

/// One hazard in the caller's scope (a miss is audited and answered NotFound).
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Hazard> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let mut q = Sql::new(&format!("SELECT {} {FROM} WHERE h.id = ", cols(today)));
    q.bind(id).push(" AND ");
    push_scope(&mut q, user);
    match q.query_as::<Hazard>().fetch_optional(&ctx.state.db.pool).await? {
        Some(h) => Ok(h),
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "hazard", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// The hazards an inspection found (the inspection was read in scope already).
pub async fn of_inspection(ctx: &Ctx, inspection: i64) -> AppResult<Vec<Hazard>> {
    let today = platform::clock::today(&ctx.state.clock);
    let sql = format!("SELECT {} {FROM} WHERE h.inspection_id = $1 ORDER BY h.id LIMIT 500", cols(today));
    Ok(sqlx::query_as(platform::db::AssertSqlSafe(sql)).bind(inspection).fetch_all(&ctx.state.db.pool).await?)
}

/// Whether a unit is inside the caller's scope.
async fn covers(ctx: &Ctx, unit: i64) -> AppResult<bool> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT count(*) FROM units u WHERE u.id = ");
    q.bind(unit).push(" AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    Ok(q.query_scalar::<i64>().fetch_one(&ctx.state.db.pool).await? > 0)
}

/// Registering hazards of an inspection: the inspecting unit is the caller's.
pub async fn may_register(ctx: &Ctx, i: &Inspection) -> AppResult<bool> {
    Ok(ctx.can(SAFETY_EDIT) && covers(ctx, i.unit_id).await?)
}

/// What the caller may do with a hazard: (manage = edit, sign off, send back; rectify).
pub async fn may(ctx: &Ctx, h: &Hazard) -> AppResult<(bool, bool)> {
    if !ctx.can(SAFETY_EDIT) {
        return Ok((false, false));
    }
    Ok((covers(ctx, h.source_unit_id).await?, covers(ctx, h.unit_id).await?))
}

pub struct HazardInput {
    pub inspection_id: Option<i64>,
    pub source_unit_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub kind: String,
    pub found_on: Option<Date>,
    pub place: String,
    pub description: String,
    pub level: String,
    pub deadline: Option<Date>,
    pub version: Option<i64>,
}

/// `from_inspection`: the kind and date come from the inspection and are not asked for.
pub fn parse(f: &FormPairs, today: Date, from_inspection: bool) -> AppResult<HazardInput> {
    let mut c = FormCheck::new();
    let inspection_id = c.opt_id("inspection_id", "检查", &f.get("inspection_id"));
    let source_unit_id = c.opt_id("source_unit_id", "发现单位", &f.get("source_unit_id"));
    let unit_id = c.opt_id("unit_id", "责任部门", &f.get("unit_id"));
    if unit_id.is_none() && !c.errors.contains_key("unit_id") {
        c.add("unit_id", "请选择责任部门");
    }
    let (kind, found_on) = if from_inspection || inspection_id.is_some() {
        (String::new(), None)
    } else {
        (
            c.choice("kind", "隐患类别", &f.get("kind"), INSPECTION_KINDS),
            past_date(&mut c, f, "found_on", "发现日期", true, today),
        )
    };
    let place = c.text("place", "隐患部位", &f.get("place"), 100, true);
    let description = c.long_text("description", "隐患描述", &f.get("description"), 1000, true);
    let level = c.choice("level", "隐患等级", &f.get("level"), HAZARD_LEVELS);
    let deadline = c.date("deadline", "整改期限", &f.get("deadline"), true);
    c.finish()?;
    Ok(HazardInput {
        inspection_id,
        source_unit_id,
        unit_id,
        kind,
        found_on,
        place,
        description,
        level,
        deadline,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The responsible department is a department of the source unit's prison.
async fn check_department(ctx: &Ctx, source: i64, unit: i64) -> AppResult<()> {
    let prison = prison_of(ctx, source).await?;
    let ok: i64 =
        sqlx::query_scalar("SELECT count(*) FROM units WHERE id = $1 AND prison_id = $2 AND kind = 'department'")
            .bind(unit)
            .bind(prison)
            .fetch_one(&ctx.state.db.pool)
            .await?;
    if ok == 0 { Err(AppError::field("unit_id", "责任部门须为本监狱的部门")) } else { Ok(()) }
}

/// Registers a hazard: from an inspection (its unit is the inspecting side, its kind and date
/// the hazard's), or found in daily rounds by a unit in the caller's scope.
pub async fn create(ctx: &Ctx, i: &HazardInput) -> AppResult<i64> {
    let (source, kind, found_on) = match i.inspection_id {
        Some(iid) => {
            let ins = crate::inspections::get(ctx, iid).await?;
            if !may_register(ctx, &ins).await? {
                return Err(AppError::Forbidden);
            }
            (ins.unit_id, ins.kind, ins.inspected_on)
        }
        None => {
            let (source, _) = unit_in_scope(ctx, i.source_unit_id, "source_unit_id").await?;
            (source, i.kind.clone(), i.found_on.map(|d| d.to_string()).unwrap_or_default())
        }
    };
    let unit = i.unit_id.unwrap_or_default();
    check_department(ctx, source, unit).await?;
    let deadline = i.deadline.map(|d| d.to_string()).unwrap_or_default();
    if deadline < found_on {
        return Err(AppError::field("deadline", "整改期限不能早于发现日期"));
    }
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO hazards (inspection_id, source_unit_id, unit_id, kind, found_on, place, description, level, deadline, created_by, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
    )
    .bind(i.inspection_id)
    .bind(source)
    .bind(unit)
    .bind(&kind)
    .bind(&found_on)
    .bind(&i.place)
    .bind(&i.description)
    .bind(&i.level)
    .bind(&deadline)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail: String = i.description.chars().take(60).collect();
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "hazard", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The inspecting side corrects a hazard not yet signed off.
pub async fn update(ctx: &Ctx, id: i64, i: &HazardInput) -> AppResult<()> {
    let h = get(ctx, id).await?;
    if !may(ctx, &h).await?.0 {
        return Err(AppError::Forbidden);
    }
    if h.status == "closed" {
        return Err(AppError::Conflict("已销号的隐患不能修改".into()));
    }
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = i.unit_id.unwrap_or_default();
    check_department(ctx, h.source_unit_id, unit).await?;
    let deadline = i.deadline.map(|d| d.to_string()).unwrap_or_default();
    if deadline < h.found_on {
        return Err(AppError::field("deadline", "整改期限不能早于发现日期"));
    }
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE hazards SET unit_id = $1, place = $2, description = $3, level = $4, deadline = $5, version = version + 1, updated_at = $6 \
         WHERE id = $7 AND version = $8",
    )
    .bind(unit)
    .bind(&i.place)
    .bind(&i.description)
    .bind(&i.level)
    .bind(&deadline)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "hazard", id).detail(h.short())).await?;
    tx.commit().await?;
    Ok(())
}

pub struct RectifyInput {
    pub rectification: String,
    pub evidence: String,
    pub rectified_on: Date,
    pub version: Option<i64>,
}

pub fn parse_rectify(f: &FormPairs, today: Date) -> AppResult<RectifyInput> {
    let mut c = FormCheck::new();
    let rectification = c.long_text("rectification", "整改措施及完成情况", &f.get("rectification"), 2000, true);
    let evidence = c.long_text("evidence", "整改证明材料", &f.get("evidence"), 1000, true);
    let day = past_date(&mut c, f, "rectified_on", "整改完成日期", true, today);
    c.finish()?;
    Ok(RectifyInput {
        rectification,
        evidence,
        rectified_on: day.unwrap_or(today),
        version: f.get("version").trim().parse().ok(),
    })
}

/// The responsible department reports the rectification with its evidence; it then waits for
/// sign-off.
pub async fn rectify(ctx: &Ctx, id: i64, i: &RectifyInput) -> AppResult<()> {
    let h = get(ctx, id).await?;
    if !may(ctx, &h).await?.1 {
        return Err(AppError::Forbidden);
    }
    if h.status != "open" {
        return Err(AppError::Conflict("该隐患已报送整改或已销号".into()));
    }
    if i.rectified_on.to_string() < h.found_on {
        return Err(AppError::field("rectified_on", "整改完成日期不能早于发现日期"));
    }
    let version = i.version.unwrap_or(h.version);
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE hazards SET rectification = $1, evidence = $2, rectified_on = $3, rectified_by = $4, status = 'rectified', \
         version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7 AND status = 'open'",
    )
    .bind(&i.rectification)
    .bind(&i.evidence)
    .bind(i.rectified_on.to_string())
    .bind(user.id)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("rectify", "hazard", id).detail(h.short())).await?;
    tx.commit().await?;
    Ok(())
}

/// The inspecting side signs off (`close`) or sends back with a note.
pub async fn decide(ctx: &Ctx, id: i64, close: bool, note: &str, version: Option<i64>) -> AppResult<()> {
    let h = get(ctx, id).await?;
    if !may(ctx, &h).await?.0 {
        return Err(AppError::Forbidden);
    }
    if h.status != "rectified" {
        return Err(AppError::Conflict("只有已报送整改的隐患才能销号或退回".into()));
    }
    let user = ctx.user()?;
    if close && h.rectified_by == Some(user.id) {
        return Err(AppError::Conflict("整改报送人不能为自己报送的整改销号，请由检查方另一人销号".into()));
    }
    if !close && note.trim().is_empty() {
        return Err(AppError::field("note", "请填写退回原因"));
    }
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let (now, version) = (ctx.state.clock.now_ms(), version.unwrap_or(h.version));
    let mut tx = ctx.state.db.begin().await?;
    let n = if close {
        sqlx::query(
            "UPDATE hazards SET status = 'closed', closed_on = $1, closed_by = $2, closed_by_name = $3, version = version + 1, \
             updated_at = $4 WHERE id = $5 AND version = $6 AND status = 'rectified'",
        )
        .bind(today)
        .bind(user.id)
        .bind(user.display_name.clone())
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query(
            "UPDATE hazards SET status = 'open', returned_note = $1, rectified_by = NULL, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND version = $4 AND status = 'rectified'",
        )
        .bind(note.trim().chars().take(500).collect::<String>())
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    expect_one_updated(n)?;
    let ev = if close { "sign_off" } else { "return" };
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok(ev, "hazard", id).detail(h.short())).await?;
    tx.commit().await?;
    Ok(())
}

pub struct HazardAttachments;

impl AttachmentOwner for HazardAttachments {
    fn view_perm(&self) -> &'static str {
        SAFETY_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        SAFETY_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/safety/hazards/{owner_id}")
    }
}

/// For those who rectify or sign off: hazards overdue or due within a week and not signed off,
/// and rectifications waiting for the caller's side to sign off.
pub struct HazardTodos;

impl TodoSource for HazardTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(SAFETY_EDIT) {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let mut q =
                Sql::new(&format!("SELECT {} {FROM} WHERE h.status <> 'closed' AND (h.deadline <= ", cols(today)));
            q.bind(today.saturating_add(7.days()).to_string()).push(" OR (h.status = 'rectified' AND ");
            user.scope.push_condition(&mut q, "h.source_unit_id", None);
            q.push(")) AND ");
            push_scope(&mut q, user);
            q.push(" ORDER BY h.deadline, h.id LIMIT 50");
            let rows: Vec<Hazard> = q.fetch_fresh(&ctx.state.db).await?;
            Ok(rows
                .into_iter()
                .map(|h| {
                    let (title, level) = match (h.overdue, h.status.as_str()) {
                        (1, _) => (format!("隐患逾期未销号：{}", h.short()), "overdue"),
                        (_, "rectified") => (format!("隐患整改待销号：{}", h.short()), "due_soon"),
                        _ => (format!("隐患整改即将到期：{}", h.short()), "due_soon"),
                    };
                    Todo {
                        title,
                        detail: format!("{}，责任部门 {}，{}", h.level_label(), h.unit_name, h.status_label()),
                        due: Some(h.deadline.clone()),
                        href: format!("/safety/hazards/{}", h.id),
                        level,
                        source: "安保维稳",
                    }
                })
                .collect())
        })
    }
}

/// 待整改隐患 on the home page: hazards in scope not yet signed off.
pub struct OpenHazardsCard;

impl CardSource for OpenHazardsCard {
    fn card<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Option<(String, String, String)>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(SAFETY_VIEW) {
                return Ok(None);
            }
            let mut q = Sql::new("SELECT count(*) FROM hazards h WHERE h.status <> 'closed' AND ");
            push_scope(&mut q, user);
            let n: i64 = q.fetch_fresh_scalar(&ctx.state.db).await?;
            Ok(Some(("待整改隐患".into(), n.to_string(), "/safety/hazards?status=unclosed".into())))
        })
    }
}

#[derive(Template)]
#[template(path = "hazards_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Hazard>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
    groups: Codes,
    levels: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/safety/hazards", "隐患整改", &[("安保维稳", ""), ("隐患整改", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: INSPECTION_KINDS,
        groups: KIND_GROUPS,
        levels: HAZARD_LEVELS,
        can_edit: ctx.can(SAFETY_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = [
        "发现日期",
        "类别",
        "发现单位",
        "隐患部位",
        "隐患描述",
        "等级",
        "责任部门",
        "整改期限",
        "整改措施及完成情况",
        "证明材料",
        "状态",
        "销号日期",
        "销号人",
    ];
    platform::ledger::export_list(
        &ctx,
        "隐患整改",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |h| {
            vec![
                Cell::from(h.found_on.clone()),
                Cell::from(h.kind_label()),
                Cell::from(h.source_name.clone()),
                Cell::from(h.place.clone()),
                Cell::from(h.description.clone()),
                Cell::from(h.level_label()),
                Cell::from(h.unit_name.clone()),
                Cell::from(h.deadline.clone()),
                Cell::from(h.rectification.clone()),
                Cell::from(h.evidence.clone()),
                Cell::from(h.status_label()),
                Cell::from(h.closed_on.clone().unwrap_or_default()),
                Cell::from(h.closed_by_name.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "hazard_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    depts: Vec<(i64, String)>,
    kinds: Codes,
    levels: Codes,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改隐患" } else { "登记日常发现的隐患" };
    let frame =
        Frame::new(ctx, title, "/safety/hazards", &[("安保维稳", ""), ("隐患整改", "/safety/hazards"), (title, "")]);
    let depts = prison_departments(ctx, callers_prison(ctx).await?).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units: crate::shared::departments(ctx).await?,
            depts,
            kinds: INSPECTION_KINDS,
            levels: HAZARD_LEVELS,
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock);
    let unit = ctx.user()?.unit_id.to_string();
    let pairs = vec![
        ("source_unit_id".to_string(), unit.clone()),
        ("unit_id".to_string(), unit),
        ("kind".to_string(), "fire".to_string()),
        ("level".to_string(), "general".to_string()),
        ("found_on".to_string(), today.to_string()),
        ("deadline".to_string(), today.saturating_add(15.days()).to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock), false) {
        Ok(i) if i.inspection_id.is_none() => create(&ctx, &i).await,
        Ok(_) => Err(AppError::BadRequest("检查发现的隐患请在检查详情中登记".into())),
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/safety/hazards/{id}"), "隐患已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

/// 登记检查发现的隐患, from the inspection's page.
pub async fn add_from_inspection_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock), true) {
        Ok(mut i) => {
            i.inspection_id = Some(id);
            create(&ctx, &i).await
        }
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/safety/inspections/{id}#hazards"),
            "隐患已登记，责任部门整改后由检查方销号",
        )),
        Err(AppError::Validation(errors)) => crate::inspections::view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let h = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("unit_id".to_string(), h.unit_id.to_string()),
        ("place".to_string(), h.place),
        ("description".to_string(), h.description),
        ("level".to_string(), h.level),
        ("deadline".to_string(), h.deadline),
        ("version".to_string(), h.version.to_string()),
    ]);
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock), true) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/hazards/{id}"), "隐患已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "hazard_view.html")]
struct ViewPage {
    frame: Frame,
    h: Hazard,
    files: Vec<platform::attachments::Attachment>,
    can_manage: bool,
    can_rectify: bool,
    own_rectification: bool,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let h = get(ctx, id).await?;
    let files = platform::attachments::list_for(ctx, "hazard", id).await?;
    let (can_manage, can_rectify) = may(ctx, &h).await?;
    let own_rectification = h.rectified_by == Some(ctx.user()?.id);
    let frame = Frame::new(
        ctx,
        "隐患详情",
        "/safety/hazards",
        &[("安保维稳", ""), ("隐患整改", "/safety/hazards"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ViewPage { frame, h, files, can_manage, can_rectify, own_rectification, f, errors }))
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    view(&ctx, id, FormPairs::from(vec![("rectified_on".to_string(), today)]), FieldErrors::new()).await
}

async fn rectify_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse_rectify(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => rectify(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/hazards/{id}"), "整改情况已报送，待检查方销号")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn sign_off_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    decide(&ctx, id, true, "", f.get("version").trim().parse().ok()).await?;
    Ok(redirect_with_flash(&format!("/safety/hazards/{id}"), "隐患已销号"))
}

async fn return_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match decide(&ctx, id, false, &f.get("note"), f.get("version").trim().parse().ok()).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/hazards/{id}"), "已退回责任部门重新整改")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let h = get(&ctx, id).await?;
    let files = platform::attachments::list_for(&ctx, "hazard", id).await?;
    Ok(Json(serde_json::json!({ "hazard": h, "attachments": files })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?, platform::clock::today(&ctx.state.clock), false)?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?, platform::clock::today(&ctx.state.clock), true)?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_rectify(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse_rectify(&json_pairs(b)?, platform::clock::today(&ctx.state.clock))?;
    rectify(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_sign_off(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    decide(&ctx, id, true, "", f.get("version").trim().parse().ok()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_return(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    decide(&ctx, id, false, &f.get("note"), f.get("version").trim().parse().ok()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
