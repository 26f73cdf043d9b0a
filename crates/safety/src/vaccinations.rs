//! 疫苗接种: counts per population (民警、职工、罪犯) and unit at a date: how many there are, how many
//! are vaccinated (and boosted). The rate at a date adds up, per population, the latest count of
//! each unit on or before that date; it is a whole percent rounded down (so 94.9% is not "95%以上"),
//! and there is no rate for an empty population.

use crate::domain::*;
use crate::shared::{JsonBody, json_pairs, past_date, unit_in_scope};
use crate::{SAFETY_EDIT, SAFETY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use office::Cell;
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::ledger::{expect_one_updated, get_in_scope};
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(SAFETY_VIEW), Need::Perm(SAFETY_EDIT));
    r.get("/safety/epidemic/vaccinations", view, "疫苗接种（含各人群接种率）", list_page)
        .get("/safety/epidemic/vaccinations/export", view, "导出疫苗接种统计", export)
        .get("/safety/epidemic/vaccinations/new", edit, "登记接种统计页", new_page)
        .post("/safety/epidemic/vaccinations", edit, "登记接种统计", create_page)
        .get("/safety/epidemic/vaccinations/{id}/edit", edit, "修改接种统计页", edit_page)
        .post("/safety/epidemic/vaccinations/{id}", edit, "修改接种统计", update_page)
        .post("/safety/epidemic/vaccinations/{id}/delete", edit, "删除接种统计", delete_page)
        .get("/api/v1/epidemic_vaccinations", view, "接种统计列表（population, unit, year, from, to）", api_list)
        .get("/api/v1/epidemic_vaccinations/rates", view, "各人群接种率（at，默认今天）及所用的统计记录", api_rates)
        .post(
            "/api/v1/epidemic_vaccinations",
            edit,
            "登记接种统计（unit_id, population, as_of, total, vaccinated, boosted, note）",
            api_create,
        )
        .get("/api/v1/epidemic_vaccinations/{id}", view, "接种统计详情", api_get)
        .put("/api/v1/epidemic_vaccinations/{id}", edit, "修改接种统计（另加 version）", api_update)
        .delete("/api/v1/epidemic_vaccinations/{id}", edit, "删除接种统计", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Count {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub population: String,
    pub as_of: String,
    pub total: i64,
    pub vaccinated: i64,
    pub boosted: i64,
    pub note: String,
    pub version: i64,
}

impl Count {
    pub fn population_label(&self) -> &'static str {
        label(POPULATIONS, &self.population)
    }
    pub fn percent_text(&self) -> String {
        percent_tenths_text(self.vaccinated, self.total).map(|p| format!("{p}%")).unwrap_or_else(|| "—".into())
    }
}

const COLS: &str =
    "v.id, v.unit_id, u.name AS unit_name, v.population, v.as_of, v.total, v.vaccinated, v.boosted, v.note, v.version";
const FROM: &str = "FROM epidemic_vaccinations v JOIN units u ON u.id = v.unit_id";
pub const SORTS: &[(&str, &str)] = &[("as_of", "v.as_of"), ("population", "v.population"), ("unit", "u.sort_order")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Count>> {
    let user = ctx.user()?;
    let (population, from, to) = (p.get("population").to_string(), p.get("from").to_string(), p.get("to").to_string());
    let (year, unit) = (year_of(p.get("year")), p.get_i64("unit"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "v.as_of DESC, v.population".into();
    }
    Ok(fetch_page::<Count>(
        &ctx.state.db,
        COLS,
        "v.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "v.unit_id", None);
            if !population.is_empty() {
                q.push(" AND v.population = ").bind(population.clone());
            }
            if let Some(y) = year {
                q.push(" AND v.as_of >= ").bind(format!("{y}-01-01"));
                q.push(" AND v.as_of <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND v.as_of >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND v.as_of <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND v.unit_id = ").bind(u);
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Count> {
    let select = format!("SELECT {COLS} {FROM}");
    get_in_scope(ctx, &select, "v.id", id, "v.unit_id", None, "epidemic_vaccination").await
}

/// The counts that hold at `at` for a population: each unit's latest count on or before it.
pub async fn counts_at(ctx: &Ctx, population: &str, at: Date) -> AppResult<Vec<Count>> {
    let user = ctx.user()?;
    let mut q = Sql::new(&format!("SELECT {COLS} {FROM} WHERE v.population = "));
    q.bind(population.to_string()).push(" AND v.as_of <= ").bind(at.to_string());
    q.push(
        " AND NOT EXISTS (SELECT 1 FROM epidemic_vaccinations w WHERE w.unit_id = v.unit_id AND w.population = v.population \
         AND w.as_of > v.as_of AND w.as_of <= ",
    )
    .bind(at.to_string())
    .push(") AND ");
    user.scope.push_condition(&mut q, "v.unit_id", None);
    q.push(" ORDER BY u.sort_order, v.unit_id LIMIT 5000");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// A population's rate at a date, with the counts it adds up.
#[derive(Clone, Debug, Serialize)]
pub struct PopulationRate {
    pub population: &'static str,
    pub name: &'static str,
    pub at: String,
    pub vaccinated: i64,
    pub total: i64,
    pub boosted: i64,
    /// Whole percent, rounded down; None when the population is empty (or nothing was counted).
    pub percent: Option<i64>,
    /// One decimal, rounded down ("94.9").
    pub percent_text: Option<String>,
    pub counts: Vec<Count>,
}

pub async fn rate(ctx: &Ctx, population: &'static str, at: Date) -> AppResult<PopulationRate> {
    let counts = counts_at(ctx, population, at).await?;
    let (vaccinated, total, boosted) =
        counts.iter().fold((0, 0, 0), |(v, t, b), c| (v + c.vaccinated, t + c.total, b + c.boosted));
    Ok(PopulationRate {
        population,
        name: label(POPULATIONS, population),
        at: at.to_string(),
        vaccinated,
        total,
        boosted,
        percent: percent_floor(vaccinated, total),
        percent_text: percent_tenths_text(vaccinated, total),
        counts,
    })
}

pub async fn rates(ctx: &Ctx, at: Date) -> AppResult<Vec<PopulationRate>> {
    let mut out = Vec::new();
    for (p, _) in POPULATIONS {
        out.push(rate(ctx, p, at).await?);
    }
    Ok(out)
}

pub struct CountInput {
    pub unit_id: Option<i64>,
    pub population: String,
    pub as_of: String,
    pub total: i64,
    pub vaccinated: i64,
    pub boosted: i64,
    pub note: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: Date) -> AppResult<CountInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "单位", &f.get("unit_id"));
    let population = c.choice("population", "人群", &f.get("population"), POPULATIONS);
    let as_of = past_date(&mut c, f, "as_of", "统计日期", true, today);
    let number = |c: &mut FormCheck, field: &str, label: &str| {
        if f.get(field).trim().is_empty() {
            c.add(field, format!("请输入{label}"));
            return 0;
        }
        c.int(field, label, &f.get(field), 0, 1_000_000)
    };
    let total = number(&mut c, "total", "应接种人数");
    let vaccinated = number(&mut c, "vaccinated", "已接种人数");
    let boosted = if f.get("boosted").trim().is_empty() {
        0
    } else {
        c.int("boosted", "加强免疫人数", &f.get("boosted"), 0, 1_000_000)
    };
    if c.ok() && vaccinated > total {
        c.add("vaccinated", "已接种人数不能多于应接种人数");
    }
    if c.ok() && boosted > vaccinated {
        c.add("boosted", "加强免疫人数不能多于已接种人数");
    }
    let note = c.text("note", "备注", &f.get("note"), 200, false);
    c.finish()?;
    Ok(CountInput {
        unit_id,
        population,
        as_of: as_of.map(|d| d.to_string()).unwrap_or_default(),
        total,
        vaccinated,
        boosted,
        note,
        version: f.get("version").trim().parse().ok(),
    })
}

async fn taken(ctx: &Ctx, unit: i64, i: &CountInput, id: i64) -> AppResult<()> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM epidemic_vaccinations WHERE unit_id = $1 AND population = $2 AND as_of = $3 AND id <> $4",
    )
    .bind(unit)
    .bind(&i.population)
    .bind(&i.as_of)
    .bind(id)
    .fetch_one(&ctx.state.db.pool)
    .await?;
    if n > 0 {
        Err(AppError::field("as_of", "该单位该人群在这一天已有统计，请修改原记录"))
    } else {
        Ok(())
    }
}

pub async fn create(ctx: &Ctx, i: &CountInput) -> AppResult<i64> {
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    taken(ctx, unit, i, 0).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO epidemic_vaccinations (unit_id, population, as_of, total, vaccinated, boosted, note, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id",
    )
    .bind(unit)
    .bind(&i.population)
    .bind(&i.as_of)
    .bind(i.total)
    .bind(i.vaccinated)
    .bind(i.boosted)
    .bind(&i.note)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{} {} {}/{}", label(POPULATIONS, &i.population), i.as_of, i.vaccinated, i.total);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "epidemic_vaccination", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &CountInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    taken(ctx, unit, i, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE epidemic_vaccinations SET unit_id = $1, population = $2, as_of = $3, total = $4, vaccinated = $5, boosted = $6, note = $7, \
         version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(unit)
    .bind(&i.population)
    .bind(&i.as_of)
    .bind(i.total)
    .bind(i.vaccinated)
    .bind(i.boosted)
    .bind(&i.note)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail = format!("{} {} {}/{}", label(POPULATIONS, &i.population), i.as_of, i.vaccinated, i.total);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "epidemic_vaccination", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let c = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM epidemic_vaccinations WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {} {}", c.unit_name, c.population_label(), c.as_of);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "epidemic_vaccination", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

fn at_of(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<Date> {
    match q.get("at").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(platform::clock::today(&ctx.state.clock)),
        Some(v) => v.parse().map_err(|_| AppError::BadRequest("at 须为 YYYY-MM-DD 格式的日期".into())),
    }
}

#[derive(Template)]
#[template(path = "vaccinations_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Count>,
    offset: i64,
    pager: Pager,
    export_q: String,
    populations: Codes,
    at: String,
    rates: Vec<PopulationRate>,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let at = at_of(&ctx, &q.0)?;
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let rates = rates(&ctx, at).await?;
    let ListScreen { frame, pager, offset, export_q } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/safety/epidemic/vaccinations",
        "疫苗接种",
        &[("安保维稳", ""), ("疫苗接种", "")],
    );
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        populations: POPULATIONS,
        at: at.to_string(),
        rates,
        can_edit: ctx.can(SAFETY_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["统计日期", "单位", "人群", "应接种人数", "已接种人数", "加强免疫人数", "接种率", "备注"];
    platform::ledger::export_list(
        &ctx,
        "疫苗接种",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |c| {
            vec![
                Cell::from(c.as_of.clone()),
                Cell::from(c.unit_name.clone()),
                Cell::from(c.population_label()),
                Cell::Int(c.total),
                Cell::Int(c.vaccinated),
                Cell::Int(c.boosted),
                Cell::from(c.percent_text()),
                Cell::from(c.note.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "vaccination_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    populations: Codes,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改接种统计" } else { "登记接种统计" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/epidemic/vaccinations",
        &[("安保维稳", ""), ("疫苗接种", "/safety/epidemic/vaccinations"), (title, "")],
    );
    let units = crate::shared::departments(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, id, f, errors, units, populations: POPULATIONS })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let pairs = vec![
        ("unit_id".to_string(), ctx.user()?.unit_id.to_string()),
        ("population".to_string(), "officers".to_string()),
        ("as_of".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
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
        Ok(_) => Ok(redirect_with_flash("/safety/epidemic/vaccinations", "接种统计已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("unit_id".to_string(), c.unit_id.to_string()),
        ("population".to_string(), c.population),
        ("as_of".to_string(), c.as_of),
        ("total".to_string(), c.total.to_string()),
        ("vaccinated".to_string(), c.vaccinated.to_string()),
        ("boosted".to_string(), c.boosted.to_string()),
        ("note".to_string(), c.note),
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
        Ok(()) => Ok(redirect_with_flash("/safety/epidemic/vaccinations", "接种统计已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/safety/epidemic/vaccinations", "接种统计已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_rates(ctx: Ctx, q: Q) -> AppResult<Response> {
    let at = at_of(&ctx, &q.0)?;
    let items = rates(&ctx, at).await?;
    Ok(Json(serde_json::json!({ "at": at.to_string(), "items": items })).into_response())
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
