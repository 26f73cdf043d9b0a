//! 全员轮训: rounds of concentrated study with a theme, dates and a target population (the active
//! officers and/or workers of a unit and everything under it), attendance per person, and coverage
//! per round and per unit: attendees among the target over the target.

use crate::{STUDY_EDIT, STUDY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::db::Sql;
use platform::figures::{Figure, FigureRecord};
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::{FormCheck, Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(STUDY_VIEW), Need::Perm(STUDY_EDIT));
    r.get("/study/rotation", view, "全员轮训", list_page)
        .post("/study/rotation", edit, "新增轮训批次", create_page)
        .get("/study/rotation/{id}", view, "轮训批次与覆盖情况", view_page)
        .post("/study/rotation/{id}/attendance", edit, "登记轮训参训", attend_page)
        .get("/api/v1/rotation_rounds", view, "轮训批次（含覆盖率）", api_list)
        .post("/api/v1/rotation_rounds", edit, "新增轮训批次", api_create)
        .get("/api/v1/rotation_rounds/{id}", view, "轮训覆盖情况（按单位）", api_get)
        .post("/api/v1/rotation_rounds/{id}/attendance", edit, "登记参训（person_ids, attended_on）", api_attend)
}

pub const TARGET_KINDS: &[(&str, &str)] = &[("all", "民警和职工"), ("officer", "民警"), ("worker", "职工")];

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Round {
    pub id: i64,
    pub unit_id: i64,
    pub round_no: i64,
    pub theme: String,
    pub start_on: String,
    pub end_on: String,
    pub target_unit_id: i64,
    pub target_unit: String,
    pub target_path: String,
    pub target_kind: String,
}

impl Round {
    pub fn target_label(&self) -> &'static str {
        crate::domain::label(TARGET_KINDS, &self.target_kind)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Coverage {
    pub target: i64,
    pub attended: i64,
    /// (unit, target, attended)
    pub units: Vec<(String, i64, i64)>,
}

impl Coverage {
    pub fn percent(&self) -> i64 {
        if self.target == 0 { 0 } else { self.attended * 100 / self.target }
    }
}

const COLS: &str = "r.id, r.unit_id, r.round_no, r.theme, r.start_on, r.end_on, r.target_unit_id, t.name AS target_unit, \
    t.path AS target_path, r.target_kind FROM rotation_rounds r JOIN units t ON t.id = r.target_unit_id";

pub async fn rounds(ctx: &Ctx) -> AppResult<Vec<Round>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" WHERE ");
    user.scope.push_condition(&mut q, "r.unit_id", None);
    q.push(" ORDER BY r.start_on DESC, r.id DESC LIMIT 200");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Round> {
    platform::ledger::get_in_scope(ctx, &format!("SELECT {COLS}"), "r.id", id, "r.unit_id", None, "rotation_round")
        .await
}

/// The target population as SQL: `people p JOIN units u`, active, in the target subtree.
fn push_target(q: &mut Sql, r: &Round) {
    q.push("p.employment_status = 'active' AND ");
    platform::scope::push_under(q, "u.path", &r.target_path);
    if r.target_kind != "all" {
        q.push(" AND p.kind = ").bind(r.target_kind.clone());
    }
}

pub async fn coverage(ctx: &Ctx, r: &Round) -> AppResult<Coverage> {
    let mut q = Sql::new(
        "SELECT u.name, count(*), count(a.person_id) FROM people p JOIN units u ON u.id = p.unit_id \
         LEFT JOIN rotation_attendance a ON a.person_id = p.id AND a.round_id = ",
    );
    q.bind(r.id).push(" WHERE ");
    push_target(&mut q, r);
    q.push(" GROUP BY u.id, u.name, u.sort_order ORDER BY u.sort_order, u.id");
    let units: Vec<(String, i64, i64)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let (target, attended) = units.iter().fold((0, 0), |(t, a), u| (t + u.1, a + u.2));
    Ok(Coverage { target, attended, units })
}

/// Not yet attended, for the attendance form.
async fn missing(ctx: &Ctx, r: &Round) -> AppResult<Vec<(i64, String, String)>> {
    let mut q = Sql::new("SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE ");
    push_target(&mut q, r);
    q.push(" AND NOT EXISTS (SELECT 1 FROM rotation_attendance a WHERE a.person_id = p.id AND a.round_id = ")
        .bind(r.id);
    q.push(") ORDER BY u.sort_order, p.id LIMIT 500");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

pub async fn create(ctx: &Ctx, f: &FormPairs) -> AppResult<i64> {
    let mut c = FormCheck::new();
    let theme = c.text("theme", "轮训主题", &f.get("theme"), 100, true);
    let no = c.int("round_no", "批次", &f.get("round_no"), 1, 99);
    let start = c.date("start_on", "开始日期", &f.get("start_on"), true);
    let end = c.date("end_on", "结束日期", &f.get("end_on"), true);
    if let (Some(a), Some(b)) = (start, end)
        && b < a
    {
        c.add("end_on", "结束日期不能早于开始日期");
    }
    let kind = c.choice("target_kind", "参训对象", &f.get("target_kind"), TARGET_KINDS);
    let target = f.get("target_unit_id").trim().parse::<i64>().ok();
    c.finish()?;
    let unit = system::units::service::get(ctx, target.unwrap_or_default())
        .await
        .map_err(|_| AppError::field("target_unit_id", "请选择参训单位"))?;
    let owner = unit.prison_id.unwrap_or(unit.id);
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rotation_rounds (unit_id, round_no, theme, start_on, end_on, target_unit_id, target_kind, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(owner)
    .bind(no)
    .bind(&theme)
    .bind(start.map(|d| d.to_string()).unwrap_or_default())
    .bind(end.map(|d| d.to_string()).unwrap_or_default())
    .bind(unit.id)
    .bind(&kind)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "rotation_round", id).detail(format!("第{no}轮 {theme}")))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records attendance; a person outside the round's target population is refused, all or none.
pub async fn attend(ctx: &Ctx, id: i64, people: &[i64], on: &str) -> AppResult<usize> {
    let r = get(ctx, id).await?;
    let day: jiff::civil::Date = on.trim().parse().map_err(|_| AppError::field("attended_on", "请填写参训日期"))?;
    if day.to_string() < r.start_on || day.to_string() > r.end_on {
        return Err(AppError::field("attended_on", format!("参训日期须在本轮 {} 至 {} 之间", r.start_on, r.end_on)));
    }
    if people.is_empty() {
        return Err(AppError::field("person_ids", "请选择参训人员"));
    }
    let mut q = Sql::new("SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id IN (");
    for (i, p) in people.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*p);
    }
    q.push(") AND ");
    push_target(&mut q, &r);
    let inside: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
    let mut unique = people.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if inside != unique.len() as i64 {
        return Err(AppError::field("person_ids", "有人员不在本轮参训对象范围内"));
    }
    let mut tx = ctx.state.db.begin().await?;
    for p in &unique {
        sqlx::query("INSERT INTO rotation_attendance (round_id, person_id, attended_on) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(*p)
            .bind(day.to_string())
            .execute(&mut *tx)
            .await?;
    }
    ctx.state
        .audit(
            &mut tx,
            &ctx.actor(),
            Event::ok("update", "rotation_round", id).detail(format!("登记参训 {} 人", unique.len())),
        )
        .await?;
    tx.commit().await?;
    Ok(unique.len())
}

/// "已在全监范围内完成4轮集中学习轮训": rounds ended between `from` and `to`.
pub async fn rounds_completed(ctx: &Ctx, from: &str, to: &str) -> AppResult<Figure> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let records: Vec<FigureRecord> = rounds(ctx)
        .await?
        .into_iter()
        .filter(|r| r.end_on.as_str() >= from && r.end_on.as_str() <= to && r.end_on < today)
        .map(|r| FigureRecord {
            amount: None,
            id: r.id,
            label: format!("第{}轮 {}", r.round_no, r.theme),
            href: format!("/study/rotation/{}", r.id),
        })
        .collect();
    Ok(Figure::count(
        "study.rotation_rounds_completed",
        "完成轮训轮数",
        "轮",
        format!("{from} 至 {to} 结束的全员轮训批次"),
        records,
    ))
}

#[derive(Template)]
#[template(path = "rotation_list.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<(Round, Coverage)>,
    units: Vec<system::units::service::Unit>,
    kinds: &'static [(&'static str, &'static str)],
    can_edit: bool,
}

async fn list_page(ctx: Ctx) -> AppResult<Response> {
    let mut rows = Vec::new();
    for r in rounds(&ctx).await? {
        let c = coverage(&ctx, &r).await?;
        rows.push((r, c));
    }
    let units = system::units::service::tree(&ctx).await?;
    let frame = Frame::new(&ctx, "全员轮训", "/study/rotation", &[("学习教育", ""), ("全员轮训", "")]);
    Ok(Html(ListPage { frame, rows, units, kinds: TARGET_KINDS, can_edit: ctx.can(STUDY_EDIT) }).into_response())
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    match create(&ctx, &FormPairs::parse(&body)).await {
        Ok(id) => Ok(redirect_with_flash(&format!("/study/rotation/{id}"), "轮训批次已新增")),
        Err(AppError::Validation(e)) => {
            Ok(redirect_with_flash("/study/rotation", &e.into_values().collect::<Vec<_>>().join("；")))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "rotation_view.html")]
struct ViewPage {
    frame: Frame,
    r: Round,
    c: Coverage,
    missing: Vec<(i64, String, String)>,
    today: String,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = get(&ctx, id).await?;
    let c = coverage(&ctx, &r).await?;
    let missing = missing(&ctx, &r).await?;
    let today = platform::clock::today(&ctx.state.clock).to_string().min(r.end_on.clone());
    let frame = Frame::new(
        &ctx,
        &r.theme,
        "/study/rotation",
        &[("学习教育", ""), ("全员轮训", "/study/rotation"), ("批次详情", "")],
    );
    Ok(Html(ViewPage { frame, r, c, missing, today, can_edit: ctx.can(STUDY_EDIT) }).into_response())
}

async fn attend_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match attend(&ctx, id, &f.ids("person_ids", 5000), &f.get("attended_on")).await {
        Ok(n) => Ok(redirect_with_flash(&format!("/study/rotation/{id}"), &format!("已登记 {n} 人参训"))),
        Err(AppError::Validation(e)) => {
            Ok(redirect_with_flash(&format!("/study/rotation/{id}"), &e.into_values().collect::<Vec<_>>().join("；")))
        }
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx) -> AppResult<Response> {
    let mut items = Vec::new();
    for r in rounds(&ctx).await? {
        let c = coverage(&ctx, &r).await?;
        items.push(serde_json::json!({ "round": r, "target": c.target, "attended": c.attended, "coverage_percent": c.percent() }));
    }
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": 200 })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = get(&ctx, id).await?;
    let c = coverage(&ctx, &r).await?;
    Ok(Json(serde_json::json!({ "round": r, "coverage": c })).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let Json(v) = b.map_err(|_| AppError::BadRequest("请求体须为 JSON 对象".into()))?;
    let text =
        |k: &str| v.get(k).map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string())).unwrap_or_default();
    let pairs: Vec<(String, String)> = ["theme", "round_no", "start_on", "end_on", "target_unit_id", "target_kind"]
        .iter()
        .map(|k| (k.to_string(), text(k)))
        .collect();
    let id = create(&ctx, &FormPairs::from(pairs)).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_attend(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let Json(v) = b.map_err(|_| AppError::BadRequest("请求体须为 JSON 对象".into()))?;
    let people: Vec<i64> = v
        .get("person_ids")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_i64())
        .take(5000)
        .collect();
    let on = v.get("attended_on").and_then(|x| x.as_str()).unwrap_or("").to_string();
    let n = attend(&ctx, id, &people, &on).await?;
    Ok(Json(serde_json::json!({ "recorded": n })).into_response())
}
