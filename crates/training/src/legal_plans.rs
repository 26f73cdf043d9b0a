//! 年度普法工作计划: a unit's plan for a year (one per unit and year) and its items, each with the
//! law it is about, a lead department and a deadline, marked done with the day and a note. An
//! item is overdue when its deadline has passed undone; items due soon are to-dos.

use crate::domain::*;
use crate::shared::{departments, json_pairs, prison_departments, prison_of, unit_in_scope};
use crate::{TRAINING_EDIT, TRAINING_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

/// How many days ahead an undone item counts as due.
pub const DUE_DAYS: i64 = 14;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(TRAINING_VIEW), Need::Perm(TRAINING_EDIT));
    r.get("/training/legal/plans", view, "年度普法计划", list_page)
        .get("/training/legal/plans/new", edit, "新增普法计划页", new_page)
        .post("/training/legal/plans", edit, "新增普法计划", create_page)
        .get("/training/legal/plans/{id}", view, "普法计划详情（含计划事项与完成情况）", view_page)
        .get("/training/legal/plans/{id}/edit", edit, "修改普法计划页", edit_page)
        .post("/training/legal/plans/{id}", edit, "修改普法计划", update_page)
        .post("/training/legal/plans/{id}/delete", edit, "删除普法计划（含事项）", delete_page)
        .post("/training/legal/plans/{id}/items", edit, "新增计划事项", add_item_page)
        .post(
            "/training/legal/plans/{id}/done",
            edit,
            "登记计划事项完成（item_id, done_on, done_note）",
            plan_done_page,
        )
        .post("/training/legal/items/{id}/done", edit, "登记计划事项完成", done_page)
        .post("/training/legal/items/{id}/reopen", edit, "撤销计划事项完成", reopen_page)
        .post("/training/legal/items/{id}/delete", edit, "删除计划事项", delete_item_page)
        .get("/api/v1/legal_plans", view, "普法计划列表（year, unit）", api_list)
        .post("/api/v1/legal_plans", edit, "新增普法计划（unit_id, year, title, doc_number, summary）", api_create)
        .get("/api/v1/legal_plans/{id}", view, "普法计划详情（含计划事项）", api_get)
        .put("/api/v1/legal_plans/{id}", edit, "修改普法计划（与新增相同的字段，另加 version）", api_update)
        .delete("/api/v1/legal_plans/{id}", edit, "删除普法计划（含事项）", api_delete)
        .post(
            "/api/v1/legal_plans/{id}/items",
            edit,
            "新增计划事项（number 可省略, content, law, lead_unit_id, deadline）",
            api_add_item,
        )
        .post("/api/v1/legal_plan_items/{id}/done", edit, "登记计划事项完成（done_on, done_note）", api_done)
        .post("/api/v1/legal_plan_items/{id}/reopen", edit, "撤销计划事项完成", api_reopen)
        .delete("/api/v1/legal_plan_items/{id}", edit, "删除计划事项", api_delete_item)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub year: i64,
    pub title: String,
    pub doc_number: String,
    pub summary: String,
    pub items: i64,
    pub done: i64,
    pub version: i64,
}

impl Plan {
    pub fn percent(&self) -> i64 {
        if self.items == 0 { 0 } else { self.done * 100 / self.items }
    }
}

const COLS: &str = "lp.id, lp.unit_id, u.name AS unit_name, lp.year, lp.title, lp.doc_number, lp.summary, \
    (SELECT count(*) FROM legal_plan_items i WHERE i.plan_id = lp.id) AS items, \
    (SELECT count(*) FROM legal_plan_items i WHERE i.plan_id = lp.id AND i.done_on IS NOT NULL) AS done, lp.version";
const FROM: &str = "FROM legal_plans lp JOIN units u ON u.id = lp.unit_id";
const SORTS: &[(&str, &str)] = &[("year", "lp.year"), ("unit", "u.sort_order")];

/// A plan is seen where its unit, or the lead department of one of its items, is in scope.
fn push_scope(q: &mut Sql, user: &platform::CurrentUser) {
    q.push("(");
    user.scope.push_condition(q, "lp.unit_id", None);
    q.push(" OR EXISTS (SELECT 1 FROM legal_plan_items si WHERE si.plan_id = lp.id AND ");
    user.scope.push_condition(q, "si.lead_unit_id", None);
    q.push("))");
}

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Plan>> {
    let user = ctx.user()?;
    let (year, unit) = (year_of(p.get("year")), p.get_i64("unit"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "lp.year DESC".into();
    }
    Ok(fetch_page::<Plan>(
        &ctx.state.db,
        COLS,
        "lp.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_scope(q, user);
            if let Some(y) = year {
                q.push(" AND lp.year = ").bind(y as i64);
            }
            if let Some(u) = unit {
                q.push(" AND lp.unit_id = ").bind(u);
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" ").push(FROM).push(" WHERE lp.id = ").bind(id).push(" AND ");
    push_scope(&mut q, user);
    match q.query_as::<Plan>().fetch_optional(&ctx.state.db.pool).await? {
        Some(p) => Ok(p),
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "legal_plan", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Changing a plan (or adding to it) needs its unit inside the caller's scope.
async fn get_for_edit(ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let plan = get(ctx, id).await?;
    let path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(plan.unit_id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if !ctx.user()?.scope.covers_unit(plan.unit_id, &path) {
        return Err(AppError::Forbidden);
    }
    Ok(plan)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub plan_id: i64,
    pub plan_title: String,
    pub plan_unit_id: i64,
    pub number: i64,
    pub content: String,
    pub law: String,
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    pub deadline: String,
    pub done_on: Option<String>,
    pub done_note: String,
    pub activities: i64,
    pub version: i64,
    /// "done", "late_done", "overdue", "due_soon" or "open" (set after loading).
    #[sqlx(skip)]
    pub state: &'static str,
}

impl Item {
    pub fn law_label(&self) -> &'static str {
        label(LAWS, &self.law)
    }
    pub fn state_label(&self) -> &'static str {
        match self.state {
            "done" => "已完成",
            "late_done" => "逾期完成",
            "overdue" => "已逾期",
            "due_soon" => "即将到期",
            _ => "推进中",
        }
    }
    pub fn state_tag(&self) -> &'static str {
        match self.state {
            "done" => "green",
            "late_done" => "orange",
            "overdue" => "red",
            "due_soon" => "orange",
            _ => "blue",
        }
    }
    fn mark(mut self, today: Date) -> Self {
        let soon = today.saturating_add(DUE_DAYS.days()).to_string();
        self.state = match &self.done_on {
            Some(d) if *d <= self.deadline => "done",
            Some(_) => "late_done",
            None if self.deadline < today.to_string() => "overdue",
            None if self.deadline <= soon => "due_soon",
            None => "open",
        };
        self
    }
}

const ITEM_COLS: &str = "i.id, i.plan_id, lp.title AS plan_title, lp.unit_id AS plan_unit_id, i.number, i.content, i.law, \
    i.lead_unit_id, lu.name AS lead_unit_name, i.deadline, i.done_on, i.done_note, \
    (SELECT count(*) FROM legal_education e WHERE e.plan_item_id = i.id) AS activities, i.version";
const ITEM_FROM: &str =
    "FROM legal_plan_items i JOIN legal_plans lp ON lp.id = i.plan_id JOIN units lu ON lu.id = i.lead_unit_id";

pub async fn items(ctx: &Ctx, plan: i64) -> AppResult<Vec<Item>> {
    let today = platform::clock::today(&ctx.state.clock);
    let mut q = Sql::new("SELECT ");
    q.push(ITEM_COLS).push(" ").push(ITEM_FROM).push(" WHERE i.plan_id = ").bind(plan);
    q.push(" ORDER BY i.number, i.id LIMIT 500");
    let rows: Vec<Item> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    Ok(rows.into_iter().map(|i| i.mark(today)).collect())
}

/// One item whose plan unit or lead department is in the caller's scope.
pub async fn get_item(ctx: &Ctx, id: i64) -> AppResult<Item> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(ITEM_COLS).push(" ").push(ITEM_FROM).push(" WHERE i.id = ").bind(id).push(" AND (");
    user.scope.push_condition(&mut q, "lp.unit_id", None);
    q.push(" OR ");
    user.scope.push_condition(&mut q, "i.lead_unit_id", None);
    q.push(")");
    match q.query_as::<Item>().fetch_optional(&ctx.state.db.pool).await? {
        Some(i) => Ok(i.mark(platform::clock::today(&ctx.state.clock))),
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "legal_plan_item", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Items the caller can see, for linking an activity: (id, "年度 第N项：内容").
pub async fn items_for_linking(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT i.id, CAST(lp.year AS TEXT) || '年 第' || CAST(i.number AS TEXT) || '项：' || i.content FROM legal_plan_items i \
         JOIN legal_plans lp ON lp.id = i.plan_id WHERE (",
    );
    user.scope.push_condition(&mut q, "lp.unit_id", None);
    q.push(" OR ");
    user.scope.push_condition(&mut q, "i.lead_unit_id", None);
    q.push(") ORDER BY lp.year DESC, i.number LIMIT 300");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

struct PlanInput {
    unit_id: Option<i64>,
    year: i64,
    title: String,
    doc_number: String,
    summary: String,
    version: Option<i64>,
}

fn parse(f: &FormPairs) -> AppResult<PlanInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "制定部门", &f.get("unit_id"));
    let year = c.int("year", "年度", &f.get("year"), 2000, 2100);
    if f.get("year").trim().is_empty() {
        c.add("year", "请输入年度");
    }
    let title = c.text("title", "计划名称", &f.get("title"), 200, true);
    let doc_number = c.text("doc_number", "文号", &f.get("doc_number"), 60, false);
    let summary = c.long_text("summary", "工作目标与要求", &f.get("summary"), 4000, false);
    c.finish()?;
    Ok(PlanInput { unit_id, year, title, doc_number, summary, version: f.get("version").trim().parse().ok() })
}

async fn check_unique(ctx: &Ctx, unit: i64, year: i64, except: Option<i64>) -> AppResult<()> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM legal_plans WHERE unit_id = $1 AND year = $2 AND id <> $3")
        .bind(unit)
        .bind(year)
        .bind(except.unwrap_or(0))
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if n > 0 {
        Err(AppError::field("year", format!("该部门 {year} 年度的普法计划已存在")))
    } else {
        Ok(())
    }
}

async fn create(ctx: &Ctx, i: &PlanInput) -> AppResult<i64> {
    let (unit, unit_name) = unit_in_scope(ctx, i.unit_id).await?;
    check_unique(ctx, unit, i.year, None).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO legal_plans (unit_id, year, title, doc_number, summary, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
    )
    .bind(unit)
    .bind(i.year)
    .bind(&i.title)
    .bind(&i.doc_number)
    .bind(&i.summary)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{unit_name} {} 年 {}", i.year, i.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "legal_plan", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

async fn update(ctx: &Ctx, id: i64, i: &PlanInput) -> AppResult<()> {
    let before = get_for_edit(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let (unit, unit_name) = unit_in_scope(ctx, i.unit_id.or(Some(before.unit_id))).await?;
    check_unique(ctx, unit, i.year, Some(id)).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE legal_plans SET unit_id = $1, year = $2, title = $3, doc_number = $4, summary = $5, version = version + 1, \
         updated_at = $6 WHERE id = $7 AND version = $8",
    )
    .bind(unit)
    .bind(i.year)
    .bind(&i.title)
    .bind(&i.doc_number)
    .bind(&i.summary)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail =
        format!("{} {} 年 {} → {unit_name} {} 年 {}", before.unit_name, before.year, before.title, i.year, i.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "legal_plan", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let p = get_for_edit(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query(
        "UPDATE legal_education SET plan_item_id = NULL WHERE plan_item_id IN (SELECT id FROM legal_plan_items WHERE plan_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM legal_plan_items WHERE plan_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM legal_plans WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {} 年 {}（{} 项）", p.unit_name, p.year, p.title, p.items);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "legal_plan", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds an item (its number the next free one when none is given); the lead department is a
/// department of the plan's prison and the deadline falls in the plan's year.
pub async fn add_item(ctx: &Ctx, plan_id: i64, f: &FormPairs) -> AppResult<i64> {
    let plan = get_for_edit(ctx, plan_id).await?;
    let mut c = FormCheck::new();
    let number = if f.get("number").trim().is_empty() {
        None
    } else {
        Some(c.int("number", "序号", &f.get("number"), 1, 9999))
    };
    let content = c.long_text("content", "计划事项", &f.get("content"), 1000, true);
    let law = f.get("law").trim().to_string();
    if !law.is_empty() && !LAWS.iter().any(|(l, _)| *l == law) {
        c.add("law", "请选择有效的法律");
    }
    let lead = c.opt_id("lead_unit_id", "牵头部门", &f.get("lead_unit_id"));
    if lead.is_none() && f.get("lead_unit_id").trim().is_empty() {
        c.add("lead_unit_id", "请选择牵头部门");
    }
    let deadline = c.date("deadline", "完成时限", &f.get("deadline"), true);
    if deadline.is_some_and(|d| d.year() as i64 != plan.year) {
        c.add("deadline", format!("完成时限须在计划年度（{} 年）内", plan.year));
    }
    c.finish()?;
    let lead = lead.unwrap_or_default();
    let prison = prison_of(ctx, plan.unit_id).await?;
    let ok: i64 =
        sqlx::query_scalar("SELECT count(*) FROM units WHERE id = $1 AND kind = 'department' AND prison_id = $2")
            .bind(lead)
            .bind(prison)
            .fetch_one(&ctx.state.db.pool)
            .await?;
    if ok == 0 {
        return Err(AppError::field("lead_unit_id", "牵头部门须为本监狱的部门"));
    }
    let number = match number {
        Some(n) => n,
        None => {
            sqlx::query_scalar("SELECT coalesce(max(number), 0) + 1 FROM legal_plan_items WHERE plan_id = $1")
                .bind(plan_id)
                .fetch_one(&ctx.state.db.pool)
                .await?
        }
    };
    let dup: i64 = sqlx::query_scalar("SELECT count(*) FROM legal_plan_items WHERE plan_id = $1 AND number = $2")
        .bind(plan_id)
        .bind(number)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if dup > 0 {
        return Err(AppError::field("number", format!("序号 {number} 已存在")));
    }
    let deadline = deadline.map(|d| d.to_string()).unwrap_or_default();
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO legal_plan_items (plan_id, number, content, law, lead_unit_id, deadline, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
    )
    .bind(plan_id)
    .bind(number)
    .bind(&content)
    .bind(&law)
    .bind(lead)
    .bind(&deadline)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{} 第{number}项（{deadline} 前）：{content}", plan.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "legal_plan_item", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Marks an item done (the day, not after today, and a note), or undoes that (`done` false).
pub async fn set_done(ctx: &Ctx, id: i64, f: &FormPairs, done: bool) -> AppResult<()> {
    let item = get_item(ctx, id).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let (day, note) = if done {
        let mut c = FormCheck::new();
        let day = if f.get("done_on").trim().is_empty() {
            Some(today)
        } else {
            c.date("done_on", "完成日期", &f.get("done_on"), true)
        };
        if day.is_some_and(|d| d > today) {
            c.add("done_on", "完成日期不能晚于今天");
        }
        let note = c.long_text("done_note", "完成情况", &f.get("done_note"), 1000, false);
        c.finish()?;
        (day.map(|d| d.to_string()), note)
    } else {
        (None, String::new())
    };
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE legal_plan_items SET done_on = $1, done_note = $2, version = version + 1, updated_at = $3 WHERE id = $4",
    )
    .bind(day.clone())
    .bind(&note)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail = match &day {
        Some(d) => format!("{} 第{}项 {d} 完成 {note}", item.plan_title, item.number),
        None => format!("{} 第{}项 撤销完成", item.plan_title, item.number),
    };
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "legal_plan_item", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_item(ctx: &Ctx, id: i64) -> AppResult<i64> {
    let item = get_item(ctx, id).await?;
    get_for_edit(ctx, item.plan_id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("UPDATE legal_education SET plan_item_id = NULL WHERE plan_item_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM legal_plan_items WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} 第{}项：{}", item.plan_title, item.number, item.content);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "legal_plan_item", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(item.plan_id)
}

/// For whoever records legal education: plan items undone with the deadline past or within 14
/// days, in the caller's scope (the plan's unit or the lead department).
pub struct PlanItemTodos;

impl TodoSource for PlanItemTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(TRAINING_EDIT) {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let mut q = Sql::new("SELECT ");
            q.push(ITEM_COLS).push(" ").push(ITEM_FROM).push(" WHERE i.done_on IS NULL AND i.deadline <= ");
            q.bind(today.saturating_add(DUE_DAYS.days()).to_string()).push(" AND (");
            user.scope.push_condition(&mut q, "lp.unit_id", None);
            q.push(" OR ");
            user.scope.push_condition(&mut q, "i.lead_unit_id", None);
            q.push(") ORDER BY i.deadline, i.id LIMIT 50");
            let rows: Vec<Item> = q.fetch_fresh(&ctx.state.db).await?;
            Ok(rows
                .into_iter()
                .map(|i| i.mark(today))
                .map(|i| {
                    let overdue = i.state == "overdue";
                    let content: String = i.content.chars().take(30).collect();
                    Todo {
                        title: format!("普法计划第{}项{}", i.number, if overdue { "已逾期" } else { "即将到期" }),
                        detail: format!(
                            "{}：{content}（{}牵头，{} 前完成）",
                            i.plan_title, i.lead_unit_name, i.deadline
                        ),
                        due: Some(i.deadline.clone()),
                        href: format!("/training/legal/plans/{}#item-{}", i.plan_id, i.id),
                        level: if overdue { "overdue" } else { "due_soon" },
                        source: "普法计划",
                    }
                })
                .collect())
        })
    }
}

#[derive(Template)]
#[template(path = "legal_plans_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Plan>,
    offset: i64,
    pager: Pager,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/training/legal/plans", "普法计划", &[("教育培训", ""), ("普法计划", "")]);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, can_edit: ctx.can(TRAINING_EDIT) }).into_response())
}

#[derive(Template)]
#[template(path = "legal_plan_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改普法计划" } else { "新增普法计划" };
    let frame = Frame::new(
        ctx,
        title,
        "/training/legal/plans",
        &[("教育培训", ""), ("普法计划", "/training/legal/plans"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, id, f, errors, units: departments(ctx).await? })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let year = platform::clock::today(&ctx.state.clock).year();
    let user = ctx.user()?;
    let f = FormPairs::from(vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("year".to_string(), year.to_string()),
        ("title".to_string(), format!("{year}年度普法依法治理工作计划")),
    ]);
    form(&ctx, None, f, FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/training/legal/plans/{id}"), "普法计划已保存，请逐项添加计划事项")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let p = get_for_edit(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("unit_id".to_string(), p.unit_id.to_string()),
        ("year".to_string(), p.year.to_string()),
        ("title".to_string(), p.title.clone()),
        ("doc_number".to_string(), p.doc_number.clone()),
        ("summary".to_string(), p.summary.clone()),
        ("version".to_string(), p.version.to_string()),
    ]);
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/training/legal/plans/{id}"), "普法计划已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "legal_plan_view.html")]
struct ViewPage {
    frame: Frame,
    plan: Plan,
    rows: Vec<Item>,
    can_edit: bool,
    laws: Codes,
    depts: Vec<(i64, String)>,
    /// Undone items, for recording one done: (id, "第N项：内容").
    open_items: Vec<(i64, String)>,
    today: String,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let plan = get(ctx, id).await?;
    let rows = items(ctx, id).await?;
    let open_items = rows
        .iter()
        .filter(|i| i.done_on.is_none())
        .map(|i| (i.id, format!("第{}项：{}", i.number, i.content.chars().take(40).collect::<String>())))
        .collect();
    let prison = prison_of(ctx, plan.unit_id).await?;
    let frame = Frame::new(
        ctx,
        &plan.title,
        "/training/legal/plans",
        &[("教育培训", ""), ("普法计划", "/training/legal/plans"), ("计划详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(ViewPage {
            frame,
            plan,
            rows,
            can_edit: ctx.can(TRAINING_EDIT),
            laws: LAWS,
            depts: prison_departments(ctx, Some(prison)).await?,
            open_items,
            today: platform::clock::today(&ctx.state.clock).to_string(),
            f,
            errors,
        }),
    )
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new()).await
}

async fn add_item_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match add_item(&ctx, id, &f).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/training/legal/plans/{id}"), "计划事项已添加")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn done_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let plan = get_item(&ctx, id).await?.plan_id;
    match set_done(&ctx, id, &f, true).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/training/legal/plans/{plan}#item-{id}"), "已登记完成")),
        Err(AppError::Validation(errors)) => Ok(redirect_with_flash(
            &format!("/training/legal/plans/{plan}#item-{id}"),
            &errors.into_values().collect::<Vec<_>>().join("；"),
        )),
        Err(e) => Err(e),
    }
}

/// The plan page's form: an item of this plan, its day and note.
async fn plan_done_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let item = f.get("item_id").trim().parse::<i64>().ok();
    let res = match item {
        Some(item) => match get_item(&ctx, item).await {
            Ok(i) if i.plan_id == id => set_done(&ctx, item, &f, true).await,
            Ok(_) | Err(AppError::NotFound) => Err(AppError::field("item_id", "请选择本计划的事项")),
            Err(e) => Err(e),
        },
        None => Err(AppError::field("item_id", "请选择计划事项")),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/training/legal/plans/{id}"), "已登记完成")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn reopen_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = get_item(&ctx, id).await?.plan_id;
    set_done(&ctx, id, &FormPairs::from(Vec::new()), false).await?;
    Ok(redirect_with_flash(&format!("/training/legal/plans/{plan}#item-{id}"), "已撤销完成"))
}

async fn delete_item_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = delete_item(&ctx, id).await?;
    Ok(redirect_with_flash(&format!("/training/legal/plans/{plan}"), "计划事项已删除"))
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/training/legal/plans", "普法计划已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = get(&ctx, id).await?;
    let rows = items(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "plan": plan, "items": rows })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    let id = create(&ctx, &parse(&f)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    update(&ctx, id, &parse(&f)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_add_item(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    let item = add_item(&ctx, id, &f).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": item }))).into_response())
}

async fn api_done(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    set_done(&ctx, id, &f, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_reopen(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    set_done(&ctx, id, &FormPairs::from(Vec::new()), false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete_item(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete_item(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
