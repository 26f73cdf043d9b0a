//! 考试: a paper, a window, the people who must sit it (by unit, by Party organisation or named),
//! attempts allowed, whether answers are shown after closing; results per exam, per unit and per
//! organisation, and the questions most often answered wrong.

use crate::sitting;
use crate::{EXAM_EDIT, EXAM_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::clock::format_ms;
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
    let (view, edit) = (Need::Perm(EXAM_VIEW), Need::Perm(EXAM_EDIT));
    r.get("/exams", view, "考试", list_page)
        .get("/exams/new", edit, "发布考试页", new_page)
        .post("/exams", edit, "发布考试", create_page)
        .get("/exams/{id}", view, "考试详情与成绩", view_page)
        .get("/api/v1/exams", view, "考试列表", api_list)
        .post(
            "/api/v1/exams",
            edit,
            "发布考试（title, paper_id, opens_at, closes_at 为 YYYY-MM-DDTHH:MM，attempts_allowed, show_answers, unit_ids[], org_id, person_ids[]）",
            api_create,
        )
        .get("/api/v1/exams/{id}/results", view, "考试成绩（按单位、党组织，错误最多的试题）", api_results)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Exam {
    pub id: i64,
    pub unit_id: i64,
    pub paper_id: i64,
    pub paper_title: String,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub attempts_allowed: i64,
    pub show_answers: i64,
    pub pass_mark: i64,
    pub time_limit_min: i64,
    pub candidates: i64,
    pub sat: i64,
}

impl Exam {
    pub fn opens(&self) -> String {
        format_ms(self.opens_at).get(..16).unwrap_or_default().to_string()
    }
    pub fn closes(&self) -> String {
        format_ms(self.closes_at).get(..16).unwrap_or_default().to_string()
    }
    /// 未开始 / 进行中 / 已结束 at `now` (ms).
    pub fn state(&self, now: &i64) -> &'static str {
        let now = *now;
        if now < self.opens_at {
            "未开始"
        } else if now < self.closes_at {
            "进行中"
        } else {
            "已结束"
        }
    }
}

pub const COLS: &str = "e.id, e.unit_id, e.paper_id, p.title AS paper_title, e.title, e.opens_at, e.closes_at, e.attempts_allowed, \
    e.show_answers, p.pass_mark, p.time_limit_min, (SELECT count(*) FROM exam_candidates c WHERE c.exam_id = e.id) AS candidates, \
    (SELECT count(DISTINCT a.person_id) FROM exam_attempts a WHERE a.exam_id = e.id AND a.submitted_at IS NOT NULL) AS sat";
pub const FROM: &str = "FROM exams e JOIN papers p ON p.id = e.paper_id";

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Exam>> {
    let user = ctx.user()?;
    let mut p = p.clone();
    p.order_sql = "e.opens_at DESC".into();
    Ok(fetch_page::<Exam>(
        &ctx.state.db,
        COLS,
        "e.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "e.unit_id", None);
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Exam> {
    platform::ledger::get_in_scope(ctx, &format!("SELECT {COLS} {FROM}"), "e.id", id, "e.unit_id", None, "exam").await
}

/// "2026-11-27T09:00" (or with a space) in Asia/Shanghai, as milliseconds.
pub fn parse_local(v: &str) -> Option<i64> {
    let v = v.trim().replace(' ', "T");
    let dt: jiff::civil::DateTime = v.parse().ok()?;
    platform::clock::local_ms(dt)
}

pub async fn create(ctx: &Ctx, f: &FormPairs) -> AppResult<i64> {
    let mut c = FormCheck::new();
    let title = c.text("title", "考试名称", &f.get("title"), 100, true);
    let paper = f.get("paper_id").trim().parse::<i64>().ok();
    if paper.is_none() {
        c.add("paper_id", "请选择试卷");
    }
    let opens = parse_local(&f.get("opens_at"));
    let closes = parse_local(&f.get("closes_at"));
    if opens.is_none() {
        c.add("opens_at", "请填写开始时间（如 2022-05-17 09:00）");
    }
    if closes.is_none() {
        c.add("closes_at", "请填写结束时间");
    }
    if let (Some(o), Some(cl)) = (opens, closes)
        && cl <= o
    {
        c.add("closes_at", "结束时间须晚于开始时间");
    }
    let attempts = c.int("attempts_allowed", "作答次数", &f.get("attempts_allowed"), 1, 5).max(1);
    let units = f.ids("unit_ids", 200);
    let org = f.get("org_id").trim().parse::<i64>().ok();
    let named = f.ids("person_ids", 5000);
    if units.is_empty() && org.is_none() && named.is_empty() {
        c.add("candidates", "请选择参考人员：按单位、按党组织或逐个指定");
    }
    c.finish()?;
    let paper = crate::papers::get(ctx, paper.unwrap_or_default())
        .await
        .map_err(|_| AppError::field("paper_id", "试卷不存在"))?;
    if paper.items == 0 {
        return Err(AppError::field("paper_id", "该试卷还没有试题或抽题规则"));
    }
    let user = ctx.user()?;
    // Candidates: active people in scope, of the chosen units (and below), organisation (and below) or list.
    let mut q = Sql::new(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employment_status = 'active' AND ",
    );
    user.scope.push_condition(&mut q, "p.unit_id", None);
    q.push(" AND (1 = 0");
    for uid in &units {
        q.push(" OR u.path LIKE (SELECT path FROM units WHERE id = ").bind(*uid).push(") || '%'");
    }
    if let Some(o) = org {
        q.push(" OR ");
        q.push_in_select("p.branch_id", |q| {
            q.push("SELECT id FROM party_orgs WHERE path LIKE (SELECT path FROM party_orgs WHERE id = ")
                .bind(o)
                .push(") || '%'");
        });
    }
    if !named.is_empty() {
        q.push(" OR p.id IN (").push_ids(named.iter().copied()).push(")");
    }
    q.push(")");
    let people: Vec<i64> = q.query_scalar().fetch_all(&ctx.state.db.pool).await?;
    if people.is_empty() {
        return Err(AppError::field("candidates", "所选范围内没有在职人员"));
    }
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exams (unit_id, paper_id, title, opens_at, closes_at, attempts_allowed, show_answers, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id",
    )
    .bind(user.prison_id.unwrap_or(user.unit_id))
    .bind(paper.id)
    .bind(&title)
    .bind(opens.unwrap_or_default())
    .bind(closes.unwrap_or_default())
    .bind(attempts)
    .bind(i64::from(f.get("show_answers") == "1"))
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for p in &people {
        sqlx::query("INSERT INTO exam_candidates (exam_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*p)
            .execute(&mut *tx)
            .await?;
    }
    let detail = format!("{title}，参考 {} 人", people.len());
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "exam", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct GroupResult {
    pub name: String,
    pub candidates: i64,
    pub sat: i64,
    pub passed: i64,
    /// Sum of the best score of each person who sat.
    pub score_sum: i64,
}

impl GroupResult {
    pub fn participation(&self) -> i64 {
        if self.candidates == 0 { 0 } else { self.sat * 100 / self.candidates }
    }
    pub fn pass_rate(&self) -> i64 {
        if self.sat == 0 { 0 } else { self.passed * 100 / self.sat }
    }
    pub fn average(&self) -> String {
        if self.sat == 0 { "—".into() } else { format!("{:.1}", self.score_sum as f64 / self.sat as f64) }
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Wrong {
    pub question_id: i64,
    pub stem: String,
    pub wrong: i64,
    pub answered: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Results {
    pub total: GroupResult,
    pub by_unit: Vec<GroupResult>,
    pub by_org: Vec<GroupResult>,
    pub most_wrong: Vec<Wrong>,
}

/// Each candidate's best closed sitting, grouped by `group` (named by `name`, e.g. "u.name").
async fn grouped(ctx: &Ctx, id: i64, name: &str, group: &str) -> AppResult<Vec<GroupResult>> {
    let sql = format!(
        "SELECT {name} AS name, count(*) AS candidates, count(b.best) AS sat, \
         CAST(coalesce(sum(CASE WHEN b.passed = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS passed, CAST(coalesce(sum(b.best), 0) AS BIGINT) AS score_sum \
         FROM exam_candidates c JOIN people p ON p.id = c.person_id JOIN units u ON u.id = p.unit_id \
         LEFT JOIN party_orgs o ON o.id = p.branch_id \
         LEFT JOIN (SELECT person_id, max(score) AS best, max(passed) AS passed FROM exam_attempts \
                    WHERE exam_id = $1 AND submitted_at IS NOT NULL GROUP BY person_id) b ON b.person_id = c.person_id \
         WHERE c.exam_id = $1 GROUP BY {group} ORDER BY 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&ctx.state.db.pool).await?)
}

pub async fn results(ctx: &Ctx, id: i64) -> AppResult<(Exam, Results)> {
    let exam = get(ctx, id).await?;
    sitting::close_overdue(ctx, Some(id)).await?;
    let exam = if exam.sat == 0 { get(ctx, id).await? } else { exam };
    let total = grouped(ctx, id, "'全部'", "c.exam_id").await?.into_iter().next().unwrap_or(GroupResult {
        name: "全部".into(),
        candidates: 0,
        sat: 0,
        passed: 0,
        score_sum: 0,
    });
    let by_unit = grouped(ctx, id, "u.name", "u.name").await?;
    let org = "coalesce(o.name, '（无所在支部）')";
    let by_org = grouped(ctx, id, org, org).await?;
    let most_wrong = sqlx::query_as(
        "SELECT q.id AS question_id, q.stem, CAST(sum(CASE WHEN x.correct = 0 THEN 1 ELSE 0 END) AS BIGINT) AS wrong, count(*) AS answered \
         FROM attempt_answers x JOIN exam_attempts a ON a.id = x.attempt_id JOIN questions q ON q.id = x.question_id \
         WHERE a.exam_id = $1 AND a.submitted_at IS NOT NULL GROUP BY q.id, q.stem ORDER BY 3 DESC, q.id LIMIT 10",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    Ok((exam, Results { total, by_unit, by_org, most_wrong }))
}

#[derive(Template)]
#[template(path = "exams_list.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Exam>,
    offset: i64,
    pager: Pager,
    now: i64,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    sitting::close_overdue(&ctx, None).await?;
    let p = ListParams::parse(q.0, &[], false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/exams", "考试", &[("清廉建设", ""), ("考试", "")]);
    let now = ctx.state.clock.now_ms();
    Ok(Html(ListPage { frame, rows: page.items, offset, pager, now, can_edit: ctx.can(EXAM_EDIT) }).into_response())
}

#[derive(Template)]
#[template(path = "exam_form.html")]
struct FormPage {
    frame: Frame,
    f: FormPairs,
    errors: FieldErrors,
    papers: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    orgs: Vec<org::orgs::service::Org>,
}

async fn form(ctx: &Ctx, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(ctx, "发布考试", "/exams", &[("清廉建设", ""), ("考试", "/exams"), ("发布考试", "")]);
    let mut raw = BTreeMap::new();
    raw.insert("per_page".to_string(), "100".to_string());
    let papers = crate::papers::list(ctx, &ListParams::parse(raw, &[], true))
        .await?
        .items
        .into_iter()
        .map(|p| (p.id, format!("{}（{} 题，{} 分，{} 分钟）", p.title, p.items, p.total, p.time_limit_min)))
        .collect();
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT u.id, u.name FROM units u WHERE u.kind = 'department' AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.push(" ORDER BY u.sort_order, u.id");
    let units = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let orgs = org::orgs::service::tree(ctx, true).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, f, errors, papers, units, orgs })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock);
    let f = FormPairs::from(vec![
        ("opens_at".into(), format!("{today}T09:00")),
        ("closes_at".into(), format!("{}T18:00", today.saturating_add(jiff::Span::new().days(7)))),
        ("attempts_allowed".into(), "1".into()),
        ("show_answers".into(), "1".into()),
    ]);
    form(&ctx, f, FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match create(&ctx, &f).await {
        Ok(id) => Ok(redirect_with_flash(&format!("/exams/{id}"), "考试已发布")),
        Err(AppError::Validation(errors)) => form(&ctx, f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "exam_view.html")]
struct ViewPage {
    frame: Frame,
    e: Exam,
    r: Results,
    now: i64,
    missing: Vec<(String, String)>,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (e, r) = results(&ctx, id).await?;
    let missing: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.name, u.name FROM exam_candidates c JOIN people p ON p.id = c.person_id JOIN units u ON u.id = p.unit_id \
         WHERE c.exam_id = $1 AND NOT EXISTS (SELECT 1 FROM exam_attempts a WHERE a.exam_id = c.exam_id AND a.person_id = c.person_id \
         AND a.submitted_at IS NOT NULL) ORDER BY u.sort_order, p.name LIMIT 500",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let frame = Frame::new(&ctx, &e.title, "/exams", &[("清廉建设", ""), ("考试", "/exams"), ("成绩", "")]);
    Ok(Html(ViewPage { frame, e, r, now: ctx.state.clock.now_ms(), missing }).into_response())
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, &[], true)).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let id = create(&ctx, &pairs_from_json(b)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_results(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (e, r) = results(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "exam": e, "results": r })).into_response())
}
