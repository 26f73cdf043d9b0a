//! 试卷: fixed questions in order, or rules that draw N questions of a kind (and tag) at random
//! for each person; points per question, pass mark and time limit.

use crate::EXAM_EDIT;
use crate::domain::*;
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
    let edit = Need::Perm(EXAM_EDIT);
    r.get("/exams/papers", edit, "试卷", list_page)
        .post("/exams/papers", edit, "新增试卷", create_page)
        .get("/exams/papers/{id}", edit, "试卷详情（题目与抽题规则）", view_page)
        .post("/exams/papers/{id}/questions", edit, "试卷加入试题", add_question_page)
        .post("/exams/papers/{id}/rules", edit, "试卷加入抽题规则", add_rule_page)
        .get("/api/v1/papers", edit, "试卷列表", api_list)
        .post("/api/v1/papers", edit, "新增试卷（title, mode=fixed|random, pass_mark, time_limit_min）", api_create)
        .post("/api/v1/papers/{id}/questions", edit, "试卷加入试题（question_id, points）", api_add_question)
        .post("/api/v1/papers/{id}/rules", edit, "试卷加入抽题规则（kind, tag, count, points）", api_add_rule)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Paper {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub mode: String,
    pub pass_mark: i64,
    pub time_limit_min: i64,
    /// Points of the whole paper (fixed questions, or rule count × points).
    pub total: i64,
    pub items: i64,
}

const COLS: &str = "p.id, p.unit_id, p.title, p.mode, p.pass_mark, p.time_limit_min, \
    CAST(CASE WHEN p.mode = 'fixed' THEN coalesce((SELECT sum(points) FROM paper_questions x WHERE x.paper_id = p.id), 0) \
    ELSE coalesce((SELECT sum(count * points) FROM paper_rules x WHERE x.paper_id = p.id), 0) END AS BIGINT) AS total, \
    CAST(CASE WHEN p.mode = 'fixed' THEN (SELECT count(*) FROM paper_questions x WHERE x.paper_id = p.id) \
    ELSE coalesce((SELECT sum(count) FROM paper_rules x WHERE x.paper_id = p.id), 0) END AS BIGINT) AS items";

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Paper>> {
    let user = ctx.user()?;
    let mut p = p.clone();
    p.order_sql = "p.id DESC".into();
    Ok(fetch_page::<Paper>(
        &ctx.state.db,
        COLS,
        "p.id",
        |q: &mut Sql| {
            q.push("FROM papers p WHERE ");
            user.scope.push_condition(q, "p.unit_id", None);
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Paper> {
    platform::ledger::get_in_scope(ctx, &format!("SELECT {COLS} FROM papers p"), "p.id", id, "p.unit_id", None, "paper")
        .await
}

pub async fn create(ctx: &Ctx, f: &FormPairs) -> AppResult<i64> {
    let mut c = FormCheck::new();
    let title = c.text("title", "试卷名称", &f.get("title"), 100, true);
    let mode = c.choice("mode", "组卷方式", &f.get("mode"), &[("fixed", "固定试题"), ("random", "随机抽题")]);
    let pass_mark = c.int("pass_mark", "及格分", &f.get("pass_mark"), 1, 1000);
    let limit = c.int("time_limit_min", "答题时长", &f.get("time_limit_min"), 1, 600);
    c.finish()?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO papers (unit_id, title, mode, pass_mark, time_limit_min, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id",
    )
    .bind(user.prison_id.unwrap_or(user.unit_id))
    .bind(&title)
    .bind(&mode)
    .bind(pass_mark)
    .bind(limit)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "paper", id).detail(title)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Papers already sat keep their questions: nothing is added once an exam of it has started.
async fn editable(ctx: &Ctx, id: i64, mode: &str) -> AppResult<Paper> {
    let p = get(ctx, id).await?;
    if p.mode != mode {
        return Err(AppError::field(
            "mode",
            if mode == "fixed" {
                "随机抽题的试卷请添加抽题规则"
            } else {
                "固定试题的试卷请添加试题"
            },
        ));
    }
    let used: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM exam_attempts a JOIN exams e ON e.id = a.exam_id WHERE e.paper_id = $1",
    )
    .bind(id)
    .fetch_one(&ctx.state.db.pool)
    .await?;
    if used > 0 {
        return Err(AppError::Conflict("已有人作答的试卷不能再修改".into()));
    }
    Ok(p)
}

pub async fn add_question(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<()> {
    editable(ctx, id, "fixed").await?;
    let mut c = FormCheck::new();
    let points = c.int("points", "分值", &f.get("points"), 1, 100);
    let qid = f.get("question_id").trim().parse::<i64>().ok();
    if qid.is_none() {
        c.add("question_id", "请选择试题");
    }
    c.finish()?;
    let q = crate::questions::get(ctx, qid.unwrap_or_default())
        .await
        .map_err(|_| AppError::field("question_id", "试题不存在"))?;
    if q.active == 0 {
        return Err(AppError::field("question_id", "试题已停用"));
    }
    let mut tx = ctx.state.db.begin().await?;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM paper_questions WHERE paper_id = $1 AND question_id = $2")
        .bind(id)
        .bind(q.id)
        .fetch_one(&mut *tx)
        .await?;
    if n > 0 {
        return Err(AppError::field("question_id", "试卷中已有该试题"));
    }
    sqlx::query(
        "INSERT INTO paper_questions (paper_id, question_id, position, points) \
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM paper_questions WHERE paper_id = $1), $3)",
    )
    .bind(id)
    .bind(q.id)
    .bind(points)
    .execute(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("update", "paper", id).detail(format!("加入试题 {}", q.id)))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_rule(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<()> {
    editable(ctx, id, "random").await?;
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "题型", &f.get("kind"), KINDS);
    let tag = c.text("tag", "标签", &f.get("tag"), 50, false);
    let count = c.int("count", "题数", &f.get("count"), 1, 200);
    let points = c.int("points", "每题分值", &f.get("points"), 1, 100);
    c.finish()?;
    let mut q = Sql::new("SELECT count(*) FROM questions WHERE active = 1 AND kind = ");
    q.bind(kind.clone());
    if !tag.is_empty() {
        q.push(" AND tags LIKE ").bind(platform::db::like_contains(&tag)).push(" ESCAPE '\\'");
    }
    let available: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
    if available < count {
        return Err(AppError::field("count", format!("题库中符合条件的试题只有 {available} 道")));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("INSERT INTO paper_rules (paper_id, kind, tag, count, points) VALUES ($1,$2,$3,$4,$5)")
        .bind(id)
        .bind(&kind)
        .bind(&tag)
        .bind(count)
        .bind(points)
        .execute(&mut *tx)
        .await?;
    ctx.state
        .audit(
            &mut tx,
            &ctx.actor(),
            Event::ok("update", "paper", id).detail(format!("抽题规则 {kind} {tag} × {count}")),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "papers_list.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Paper>,
    offset: i64,
    pager: Pager,
    f: FormPairs,
    errors: FieldErrors,
}

async fn list_view(ctx: &Ctx, q: BTreeMap<String, String>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let p = ListParams::parse(q, &[], false);
    let page = list(ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(ctx, &p, &page, "/exams/papers", "试卷", &[("清廉建设", ""), ("试卷", "")]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ListPage { frame, rows: page.items, offset, pager, f, errors })).into_response())
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let f = FormPairs::from(vec![("pass_mark".into(), "60".into()), ("time_limit_min".into(), "30".into())]);
    list_view(&ctx, q.0, f, FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match create(&ctx, &f).await {
        Ok(id) => Ok(redirect_with_flash(&format!("/exams/papers/{id}"), "试卷已创建，请添加试题或抽题规则")),
        Err(AppError::Validation(errors)) => list_view(&ctx, BTreeMap::new(), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(sqlx::FromRow)]
pub struct PaperItem {
    pub position: i64,
    pub question_id: i64,
    pub kind: String,
    pub stem: String,
    pub points: i64,
}

impl PaperItem {
    pub fn kind_label(&self) -> &'static str {
        label(KINDS, &self.kind)
    }
}

#[derive(sqlx::FromRow)]
pub struct Rule {
    pub kind: String,
    pub tag: String,
    pub count: i64,
    pub points: i64,
}

impl Rule {
    pub fn kind_label(&self) -> &'static str {
        label(KINDS, &self.kind)
    }
}

#[derive(Template)]
#[template(path = "paper_view.html")]
struct ViewPage {
    frame: Frame,
    paper: Paper,
    items: Vec<PaperItem>,
    rules: Vec<Rule>,
    bank: Vec<(i64, String)>,
    f: FormPairs,
    errors: FieldErrors,
    kinds: Codes,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let paper = get(ctx, id).await?;
    let items = sqlx::query_as(
        "SELECT x.position, x.question_id, q.kind, q.stem, x.points FROM paper_questions x JOIN questions q ON q.id = x.question_id \
         WHERE x.paper_id = $1 ORDER BY x.position",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let rules = sqlx::query_as("SELECT kind, tag, count, points FROM paper_rules WHERE paper_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&ctx.state.db.pool)
        .await?;
    let mut raw = BTreeMap::new();
    raw.insert("per_page".to_string(), "200".to_string());
    if !f.get("q").is_empty() {
        raw.insert("q".to_string(), f.get("q"));
    }
    let bank = crate::questions::list(ctx, &ListParams::parse(raw, &[], true))
        .await?
        .items
        .into_iter()
        .map(|q| (q.id, format!("[{}] {}", q.kind_label(), q.stem.chars().take(40).collect::<String>())))
        .collect();
    let frame =
        Frame::new(ctx, &paper.title, "/exams/papers", &[("清廉建设", ""), ("试卷", "/exams/papers"), ("详情", "")]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ViewPage { frame, paper, items, rules, bank, f, errors, kinds: KINDS })).into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(
        &ctx,
        id,
        FormPairs::from(vec![("points".into(), "5".into()), ("count".into(), "10".into())]),
        FieldErrors::new(),
    )
    .await
}

async fn add_question_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match add_question(&ctx, id, &f).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/exams/papers/{id}"), "试题已加入")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn add_rule_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match add_rule(&ctx, id, &f).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/exams/papers/{id}"), "抽题规则已加入")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, &[], true)).await?).into_response())
}

type Body = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

async fn api_create(ctx: Ctx, b: Body) -> AppResult<Response> {
    let id = create(&ctx, &pairs_from_json(b)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_add_question(ctx: Ctx, Path(id): Path<i64>, b: Body) -> AppResult<Response> {
    add_question(&ctx, id, &pairs_from_json(b)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_add_rule(ctx: Ctx, Path(id): Path<i64>, b: Body) -> AppResult<Response> {
    add_rule(&ctx, id, &pairs_from_json(b)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
