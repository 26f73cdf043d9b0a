//! 值班 (the first of the five measures): a special period (特殊时期, e.g. a congress) with the
//! posts to be manned every day, its duty roster as one slot per day and post, filled person by
//! person or a whole post at once from a list of people in turn; every later change of who is on
//! duty (调班) is recorded with its reason; an unfilled slot is a gap, and each coming gap is a
//! to-do for the office.

use crate::domain::*;
use crate::{STABILITY_EDIT, STABILITY_VIEW, shared};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use office::Cell;
use platform::audit::Event;
use platform::db::{Sql, Tx};
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

/// The longest special period a roster is made for.
pub const MAX_DAYS: i64 = 120;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(STABILITY_VIEW), Need::Perm(STABILITY_EDIT));
    r.get("/petitions/periods", view, "特殊时期与值班", list_page)
        .get("/petitions/periods/new", edit, "新增特殊时期页", new_page)
        .post("/petitions/periods", edit, "新增特殊时期（生成值班表）", create_page)
        .get("/petitions/periods/{id}", view, "值班表", view_page)
        .get("/petitions/periods/{id}/export", view, "导出值班表", export)
        .get("/petitions/periods/{id}/edit", edit, "修改特殊时期页", edit_page)
        .post("/petitions/periods/{id}", edit, "修改特殊时期", update_page)
        .post("/petitions/periods/{id}/delete", edit, "删除特殊时期（尚未排班）", delete_page)
        .post("/petitions/periods/{id}/roster", edit, "排班、调班（记录原因）", assign_page)
        .post("/petitions/periods/{id}/fill", edit, "按人员名单轮流排满某岗位的空缺", fill_page)
        .get("/api/v1/stability_periods", view, "特殊时期列表", api_list)
        .post(
            "/api/v1/stability_periods",
            edit,
            "新增特殊时期（name, starts_on, ends_on, posts[], requirements, unit_id）",
            api_create,
        )
        .get("/api/v1/stability_periods/{id}", view, "特殊时期详情（值班表、调班记录、覆盖率）", api_get)
        .put("/api/v1/stability_periods/{id}", edit, "修改特殊时期（另加 version）", api_update)
        .delete("/api/v1/stability_periods/{id}", edit, "删除特殊时期（尚未排班）", api_delete)
        .post(
            "/api/v1/stability_periods/{id}/fill",
            edit,
            "按人员名单轮流排满某岗位的空缺（post, person_ids[]）",
            api_fill,
        )
        .put(
            "/api/v1/duty_roster/{id}",
            edit,
            "排班、调班（person_id 为空即取消；已有人值班时须写 reason；另加 version）",
            api_assign,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Period {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub posts: String,
    pub requirements: String,
    pub slots: i64,
    pub filled: i64,
    pub version: i64,
}

impl Period {
    pub fn post_codes(&self) -> Vec<&'static str> {
        post_codes(&self.posts)
    }
    pub fn post_labels(&self) -> String {
        self.post_codes().iter().map(|c| label(DUTY_POSTS, c)).collect::<Vec<_>>().join("、")
    }
    pub fn gaps(&self) -> i64 {
        self.slots - self.filled
    }
    /// Whole percent of the slots filled, rounded down.
    pub fn coverage(&self) -> i64 {
        if self.slots == 0 { 0 } else { self.filled * 100 / self.slots }
    }
}

/// The known post codes of a stored list, in the order of `DUTY_POSTS`.
fn post_codes(posts: &str) -> Vec<&'static str> {
    let given: Vec<&str> = posts.split(',').map(str::trim).collect();
    DUTY_POSTS.iter().map(|(c, _)| *c).filter(|c| given.contains(c)).collect()
}

const COLS: &str = "s.id, s.unit_id, u.name AS unit_name, s.name, s.starts_on, s.ends_on, s.posts, s.requirements, \
    (SELECT count(*) FROM duty_roster d WHERE d.period_id = s.id) AS slots, \
    (SELECT count(*) FROM duty_roster d WHERE d.period_id = s.id AND d.person_id IS NOT NULL) AS filled, s.version";
const FROM: &str = "FROM stability_periods s JOIN units u ON u.id = s.unit_id";
const SORTS: &[(&str, &str)] = &[("starts_on", "s.starts_on"), ("name", "s.name")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Period>> {
    let user = ctx.user()?;
    let (q, year) = (p.get("q").to_string(), p.get_i64("year"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "s.starts_on DESC".into();
    }
    Ok(fetch_page::<Period>(
        &ctx.state.db,
        COLS,
        "s.id",
        |s: &mut Sql| {
            s.push(FROM).push(" WHERE ");
            user.scope.push_condition(s, "s.unit_id", None);
            if !q.is_empty() {
                s.push(" AND s.name LIKE ").bind(platform::db::like_contains(&q)).push(" ESCAPE '\\'");
            }
            if let Some(y) = year {
                s.push(" AND s.starts_on <= ")
                    .bind(format!("{y}-12-31"))
                    .push(" AND s.ends_on >= ")
                    .bind(format!("{y}-01-01"));
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Period> {
    platform::ledger::get_in_scope(
        ctx,
        &format!("SELECT {COLS} {FROM}"),
        "s.id",
        id,
        "s.unit_id",
        None,
        "stability_period",
    )
    .await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Slot {
    pub id: i64,
    pub duty_on: String,
    pub post: String,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub unit_name: Option<String>,
    pub version: i64,
}

impl Slot {
    pub fn post_label(&self) -> &'static str {
        label(DUTY_POSTS, &self.post)
    }
}

pub async fn slots(ctx: &Ctx, period: i64) -> AppResult<Vec<Slot>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.duty_on, d.post, d.person_id, p.name AS person_name, u.name AS unit_name, d.version FROM duty_roster d \
         LEFT JOIN people p ON p.id = d.person_id LEFT JOIN units u ON u.id = p.unit_id WHERE d.period_id = $1 ORDER BY d.duty_on, d.id",
    )
    .bind(period)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Swap {
    pub id: i64,
    pub duty_on: String,
    pub post: String,
    pub from_name: Option<String>,
    pub to_name: Option<String>,
    pub reason: String,
    pub by_name: String,
    pub created_at: i64,
}

impl Swap {
    pub fn post_label(&self) -> &'static str {
        label(DUTY_POSTS, &self.post)
    }
    pub fn recorded_at(&self) -> String {
        platform::clock::format_ms(self.created_at)
    }
}

pub async fn swaps(ctx: &Ctx, period: i64) -> AppResult<Vec<Swap>> {
    Ok(sqlx::query_as(
        "SELECT w.id, d.duty_on, d.post, a.name AS from_name, b.name AS to_name, w.reason, w.by_name, w.created_at \
         FROM duty_swaps w JOIN duty_roster d ON d.id = w.roster_id LEFT JOIN people a ON a.id = w.from_person_id \
         LEFT JOIN people b ON b.id = w.to_person_id WHERE d.period_id = $1 ORDER BY w.id DESC",
    )
    .bind(period)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

pub struct PeriodInput {
    pub unit_id: Option<i64>,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub posts: Vec<&'static str>,
    pub requirements: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs) -> AppResult<PeriodInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "所属单位", &f.get("unit_id"));
    let name = c.text("name", "名称", &f.get("name"), 100, true);
    let starts = c.date("starts_on", "开始日期", &f.get("starts_on"), true);
    let ends = c.date("ends_on", "结束日期", &f.get("ends_on"), true);
    if let (Some(s), Some(e)) = (starts, ends) {
        if e < s {
            c.add("ends_on", "结束日期不能早于开始日期");
        } else if (e - s).get_days() as i64 >= MAX_DAYS {
            c.add("ends_on", format!("特殊时期最长 {MAX_DAYS} 天"));
        }
    }
    let wanted = f.all("posts", 20);
    let posts: Vec<&'static str> =
        DUTY_POSTS.iter().map(|(code, _)| *code).filter(|code| wanted.iter().any(|w| w.trim() == *code)).collect();
    if posts.is_empty() || posts.len() != wanted.iter().filter(|w| !w.trim().is_empty()).count() {
        c.add("posts", "请选择有效的值班岗位（至少一个）");
    }
    let requirements = c.long_text("requirements", "值班要求", &f.get("requirements"), 2000, false);
    c.finish()?;
    Ok(PeriodInput {
        unit_id,
        name,
        starts_on: starts.unwrap_or_default(),
        ends_on: ends.unwrap_or_default(),
        posts,
        requirements,
        version: f.get("version").trim().parse().ok(),
    })
}

/// Makes the slots a period's dates and posts need, keeping the filled ones; a filled slot that
/// would fall out (dates shortened, a post dropped) refuses the change.
async fn write_slots(tx: &mut Tx, id: i64, unit: i64, i: &PeriodInput, now: i64) -> AppResult<()> {
    let mut q = Sql::new("SELECT count(*) FROM duty_roster WHERE period_id = ");
    q.bind(id).push(" AND person_id IS NOT NULL AND (duty_on < ").bind(i.starts_on.to_string());
    q.push(" OR duty_on > ").bind(i.ends_on.to_string()).push(" OR post NOT IN (");
    for (k, p) in i.posts.iter().enumerate() {
        if k > 0 {
            q.push(", ");
        }
        q.bind(p.to_string());
    }
    q.push("))");
    let lost: i64 = q.query_scalar().fetch_one(&mut **tx).await?;
    if lost > 0 {
        return Err(AppError::field(
            "ends_on",
            format!("有 {lost} 个已排班的班次不在新的日期或岗位内，请先调整值班表"),
        ));
    }
    let mut q = Sql::new("DELETE FROM duty_roster WHERE period_id = ");
    q.bind(id).push(" AND (duty_on < ").bind(i.starts_on.to_string());
    q.push(" OR duty_on > ").bind(i.ends_on.to_string()).push(" OR post NOT IN (");
    for (k, p) in i.posts.iter().enumerate() {
        if k > 0 {
            q.push(", ");
        }
        q.bind(p.to_string());
    }
    q.push("))");
    q.query().execute(&mut **tx).await?;
    let mut day = i.starts_on;
    while day <= i.ends_on {
        for post in &i.posts {
            sqlx::query(
                "INSERT INTO duty_roster (period_id, unit_id, duty_on, post, updated_at) VALUES ($1,$2,$3,$4,$5) \
                 ON CONFLICT (period_id, duty_on, post) DO NOTHING",
            )
            .bind(id)
            .bind(unit)
            .bind(day.to_string())
            .bind(*post)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        day = day.saturating_add(1.day());
    }
    sqlx::query("UPDATE duty_roster SET unit_id = $1 WHERE period_id = $2")
        .bind(unit)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn create(ctx: &Ctx, i: &PeriodInput) -> AppResult<i64> {
    let unit = shared::unit_in_scope(ctx, i.unit_id).await?;
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO stability_periods (unit_id, name, starts_on, ends_on, posts, requirements, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(unit)
    .bind(&i.name)
    .bind(i.starts_on.to_string())
    .bind(i.ends_on.to_string())
    .bind(i.posts.join(","))
    .bind(&i.requirements)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_slots(&mut tx, id, unit, i, now).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "stability_period", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &PeriodInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = shared::unit_in_scope(ctx, i.unit_id).await?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE stability_periods SET unit_id = $1, name = $2, starts_on = $3, ends_on = $4, posts = $5, requirements = $6, \
         version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(unit)
    .bind(&i.name)
    .bind(i.starts_on.to_string())
    .bind(i.ends_on.to_string())
    .bind(i.posts.join(","))
    .bind(&i.requirements)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    write_slots(&mut tx, id, unit, i, now).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "stability_period", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let s = get(ctx, id).await?;
    if s.filled > 0 {
        return Err(AppError::Conflict("该特殊时期已有值班安排，不能删除".into()));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM stability_periods WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "stability_period", id).detail(s.name)).await?;
    tx.commit().await?;
    Ok(())
}

/// Who is on duty in a slot: a person of the prison, not already on another post that day.
pub struct AssignInput {
    pub slot_id: i64,
    pub person_id: Option<i64>,
    pub reason: String,
    pub version: i64,
}

pub fn parse_assign(f: &FormPairs, slot: Option<i64>) -> AppResult<AssignInput> {
    let mut c = FormCheck::new();
    // The page's slot list carries "slot:version" so the version goes with the slot chosen.
    let picked = f.get("slot");
    let (picked_slot, picked_version) = match picked.split_once(':') {
        Some((a, b)) => (a.trim().parse::<i64>().ok(), b.trim().parse::<i64>().ok()),
        None => (None, None),
    };
    let slot_id = slot.or(picked_slot).or_else(|| f.get("slot_id").trim().parse().ok());
    if slot_id.is_none() {
        c.add("slot_id", "请选择班次");
    }
    let person_id = c.opt_id("person_id", "值班人员", &f.get("person_id"));
    let reason = c.text("reason", "调班原因", &f.get("reason"), 200, false);
    let version = picked_version.or_else(|| f.get("version").trim().parse::<i64>().ok());
    if version.is_none() {
        c.add("version", "缺少版本号");
    }
    c.finish()?;
    Ok(AssignInput { slot_id: slot_id.unwrap_or_default(), person_id, reason, version: version.unwrap_or_default() })
}

/// Puts someone on duty in a slot (or takes them off); replacing someone is a swap, which needs
/// its reason, and every change is a row of the swap record and an audit row.
pub async fn assign(ctx: &Ctx, period: Option<i64>, i: &AssignInput) -> AppResult<()> {
    let row: Option<(i64, String, String, Option<i64>, i64)> =
        sqlx::query_as("SELECT period_id, duty_on, post, person_id, version FROM duty_roster WHERE id = $1")
            .bind(i.slot_id)
            .fetch_optional(&ctx.state.db.pool)
            .await?;
    let Some((period_id, day, post, before, version)) = row.filter(|r| period.is_none_or(|p| p == r.0)) else {
        return Err(AppError::NotFound);
    };
    let s = get(ctx, period_id).await?;
    if version != i.version {
        return Err(AppError::stale());
    }
    if before == i.person_id {
        return Err(AppError::field("person_id", "值班人员没有变化"));
    }
    if before.is_some() && i.reason.is_empty() {
        return Err(AppError::field("reason", "调班须写明原因"));
    }
    if let Some(p) = i.person_id {
        if !shared::person_ok(ctx, p).await? {
            return Err(AppError::field("person_id", "值班人员须为本监狱在职人员"));
        }
        let busy: Option<String> = sqlx::query_scalar(
            "SELECT post FROM duty_roster WHERE period_id = $1 AND duty_on = $2 AND person_id = $3 AND id <> $4",
        )
        .bind(period_id)
        .bind(&day)
        .bind(p)
        .bind(i.slot_id)
        .fetch_optional(&ctx.state.db.pool)
        .await?;
        if let Some(other) = busy {
            return Err(AppError::field(
                "person_id",
                format!("该人员 {day} 已安排“{}”岗位", label(DUTY_POSTS, &other)),
            ));
        }
    }
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE duty_roster SET person_id = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(i.person_id)
    .bind(now)
    .bind(i.slot_id)
    .bind(i.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    let reason = if i.reason.is_empty() { "排班".to_string() } else { i.reason.clone() };
    sqlx::query(
        "INSERT INTO duty_swaps (roster_id, from_person_id, to_person_id, reason, by_user, by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(i.slot_id)
    .bind(before)
    .bind(i.person_id)
    .bind(&reason)
    .bind(user.id)
    .bind(&user.display_name)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let detail = format!("{} {} {}：{reason}", s.name, day, label(DUTY_POSTS, &post));
    let event = if before.is_some() { "swap" } else { "assign" };
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok(event, "duty_roster", i.slot_id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Fills the empty slots of one post in date order from a list of people in turn, skipping a
/// person already on another post that day. Returns how many slots were filled.
pub async fn fill(ctx: &Ctx, period: i64, post: &str, people: &[i64]) -> AppResult<i64> {
    let s = get(ctx, period).await?;
    if !s.post_codes().contains(&post) {
        return Err(AppError::field("post", "请选择本时期的值班岗位"));
    }
    if people.is_empty() {
        return Err(AppError::field("person_ids", "请选择参加轮值的人员"));
    }
    for p in people {
        if !shared::person_ok(ctx, *p).await? {
            return Err(AppError::field("person_ids", "轮值人员须为本监狱在职人员"));
        }
    }
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let empty: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, duty_on FROM duty_roster WHERE period_id = $1 AND post = $2 AND person_id IS NULL ORDER BY duty_on",
    )
    .bind(period)
    .bind(post)
    .fetch_all(&mut *tx)
    .await?;
    let mut next = 0usize;
    let mut filled = 0i64;
    for (slot, day) in empty {
        for _ in 0..people.len() {
            let who = people[next % people.len()];
            next += 1;
            let busy: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM duty_roster WHERE period_id = $1 AND duty_on = $2 AND person_id = $3",
            )
            .bind(period)
            .bind(&day)
            .bind(who)
            .fetch_one(&mut *tx)
            .await?;
            if busy == 0 {
                sqlx::query("UPDATE duty_roster SET person_id = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND person_id IS NULL")
                    .bind(who)
                    .bind(now)
                    .bind(slot)
                    .execute(&mut *tx)
                    .await?;
                filled += 1;
                break;
            }
        }
    }
    let detail = format!("{} {}：轮流排班 {filled} 个班次", s.name, label(DUTY_POSTS, post));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "stability_period", period).detail(detail)).await?;
    tx.commit().await?;
    Ok(filled)
}

#[derive(Template)]
#[template(path = "periods_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Period>,
    offset: i64,
    pager: Pager,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/petitions/periods",
        "特殊时期与值班",
        &[("安保维稳", ""), ("特殊时期与值班", "")],
    );
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, can_edit: ctx.can(STABILITY_EDIT) }).into_response())
}

#[derive(Template)]
#[template(path = "period_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    posts: Codes,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改特殊时期" } else { "新增特殊时期" };
    let frame = Frame::new(
        ctx,
        title,
        "/petitions/periods",
        &[("安保维稳", ""), ("特殊时期与值班", "/petitions/periods"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let units = shared::departments(ctx).await?;
    Ok((status, Html(FormPage { frame, id, f, errors, units, posts: DUTY_POSTS })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let pairs = vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("starts_on".to_string(), today.to_string()),
        ("ends_on".to_string(), today.saturating_add(6.days()).to_string()),
        ("posts".to_string(), "leader".to_string()),
        ("posts".to_string(), "officer".to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/petitions/periods/{id}"), "特殊时期已登记，请排班")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = get(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), s.unit_id.to_string()),
        ("name".to_string(), s.name.clone()),
        ("starts_on".to_string(), s.starts_on.clone()),
        ("ends_on".to_string(), s.ends_on.clone()),
        ("requirements".to_string(), s.requirements.clone()),
        ("version".to_string(), s.version.to_string()),
    ];
    pairs.extend(s.post_codes().iter().map(|c| ("posts".to_string(), c.to_string())));
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/petitions/periods/{id}"), "特殊时期已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

/// One day of the roster: the date and the slot of each post, in the period's post order.
pub struct Day {
    pub date: String,
    pub cells: Vec<Option<Slot>>,
}

#[derive(Template)]
#[template(path = "period_view.html")]
struct ViewPage {
    frame: Frame,
    s: Period,
    posts: Vec<(&'static str, &'static str)>,
    days: Vec<Day>,
    gaps: Vec<Slot>,
    slots: Vec<Slot>,
    swaps: Vec<Swap>,
    groups: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    can_edit: bool,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let s = get(ctx, id).await?;
    let all = slots(ctx, id).await?;
    let posts: Vec<(&'static str, &'static str)> = s.post_codes().iter().map(|c| (*c, label(DUTY_POSTS, c))).collect();
    let mut days: Vec<Day> = Vec::new();
    for slot in &all {
        if days.last().is_none_or(|d| d.date != slot.duty_on) {
            days.push(Day { date: slot.duty_on.clone(), cells: vec![None; posts.len()] });
        }
        if let (Some(d), Some(k)) = (days.last_mut(), posts.iter().position(|(c, _)| *c == slot.post)) {
            d.cells[k] = Some(slot.clone());
        }
    }
    let gaps: Vec<Slot> = all.iter().filter(|x| x.person_id.is_none()).cloned().collect();
    let swaps = swaps(ctx, id).await?;
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT g.id, g.name FROM leading_groups g WHERE g.period_id = ");
    q.bind(id).push(" AND ");
    user.scope.push_condition(&mut q, "g.unit_id", None);
    let groups = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let can_edit = ctx.can(STABILITY_EDIT);
    let people = if can_edit { shared::prison_people(ctx, true).await? } else { Vec::new() };
    let frame = Frame::new(
        ctx,
        &s.name,
        "/petitions/periods",
        &[("安保维稳", ""), ("特殊时期与值班", "/petitions/periods"), ("值班表", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ViewPage { frame, s, posts, days, gaps, slots: all, swaps, groups, people, can_edit, f, errors }))
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new()).await
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/petitions/periods", "特殊时期已删除"))
}

async fn assign_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse_assign(&f, None) {
        Ok(i) => assign(&ctx, Some(id), &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/petitions/periods/{id}"), "值班安排已保存")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn fill_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match fill(&ctx, id, f.get("post").trim(), &f.ids("person_ids", 200)).await {
        Ok(n) => Ok(redirect_with_flash(&format!("/petitions/periods/{id}"), &format!("已排 {n} 个班次"))),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn export(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = get(&ctx, id).await?;
    let all = slots(&ctx, id).await?;
    let posts = s.post_codes();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut day = String::new();
    for slot in &all {
        if slot.duty_on != day {
            day = slot.duty_on.clone();
            let mut row = vec![Cell::from(day.clone())];
            row.extend(posts.iter().map(|_| Cell::from("（空缺）".to_string())));
            rows.push(row);
        }
        if let (Some(row), Some(k)) = (rows.last_mut(), posts.iter().position(|c| *c == slot.post)) {
            row[k + 1] = Cell::from(match (&slot.person_name, &slot.unit_name) {
                (Some(n), Some(u)) => format!("{n}（{u}）"),
                _ => "（空缺）".to_string(),
            });
        }
    }
    let headers: Vec<&str> = std::iter::once("日期").chain(posts.iter().map(|c| label(DUTY_POSTS, c))).collect();
    platform::ledger::export_xlsx(&ctx, &format!("{}值班表", s.name), &headers, rows, &format!("period={id}")).await
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = get(&ctx, id).await?;
    let slots = slots(&ctx, id).await?;
    let swaps = swaps(&ctx, id).await?;
    let coverage = s.coverage();
    Ok(Json(serde_json::json!({ "period": s, "slots": slots, "swaps": swaps, "coverage_percent": coverage }))
        .into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let id = create(&ctx, &parse(&pairs_from_json(b)?)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    update(&ctx, id, &parse(&pairs_from_json(b)?)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_fill(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let n = fill(&ctx, id, f.get("post").trim(), &f.ids("person_ids", 200)).await?;
    Ok(Json(serde_json::json!({ "filled": n })).into_response())
}

async fn api_assign(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse_assign(&pairs_from_json(b)?, Some(id))?;
    assign(&ctx, None, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// For whoever keeps the roster: every unfilled slot from today on in the periods they manage.
pub struct RosterGapTodos;

impl TodoSource for RosterGapTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            if !ctx.can(STABILITY_EDIT) {
                return Ok(Vec::new());
            }
            let user = ctx.user()?;
            let today = platform::clock::today(&ctx.state.clock);
            let mut q = Sql::new(
                "SELECT d.period_id, s.name, d.duty_on, d.post FROM duty_roster d JOIN stability_periods s ON s.id = d.period_id \
                 WHERE d.person_id IS NULL AND d.duty_on >= ",
            );
            q.bind(today.to_string()).push(" AND ");
            user.scope.push_condition(&mut q, "d.unit_id", None);
            q.push(" ORDER BY d.duty_on, d.id LIMIT 50");
            let rows: Vec<(i64, String, String, String)> = q.fetch_fresh(&ctx.state.db).await?;
            let soon = today.saturating_add(3.days()).to_string();
            Ok(rows
                .into_iter()
                .map(|(period, name, day, post)| Todo {
                    title: format!("值班空缺：{name} {day} {}", label(DUTY_POSTS, &post)),
                    detail: "该班次尚未安排值班人员".into(),
                    level: if day <= soon { "due_soon" } else { "missing" },
                    due: Some(day),
                    href: format!("/petitions/periods/{period}#gaps"),
                    source: "信访稳定",
                })
                .collect())
        })
    }
}
