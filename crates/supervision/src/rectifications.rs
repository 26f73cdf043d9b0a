//! 巡察整改: a feedback batch (省厅局政治巡察, 政治监督 …) and its problems, each a measure with
//! its rectification, departments, deadline, progress and evidence, signed off (销号) only by the
//! batch's approver, who can also send it back.

use crate::domain::*;
use crate::measures::service as ms;
use crate::plans::{add_measure, check_person, departments, leaders, own_prison};
use crate::{SUP_EDIT, SUP_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(SUP_VIEW), Need::Perm(SUP_EDIT));
    r.get("/supervision/rectifications", view, "巡察整改", list_page)
        .get("/supervision/rectifications/new", edit, "新增整改批次页", new_page)
        .post("/supervision/rectifications", edit, "新增整改批次", create_page)
        .get("/supervision/rectifications/{id}", view, "整改批次详情（含问题）", view_page)
        .post("/supervision/rectifications/{id}/measures", edit, "新增整改问题", add_problem_page)
        .get("/api/v1/rectifications", view, "整改批次列表", api_list)
        .post(
            "/api/v1/rectifications",
            edit,
            "新增整改批次（source, title, received_on, doc_number, approver_id）",
            api_create,
        )
        .get("/api/v1/rectifications/{id}", view, "整改批次详情", api_get)
        .post(
            "/api/v1/rectifications/{id}/measures",
            edit,
            "新增整改问题（number, problem, content, leader_id, lead_unit_id, partner_ids[], deadline）",
            api_add_problem,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Batch {
    pub id: i64,
    pub unit_id: i64,
    pub source: String,
    pub title: String,
    pub received_on: String,
    pub doc_number: String,
    pub approver_id: i64,
    pub approver_name: String,
    pub problems: i64,
    pub closed: i64,
}

impl Batch {
    pub fn source_label(&self) -> &'static str {
        label(RECT_SOURCES, &self.source)
    }
}

const COLS: &str = "rc.id, rc.unit_id, rc.source, rc.title, rc.received_on, rc.doc_number, rc.approver_id, \
    a.name AS approver_name, (SELECT count(*) FROM measures m WHERE m.rectification_id = rc.id) AS problems, \
    (SELECT count(*) FROM measures m WHERE m.rectification_id = rc.id AND m.status = 'done') AS closed";
const FROM: &str = "FROM rectifications rc JOIN people a ON a.id = rc.approver_id";
const SORTS: &[(&str, &str)] = &[("received_on", "rc.received_on")];

fn push_scope(q: &mut Sql, user: &platform::CurrentUser) {
    q.push("(");
    user.scope.push_condition(q, "rc.unit_id", None);
    q.push(" OR EXISTS (SELECT 1 FROM measures m WHERE m.rectification_id = rc.id AND ");
    ms::push_scope(q, &user.scope);
    q.push("))");
}

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Batch>> {
    let user = ctx.user()?;
    let source = p.get("source").to_string();
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "rc.received_on DESC".into();
    }
    Ok(fetch_page::<Batch>(
        &ctx.state.db,
        COLS,
        "rc.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_scope(q, user);
            if !source.is_empty() {
                q.push(" AND rc.source = ").bind(source.clone());
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Batch> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" ").push(FROM).push(" WHERE rc.id = ").bind(id).push(" AND ");
    push_scope(&mut q, user);
    match q.query_as::<Batch>().fetch_optional(&ctx.state.db.pool).await? {
        Some(b) => Ok(b),
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "rectification", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

struct BatchInput {
    source: String,
    title: String,
    received_on: String,
    doc_number: String,
    approver_id: Option<i64>,
}

fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<BatchInput> {
    let mut c = FormCheck::new();
    let source = c.choice("source", "来源", &f.get("source"), RECT_SOURCES);
    let title = c.text("title", "名称", &f.get("title"), 100, true);
    let received = c.date("received_on", "反馈日期", &f.get("received_on"), true);
    if received.is_some_and(|d| d > today) {
        c.add("received_on", "反馈日期不能晚于今天");
    }
    let doc_number = c.text("doc_number", "文号", &f.get("doc_number"), 60, false);
    let approver_id = f.get("approver_id").trim().parse().ok();
    if approver_id.is_none() {
        c.add("approver_id", "请选择审核销号人");
    }
    c.finish()?;
    Ok(BatchInput {
        source,
        title,
        received_on: received.map(|d| d.to_string()).unwrap_or_default(),
        doc_number,
        approver_id,
    })
}

async fn create(ctx: &Ctx, i: &BatchInput) -> AppResult<i64> {
    let prison = own_prison(ctx).await?;
    let approver = i.approver_id.ok_or_else(|| AppError::field("approver_id", "请选择审核销号人"))?;
    check_person(ctx, prison, approver, "approver_id").await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rectifications (unit_id, source, title, received_on, doc_number, approver_id, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(prison)
    .bind(&i.source)
    .bind(&i.title)
    .bind(&i.received_on)
    .bind(&i.doc_number)
    .bind(approver)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "rectification", id).detail(i.title.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

/// Opens a batch for another area's findings (a drill's problems, an inspection's hazards), so they
/// are rectified, tracked and signed off like inspection feedback. `source` is one of RECT_SOURCES.
pub async fn open_batch(
    ctx: &Ctx,
    source: &str,
    title: &str,
    received_on: jiff::civil::Date,
    approver_id: i64,
) -> AppResult<i64> {
    let mut c = FormCheck::new();
    c.choice("source", "来源", source, RECT_SOURCES);
    c.finish()?;
    let i = BatchInput {
        source: source.to_string(),
        title: title.chars().take(100).collect(),
        received_on: received_on.to_string(),
        doc_number: String::new(),
        approver_id: Some(approver_id),
    };
    create(ctx, &i).await
}

/// Adds a problem to a batch from another area (the same checks as the batch page).
pub async fn add_problem(ctx: &Ctx, batch: i64, f: &FormPairs) -> AppResult<i64> {
    save_problem(ctx, batch, f).await
}

async fn save_problem(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<i64> {
    let b = get(ctx, id).await?;
    let path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(b.unit_id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if !ctx.user()?.scope.covers_unit(b.unit_id, &path) {
        return Err(AppError::Forbidden);
    }
    let year = b.received_on.get(..4).and_then(|y| y.parse::<i16>().ok()).unwrap_or(2000);
    let mut i = crate::plans::parse_measure(f, year)?;
    if i.problem.is_empty() {
        return Err(AppError::field("problem", "请输入问题"));
    }
    // A problem's deadline may fall in the next year; its year is the year it is due.
    i.deadline_kind = if i.deadline_kind == "date" { "date" } else { "yearly" };
    let mut tx = ctx.state.db.begin().await?;
    let mid = add_measure(ctx, &mut tx, ("rect", id), b.unit_id, i.deadline.year() as i64, &i).await?;
    let detail = format!("{} 问题{}", b.title, i.number);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "measure", mid).detail(detail)).await?;
    tx.commit().await?;
    Ok(mid)
}

#[derive(Template)]
#[template(path = "rect_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Batch>,
    offset: i64,
    pager: Pager,
    can_edit: bool,
    sources: Codes,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/supervision/rectifications",
        "巡察整改",
        &[("主体责任", ""), ("巡察整改", "")],
    );
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, can_edit: ctx.can(SUP_EDIT), sources: RECT_SOURCES })
        .into_response())
}

#[derive(Template)]
#[template(path = "rect_form.html")]
struct FormPage {
    frame: Frame,
    f: FormPairs,
    errors: FieldErrors,
    leaders: Vec<(i64, String)>,
    sources: Codes,
}

async fn form(ctx: &Ctx, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(
        ctx,
        "新增整改批次",
        "/supervision/rectifications",
        &[("主体责任", ""), ("巡察整改", "/supervision/rectifications"), ("新增", "")],
    );
    let leaders = leaders(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, f, errors, leaders, sources: RECT_SOURCES })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    form(&ctx, FormPairs::from(vec![("received_on".to_string(), today)]), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => {
            Ok(redirect_with_flash(&format!("/supervision/rectifications/{id}"), "整改批次已保存，请逐条添加问题"))
        }
        Err(AppError::Validation(errors)) => form(&ctx, f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "rect_view.html")]
struct ViewPage {
    frame: Frame,
    b: Batch,
    parent_id: i64,
    rows: Vec<ms::Measure>,
    can_edit: bool,
    leaders: Vec<(i64, String)>,
    depts: Vec<(i64, String)>,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let b = get(ctx, id).await?;
    let mut raw = BTreeMap::new();
    raw.insert("rect".to_string(), id.to_string());
    raw.insert("sort".to_string(), "number".to_string());
    raw.insert("per_page".to_string(), "200".to_string());
    let rows = ms::list(ctx, &ListParams::parse(raw, ms::SORTS, true)).await?.items;
    let can_edit = ctx.can(SUP_EDIT);
    let (leaders, depts) = if can_edit { (leaders(ctx).await?, departments(ctx).await?) } else { Default::default() };
    let frame = Frame::new(
        ctx,
        &b.title,
        "/supervision/rectifications",
        &[("主体责任", ""), ("巡察整改", "/supervision/rectifications"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ViewPage { frame, parent_id: b.id, b, rows, can_edit, leaders, depts, f, errors }))
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let next = get(&ctx, id).await.map(|b| b.problems + 1).unwrap_or(1);
    view(&ctx, id, FormPairs::from(vec![("number".to_string(), next.to_string())]), FieldErrors::new()).await
}

async fn add_problem_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match save_problem(&ctx, id, &f).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/supervision/rectifications/{id}"), "整改问题已添加")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Json(get(&ctx, id).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = create(&ctx, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_add_problem(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let mid = save_problem(&ctx, id, &f).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": mid }))).into_response())
}
