//! 领导看板: the year's figures that matter at a glance for a prison (or the reader's whole scope),
//! red where a rule is broken, a measure overdue or a target missed; charts as server-rendered
//! SVG; every number and bar a link down to its records. The bureau sees its prisons side by
//! side — a table and small multiples — and opens one.

use crate::FIGURE_VIEW;
use crate::catalogue::{Ask, compute, narrowed_unit_name};
use crate::goals;
use crate::svg::{self, Bar, Segment, Tone};
use askama::Template;
use axum::Json;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, FigureArgs, FigureValue};
use platform::perm::Need;
use platform::routes::Routes;
use platform::scope::narrowed;
use platform::web::{Frame, Html};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let view = Need::Perm(FIGURE_VIEW);
    r.get("/dashboard", view, "领导看板（year, unit）", page)
        .get("/dashboard/prisons", view, "各监狱对比（year）", prisons_page)
        .get("/api/v1/dashboard", view, "领导看板的指标（year, unit）", api)
}

/// When a tile turns red.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Red {
    AboveZero,
    Below100,
    Never,
}

/// The headline figures, in the order of the seed's report.
const TILES: &[(&str, Red)] = &[
    ("committee_meetings_with_first_agenda_study", Red::Never),
    ("first_agenda_compliance_rate", Red::Below100),
    ("central_group_study_weeks_missed", Red::AboveZero),
    ("branch_study_compliance_rate", Red::Below100),
    ("measures_in_task_plans", Red::Never),
    ("measures_completion_rate", Red::Never),
    ("measures_overdue", Red::AboveZero),
    ("warning_education_events", Red::Never),
    ("monthly_warning_compliance_rate", Red::Below100),
    ("trainings_held", Red::Never),
    ("drills_held", Red::Never),
    ("hazards_found", Red::Never),
    ("hazards_overdue", Red::AboveZero),
    ("petitions_received", Red::Never),
    ("petitions_replied_on_time_rate", Red::Below100),
    ("critical_incidents", Red::AboveZero),
    ("days_since_critical_incident", Red::Never),
];

/// The rates a prison is compared by, in the small multiples.
const COMPARED: &[&str] = &[
    "first_agenda_compliance_rate",
    "monthly_warning_compliance_rate",
    "measures_completion_rate",
    "petitions_replied_on_time_rate",
];

/// The table's columns when prisons are compared.
const COLUMNS: &[(&str, Red)] = &[
    ("first_agenda_compliance_rate", Red::Below100),
    ("central_group_study_weeks_missed", Red::AboveZero),
    ("monthly_warning_compliance_rate", Red::Below100),
    ("measures_completion_rate", Red::Never),
    ("measures_overdue", Red::AboveZero),
    ("hazards_overdue", Red::AboveZero),
    ("petitions_replied_on_time_rate", Red::Below100),
    ("days_since_critical_incident", Red::Never),
];

#[derive(Clone, Debug, Serialize)]
pub struct Tile {
    pub key: &'static str,
    pub name: &'static str,
    pub value: i64,
    /// A rate with nothing due: no value to show, nothing to colour.
    pub empty: bool,
    pub unit: &'static str,
    pub href: String,
    pub red: bool,
}

fn is_red(red: Red, value: i64) -> bool {
    match red {
        Red::AboveZero => value > 0,
        Red::Below100 => value < 100,
        Red::Never => false,
    }
}

fn unit_q(unit: Option<i64>) -> String {
    unit.map(|u| format!("&unit={u}")).unwrap_or_default()
}

/// The tiles the reader may see, computed for the period in `ctx`'s scope (already narrowed).
async fn tiles(
    ctx: &Ctx,
    list: &[(&'static str, Red)],
    from: Date,
    to: Date,
    unit: Option<i64>,
) -> AppResult<Vec<Tile>> {
    let ask = Ask { args: FigureArgs { from, to }, unit: None };
    let mut out = Vec::new();
    for (key, red) in list {
        let Some(def) = ctx.state.registry.figure(key) else { continue };
        if !ctx.can(def.need) {
            continue;
        }
        let (value, empty) = match figures::value_only(compute(ctx, &def, &ask)).await? {
            FigureValue::Count(f) => (f.value, false),
            FigureValue::Rate(r) => (r.percent, r.denominator.value == 0),
        };
        out.push(Tile {
            key: def.key,
            name: def.name,
            value,
            empty,
            unit: def.unit,
            href: format!("/reports/figures/{}?from={from}&to={to}{}", def.key, unit_q(unit)),
            red: !empty && is_red(*red, value),
        });
    }
    Ok(out)
}

/// 督办事项 per lead department at `at`: done, open and overdue, each a link to the board.
async fn measure_bars(ctx: &Ctx, at: Date) -> AppResult<Vec<Bar>> {
    if !ctx.can(supervision::SUP_VIEW) {
        return Ok(Vec::new());
    }
    let rows = supervision::measures::service::by_department(ctx, at, "", None).await?;
    Ok(rows
        .into_iter()
        .take(12)
        .map(|r| {
            let board = |status: &str| format!("/supervision/measures?lead={}&status={status}&at={at}", r.unit_id);
            let open = (r.total - r.done - r.overdue).max(0);
            Bar {
                label: r.unit_name.clone(),
                segments: vec![
                    Segment {
                        value: r.done,
                        tone: Tone::Green,
                        href: board("done"),
                        title: format!("已销号 {}", r.done),
                    },
                    Segment { value: open, tone: Tone::Blue, href: board("open"), title: format!("推进中 {open}") },
                    Segment {
                        value: r.overdue,
                        tone: Tone::Red,
                        href: board("overdue"),
                        title: format!("已逾期 {}", r.overdue),
                    },
                ],
                note: format!(
                    "{}/{}{}",
                    r.done,
                    r.total,
                    if r.overdue > 0 { format!(" 逾期{}", r.overdue) } else { String::new() }
                ),
            }
        })
        .collect())
}

/// Each active rule's compliance rate for the period, red where a period was missed.
async fn rule_bars(ctx: &Ctx, from: Date, to: Date) -> AppResult<Vec<Bar>> {
    if !ctx.can(study::STUDY_VIEW) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for r in study::rules::service::rules(ctx).await?.into_iter().filter(|r| r.active == 1) {
        let rate = study::figures::compliance_rate(ctx, &r.code, from, to).await?;
        if rate.denominator.value == 0 {
            continue;
        }
        let missed = rate.denominator.value - rate.numerator.value;
        out.push(Bar {
            label: r.name.clone(),
            segments: vec![Segment {
                value: rate.percent,
                tone: if missed > 0 { Tone::Red } else { Tone::Green },
                href: format!("/study/compliance?rule={}&year={}", r.code, from.year()),
                title: format!("{}：{}/{} 个周期落实", r.name, rate.numerator.value, rate.denominator.value),
            }],
            note: format!("{}%{}", rate.percent, if missed > 0 { format!(" 缺{missed}") } else { String::new() }),
        });
    }
    Ok(out)
}

/// The year and optional unit of a dashboard query, with the context narrowed to the unit.
async fn asked(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<(i16, Date, Date, Option<i64>, Ctx)> {
    let (year, from, to) = goals::year_period(ctx, q)?;
    let unit = match q.get("unit").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::BadRequest("unit 须为单位编号".into()))?),
    };
    let narrowed = match unit {
        Some(u) => narrowed(ctx, u).await?,
        None => ctx.clone(),
    };
    Ok((year, from, to, unit, narrowed))
}

/// The prisons in the reader's scope: (id, name).
async fn prisons(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT u.id, u.name FROM units u WHERE u.kind = 'prison' AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.push(" ORDER BY u.sort_order, u.id");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Page {
    frame: Frame,
    unit_name: String,
    year: i16,
    years: Vec<i16>,
    unit: Option<i64>,
    from: String,
    to: String,
    tiles: Vec<Tile>,
    red_tiles: usize,
    measures_chart: String,
    rules_chart: String,
    attention: Vec<goals::Row>,
    overdue: Vec<supervision::measures::service::Measure>,
    many_prisons: bool,
}

async fn page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (year, from, to, unit, nctx) = asked(&ctx, &q.0).await?;
    let tiles = tiles(&nctx, TILES, from, to, unit).await?;
    let measures = measure_bars(&nctx, to).await?;
    let rules = rule_bars(&nctx, from, to).await?;
    let attention: Vec<goals::Row> =
        goals::tree(&nctx, from, to).await?.into_iter().filter(|r| r.reading.as_ref().is_some_and(|x| x.red)).collect();
    let overdue = if nctx.can(supervision::SUP_VIEW) {
        let mut raw = BTreeMap::new();
        raw.insert("status".to_string(), "overdue".to_string());
        raw.insert("at".to_string(), to.to_string());
        raw.insert("per_page".to_string(), "10".to_string());
        let p = platform::web::ListParams::parse(raw, supervision::measures::service::SORTS, true);
        supervision::measures::service::list(&nctx, &p).await?.items
    } else {
        Vec::new()
    };
    let unit_name = narrowed_unit_name(&ctx, unit).await?;
    let title = format!("领导看板 · {unit_name}");
    let frame = Frame::new(&ctx, &title, "/dashboard", &[("目标与报告", ""), ("领导看板", "")]);
    let years = goals::years(&ctx);
    Ok(Html(Page {
        frame,
        unit_name,
        year,
        years,
        unit,
        from: from.to_string(),
        to: to.to_string(),
        red_tiles: tiles.iter().filter(|t| t.red).count(),
        tiles,
        measures_chart: svg::bars("督办事项（按牵头部门）", &measures, None, 640),
        rules_chart: svg::bars("制度落实率", &rules, Some(100), 640),
        attention,
        overdue,
        many_prisons: prisons(&ctx).await?.len() > 1,
    })
    .into_response())
}

async fn api(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (year, from, to, unit, nctx) = asked(&ctx, &q.0).await?;
    let tiles = tiles(&nctx, TILES, from, to, unit).await?;
    let attention: Vec<serde_json::Value> = goals::tree(&nctx, from, to)
        .await?
        .into_iter()
        .filter(|r| r.reading.as_ref().is_some_and(|x| x.red))
        .map(|r| serde_json::json!({"id": r.node.id, "name": r.node.name, "reading": r.reading}))
        .collect();
    Ok(Json(serde_json::json!({"year": year, "from": from.to_string(), "to": to.to_string(), "unit": unit,
        "tiles": tiles, "attention": attention}))
    .into_response())
}

pub struct PrisonRow {
    pub id: i64,
    pub name: String,
    pub cells: Vec<Tile>,
    pub chart: String,
    pub red: usize,
}

#[derive(Template)]
#[template(path = "dashboard_prisons.html")]
struct PrisonsPage {
    frame: Frame,
    year: i16,
    years: Vec<i16>,
    headers: Vec<(&'static str, &'static str)>,
    rows: Vec<PrisonRow>,
}

async fn prisons_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (year, from, to) = goals::year_period(&ctx, &q.0)?;
    let mut rows = Vec::new();
    for (id, name) in prisons(&ctx).await? {
        let nctx = narrowed(&ctx, id).await?;
        let cells = tiles(&nctx, COLUMNS, from, to, Some(id)).await?;
        let compared: Vec<(&str, Red)> = COMPARED.iter().map(|k| (*k, Red::Below100)).collect();
        let bars: Vec<Bar> = tiles(&nctx, &compared, from, to, Some(id))
            .await?
            .into_iter()
            .map(|t| Bar {
                note: if t.empty { "—".into() } else { format!("{}%", t.value) },
                label: t.name.trim_end_matches('率').to_string(),
                segments: vec![Segment {
                    value: t.value,
                    tone: if t.red { Tone::Orange } else { Tone::Green },
                    href: t.href.clone(),
                    title: format!("{}：{}%", t.name, t.value),
                }],
            })
            .collect();
        let red = cells.iter().filter(|c| c.red).count();
        rows.push(PrisonRow {
            id,
            chart: svg::bars(&format!("{name}主要比率"), &bars, Some(100), 360),
            name,
            cells,
            red,
        });
    }
    let headers = COLUMNS
        .iter()
        .filter_map(|(k, _)| ctx.state.registry.figure(k))
        .filter(|d| ctx.can(d.need))
        .map(|d| (d.name, d.unit))
        .collect();
    let frame = Frame::new(
        &ctx,
        "各监狱对比",
        "/dashboard",
        &[("目标与报告", ""), ("领导看板", "/dashboard"), ("各监狱对比", "")],
    );
    Ok(Html(PrisonsPage { frame, year, years: goals::years(&ctx), headers, rows }).into_response())
}
