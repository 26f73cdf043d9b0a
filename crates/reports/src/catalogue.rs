//! The figure catalogue: `GET /api/v1/figures` lists it; `GET /api/v1/figures/{key}` computes one
//! figure for `from`..`to` (default: this year so far) and `unit` (that unit and everything below
//! it, within the caller's own scope); `…/records` lists exactly the records behind the value as a
//! page like every list, `part=numerator|denominator` for a rate's two counts. Pages show the same.

use crate::FIGURE_VIEW;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use platform::figures::{self, Figure, FigureArgs, FigureDef, FigureRecord, FigureValue};
use platform::perm::Need;
use platform::routes::Routes;
use platform::scope::narrowed;
use platform::web::{Frame, Html, ListParams};
use platform::{AppError, AppResult, Ctx};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let view = Need::Perm(FIGURE_VIEW);
    r.get("/reports/figures", view, "指标目录", catalogue_page)
        .get("/reports/figures/{key}", view, "指标数据来源", records_page)
        .get("/api/v1/figures", view, "指标目录（key, name, definition, unit, kind）", api_catalogue)
        .get("/api/v1/figures/{key}", view, "计算指标（from, to, unit）", api_value)
        .get(
            "/api/v1/figures/{key}/records",
            view,
            "指标所计的记录（from, to, unit, part=numerator|denominator, page, per_page）",
            api_records,
        )
}

/// The period and unit a figure is asked for, read from the query.
pub struct Ask {
    pub args: FigureArgs,
    pub unit: Option<i64>,
}

fn ask(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<Ask> {
    ask_from(q, platform::clock::today(&ctx.state.clock))
}

/// `from`, `to` (default: this year so far) and `unit` of a query; bad values are a 400 in Chinese.
pub fn ask_from(q: &BTreeMap<String, String>, today: Date) -> AppResult<Ask> {
    let date = |k: &str, default: Date| -> AppResult<Date> {
        match q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<Date>().map_err(|_| AppError::BadRequest(format!("{k} 须为 YYYY-MM-DD 格式的日期"))),
        }
    };
    let from = date("from", today.first_of_year())?;
    let to = date("to", today)?;
    if from > to {
        return Err(AppError::BadRequest("开始日期不能晚于结束日期".into()));
    }
    let unit = match q.get("unit").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::BadRequest("unit 须为单位编号".into()))?),
    };
    Ok(Ask { args: FigureArgs { from, to }, unit })
}

fn def_of(ctx: &Ctx, key: &str) -> AppResult<FigureDef> {
    let def = ctx.state.registry.figure(key).ok_or(AppError::NotFound)?;
    if !ctx.can(def.need) {
        return Err(AppError::Forbidden);
    }
    Ok(def)
}

pub async fn compute(ctx: &Ctx, def: &FigureDef, a: &Ask) -> AppResult<FigureValue> {
    match a.unit {
        Some(u) => (def.compute)(&narrowed(ctx, u).await?, a.args).await,
        None => (def.compute)(ctx, a.args).await,
    }
}

/// A figure's value (the percent of a rate) for an ask, and whether it is a rate.
pub async fn compute_value(ctx: &Ctx, def: &FigureDef, a: &Ask) -> AppResult<(i64, bool)> {
    Ok(match figures::value_only(compute(ctx, def, a)).await? {
        FigureValue::Count(f) => (f.value, false),
        FigureValue::Rate(r) => (r.percent, true),
    })
}

/// The name a report gives its unit: the asked unit, or the caller's prison (or own unit).
pub async fn narrowed_unit_name(ctx: &Ctx, unit: Option<i64>) -> AppResult<String> {
    let user = ctx.user()?;
    let id = match unit {
        Some(u) => {
            narrowed(ctx, u).await?;
            u
        }
        None => user.prison_id.unwrap_or(user.unit_id),
    };
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(id).fetch_optional(&ctx.state.db.pool).await?;
    Ok(name.unwrap_or_default())
}

fn kind(v: &FigureValue) -> &'static str {
    match v {
        FigureValue::Count(_) => "count",
        FigureValue::Rate(_) => "rate",
    }
}

fn query(a: &Ask, part: &str) -> String {
    let mut q = format!("from={}&to={}", a.args.from, a.args.to);
    if let Some(u) = a.unit {
        q.push_str(&format!("&unit={u}"));
    }
    if !part.is_empty() {
        q.push_str(&format!("&part={part}"));
    }
    q
}

async fn api_catalogue(ctx: Ctx) -> AppResult<Response> {
    let items: Vec<_> = ctx
        .state
        .registry
        .figures
        .iter()
        .filter(|d| ctx.can(d.need))
        .map(|d| {
            serde_json::json!({"key": d.key, "name": d.name, "definition": d.definition, "unit": d.unit,
                "kind": if d.unit == "%" { "rate" } else { "count" }, "url": format!("/api/v1/figures/{}", d.key)})
        })
        .collect();
    Ok(Json(serde_json::json!({ "items": items, "total": items.len() })).into_response())
}

fn count_json(f: &Figure, key: &str, a: &Ask, part: &str) -> serde_json::Value {
    serde_json::json!({"key": key, "name": f.name, "value": f.value, "unit": f.unit, "definition": f.definition,
        "counts": if f.summed { "amount" } else { "records" },
        "from": a.args.from.to_string(), "to": a.args.to.to_string(), "records_url": format!("/api/v1/figures/{key}/records?{}", query(a, part))})
}

async fn api_value(ctx: Ctx, Path(key): Path<String>, q: Q) -> AppResult<Response> {
    let def = def_of(&ctx, &key)?;
    let a = ask(&ctx, &q.0)?;
    // The answer carries the value and where its records are, not the records themselves.
    let v = figures::value_only(compute(&ctx, &def, &a)).await?;
    let mut body = match &v {
        FigureValue::Count(f) => count_json(f, def.key, &a, ""),
        FigureValue::Rate(r) => serde_json::json!({"key": def.key, "name": def.name, "value": r.percent, "unit": "%",
            "definition": r.definition, "from": a.args.from.to_string(), "to": a.args.to.to_string(),
            "numerator": count_json(&r.numerator, def.key, &a, "numerator"),
            "denominator": count_json(&r.denominator, def.key, &a, "denominator"),
            "records_url": format!("/api/v1/figures/{}/records?{}", def.key, query(&a, "numerator"))}),
    };
    body["kind"] = serde_json::json!(kind(&v));
    if let Some(u) = a.unit {
        body["unit_id"] = serde_json::json!(u);
    }
    Ok(Json(body).into_response())
}

/// The records behind the value (or behind one part of a rate).
async fn records_of(ctx: &Ctx, def: &FigureDef, a: &Ask, part: &str) -> AppResult<(Figure, Vec<FigureRecord>)> {
    let f = match (compute(ctx, def, a).await?, part) {
        (FigureValue::Count(f), "") => f,
        (FigureValue::Rate(r), "numerator" | "") => r.numerator,
        (FigureValue::Rate(r), "denominator") => r.denominator,
        _ => return Err(AppError::BadRequest("part 只能是 numerator 或 denominator（比率指标）".into())),
    };
    let records = f.records.clone();
    Ok((f, records))
}

async fn api_records(ctx: Ctx, Path(key): Path<String>, q: Q) -> AppResult<Response> {
    let def = def_of(&ctx, &key)?;
    let a = ask(&ctx, &q.0)?;
    let part = q.get("part").cloned().unwrap_or_default();
    let p = ListParams::parse(q.0.clone(), &[], true);
    let (f, records) = records_of(&ctx, &def, &a, &part).await?;
    let total = records.len() as i64;
    let items: Vec<_> = records.into_iter().skip(p.offset() as usize).take(p.per_page as usize).collect();
    let mut body = serde_json::json!({"items": items, "total": total, "page": p.page, "per_page": p.per_page});
    if f.summed {
        // A sum's value is the sum of every record's amount, on whichever page it is.
        body["sum"] = serde_json::json!(f.value);
    }
    Ok(Json(body).into_response())
}

pub struct Row {
    pub def: FigureDef,
    pub value: String,
    pub detail: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "figures.html")]
struct CataloguePage {
    frame: Frame,
    rows: Vec<Row>,
    from: String,
    to: String,
}

async fn catalogue_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let a = ask(&ctx, &q.0)?;
    let mut rows = Vec::new();
    for def in ctx.state.registry.figures.iter().filter(|d| ctx.can(d.need)) {
        let (value, detail) = match compute(&ctx, def, &a).await? {
            FigureValue::Count(f) => (format!("{} {}", f.value, f.unit), String::new()),
            FigureValue::Rate(r) => (
                format!("{}%", r.percent),
                format!("{} {} / {} {}", r.numerator.value, r.numerator.unit, r.denominator.value, r.denominator.unit),
            ),
        };
        rows.push(Row { def: *def, value, detail, href: format!("/reports/figures/{}?{}", def.key, query(&a, "")) });
    }
    let frame = Frame::new(&ctx, "指标目录", "/reports/figures", &[("目标与报告", ""), ("指标目录", "")]);
    Ok(Html(CataloguePage { frame, rows, from: a.args.from.to_string(), to: a.args.to.to_string() }).into_response())
}

#[derive(Template)]
#[template(path = "figure_records.html")]
struct RecordsPage {
    frame: Frame,
    def: FigureDef,
    f: Figure,
    records: Vec<FigureRecord>,
    offset: i64,
    pager: platform::web::list::Pager,
    parts: Vec<(String, String, bool)>,
    from: String,
    to: String,
}

async fn records_page(ctx: Ctx, Path(key): Path<String>, q: Q) -> AppResult<Response> {
    let def = def_of(&ctx, &key)?;
    let a = ask(&ctx, &q.0)?;
    let part = q.get("part").cloned().unwrap_or_default();
    let p = ListParams::parse(q.0.clone(), &[], false);
    let (f, records) = records_of(&ctx, &def, &a, &part).await?;
    let total = records.len() as i64;
    let page_items: Vec<FigureRecord> =
        records.into_iter().skip(p.offset() as usize).take(p.per_page as usize).collect();
    let paged = platform::web::Paged { items: Vec::<()>::new(), total, page: p.page, per_page: p.per_page };
    let base = format!("/reports/figures/{}", def.key);
    let pager = platform::web::list::Pager::new(&paged, &p, &base);
    let parts = if def.unit == "%" {
        vec![
            ("分子".to_string(), format!("{base}?{}", query(&a, "numerator")), part != "denominator"),
            ("分母".to_string(), format!("{base}?{}", query(&a, "denominator")), part == "denominator"),
        ]
    } else {
        Vec::new()
    };
    let frame = Frame::new(
        &ctx,
        def.name,
        "/reports/figures",
        &[("目标与报告", ""), ("指标目录", "/reports/figures"), (def.name, "")],
    );
    Ok(Html(RecordsPage {
        frame,
        def,
        f,
        records: page_items,
        offset: p.offset(),
        pager,
        parts,
        from: a.args.from.to_string(),
        to: a.args.to.to_string(),
    })
    .into_response())
}
