//! 六个绝对不能发生: the register of critical incidents (kind, date, facts, handling) and, for
//! each kind, the days since the last one. The kinds are configurable; the six of the seed are
//! there by default (罪犯脱逃、狱内重大案件、重大安全生产事故、重大疫情、重大舆情、民警重大违纪违法).

use crate::shared::{JsonBody, json_pairs, past_date, unit_in_scope};
use crate::{SAFETY_CONFIG, SAFETY_EDIT, SAFETY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use office::Cell;
use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::{expect_one_updated, get_in_scope};
use platform::perm::Need;
use platform::registry::{BoxFuture, CardSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit, config) = (Need::Perm(SAFETY_VIEW), Need::Perm(SAFETY_EDIT), Need::Perm(SAFETY_CONFIG));
    r.get("/safety/incidents", view, "六个绝对不能发生（距上次事件天数、事件登记）", list_page)
        .get("/safety/incidents/export", view, "导出重大事件登记", export)
        .get("/safety/incidents/new", edit, "登记重大事件页", new_page)
        .post("/safety/incidents", edit, "登记重大事件", create_page)
        .get("/safety/incidents/{id}", view, "重大事件详情", view_page)
        .get("/safety/incidents/{id}/edit", edit, "修改重大事件页", edit_page)
        .post("/safety/incidents/{id}", edit, "修改重大事件", update_page)
        .post("/safety/incidents/{id}/delete", edit, "删除重大事件", delete_page)
        .get("/safety/incident_kinds", view, "重大事件类别", kinds_page)
        .get("/safety/incident_kinds/new", config, "新增重大事件类别页", kind_new_page)
        .post("/safety/incident_kinds", config, "新增重大事件类别", kind_create_page)
        .get("/safety/incident_kinds/{id}/edit", config, "修改重大事件类别页", kind_edit_page)
        .post("/safety/incident_kinds/{id}", config, "修改重大事件类别（停用的不再统计天数）", kind_update_page)
        .get("/api/v1/critical_incidents", view, "重大事件列表（kind, year, from, to, q）", api_list)
        .get("/api/v1/critical_incidents/days_since", view, "各类事件距上次发生的天数（at，默认今天）", api_days_since)
        .post(
            "/api/v1/critical_incidents",
            edit,
            "登记重大事件（unit_id, kind_id, occurred_on, title, facts, handling）",
            api_create,
        )
        .get("/api/v1/critical_incidents/{id}", view, "重大事件详情", api_get)
        .put("/api/v1/critical_incidents/{id}", edit, "修改重大事件（另加 version）", api_update)
        .delete("/api/v1/critical_incidents/{id}", edit, "删除重大事件", api_delete)
        .get("/api/v1/critical_incident_kinds", view, "重大事件类别", api_kinds)
        .post("/api/v1/critical_incident_kinds", config, "新增重大事件类别（name, sort_order）", api_kind_create)
        .put(
            "/api/v1/critical_incident_kinds/{id}",
            config,
            "修改重大事件类别（name, sort_order, active, version）",
            api_kind_update,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Kind {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub sort_order: i64,
    pub active: i64,
    pub version: i64,
}

pub async fn kinds(ctx: &Ctx, active_only: bool) -> AppResult<Vec<Kind>> {
    let sql = format!(
        "SELECT id, code, name, sort_order, active, version FROM critical_incident_kinds{} ORDER BY sort_order, id LIMIT 100",
        if active_only { " WHERE active = 1" } else { "" }
    );
    Ok(sqlx::query_as(platform::db::AssertSqlSafe(sql)).fetch_all(&ctx.state.db.pool).await?)
}

async fn kind(ctx: &Ctx, id: i64) -> AppResult<Kind> {
    sqlx::query_as("SELECT id, code, name, sort_order, active, version FROM critical_incident_kinds WHERE id = $1")
        .bind(id)
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Incident {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind_id: i64,
    pub kind_name: String,
    pub occurred_on: String,
    pub title: String,
    pub facts: String,
    pub handling: String,
    pub version: i64,
}

const COLS: &str = "c.id, c.unit_id, u.name AS unit_name, c.kind_id, k.name AS kind_name, c.occurred_on, c.title, c.facts, c.handling, c.version";
const FROM: &str =
    "FROM critical_incidents c JOIN units u ON u.id = c.unit_id JOIN critical_incident_kinds k ON k.id = c.kind_id";
pub const SORTS: &[(&str, &str)] = &[("occurred_on", "c.occurred_on"), ("kind", "k.sort_order")];

/// Filters: kind (id), year, from, to, q (title, facts).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Incident>> {
    let user = ctx.user()?;
    let (from, to, text) = (p.get("from").to_string(), p.get("to").to_string(), p.get("q").to_string());
    let (kind, year) = (p.get_i64("kind"), crate::domain::year_of(p.get("year")));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "c.occurred_on DESC".into();
    }
    Ok(fetch_page::<Incident>(
        &ctx.state.db,
        COLS,
        "c.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "c.unit_id", None);
            if let Some(k) = kind {
                q.push(" AND c.kind_id = ").bind(k);
            }
            if let Some(y) = year {
                q.push(" AND c.occurred_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND c.occurred_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND c.occurred_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND c.occurred_on <= ").bind(to.clone());
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (c.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR c.facts LIKE ");
                q.bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Incident> {
    let select = format!("SELECT {COLS} {FROM}");
    get_in_scope(ctx, &select, "c.id", id, "c.unit_id", None, "critical_incident").await
}

/// The last incident on or before `at` in the caller's scope, of one kind (by code) or of any
/// active kind: (id, date, kind name).
pub async fn last_before(ctx: &Ctx, kind_code: Option<&str>, at: Date) -> AppResult<Option<(i64, String, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT c.id, c.occurred_on, k.name FROM critical_incidents c JOIN critical_incident_kinds k ON k.id = c.kind_id WHERE c.occurred_on <= ",
    );
    q.bind(at.to_string());
    match kind_code {
        Some(code) => {
            q.push(" AND k.code = ").bind(code.to_string());
        }
        None => {
            q.push(" AND k.active = 1");
        }
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "c.unit_id", None);
    q.push(" ORDER BY c.occurred_on DESC, c.id DESC LIMIT 1");
    Ok(q.fetch_fresh(&ctx.state.db).await?.into_iter().next())
}

/// Days from one date to a later one (0 when not later).
pub fn days_between(from: &str, to: Date) -> i64 {
    from.parse::<Date>().ok().and_then(|d| d.until(to).ok()).map(|s| (s.get_days() as i64).max(0)).unwrap_or(0)
}

/// A kind with its last incident (on or before the date) and the days since.
#[derive(Clone, Debug, Serialize)]
pub struct DaysSince {
    pub kind_id: i64,
    pub code: String,
    pub name: String,
    pub last_id: Option<i64>,
    pub last_on: Option<String>,
    /// None when there has been none of this kind.
    pub days: Option<i64>,
}

pub async fn days_since(ctx: &Ctx, at: Date) -> AppResult<Vec<DaysSince>> {
    let mut out = Vec::new();
    for k in kinds(ctx, true).await? {
        let last = last_before(ctx, Some(&k.code), at).await?;
        out.push(DaysSince {
            kind_id: k.id,
            code: k.code,
            name: k.name,
            last_id: last.as_ref().map(|l| l.0),
            days: last.as_ref().map(|l| days_between(&l.1, at)),
            last_on: last.map(|l| l.1),
        });
    }
    Ok(out)
}

pub struct IncidentInput {
    pub unit_id: Option<i64>,
    pub kind_id: Option<i64>,
    pub occurred_on: String,
    pub title: String,
    pub facts: String,
    pub handling: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: Date) -> AppResult<IncidentInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "发生单位", &f.get("unit_id"));
    let kind_id = c.opt_id("kind_id", "事件类别", &f.get("kind_id"));
    if kind_id.is_none() && !c.errors.contains_key("kind_id") {
        c.add("kind_id", "请选择事件类别");
    }
    let day = past_date(&mut c, f, "occurred_on", "发生日期", true, today);
    let title = c.text("title", "事件名称", &f.get("title"), 200, true);
    let facts = c.long_text("facts", "基本事实", &f.get("facts"), 5000, true);
    let handling = c.long_text("handling", "处置情况", &f.get("handling"), 5000, false);
    c.finish()?;
    Ok(IncidentInput {
        unit_id,
        kind_id,
        occurred_on: day.map(|d| d.to_string()).unwrap_or_default(),
        title,
        facts,
        handling,
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check(ctx: &Ctx, i: &IncidentInput) -> AppResult<i64> {
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    let k = kind(ctx, i.kind_id.unwrap_or_default())
        .await
        .map_err(|_| AppError::field("kind_id", "请选择有效的事件类别"))?;
    if k.active == 0 {
        return Err(AppError::field("kind_id", "该事件类别已停用"));
    }
    Ok(unit)
}

pub async fn create(ctx: &Ctx, i: &IncidentInput) -> AppResult<i64> {
    let unit = check(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO critical_incidents (unit_id, kind_id, occurred_on, title, facts, handling, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(unit)
    .bind(i.kind_id.unwrap_or_default())
    .bind(&i.occurred_on)
    .bind(&i.title)
    .bind(&i.facts)
    .bind(&i.handling)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "critical_incident", id).detail(i.title.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &IncidentInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE critical_incidents SET unit_id = $1, kind_id = $2, occurred_on = $3, title = $4, facts = $5, handling = $6, \
         version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(unit)
    .bind(i.kind_id.unwrap_or_default())
    .bind(&i.occurred_on)
    .bind(&i.title)
    .bind(&i.facts)
    .bind(&i.handling)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("update", "critical_incident", id).detail(i.title.clone()))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let c = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM critical_incidents WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "critical_incident", id).detail(c.title)).await?;
    tx.commit().await?;
    Ok(())
}

struct KindInput {
    name: String,
    sort_order: i64,
    active: bool,
    version: Option<i64>,
}

fn parse_kind(f: &FormPairs) -> AppResult<KindInput> {
    let mut c = FormCheck::new();
    let name = c.text("name", "类别名称", &f.get("name"), 30, true);
    let sort_order = c.int("sort_order", "排序", &f.get("sort_order"), 0, 9999);
    let active = f.get("active") != "0";
    c.finish()?;
    Ok(KindInput { name, sort_order, active, version: f.get("version").trim().parse().ok() })
}

async fn kind_create(ctx: &Ctx, i: &KindInput) -> AppResult<i64> {
    let mut tx = ctx.state.db.begin().await?;
    let taken: i64 = sqlx::query_scalar("SELECT count(*) FROM critical_incident_kinds WHERE name = $1")
        .bind(&i.name)
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Err(AppError::field("name", "已有同名类别"));
    }
    let next: i64 =
        sqlx::query_scalar("SELECT coalesce(max(id), 0) + 1 FROM critical_incident_kinds").fetch_one(&mut *tx).await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO critical_incident_kinds (code, name, sort_order, active, created_at, updated_at) VALUES ($1,$2,$3,1,$4,$4) RETURNING id",
    )
    .bind(format!("custom_{next}"))
    .bind(&i.name)
    .bind(i.sort_order)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "critical_incident_kind", id).detail(i.name.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

async fn kind_update(ctx: &Ctx, id: i64, i: &KindInput) -> AppResult<()> {
    kind(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    let taken: i64 = sqlx::query_scalar("SELECT count(*) FROM critical_incident_kinds WHERE name = $1 AND id <> $2")
        .bind(&i.name)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Err(AppError::field("name", "已有同名类别"));
    }
    let n = sqlx::query(
        "UPDATE critical_incident_kinds SET name = $1, sort_order = $2, active = $3, version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6",
    )
    .bind(&i.name)
    .bind(i.sort_order)
    .bind(i64::from(i.active))
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail = format!("{}{}", i.name, if i.active { "" } else { "（停用）" });
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "critical_incident_kind", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct IncidentAttachments;

impl AttachmentOwner for IncidentAttachments {
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
        format!("/safety/incidents/{owner_id}")
    }
}

/// 安全运行天数 on the home page: days since the last incident of any kind in scope.
pub struct SafeDaysCard;

impl CardSource for SafeDaysCard {
    fn card<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Option<(String, String, String)>>> {
        Box::pin(async move {
            if !ctx.can(SAFETY_VIEW) {
                return Ok(None);
            }
            let today = platform::clock::today(&ctx.state.clock);
            let value = match last_before(ctx, None, today).await? {
                Some((_, on, _)) => format!("{} 天", days_between(&on, today)),
                None => "无事件记录".to_string(),
            };
            Ok(Some(("距上次重大事件".into(), value, "/safety/incidents".into())))
        })
    }
}

#[derive(Template)]
#[template(path = "incidents_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Incident>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Vec<Kind>,
    days: Vec<DaysSince>,
    today: String,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let days = days_since(&ctx, today).await?;
    let ListScreen { frame, pager, offset, export_q } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/safety/incidents",
        "六个绝对不能发生",
        &[("安保维稳", ""), ("六个绝对不能发生", "")],
    );
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: kinds(&ctx, false).await?,
        days,
        today: today.to_string(),
        can_edit: ctx.can(SAFETY_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["发生日期", "事件类别", "事件名称", "发生单位", "基本事实", "处置情况"];
    platform::ledger::export_list(
        &ctx,
        "重大事件",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |c| {
            vec![
                Cell::from(c.occurred_on.clone()),
                Cell::from(c.kind_name.clone()),
                Cell::from(c.title.clone()),
                Cell::from(c.unit_name.clone()),
                Cell::from(c.facts.clone()),
                Cell::from(c.handling.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "incident_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    kinds: Vec<Kind>,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改重大事件" } else { "登记重大事件" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/incidents",
        &[("安保维稳", ""), ("六个绝对不能发生", "/safety/incidents"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units: crate::shared::departments(ctx).await?,
            kinds: kinds(ctx, true).await?,
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let pairs = vec![
        ("unit_id".to_string(), ctx.user()?.unit_id.to_string()),
        ("occurred_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/safety/incidents/{id}"), "事件已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("unit_id".to_string(), c.unit_id.to_string()),
        ("kind_id".to_string(), c.kind_id.to_string()),
        ("occurred_on".to_string(), c.occurred_on),
        ("title".to_string(), c.title),
        ("facts".to_string(), c.facts),
        ("handling".to_string(), c.handling),
        ("version".to_string(), c.version.to_string()),
    ]);
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/incidents/{id}"), "事件已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "incident_view.html")]
struct ViewPage {
    frame: Frame,
    c: Incident,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let files = platform::attachments::list_for(&ctx, "critical_incident", id).await?;
    let frame = Frame::new(
        &ctx,
        &c.title,
        "/safety/incidents",
        &[("安保维稳", ""), ("六个绝对不能发生", "/safety/incidents"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, c, files, can_edit: ctx.can(SAFETY_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/safety/incidents", "事件已删除"))
}

#[derive(Template)]
#[template(path = "incident_kinds.html")]
struct KindsPage {
    frame: Frame,
    rows: Vec<Kind>,
    can_config: bool,
}

async fn kinds_page(ctx: Ctx) -> AppResult<Response> {
    let rows = kinds(&ctx, false).await?;
    let frame = Frame::new(
        &ctx,
        "重大事件类别",
        "/safety/incidents",
        &[("安保维稳", ""), ("六个绝对不能发生", "/safety/incidents"), ("事件类别", "")],
    );
    Ok(Html(KindsPage { frame, rows, can_config: ctx.can(SAFETY_CONFIG) }).into_response())
}

#[derive(Template)]
#[template(path = "incident_kind_form.html")]
struct KindForm {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
}

fn kind_form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> Response {
    let title = if id.is_some() { "修改事件类别" } else { "新增事件类别" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/incidents",
        &[("安保维稳", ""), ("事件类别", "/safety/incident_kinds"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, Html(KindForm { frame, id, f, errors })).into_response()
}

async fn kind_new_page(ctx: Ctx) -> Response {
    kind_form(&ctx, None, FormPairs::from(vec![("sort_order".to_string(), "100".to_string())]), FieldErrors::new())
}

async fn kind_create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse_kind(&f) {
        Ok(i) => kind_create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(redirect_with_flash("/safety/incident_kinds", "事件类别已新增")),
        Err(AppError::Validation(errors)) => Ok(kind_form(&ctx, None, f, errors)),
        Err(e) => Err(e),
    }
}

async fn kind_edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let k = kind(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("name".to_string(), k.name),
        ("sort_order".to_string(), k.sort_order.to_string()),
        ("active".to_string(), k.active.to_string()),
        ("version".to_string(), k.version.to_string()),
    ]);
    Ok(kind_form(&ctx, Some(id), f, FieldErrors::new()))
}

async fn kind_update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse_kind(&f) {
        Ok(i) => kind_update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash("/safety/incident_kinds", "事件类别已修改")),
        Err(AppError::Validation(errors)) => Ok(kind_form(&ctx, Some(id), f, errors)),
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_days_since(ctx: Ctx, q: Q) -> AppResult<Response> {
    let at = match q.get("at").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => platform::clock::today(&ctx.state.clock),
        Some(v) => v.parse().map_err(|_| AppError::BadRequest("at 须为 YYYY-MM-DD 格式的日期".into()))?,
    };
    let items = days_since(&ctx, at).await?;
    let any = last_before(&ctx, None, at).await?;
    Ok(Json(serde_json::json!({
        "at": at.to_string(),
        "items": items,
        "any": { "last_id": any.as_ref().map(|a| a.0), "last_on": any.as_ref().map(|a| a.1.clone()),
                 "days": any.as_ref().map(|a| days_between(&a.1, at)) },
    }))
    .into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Json(get(&ctx, id).await?).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?, platform::clock::today(&ctx.state.clock))?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?, platform::clock::today(&ctx.state.clock))?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_kinds(ctx: Ctx) -> AppResult<Response> {
    let items = kinds(&ctx, false).await?;
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": 100 })).into_response())
}

async fn api_kind_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = parse_kind(&pairs_from_json(b)?)?;
    let id = kind_create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_kind_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse_kind(&pairs_from_json(b)?)?;
    kind_update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
