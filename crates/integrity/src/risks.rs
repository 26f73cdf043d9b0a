//! 廉政风险点: the register of integrity risks by department and post (重点岗位 marked), each with
//! its level, measures, owner and review dates; reviews recorded one by one (moving the next
//! review a year on); the year's review coverage of key posts; to-dos for reviews due or overdue.

use crate::activities::{departments, unit_in_scope, year_of};
use crate::domain::*;
use crate::{INTEGRITY_EDIT, INTEGRITY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use office::Cell;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::{expect_one_updated, get_in_scope};
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash, url_encode};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

/// How many days ahead a review counts as due.
pub const DUE_DAYS: i64 = 30;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(INTEGRITY_VIEW), Need::Perm(INTEGRITY_EDIT));
    r.get("/integrity/risks", view, "廉政风险点（含重点岗位复核覆盖率）", list_page)
        .get("/integrity/risks/export", view, "导出廉政风险点", export)
        .get("/integrity/risks/new", edit, "新增廉政风险点页", new_page)
        .post("/integrity/risks", edit, "新增廉政风险点（choose=1 为选择部门后列出人员）", create_page)
        .get("/integrity/risks/{id}", view, "廉政风险点详情（含复核记录）", view_page)
        .get("/integrity/risks/{id}/edit", edit, "修改廉政风险点页", edit_page)
        .post("/integrity/risks/{id}", edit, "修改廉政风险点", update_page)
        .post("/integrity/risks/{id}/delete", edit, "删除廉政风险点", delete_page)
        .post("/integrity/risks/{id}/reviews", edit, "登记复核", review_page)
        .get("/api/v1/integrity_risks", view, "廉政风险点列表（unit, level, key_post, due, q）", api_list)
        .post(
            "/api/v1/integrity_risks",
            edit,
            "新增廉政风险点（unit_id, post, key_post, risk_point, level, measures, owner_id, next_review_on）",
            api_create,
        )
        .get("/api/v1/integrity_risks/{id}", view, "廉政风险点详情（含复核记录）", api_get)
        .put("/api/v1/integrity_risks/{id}", edit, "修改廉政风险点（与新增相同的字段，另加 version）", api_update)
        .delete("/api/v1/integrity_risks/{id}", edit, "删除廉政风险点", api_delete)
        .post(
            "/api/v1/integrity_risks/{id}/reviews",
            edit,
            "登记复核（reviewed_on, note, next_review_on 可省略＝复核日期后一年）",
            api_review,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Risk {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub post: String,
    pub key_post: i64,
    pub risk_point: String,
    pub level: String,
    pub measures: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub last_review_on: Option<String>,
    pub next_review_on: String,
    pub version: i64,
    /// The next review is before today (set after loading).
    #[sqlx(skip)]
    pub overdue: bool,
    /// The next review is within 30 days, or past (set after loading).
    #[sqlx(skip)]
    pub due: bool,
}

impl Risk {
    pub fn level_label(&self) -> &'static str {
        label(RISK_LEVELS, &self.level)
    }
    /// 高 red, 中 orange, 低 grey.
    pub fn level_tag(&self) -> &'static str {
        match self.level.as_str() {
            "high" => "red",
            "medium" => "orange",
            _ => "grey",
        }
    }
    fn mark(mut self, today: Date) -> Self {
        let soon = today.saturating_add(DUE_DAYS.days()).to_string();
        self.overdue = self.next_review_on < today.to_string();
        self.due = self.next_review_on <= soon;
        self
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Review {
    pub id: i64,
    pub reviewed_on: String,
    pub note: String,
    pub by_name: String,
}

const COLS: &str = "r.id, r.unit_id, u.name AS unit_name, r.post, r.key_post, r.risk_point, r.level, r.measures, \
    r.owner_id, w.name AS owner_name, r.last_review_on, r.next_review_on, r.version";
const FROM: &str = "FROM integrity_risks r JOIN units u ON u.id = r.unit_id LEFT JOIN people w ON w.id = r.owner_id";
pub const SORTS: &[(&str, &str)] = &[
    ("unit", "u.sort_order"),
    ("next_review_on", "r.next_review_on"),
    ("level", "CASE r.level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END"),
];

/// Filters: unit, post (exact), level, key_post (1/0), due (1 = within 30 days or past;
/// overdue = past), q (post, risk point, measures).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Risk>> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let (unit, post, level, key, due, text) = (
        p.get_i64("unit"),
        p.get("post").to_string(),
        p.get("level").to_string(),
        p.get("key_post").to_string(),
        p.get("due").to_string(),
        p.get("q").to_string(),
    );
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "u.sort_order, r.unit_id, r.post".into();
    }
    let page = fetch_page::<Risk>(
        &ctx.state.db,
        COLS,
        "r.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "r.unit_id", None);
            if let Some(u) = unit {
                q.push(" AND r.unit_id = ").bind(u);
            }
            if !post.is_empty() {
                q.push(" AND r.post = ").bind(post.clone());
            }
            if !level.is_empty() {
                q.push(" AND r.level = ").bind(level.clone());
            }
            match key.as_str() {
                "1" => {
                    q.push(" AND r.key_post = 1");
                }
                "0" => {
                    q.push(" AND r.key_post = 0");
                }
                _ => {}
            }
            match due.as_str() {
                "1" => {
                    q.push(" AND r.next_review_on <= ").bind(today.saturating_add(DUE_DAYS.days()).to_string());
                }
                "overdue" => {
                    q.push(" AND r.next_review_on < ").bind(today.to_string());
                }
                _ => {}
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (r.post LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR r.risk_point LIKE ");
                q.bind(like.clone()).push(" ESCAPE '\\' OR r.measures LIKE ").bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?;
    Ok(Paged { items: page.items.into_iter().map(|r| r.mark(today)).collect(), ..page })
}

/// One risk in the caller's scope (a miss is audited and answered NotFound).
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Risk> {
    let select = format!("SELECT {COLS} {FROM}");
    let r: Risk = get_in_scope(ctx, &select, "r.id", id, "r.unit_id", None, "integrity_risk").await?;
    Ok(r.mark(platform::clock::today(&ctx.state.clock)))
}

pub async fn reviews(ctx: &Ctx, id: i64) -> AppResult<Vec<Review>> {
    Ok(sqlx::query_as(
        "SELECT id, reviewed_on, note, by_name FROM risk_reviews WHERE risk_id = $1 ORDER BY reviewed_on DESC, id DESC LIMIT 500",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// A key post (unit and post with a risk marked 重点岗位) and how many of its risks were reviewed
/// in the year.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct KeyPost {
    pub unit_id: i64,
    pub unit_name: String,
    pub post: String,
    pub risks: i64,
    pub reviewed: i64,
}

impl KeyPost {
    pub fn covered(&self) -> bool {
        self.reviewed >= self.risks
    }
    /// The register filtered to this post.
    pub fn href(&self) -> String {
        format!("/integrity/risks?unit={}&post={}", self.unit_id, url_encode(&self.post))
    }
}

/// The key posts in the caller's scope (of one unit when given), each with how many of its risks
/// (all of the post's, key or not) have a review dated in `year`.
pub async fn key_posts(ctx: &Ctx, year: i16, unit: Option<i64>) -> AppResult<Vec<KeyPost>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT r.unit_id, u.name AS unit_name, r.post, count(*) AS risks, \
         sum(CASE WHEN EXISTS (SELECT 1 FROM risk_reviews v WHERE v.risk_id = r.id AND v.reviewed_on >= ",
    );
    q.bind(format!("{year}-01-01")).push(" AND v.reviewed_on <= ").bind(format!("{year}-12-31"));
    q.push(") THEN 1 ELSE 0 END) AS reviewed FROM integrity_risks r JOIN units u ON u.id = r.unit_id WHERE ");
    user.scope.push_condition(&mut q, "r.unit_id", None);
    if let Some(u) = unit {
        q.push(" AND r.unit_id = ").bind(u);
    }
    q.push(
        " GROUP BY r.unit_id, u.name, u.sort_order, r.post HAVING max(r.key_post) = 1 \
         ORDER BY u.sort_order, r.unit_id, r.post LIMIT 2000",
    );
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

pub struct RiskInput {
    pub unit_id: Option<i64>,
    pub post: String,
    pub key_post: bool,
    pub risk_point: String,
    pub level: String,
    pub measures: String,
    pub owner_id: Option<i64>,
    pub next_review_on: String,
    /// The version an edit started from (absent on create).
    pub version: Option<i64>,
}

fn ticked(v: &str) -> bool {
    matches!(v.trim(), "1" | "true" | "on" | "yes")
}

/// `next_review_on` left empty is a year from today.
pub fn parse(f: &FormPairs, today: Date) -> AppResult<RiskInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "部门", &f.get("unit_id"));
    if unit_id.is_none() && f.get("unit_id").trim().is_empty() {
        c.add("unit_id", "请选择部门");
    }
    let post = c.text("post", "岗位", &f.get("post"), 60, true);
    let risk_point = c.long_text("risk_point", "风险点", &f.get("risk_point"), 500, true);
    let level = c.choice("level", "风险等级", &f.get("level"), RISK_LEVELS);
    let measures = c.long_text("measures", "防控措施", &f.get("measures"), 2000, false);
    let owner_id = c.opt_id("owner_id", "责任人", &f.get("owner_id"));
    let next = c.date("next_review_on", "下次复核日期", &f.get("next_review_on"), false);
    c.finish()?;
    Ok(RiskInput {
        unit_id,
        post,
        key_post: ticked(&f.get("key_post")),
        risk_point,
        level,
        measures,
        owner_id,
        next_review_on: next.unwrap_or_else(|| today.saturating_add(1.year())).to_string(),
        version: f.get("version").trim().parse().ok(),
    })
}

/// The department (in scope) and the owner: an active person of that department.
async fn check_refs(ctx: &Ctx, i: &RiskInput) -> AppResult<(i64, String)> {
    let unit = unit_in_scope(ctx, i.unit_id, true).await?;
    if let Some(o) = i.owner_id {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM people WHERE id = $1 AND unit_id = $2 AND employment_status = 'active'",
        )
        .bind(o)
        .bind(unit.0)
        .fetch_one(&ctx.state.db.pool)
        .await?;
        if n == 0 {
            return Err(AppError::field("owner_id", format!("责任人须为{}的在职人员", unit.1)));
        }
    }
    Ok(unit)
}

pub async fn create(ctx: &Ctx, i: &RiskInput) -> AppResult<i64> {
    let (unit, unit_name) = check_refs(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO integrity_risks (unit_id, post, key_post, risk_point, level, measures, owner_id, next_review_on, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id",
    )
    .bind(unit)
    .bind(&i.post)
    .bind(i64::from(i.key_post))
    .bind(&i.risk_point)
    .bind(&i.level)
    .bind(&i.measures)
    .bind(i.owner_id)
    .bind(&i.next_review_on)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{unit_name} {}（{}）：{}", i.post, label(RISK_LEVELS, &i.level), i.risk_point);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "integrity_risk", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an edit; someone else's edit (or review) in between is refused by the version.
pub async fn update(ctx: &Ctx, id: i64, i: &RiskInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let (unit, unit_name) = check_refs(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE integrity_risks SET unit_id = $1, post = $2, key_post = $3, risk_point = $4, level = $5, measures = $6, \
         owner_id = $7, next_review_on = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
    )
    .bind(unit)
    .bind(&i.post)
    .bind(i64::from(i.key_post))
    .bind(&i.risk_point)
    .bind(&i.level)
    .bind(&i.measures)
    .bind(i.owner_id)
    .bind(&i.next_review_on)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail = format!(
        "{} {}（{}）→ {unit_name} {}（{}），下次复核 {}",
        before.unit_name,
        before.post,
        before.level_label(),
        i.post,
        label(RISK_LEVELS, &i.level),
        i.next_review_on
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "integrity_risk", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let r = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM risk_reviews WHERE risk_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM integrity_risks WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {}：{}", r.unit_name, r.post, r.risk_point);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "integrity_risk", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a review (not after today). The latest review sets the last review date and the next
/// one: the date given (after the review), else a year after it; an earlier review entered late
/// is only added to the history.
pub async fn review(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<()> {
    let risk = get(ctx, id).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let mut c = FormCheck::new();
    let day = c.date("reviewed_on", "复核日期", &f.get("reviewed_on"), true);
    if day.is_some_and(|d| d > today) {
        c.add("reviewed_on", "复核日期不能晚于今天");
    }
    let note = c.long_text("note", "复核情况", &f.get("note"), 1000, false);
    let next = c.date("next_review_on", "下次复核日期", &f.get("next_review_on"), false);
    if let (Some(d), Some(n)) = (day, next)
        && n <= d
    {
        c.add("next_review_on", "下次复核日期应晚于复核日期");
    }
    c.finish()?;
    let Some(day) = day else { return Err(AppError::field("reviewed_on", "请输入复核日期")) };
    let next = next.unwrap_or_else(|| day.saturating_add(1.year()));
    let latest = risk.last_review_on.as_deref().is_none_or(|l| day.to_string().as_str() >= l);
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    sqlx::query("INSERT INTO risk_reviews (risk_id, reviewed_on, note, by_name, created_at) VALUES ($1,$2,$3,$4,$5)")
        .bind(id)
        .bind(day.to_string())
        .bind(&note)
        .bind(&user.display_name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let detail = if latest {
        let n = sqlx::query(
            "UPDATE integrity_risks SET last_review_on = $1, next_review_on = $2, version = version + 1, updated_at = $3 \
             WHERE id = $4 AND version = $5",
        )
        .bind(day.to_string())
        .bind(next.to_string())
        .bind(now)
        .bind(id)
        .bind(risk.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        expect_one_updated(n)?;
        format!("{} {} 复核 {day}，下次复核 {next}", risk.unit_name, risk.post)
    } else {
        format!("{} {} 补录 {day} 的复核", risk.unit_name, risk.post)
    };
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "integrity_risk", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// For those who keep the register: risks in scope whose review is due within 30 days or past.
pub struct RiskTodos;

impl TodoSource for RiskTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(INTEGRITY_EDIT) {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let mut q = Sql::new(
                "SELECT r.id, u.name, r.post, r.risk_point, r.next_review_on FROM integrity_risks r \
                 JOIN units u ON u.id = r.unit_id WHERE r.next_review_on <= ",
            );
            q.bind(today.saturating_add(DUE_DAYS.days()).to_string()).push(" AND ");
            user.scope.push_condition(&mut q, "r.unit_id", None);
            q.push(" ORDER BY r.next_review_on, r.id LIMIT 50");
            let rows: Vec<(i64, String, String, String, String)> = q.fetch_fresh(&ctx.state.db).await?;
            let today = today.to_string();
            Ok(rows
                .into_iter()
                .map(|(id, unit, post, point, next)| {
                    let overdue = next < today;
                    let point: String = point.chars().take(30).collect();
                    Todo {
                        title: format!("廉政风险点复核{}：{unit} {post}", if overdue { "已逾期" } else { "即将到期" }),
                        detail: format!("{point}；应于 {next} 前复核"),
                        due: Some(next),
                        href: format!("/integrity/risks/{id}"),
                        level: if overdue { "overdue" } else { "due_soon" },
                        source: "廉政风险点",
                    }
                })
                .collect())
        })
    }
}

#[derive(Template)]
#[template(path = "risks_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Risk>,
    offset: i64,
    pager: Pager,
    units: Vec<(i64, String)>,
    levels: Codes,
    year: i16,
    posts: Vec<KeyPost>,
    covered: usize,
    can_edit: bool,
    export_q: String,
}

impl ListPage {
    fn rate(&self) -> String {
        if self.posts.is_empty() {
            "—".into()
        } else {
            format!("{:.1}%", self.covered as f64 * 100.0 / self.posts.len() as f64)
        }
    }
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let year = year_of(p.get("year")).unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year());
    let posts = key_posts(&ctx, year, p.get_i64("unit")).await?;
    let covered = posts.iter().filter(|k| k.covered()).count();
    let units = departments(&ctx).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/integrity/risks", "廉政风险点", &[("清廉建设", ""), ("廉政风险点", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        units,
        levels: RISK_LEVELS,
        year,
        posts,
        covered,
        can_edit: ctx.can(INTEGRITY_EDIT),
        export_q,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["部门", "岗位", "重点岗位", "风险点", "风险等级", "防控措施", "责任人", "上次复核", "下次复核"];
    platform::ledger::export_list(
        &ctx,
        "廉政风险点",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |r| {
            vec![
                Cell::from(r.unit_name.clone()),
                Cell::from(r.post.clone()),
                Cell::from(if r.key_post == 1 { "是" } else { "否" }),
                Cell::from(r.risk_point.clone()),
                Cell::from(r.level_label()),
                Cell::from(r.measures.clone()),
                Cell::from(r.owner_name.clone()),
                Cell::from(r.last_review_on.clone()),
                Cell::from(r.next_review_on.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "risk_form.html")]
struct FormPage {
    frame: Frame,
    /// `None` when adding a risk point.
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    levels: Codes,
}

/// Active people of the chosen department, offered as the owner: (id, "姓名（岗位）").
async fn people_of(ctx: &Ctx, unit: Option<i64>) -> AppResult<Vec<(i64, String)>> {
    let Some(unit) = unit else { return Ok(Vec::new()) };
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT p.id, CASE WHEN p.post = '' THEN p.name ELSE p.name || '（' || p.post || '）' END FROM people p \
         WHERE p.employment_status = 'active' AND p.unit_id = ",
    );
    q.bind(unit).push(" AND ");
    user.scope.push_condition(&mut q, "p.unit_id", None);
    q.push(" ORDER BY p.name, p.id LIMIT 500");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改廉政风险点" } else { "新增廉政风险点" };
    let frame = Frame::new(
        ctx,
        title,
        "/integrity/risks",
        &[("清廉建设", ""), ("廉政风险点", "/integrity/risks"), (title, "")],
    );
    let units = departments(ctx).await?;
    let people = people_of(ctx, f.get("unit_id").trim().parse().ok()).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, id, f, errors, units, people, levels: RISK_LEVELS })).into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock);
    let user = ctx.user()?;
    let unit = q.get("unit").cloned().unwrap_or_else(|| user.unit_id.to_string());
    let pairs = vec![
        ("unit_id".to_string(), unit),
        ("level".to_string(), "medium".to_string()),
        ("next_review_on".to_string(), today.saturating_add(1.year()).to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

/// `choose=1` (选择, after picking the department) re-renders with its people.
async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    if f.get("choose") == "1" {
        return form(&ctx, None, f, FieldErrors::new()).await;
    }
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/integrity/risks/{id}"), "廉政风险点已保存")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = get(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), r.unit_id.to_string()),
        ("post".to_string(), r.post.clone()),
        ("risk_point".to_string(), r.risk_point.clone()),
        ("level".to_string(), r.level.clone()),
        ("measures".to_string(), r.measures.clone()),
        ("owner_id".to_string(), r.owner_id.map(|o| o.to_string()).unwrap_or_default()),
        ("next_review_on".to_string(), r.next_review_on.clone()),
        ("version".to_string(), r.version.to_string()),
    ];
    if r.key_post == 1 {
        pairs.push(("key_post".to_string(), "1".to_string()));
    }
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    if f.get("choose") == "1" {
        return form(&ctx, Some(id), f, FieldErrors::new()).await;
    }
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/integrity/risks/{id}"), "廉政风险点已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "risk_view.html")]
struct ViewPage {
    frame: Frame,
    r: Risk,
    history: Vec<Review>,
    can_edit: bool,
    today: String,
    f: FormPairs,
    errors: FieldErrors,
}

async fn render_view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let r = get(ctx, id).await?;
    let history = reviews(ctx, id).await?;
    let frame = Frame::new(
        ctx,
        &format!("{} {}", r.unit_name, r.post),
        "/integrity/risks",
        &[("清廉建设", ""), ("廉政风险点", "/integrity/risks"), ("风险点详情", "")],
    );
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ViewPage { frame, r, history, can_edit: ctx.can(INTEGRITY_EDIT), today, f, errors }))
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    render_view(&ctx, id, FormPairs::from(vec![("reviewed_on".to_string(), today)]), FieldErrors::new()).await
}

async fn review_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match review(&ctx, id, &f).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/integrity/risks/{id}"), "复核已登记")),
        Err(AppError::Validation(errors)) => render_view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/integrity/risks", "廉政风险点已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = get(&ctx, id).await?;
    let history = reviews(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "risk": r, "reviews": history })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = create(&ctx, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    update(&ctx, id, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_review(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    review(&ctx, id, &f).await?;
    Ok(StatusCode::CREATED.into_response())
}

/// (post, risk point, level, measures) for a department, by the kind of work it does.
fn register_of(dept: &str) -> Vec<(String, &'static str, &'static str, &'static str)> {
    let rows: [(&str, &str, &str, &str); 3] = if dept.contains("监区") {
        [
            (
                "监区长",
                "罪犯计分考核、减刑假释呈报中优亲厚友、以权谋私",
                "high",
                "计分考核集体研究、结果公示；呈报材料逐级审核，纪委全程监督",
            ),
            (
                "分管改造副监区长",
                "罪犯劳动岗位调整、物品采购中收受好处",
                "medium",
                "岗位调整集体决定并登记备案；采购实行比价，账目每月公开",
            ),
            (
                "管教民警",
                "违规为罪犯传递物品、信件，与罪犯家属不正当交往",
                "high",
                "落实“三个规定”记录报告；每季度开展廉政谈话，定期清查违禁品",
            ),
        ]
    } else if dept.contains("刑罚执行") {
        [
            ("科长", "减刑、假释、暂予监外执行案件审核把关不严", "high", "案件集体评议，提请前公示；检察机关同步监督"),
            (
                "案件审核民警",
                "违规提供案件信息、接受请托",
                "high",
                "案件信息分级管理，登记查阅记录；落实干预司法“三个规定”",
            ),
            ("内勤", "档案材料管理不规范，泄露案件信息", "low", "档案借阅审批登记，定期检查"),
        ]
    } else if dept.contains("财务") || dept.contains("装备") {
        [
            ("科长", "大额资金支出、政府采购中违规决策", "high", "“三重一大”事项集体决策；采购全程留痕，纪委监督"),
            ("采购经办人", "采购中围标串标、收受回扣", "high", "采购与验收分离；供应商轮换，定期审计"),
            ("出纳", "资金管理不规范，公款私存", "medium", "钱账分管，每月对账，不定期抽查"),
        ]
    } else if dept.contains("生活卫生") {
        [
            ("科长", "罪犯伙食物资采购中收受好处", "high", "物资采购公开比价，伙食账目每月公布"),
            ("物资保管员", "物资出入库管理不严，虚报冒领", "medium", "出入库双人签字，每月盘点"),
            ("医务民警", "违规出具病情诊断，为保外就医提供便利", "high", "病情鉴定集体会诊，结果公示"),
        ]
    } else if dept.contains("狱政") {
        [
            ("科长", "罪犯分押分管、会见审批中徇私", "high", "审批权限分级，会见登记与监听制度"),
            ("会见管理民警", "违规安排会见、传递物品", "high", "会见全程录像，物品统一检查登记"),
            ("内勤", "罪犯信息查询不规范", "low", "查询权限管理，定期核查日志"),
        ]
    } else {
        [
            (
                "部门负责人",
                "履行“一岗双责”不到位，对分管人员失管失察",
                "medium",
                "签订党风廉政建设责任书，每季度研究部署一次",
            ),
            ("业务经办人", "办理业务中吃拿卡要、优亲厚友", "medium", "办事流程公开，办理结果登记备查"),
            ("内勤", "公务接待、办公用品管理不规范", "low", "接待实行审批和清单制度，用品出入库登记"),
        ]
    };
    rows.into_iter().map(|(p, r, l, m)| (p.to_string(), r, l, m)).collect()
}

/// Demo: a register of 2–3 risk points for every department of the prison, the first two posts
/// key; most reviewed this year, a few whose review is past due.
pub async fn seed_demo(ctx: &Ctx, today: Date) -> AppResult<()> {
    let prison: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&ctx.state.db.pool).await?;
    let depts: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM units WHERE prison_id = $1 AND kind = 'department' ORDER BY sort_order, id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let jan1 = jiff::civil::date(today.year(), 1, 1);
    let elapsed = i64::from((today - jan1).get_days().max(0));
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let mut n = 0i64;
    for (d, (unit, name)) in depts.iter().enumerate() {
        let people: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM people WHERE unit_id = $1 AND employment_status = 'active' ORDER BY id LIMIT 3",
        )
        .bind(*unit)
        .fetch_all(&mut *tx)
        .await?;
        let count = 2 + d % 2;
        for (i, (post, point, level, measures)) in register_of(name).into_iter().take(count).enumerate() {
            n += 1;
            // Every seventh was last reviewed over a year ago (its review is past due); the rest this year.
            let last = if n % 7 == 3 {
                today.saturating_sub(1.year()).saturating_sub((10 + n).days())
            } else {
                jan1.saturating_add((elapsed * ((n % 5) + 1) / 6).days())
            };
            let next = last.saturating_add(1.year());
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO integrity_risks (unit_id, post, key_post, risk_point, level, measures, owner_id, last_review_on, \
                 next_review_on, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
            )
            .bind(*unit)
            .bind(&post)
            .bind(i64::from(i < 2))
            .bind(format!("{point}（演示）"))
            .bind(level)
            .bind(measures)
            .bind(people.get(i).map(|p| p.0))
            .bind(last.to_string())
            .bind(next.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO risk_reviews (risk_id, reviewed_on, note, by_name, created_at) VALUES ($1,$2,$3,$4,$5)",
            )
            .bind(id)
            .bind(last.to_string())
            .bind("演示数据：对照岗位职责逐项复核，防控措施落实到位。")
            .bind("纪委办公室（演示）")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
