//! 排查 (risk screening): rounds held periodically and before or during special periods, each
//! with its findings — the department where a risk was found, its category and level, the
//! measures and the person responsible — and their status until the risk is resolved. A finding
//! that needs watching becomes a 稳控 record. A finding is authorised by its own department, and a
//! round is visible to whoever can see it or one of its findings.

use crate::domain::*;
use crate::{STABILITY_EDIT, STABILITY_VIEW, shared};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::routes::Routes;
use platform::scope::Scope;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(STABILITY_VIEW), Need::Perm(STABILITY_EDIT));
    r.get("/petitions/screenings", view, "风险排查", list_page)
        .get("/petitions/screenings/export", view, "导出排查发现的风险", export)
        .get("/petitions/screenings/new", edit, "登记排查页", new_page)
        .post("/petitions/screenings", edit, "登记排查", create_page)
        .get("/petitions/screenings/{id}", view, "排查详情（发现的风险）", view_page)
        .get("/petitions/screenings/{id}/edit", edit, "修改排查页", edit_page)
        .post("/petitions/screenings/{id}", edit, "修改排查", update_page)
        .post("/petitions/screenings/{id}/delete", edit, "删除排查", delete_page)
        .post("/petitions/screenings/{id}/findings", edit, "登记发现的风险", finding_page)
        .post("/petitions/findings/{id}", edit, "更新风险化解情况", finding_status_page)
        .get("/api/v1/stability_screenings", view, "排查列表（kind, period, year）", api_list)
        .post(
            "/api/v1/stability_screenings",
            edit,
            "登记排查（kind, title, screened_on, coverage, organiser, summary, period_id, unit_id）",
            api_create,
        )
        .get("/api/v1/stability_screenings/{id}", view, "排查详情（含发现的风险）", api_get)
        .put("/api/v1/stability_screenings/{id}", edit, "修改排查（另加 version）", api_update)
        .delete("/api/v1/stability_screenings/{id}", edit, "删除排查", api_delete)
        .post(
            "/api/v1/stability_screenings/{id}/findings",
            edit,
            "登记发现的风险（unit_id, category, level, description, measures, responsible_id）",
            api_finding,
        )
        .put(
            "/api/v1/stability_findings/{id}",
            edit,
            "更新风险化解情况（status: open|controlled|resolved, measures, resolved_on, version）",
            api_finding_status,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Screening {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub period_id: Option<i64>,
    pub period_name: Option<String>,
    pub kind: String,
    pub title: String,
    pub screened_on: String,
    pub coverage: String,
    pub organiser: String,
    pub summary: String,
    pub findings: i64,
    pub open_findings: i64,
    pub version: i64,
}

impl Screening {
    pub fn kind_label(&self) -> &'static str {
        label(SCREENING_KINDS, &self.kind)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Finding {
    pub id: i64,
    pub screening_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub category: String,
    pub level: String,
    pub description: String,
    pub measures: String,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    pub status: String,
    pub resolved_on: Option<String>,
    pub watch_id: Option<i64>,
    pub version: i64,
}

impl Finding {
    pub fn category_label(&self) -> &'static str {
        label(FINDING_CATEGORIES, &self.category)
    }
    pub fn level_label(&self) -> &'static str {
        label(LEVELS, &self.level)
    }
    pub fn level_tag(&self) -> &'static str {
        level_tag(&self.level)
    }
    pub fn status_label(&self) -> &'static str {
        label(FINDING_STATUSES, &self.status)
    }
}

const COLS: &str = "s.id, s.unit_id, u.name AS unit_name, s.period_id, sp.name AS period_name, s.kind, s.title, s.screened_on, \
    s.coverage, s.organiser, s.summary, \
    (SELECT count(*) FROM stability_findings f WHERE f.screening_id = s.id) AS findings, \
    (SELECT count(*) FROM stability_findings f WHERE f.screening_id = s.id AND f.status = 'open') AS open_findings, s.version";
const FROM: &str = "FROM stability_screenings s JOIN units u ON u.id = s.unit_id LEFT JOIN stability_periods sp ON sp.id = s.period_id";
const SORTS: &[(&str, &str)] = &[("screened_on", "s.screened_on"), ("kind", "s.kind")];

/// A round is visible where its unit or the unit of one of its findings is in scope.
pub fn push_scope(q: &mut Sql, scope: &Scope) {
    q.push("(");
    scope.push_condition(q, "s.unit_id", None);
    q.push(" OR EXISTS (SELECT 1 FROM stability_findings fx WHERE fx.screening_id = s.id AND ");
    scope.push_condition(q, "fx.unit_id", None);
    q.push("))");
}

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Screening>> {
    let user = ctx.user()?;
    let (kind, year, period) = (p.get("kind").to_string(), p.get_i64("year"), p.get_i64("period"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "s.screened_on DESC".into();
    }
    Ok(fetch_page::<Screening>(
        &ctx.state.db,
        COLS,
        "s.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_scope(q, &user.scope);
            if !kind.is_empty() {
                q.push(" AND s.kind = ").bind(kind.clone());
            }
            if let Some(y) = year {
                q.push(" AND s.screened_on >= ")
                    .bind(format!("{y}-01-01"))
                    .push(" AND s.screened_on <= ")
                    .bind(format!("{y}-12-31"));
            }
            if let Some(v) = period {
                q.push(" AND s.period_id = ").bind(v);
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Screening> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" ").push(FROM).push(" WHERE s.id = ").bind(id).push(" AND ");
    push_scope(&mut q, &user.scope);
    match q.query_as::<Screening>().fetch_optional(&ctx.state.db.pool).await? {
        Some(s) => Ok(s),
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "stability_screening", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Whether the caller may change the round itself (not only see one of its findings).
async fn own_round(ctx: &Ctx, s: &Screening) -> AppResult<bool> {
    let user = ctx.user()?;
    let path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(s.unit_id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    Ok(user.scope.covers_unit(s.unit_id, &path))
}

const FINDING_COLS: &str = "f.id, f.screening_id, f.unit_id, u.name AS unit_name, f.category, f.level, f.description, f.measures, \
    f.responsible_id, p.name AS responsible_name, f.status, f.resolved_on, \
    (SELECT min(w.id) FROM stability_watches w WHERE w.finding_id = f.id) AS watch_id, f.version";
const FINDING_FROM: &str =
    "FROM stability_findings f JOIN units u ON u.id = f.unit_id LEFT JOIN people p ON p.id = f.responsible_id";

/// The findings of a round the caller can see (each by its own department).
pub async fn findings(ctx: &Ctx, screening: i64) -> AppResult<Vec<Finding>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(FINDING_COLS).push(" ").push(FINDING_FROM).push(" WHERE f.screening_id = ").bind(screening).push(" AND ");
    user.scope.push_condition(&mut q, "f.unit_id", None);
    q.push(" ORDER BY CASE f.level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, f.id");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// One finding in the caller's scope; otherwise NotFound, audited.
pub async fn finding(ctx: &Ctx, id: i64) -> AppResult<Finding> {
    platform::ledger::get_in_scope(
        ctx,
        &format!("SELECT {FINDING_COLS} {FINDING_FROM}"),
        "f.id",
        id,
        "f.unit_id",
        None,
        "stability_finding",
    )
    .await
}

pub struct ScreeningInput {
    pub unit_id: Option<i64>,
    pub period_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub screened_on: String,
    pub coverage: String,
    pub organiser: String,
    pub summary: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<ScreeningInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "组织部门", &f.get("unit_id"));
    let period_id = c.opt_id("period_id", "特殊时期", &f.get("period_id"));
    let kind = c.choice("kind", "排查类型", &f.get("kind"), SCREENING_KINDS);
    let title = c.text("title", "排查名称", &f.get("title"), 200, true);
    let day = c.date("screened_on", "排查日期", &f.get("screened_on"), true);
    if day.is_some_and(|d| d > today) {
        c.add("screened_on", "排查日期不能晚于今天");
    }
    let coverage = c.text("coverage", "排查范围", &f.get("coverage"), 200, false);
    let organiser = c.text("organiser", "牵头人", &f.get("organiser"), 50, false);
    let summary = c.long_text("summary", "排查情况", &f.get("summary"), 5000, false);
    c.finish()?;
    Ok(ScreeningInput {
        unit_id,
        period_id,
        kind,
        title,
        screened_on: day.map(|d| d.to_string()).unwrap_or_default(),
        coverage,
        organiser,
        summary,
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check(ctx: &Ctx, i: &ScreeningInput) -> AppResult<i64> {
    let unit = shared::unit_in_scope(ctx, i.unit_id).await?;
    if let Some(p) = i.period_id
        && !shared::period_ok(ctx, p).await?
    {
        return Err(AppError::field("period_id", "请选择您管理范围内的特殊时期"));
    }
    Ok(unit)
}

pub async fn create(ctx: &Ctx, i: &ScreeningInput) -> AppResult<i64> {
    let unit = check(ctx, i).await?;
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO stability_screenings (unit_id, period_id, kind, title, screened_on, coverage, organiser, summary, created_by, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
    )
    .bind(unit)
    .bind(i.period_id)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.screened_on)
    .bind(&i.coverage)
    .bind(&i.organiser)
    .bind(&i.summary)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "stability_screening", id).detail(i.title.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &ScreeningInput) -> AppResult<()> {
    let s = get(ctx, id).await?;
    if !own_round(ctx, &s).await? {
        return Err(AppError::NotFound);
    }
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE stability_screenings SET unit_id = $1, period_id = $2, kind = $3, title = $4, screened_on = $5, coverage = $6, \
         organiser = $7, summary = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
    )
    .bind(unit)
    .bind(i.period_id)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.screened_on)
    .bind(&i.coverage)
    .bind(&i.organiser)
    .bind(&i.summary)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("update", "stability_screening", id).detail(i.title.clone()))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let s = get(ctx, id).await?;
    if !own_round(ctx, &s).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query(
        "UPDATE stability_watches SET finding_id = NULL WHERE finding_id IN (SELECT id FROM stability_findings WHERE screening_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM stability_screenings WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "stability_screening", id).detail(s.title)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct FindingInput {
    pub unit_id: i64,
    pub category: String,
    pub level: String,
    pub description: String,
    pub measures: String,
    pub responsible_id: Option<i64>,
}

pub fn parse_finding(f: &FormPairs) -> AppResult<FindingInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "所在部门", &f.get("unit_id"));
    if unit_id.is_none() {
        c.add("unit_id", "请选择所在部门");
    }
    let category = c.choice("category", "风险类别", &f.get("category"), FINDING_CATEGORIES);
    let level = c.choice("level", "风险等级", &f.get("level"), LEVELS);
    let description = c.long_text("description", "风险情况", &f.get("description"), 2000, true);
    let measures = c.long_text("measures", "化解稳控措施", &f.get("measures"), 2000, false);
    let responsible_id = c.opt_id("responsible_id", "责任人", &f.get("responsible_id"));
    c.finish()?;
    Ok(FindingInput { unit_id: unit_id.unwrap_or_default(), category, level, description, measures, responsible_id })
}

/// A finding of a round the caller may change, in a department of the caller's prison and scope.
pub async fn add_finding(ctx: &Ctx, screening: i64, i: &FindingInput) -> AppResult<i64> {
    let s = get(ctx, screening).await?;
    if !own_round(ctx, &s).await? {
        return Err(AppError::NotFound);
    }
    let user = ctx.user()?;
    let path: Option<String> = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(i.unit_id)
        .fetch_optional(&ctx.state.db.pool)
        .await?;
    if !path.is_some_and(|p| user.scope.covers_unit(i.unit_id, &p))
        || !shared::is_prison_department(ctx, i.unit_id).await?
    {
        return Err(AppError::field("unit_id", "请选择您管理范围内的本监狱部门"));
    }
    if let Some(r) = i.responsible_id
        && !shared::person_ok(ctx, r).await?
    {
        return Err(AppError::field("responsible_id", "责任人须为本监狱在职人员"));
    }
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO stability_findings (screening_id, unit_id, category, level, description, measures, responsible_id, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(screening)
    .bind(i.unit_id)
    .bind(&i.category)
    .bind(&i.level)
    .bind(&i.description)
    .bind(&i.measures)
    .bind(i.responsible_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "stability_finding", id).detail(s.title)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The state of a finding: open, controlled (稳控), resolved (化解, with the day).
pub struct StatusInput {
    pub status: String,
    pub measures: String,
    pub resolved_on: Option<String>,
    pub version: i64,
}

pub fn parse_status(f: &FormPairs, today: jiff::civil::Date) -> AppResult<StatusInput> {
    let mut c = FormCheck::new();
    let status = c.choice("status", "化解情况", &f.get("status"), FINDING_STATUSES);
    let measures = c.long_text("measures", "化解稳控措施", &f.get("measures"), 2000, false);
    let resolved = c.date("resolved_on", "化解日期", &f.get("resolved_on"), status == "resolved");
    if resolved.is_some_and(|d| d > today) {
        c.add("resolved_on", "化解日期不能晚于今天");
    }
    let version = f.get("version").trim().parse::<i64>().ok();
    if version.is_none() {
        c.add("version", "缺少版本号");
    }
    c.finish()?;
    Ok(StatusInput {
        resolved_on: if status == "resolved" { resolved.map(|d| d.to_string()) } else { None },
        status,
        measures,
        version: version.unwrap_or_default(),
    })
}

pub async fn set_status(ctx: &Ctx, id: i64, i: &StatusInput) -> AppResult<i64> {
    let f = finding(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE stability_findings SET status = $1, measures = $2, resolved_on = $3, version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6",
    )
    .bind(&i.status)
    .bind(if i.measures.is_empty() { f.measures.clone() } else { i.measures.clone() })
    .bind(i.resolved_on.clone())
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(i.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    ctx.state
        .audit(
            &mut tx,
            &ctx.actor(),
            Event::ok("update", "stability_finding", id).detail(label(FINDING_STATUSES, &i.status)),
        )
        .await?;
    tx.commit().await?;
    Ok(f.screening_id)
}

#[derive(Template)]
#[template(path = "screenings_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Screening>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/petitions/screenings", "风险排查", &[("安保维稳", ""), ("风险排查", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: SCREENING_KINDS,
        can_edit: ctx.can(STABILITY_EDIT),
    })
    .into_response())
}

/// One row per finding (a round without findings is one row too).
pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let page = list(&ctx, &p).await?;
    let mut rows = Vec::new();
    for s in &page.items {
        let head = |row: &mut Vec<Cell>| {
            row.push(Cell::from(s.screened_on.clone()));
            row.push(Cell::from(s.kind_label()));
            row.push(Cell::from(s.title.clone()));
            row.push(Cell::from(s.period_name.clone().unwrap_or_default()));
        };
        let fs = findings(&ctx, s.id).await?;
        if fs.is_empty() {
            let mut row = Vec::new();
            head(&mut row);
            row.extend((0..6).map(|_| Cell::Empty));
            rows.push(row);
        }
        for f in fs {
            let mut row = Vec::new();
            head(&mut row);
            row.push(Cell::from(f.unit_name.clone()));
            row.push(Cell::from(f.category_label()));
            row.push(Cell::from(f.level_label()));
            row.push(Cell::from(f.description.clone()));
            row.push(Cell::from(f.responsible_name.clone().unwrap_or_default()));
            row.push(Cell::from(f.status_label()));
            rows.push(row);
        }
    }
    let headers =
        ["排查日期", "类型", "排查名称", "特殊时期", "所在部门", "风险类别", "等级", "风险情况", "责任人", "化解情况"];
    platform::ledger::export_xlsx(&ctx, "风险排查", &headers, rows, &filters).await
}

#[derive(Template)]
#[template(path = "screening_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    periods: Vec<(i64, String)>,
    kinds: Codes,
    today: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改排查" } else { "登记排查" };
    let frame = Frame::new(
        ctx,
        title,
        "/petitions/screenings",
        &[("安保维稳", ""), ("风险排查", "/petitions/screenings"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        frame,
        id,
        f,
        errors,
        units: shared::departments(ctx).await?,
        periods: shared::periods(ctx).await?,
        kinds: SCREENING_KINDS,
        today: platform::clock::today(&ctx.state.clock).to_string(),
    };
    Ok((status, Html(page)).into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let user = ctx.user()?;
    let pairs = vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("kind".to_string(), if q.contains_key("period") { "special".into() } else { "routine".into() }),
        ("period_id".to_string(), q.get("period").cloned().unwrap_or_default()),
        ("screened_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
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
        Ok(id) => Ok(redirect_with_flash(&format!("/petitions/screenings/{id}"), "排查已登记，请登记发现的风险")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = get(&ctx, id).await?;
    let pairs = vec![
        ("unit_id".to_string(), s.unit_id.to_string()),
        ("period_id".to_string(), s.period_id.map(|x| x.to_string()).unwrap_or_default()),
        ("kind".to_string(), s.kind),
        ("title".to_string(), s.title),
        ("screened_on".to_string(), s.screened_on),
        ("coverage".to_string(), s.coverage),
        ("organiser".to_string(), s.organiser),
        ("summary".to_string(), s.summary),
        ("version".to_string(), s.version.to_string()),
    ];
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/petitions/screenings/{id}"), "排查已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "screening_view.html")]
struct ViewPage {
    frame: Frame,
    s: Screening,
    findings: Vec<Finding>,
    depts: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    categories: Codes,
    levels: Codes,
    can_edit: bool,
    /// Findings are changed by their own department: whoever may edit and sees them.
    can_resolve: bool,
    f: FormPairs,
    errors: FieldErrors,
    today: String,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let s = get(ctx, id).await?;
    let findings = findings(ctx, id).await?;
    let can_edit = ctx.can(STABILITY_EDIT) && own_round(ctx, &s).await?;
    let (depts, people) = if ctx.can(STABILITY_EDIT) {
        (shared::prison_departments(ctx).await?, shared::prison_people(ctx, false).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let frame = Frame::new(
        ctx,
        &s.title,
        "/petitions/screenings",
        &[("安保维稳", ""), ("风险排查", "/petitions/screenings"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ViewPage {
        frame,
        s,
        findings,
        depts,
        people,
        categories: FINDING_CATEGORIES,
        levels: LEVELS,
        can_edit,
        can_resolve: ctx.can(STABILITY_EDIT),
        f,
        errors,
        today: platform::clock::today(&ctx.state.clock).to_string(),
    };
    Ok((status, Html(page)).into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new()).await
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/petitions/screenings", "排查已删除"))
}

async fn finding_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse_finding(&f) {
        Ok(i) => add_finding(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(redirect_with_flash(&format!("/petitions/screenings/{id}#findings"), "发现的风险已登记")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn finding_status_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let i = parse_status(&f, platform::clock::today(&ctx.state.clock));
    match i {
        Ok(i) => {
            let s = set_status(&ctx, id, &i).await?;
            Ok(redirect_with_flash(&format!("/petitions/screenings/{s}#findings"), "化解情况已更新"))
        }
        Err(AppError::Validation(errors)) => {
            let s = finding(&ctx, id).await?.screening_id;
            view(&ctx, s, f, errors).await
        }
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = get(&ctx, id).await?;
    let findings = findings(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "screening": s, "findings": findings })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let id = create(&ctx, &parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    update(&ctx, id, &parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_finding(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let fid = add_finding(&ctx, id, &parse_finding(&pairs_from_json(b)?)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": fid }))).into_response())
}

async fn api_finding_status(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    set_status(&ctx, id, &parse_status(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
