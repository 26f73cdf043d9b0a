//! 答题: a candidate's own exams, starting a sitting (its questions and option order fixed for
//! this person), saving answers as they go, submitting, and the automatic close at the server's
//! deadline (start + time limit, capped by the window). Before a sitting is closed nothing sent
//! to the browser carries a key or an explanation; keys are shown only after the exam closes and
//! only if the exam says so.

use crate::domain::*;
use crate::exams::{COLS, Exam, FROM};
use askama::Template;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::clock::format_ms;
use platform::db::Sql;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::{Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

pub fn routes(r: Routes) -> Routes {
    let me = Need::LoggedIn;
    r.get("/exams/my", me, "我的考试", my_page)
        .post("/exams/{id}/start", me, "开始答题", start_page)
        .get("/exams/attempts/{id}", me, "答题页（未交卷时不含答案）", attempt_page)
        .post("/exams/attempts/{id}/answer", me, "保存一题的作答（position, answer）", save_page)
        .post("/exams/attempts/{id}/submit", me, "交卷", submit_page)
        .get("/api/v1/my/exams", me, "我的考试", api_my)
        .post("/api/v1/exams/{id}/start", me, "开始答题（返回作答编号）", api_start)
        .get("/api/v1/attempts/{id}", me, "作答（未交卷时不含答案）", api_attempt)
        .post("/api/v1/attempts/{id}/answers", me, "保存作答（position, answer）", api_save)
        .post("/api/v1/attempts/{id}/submit", me, "交卷", api_submit)
}

/// The person record of the caller: only a person can sit an exam.
async fn me(ctx: &Ctx) -> AppResult<i64> {
    ctx.own_person()
        .await?
        .ok_or_else(|| AppError::BadRequest("您的账号没有关联人员档案，无法参加考试，请联系政治处".into()))
}

/// An exam the caller is a candidate of (no data scope: being a candidate is the right to see it).
async fn my_exam(ctx: &Ctx, exam: i64, person: i64) -> AppResult<Exam> {
    let sql = format!(
        "SELECT {COLS} {FROM} WHERE e.id = $1 AND EXISTS (SELECT 1 FROM exam_candidates c WHERE c.exam_id = e.id AND c.person_id = $2)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(exam)
        .bind(person)
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub exam_id: i64,
    pub person_id: i64,
    pub started_at: i64,
    pub deadline_at: i64,
    pub submitted_at: Option<i64>,
    pub closed_by: Option<String>,
    pub score: Option<i64>,
    pub total: i64,
    pub passed: Option<i64>,
    pub version: i64,
}

impl Attempt {
    pub fn closed(&self) -> bool {
        self.submitted_at.is_some()
    }
    pub fn deadline(&self) -> String {
        format_ms(self.deadline_at)
    }
}

const ATTEMPT_COLS: &str =
    "id, exam_id, person_id, started_at, deadline_at, submitted_at, closed_by, score, total, passed, version";

async fn my_attempt(ctx: &Ctx, id: i64) -> AppResult<(Attempt, Exam)> {
    let person = me(ctx).await?;
    let sql = format!("SELECT {ATTEMPT_COLS} FROM exam_attempts WHERE id = $1 AND person_id = $2");
    let a: Attempt = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(person)
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = my_exam(ctx, a.exam_id, person).await?;
    // Past its deadline and not submitted: closed now with what was saved.
    if !a.closed() && ctx.state.clock.now_ms() > a.deadline_at {
        close(ctx, a.id, "deadline").await?;
        return Box::pin(my_attempt(ctx, id)).await;
    }
    Ok((a, e))
}

/// Starts a sitting, or returns the one still open.
pub async fn start(ctx: &Ctx, exam: i64) -> AppResult<i64> {
    let person = me(ctx).await?;
    let e = my_exam(ctx, exam, person).await?;
    let now = ctx.state.clock.now_ms();
    if now < e.opens_at {
        return Err(AppError::BadRequest(format!("考试尚未开始，开始时间 {}", e.opens())));
    }
    if now >= e.closes_at {
        return Err(AppError::BadRequest("考试已结束".into()));
    }
    close_overdue(ctx, Some(exam)).await?;
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM exam_attempts WHERE exam_id = $1 AND person_id = $2 AND submitted_at IS NULL",
    )
    .bind(exam)
    .bind(person)
    .fetch_optional(&ctx.state.db.pool)
    .await?;
    if let Some(a) = open {
        return Ok(a);
    }
    let used: i64 = sqlx::query_scalar("SELECT count(*) FROM exam_attempts WHERE exam_id = $1 AND person_id = $2")
        .bind(exam)
        .bind(person)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if used >= e.attempts_allowed {
        return Err(AppError::BadRequest(format!("已用完作答次数（共 {} 次）", e.attempts_allowed)));
    }
    begin(ctx, &e, person, now).await
}

/// A new sitting of `e` for `person` started at `now`: its questions (drawn by the paper's rules
/// or the paper's own) in this person's order, each choice question's options shuffled.
pub async fn begin(ctx: &Ctx, e: &Exam, person: i64, now: i64) -> AppResult<i64> {
    let exam = e.id;
    // The questions of this sitting, in this person's order.
    let mode: String = sqlx::query_scalar("SELECT mode FROM papers WHERE id = $1")
        .bind(e.paper_id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    let mut picked: Vec<(i64, i64)> = Vec::new();
    if mode == "fixed" {
        picked =
            sqlx::query_as("SELECT question_id, points FROM paper_questions WHERE paper_id = $1 ORDER BY position")
                .bind(e.paper_id)
                .fetch_all(&ctx.state.db.pool)
                .await?;
    } else {
        let rules: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT kind, tag, count, points FROM paper_rules WHERE paper_id = $1 ORDER BY id")
                .bind(e.paper_id)
                .fetch_all(&ctx.state.db.pool)
                .await?;
        for (kind, tag, count, points) in rules {
            let mut q = platform::db::Sql::new("SELECT id FROM questions WHERE active = 1 AND kind = ");
            q.bind(kind.clone());
            if !tag.is_empty() {
                q.push(" AND tags LIKE ").bind(platform::db::like_contains(&tag)).push(" ESCAPE '\\'");
            }
            let pool: Vec<i64> = q.query_scalar().fetch_all(&ctx.state.db.pool).await?;
            let pool: Vec<i64> = pool.into_iter().filter(|id| !picked.iter().any(|(p, _)| p == id)).collect();
            if (pool.len() as i64) < count {
                return Err(AppError::BadRequest("题库中符合抽题规则的试题不足，请联系出题人".into()));
            }
            for i in shuffled(pool.len()).into_iter().take(count as usize) {
                picked.push((pool[i], points));
            }
        }
    }
    if picked.is_empty() {
        return Err(AppError::BadRequest("试卷没有试题".into()));
    }
    let order = shuffled(picked.len());
    let unit: i64 = sqlx::query_scalar("SELECT unit_id FROM people WHERE id = $1")
        .bind(person)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    let deadline = (now + e.time_limit_min * 60_000).min(e.closes_at);
    let total: i64 = picked.iter().map(|(_, p)| p).sum();
    // How many options each drawn question has, read once for the whole sitting.
    let mut q = platform::db::Sql::new("SELECT id, options FROM questions WHERE id IN (");
    for (k, (qid, _)) in picked.iter().enumerate() {
        if k > 0 {
            q.push(", ");
        }
        q.bind(*qid);
    }
    q.push(")");
    let options: std::collections::HashMap<i64, usize> = q
        .query_as::<(i64, String)>()
        .fetch_all(&ctx.state.db.pool)
        .await?
        .into_iter()
        .map(|(id, o)| (id, serde_json::from_str::<Vec<String>>(&o).map(|v| v.len()).unwrap_or(0)))
        .collect();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exam_attempts (exam_id, person_id, unit_id, started_at, deadline_at, total) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(exam)
    .bind(person)
    .bind(unit)
    .bind(now)
    .bind(deadline)
    .bind(total)
    .fetch_one(&mut *tx)
    .await?;
    for (pos, i) in order.into_iter().enumerate() {
        let (qid, points) = picked[i];
        let n = options.get(&qid).copied().unwrap_or(0);
        let option_order = shuffled(n).iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
        sqlx::query(
            "INSERT INTO attempt_answers (attempt_id, position, question_id, points, option_order) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(id)
        .bind(pos as i64 + 1)
        .bind(qid)
        .bind(points)
        .bind(option_order)
        .execute(&mut *tx)
        .await?;
    }
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("start", "exam_attempt", id).detail(e.title.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

/// One question as the candidate sees it: no key, no explanation until the exam is closed.
#[derive(Clone, Debug, Serialize)]
pub struct Shown {
    pub position: i64,
    pub kind: String,
    pub stem: String,
    /// (canonical letter posted back, text), in this sitting's order.
    pub options: Vec<(String, String)>,
    pub points: i64,
    pub answer: String,
    /// Only after the exam has closed and if it shows answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
}

impl Shown {
    pub fn kind_label(&self) -> &'static str {
        label(KINDS, &self.kind)
    }
    pub fn chosen(&self, letter: &str) -> bool {
        self.answer.contains(letter)
    }
}

/// position, kind, stem, options, key, explanation, points, option order, answer, correct.
type ShownRow = (i64, String, String, String, String, String, i64, String, String, Option<i64>);

async fn shown(ctx: &Ctx, a: &Attempt, e: &Exam) -> AppResult<Vec<Shown>> {
    let rows: Vec<ShownRow> = sqlx::query_as(
        "SELECT x.position, q.kind, q.stem, q.options, q.answer, q.explanation, x.points, x.option_order, x.answer, x.correct \
         FROM attempt_answers x JOIN questions q ON q.id = x.question_id WHERE x.attempt_id = $1 ORDER BY x.position",
    )
    .bind(a.id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let reveal = a.closed() && e.show_answers == 1 && ctx.state.clock.now_ms() >= e.closes_at;
    Ok(rows
        .into_iter()
        .map(|(position, kind, stem, options, key, explanation, points, order, answer, correct)| {
            let opts: Vec<String> = serde_json::from_str(&options).unwrap_or_default();
            let shown_opts = order
                .split(',')
                .filter_map(|i| i.parse::<usize>().ok())
                .filter_map(|i| opts.get(i).map(|t| (letter(i).to_string(), t.clone())))
                .collect();
            let key_text = match kind.as_str() {
                "single" | "multiple" => key
                    .chars()
                    .filter_map(|c| opts.get((c as u8).wrapping_sub(b'A') as usize).cloned())
                    .collect::<Vec<_>>()
                    .join("；"),
                "judge" => if key == "T" { "正确" } else { "错误" }.to_string(),
                _ => key.split(['|', '｜']).collect::<Vec<_>>().join(" / "),
            };
            Shown {
                position,
                kind,
                stem,
                options: shown_opts,
                points,
                answer,
                key: reveal.then_some(key_text),
                explanation: reveal.then_some(explanation),
                correct: if a.closed() { correct.map(|c| c == 1) } else { None },
            }
        })
        .collect())
}

/// Saves one answer; refused once the sitting is closed or past its deadline.
pub async fn save(ctx: &Ctx, id: i64, position: i64, raw: &str) -> AppResult<()> {
    let (a, _) = my_attempt(ctx, id).await?;
    if a.closed() {
        return Err(AppError::BadRequest(if a.closed_by.as_deref() == Some("deadline") {
            "已超过作答时限，系统已按已保存的答案自动交卷".to_string()
        } else {
            "已交卷，不能再修改答案".to_string()
        }));
    }
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT q.kind, q.options FROM attempt_answers x JOIN questions q ON q.id = x.question_id WHERE x.attempt_id = $1 AND x.position = $2",
    )
    .bind(id)
    .bind(position)
    .fetch_optional(&ctx.state.db.pool)
    .await?;
    let (kind, options) = row.ok_or_else(|| AppError::field("position", "没有这道题"))?;
    let n = serde_json::from_str::<Vec<String>>(&options).map(|v| v.len()).unwrap_or(0);
    let value = if raw.trim().is_empty() {
        String::new()
    } else if raw.chars().count() > 200 {
        return Err(AppError::field("answer", "答案最多 200 个字"));
    } else {
        normalise(&kind, raw, n).ok_or_else(|| AppError::field("answer", "答案格式不正确"))?
    };
    platform::db::fresh::wrote();
    sqlx::query("UPDATE attempt_answers SET answer = $1 WHERE attempt_id = $2 AND position = $3")
        .bind(value)
        .bind(id)
        .bind(position)
        .execute(&ctx.state.db.pool)
        .await?;
    Ok(())
}

/// Submits; after the deadline the submission is refused and the sitting is closed as it stands.
pub async fn submit(ctx: &Ctx, id: i64) -> AppResult<()> {
    let (a, _) = my_attempt(ctx, id).await?;
    if a.closed() {
        return Err(AppError::BadRequest(if a.closed_by.as_deref() == Some("deadline") {
            "已超过作答时限，交卷无效，系统已按已保存的答案自动交卷".to_string()
        } else {
            "已交卷".to_string()
        }));
    }
    close(ctx, id, "submitted").await
}

/// Marks every answer and closes the sitting, once (a second close finds it closed).
pub async fn close(ctx: &Ctx, id: i64, by: &str) -> AppResult<()> {
    let mut tx = ctx.state.db.begin().await?;
    let open: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT a.deadline_at, a.version, p.pass_mark FROM exam_attempts a JOIN exams e ON e.id = a.exam_id JOIN papers p ON p.id = e.paper_id \
         WHERE a.id = $1 AND a.submitted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((deadline, version, pass_mark)) = open else { return Ok(()) };
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT x.position, q.kind, q.answer, x.answer, x.points FROM attempt_answers x JOIN questions q ON q.id = x.question_id WHERE x.attempt_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut score = 0;
    for (position, kind, key, given, points) in rows {
        let ok = is_correct(&kind, &key, &given);
        let s = if ok { points } else { 0 };
        score += s;
        sqlx::query("UPDATE attempt_answers SET correct = $1, score = $2 WHERE attempt_id = $3 AND position = $4")
            .bind(i64::from(ok))
            .bind(s)
            .bind(id)
            .bind(position)
            .execute(&mut *tx)
            .await?;
    }
    let at = if by == "deadline" { deadline } else { ctx.state.clock.now_ms() };
    let n = sqlx::query(
        "UPDATE exam_attempts SET submitted_at = $1, closed_by = $2, score = $3, passed = $4, version = version + 1 \
         WHERE id = $5 AND version = $6 AND submitted_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(score)
    .bind(i64::from(score >= pass_mark))
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(());
    }
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("submit", "exam_attempt", id).detail(format!("{by} {score}")))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes every sitting past its deadline (of one exam, or all): nobody waits for the candidate
/// to come back for their sitting to count.
pub async fn close_overdue(ctx: &Ctx, exam: Option<i64>) -> AppResult<()> {
    let now = ctx.state.clock.now_ms();
    let mut q = platform::db::Sql::new("SELECT id FROM exam_attempts WHERE submitted_at IS NULL AND deadline_at < ");
    q.bind(now);
    if let Some(e) = exam {
        q.push(" AND exam_id = ").bind(e);
    }
    q.push(" LIMIT 1000");
    let ids: Vec<i64> = q.query_scalar().fetch_all(&ctx.state.db.pool).await?;
    for id in ids {
        close(ctx, id, "deadline").await?;
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct MyExam {
    pub id: i64,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub time_limit_min: i64,
    pub attempts_allowed: i64,
    pub used: i64,
    pub open_attempt: Option<i64>,
    pub best: Option<i64>,
    pub last_attempt: Option<i64>,
    pub passed: Option<i64>,
}

impl MyExam {
    pub fn closes(&self) -> String {
        format_ms(self.closes_at).get(..16).unwrap_or_default().to_string()
    }
    pub fn opens(&self) -> String {
        format_ms(self.opens_at).get(..16).unwrap_or_default().to_string()
    }
}

pub async fn my_exams(ctx: &Ctx) -> AppResult<Vec<MyExam>> {
    let person = me(ctx).await?;
    close_overdue(ctx, None).await?;
    Ok(sqlx::query_as(
        "SELECT e.id, e.title, e.opens_at, e.closes_at, p.time_limit_min, e.attempts_allowed, \
         (SELECT count(*) FROM exam_attempts a WHERE a.exam_id = e.id AND a.person_id = $1) AS used, \
         (SELECT max(a.id) FROM exam_attempts a WHERE a.exam_id = e.id AND a.person_id = $1 AND a.submitted_at IS NULL) AS open_attempt, \
         (SELECT max(a.score) FROM exam_attempts a WHERE a.exam_id = e.id AND a.person_id = $1 AND a.submitted_at IS NOT NULL) AS best, \
         (SELECT max(a.id) FROM exam_attempts a WHERE a.exam_id = e.id AND a.person_id = $1) AS last_attempt, \
         (SELECT max(a.passed) FROM exam_attempts a WHERE a.exam_id = e.id AND a.person_id = $1 AND a.submitted_at IS NOT NULL) AS passed \
         FROM exams e JOIN papers p ON p.id = e.paper_id JOIN exam_candidates c ON c.exam_id = e.id AND c.person_id = $1 \
         ORDER BY e.closes_at DESC LIMIT 100",
    )
    .bind(person)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

#[derive(Template)]
#[template(path = "my_exams.html")]
struct MyPage {
    frame: Frame,
    rows: Vec<MyExam>,
    now: i64,
    error: Option<String>,
}

async fn my_view(ctx: &Ctx, error: Option<String>) -> AppResult<Response> {
    let frame = Frame::new(ctx, "我的考试", "/exams/my", &[("我的考试", "")]);
    let (rows, error) = match my_exams(ctx).await {
        Ok(r) => (r, error),
        Err(AppError::BadRequest(m)) => (Vec::new(), Some(m)),
        Err(e) => return Err(e),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Html(MyPage { frame, rows, now: ctx.state.clock.now_ms(), error })).into_response())
}

async fn my_page(ctx: Ctx) -> AppResult<Response> {
    my_view(&ctx, None).await
}

async fn start_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match start(&ctx, id).await {
        Ok(a) => Ok(axum::response::Redirect::to(&format!("/exams/attempts/{a}")).into_response()),
        Err(AppError::BadRequest(m)) => my_view(&ctx, Some(m)).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "attempt.html")]
struct AttemptPage {
    frame: Frame,
    a: Attempt,
    e: Exam,
    items: Vec<Shown>,
    remaining_s: i64,
}

async fn attempt_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, e) = my_attempt(&ctx, id).await?;
    let items = shown(&ctx, &a, &e).await?;
    let frame = Frame::new(&ctx, &e.title, "/exams/my", &[("我的考试", "/exams/my"), (&e.title, "")]);
    let remaining_s = ((a.deadline_at - ctx.state.clock.now_ms()) / 1000).max(0);
    Ok(Html(AttemptPage { frame, a, e, items, remaining_s }).into_response())
}

async fn save_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let position = f.get("position").trim().parse::<i64>().map_err(|_| AppError::field("position", "题号无效"))?;
    // A multiple choice posts one `answer` per ticked box.
    let answer = f.all("answer", 10).join("");
    save(&ctx, id, position, &answer).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn submit_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    // The form carries the answers too (without JavaScript nothing was saved yet).
    let f = FormPairs::parse(&body);
    for (key, _) in f.prefixed("q_") {
        if let Ok(position) = key.parse::<i64>() {
            let answer = f.all(&format!("q_{position}"), 10).join("");
            if let Err(AppError::BadRequest(_)) = save(&ctx, id, position, &answer).await {
                break;
            }
        }
    }
    match submit(&ctx, id).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/exams/attempts/{id}"), "已交卷")),
        Err(AppError::BadRequest(m)) => Ok(redirect_with_flash(&format!("/exams/attempts/{id}"), &m)),
        Err(e) => Err(e),
    }
}

async fn api_my(ctx: Ctx) -> AppResult<Response> {
    Ok(Json(serde_json::json!({ "items": my_exams(&ctx).await? })).into_response())
}

async fn api_start(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = start(&ctx, id).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "attempt_id": a }))).into_response())
}

async fn api_attempt(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, e) = my_attempt(&ctx, id).await?;
    let items = shown(&ctx, &a, &e).await?;
    Ok(Json(serde_json::json!({ "attempt": a, "questions": items })).into_response())
}

async fn api_save(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let position = f.get("position").trim().parse::<i64>().map_err(|_| AppError::field("position", "题号无效"))?;
    save(&ctx, id, position, &f.all("answer", 10).join("")).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_submit(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    submit(&ctx, id).await?;
    let (a, _) = my_attempt(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "attempt": a })).into_response())
}

/// To-dos: an open exam the caller has not sat yet; for a branch secretary, the members who have not.
pub struct ExamTodos;

impl TodoSource for ExamTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let Some(person) = ctx.own_person().await? else { return Ok(Vec::new()) };
            // The exams still open at the start of today are read (the same statement all day, so
            // it can be kept) and the ones open right now picked from them.
            let now = ctx.state.clock.now_ms();
            let midnight = platform::clock::local_ms(
                platform::clock::today(&ctx.state.clock).to_datetime(jiff::civil::Time::midnight()),
            )
            .unwrap_or(now);
            let open_now = |opens: i64, closes: i64| opens <= now && closes > now;
            let mut out = Vec::new();
            let mut q = Sql::new(
                "SELECT e.id, e.title, e.opens_at, e.closes_at FROM exams e JOIN exam_candidates c ON c.exam_id = e.id \
                 AND c.person_id = $1 WHERE e.closes_at > $2 AND NOT EXISTS (SELECT 1 FROM exam_attempts a \
                 WHERE a.exam_id = e.id AND a.person_id = $1 AND a.submitted_at IS NOT NULL) ORDER BY e.closes_at",
            );
            q.value(person).value(midnight);
            let mine: Vec<(i64, String, i64, i64)> = q.fetch_fresh(&ctx.state.db).await?;
            for (_, title, _, closes) in mine.into_iter().filter(|r| open_now(r.2, r.3)) {
                let due = format_ms(closes).get(..10).unwrap_or_default().to_string();
                out.push(Todo {
                    title: format!("参加考试：{title}"),
                    detail: format!("截止 {}", format_ms(closes).get(..16).unwrap_or_default()),
                    due: Some(due),
                    href: "/exams/my".into(),
                    level: "due_soon",
                    source: "考试",
                });
            }
            let mut q = Sql::new(
                "SELECT e.id, e.title, e.opens_at, e.closes_at, count(*) FROM exams e JOIN exam_candidates c ON c.exam_id = e.id \
                 JOIN people p ON p.id = c.person_id JOIN org_officers f ON f.org_id = p.branch_id AND f.person_id = $1 \
                 AND f.post = 'secretary' AND f.ended_on IS NULL \
                 WHERE e.closes_at > $2 AND NOT EXISTS (SELECT 1 FROM exam_attempts a WHERE a.exam_id = e.id \
                 AND a.person_id = c.person_id AND a.submitted_at IS NOT NULL) GROUP BY e.id, e.title, e.opens_at, e.closes_at",
            );
            q.value(person).value(midnight);
            let members: Vec<(i64, String, i64, i64, i64)> = q.fetch_fresh(&ctx.state.db).await?;
            for (_, title, _, closes, n) in members.into_iter().filter(|r| open_now(r.2, r.3)) {
                out.push(Todo {
                    title: format!("支部党员待参加考试：{title}"),
                    detail: format!("本支部尚有 {n} 人未参加"),
                    due: Some(format_ms(closes).get(..10).unwrap_or_default().to_string()),
                    href: "/exams/my".into(),
                    level: "due_soon",
                    source: "考试",
                });
            }
            Ok(out)
        })
    }
}

/// exam title, closes at, score, total, passed, closed by.
type ResultRow = (String, i64, Option<i64>, i64, Option<i64>, Option<String>);

/// Exam results on a person's profile: every closed sitting, best first per exam.
pub struct ExamResults;

impl platform::registry::ProfileSource for ExamResults {
    fn block<'a>(
        &'a self,
        ctx: &'a Ctx,
        person_id: i64,
    ) -> BoxFuture<'a, AppResult<Option<platform::registry::ProfileBlock>>> {
        Box::pin(async move {
            if !ctx.can(crate::EXAM_VIEW) {
                return Ok(None);
            }
            let rows: Vec<ResultRow> = sqlx::query_as(
                "SELECT e.title, e.closes_at, a.score, a.total, a.passed, a.closed_by FROM exam_attempts a JOIN exams e ON e.id = a.exam_id \
                 WHERE a.person_id = $1 AND a.submitted_at IS NOT NULL ORDER BY e.closes_at DESC, a.id DESC LIMIT 20",
            )
            .bind(person_id)
            .fetch_all(&ctx.state.db.pool)
            .await?;
            Ok(Some(platform::registry::ProfileBlock {
                title: "考试成绩".into(),
                headers: vec!["考试".into(), "结束时间".into(), "得分".into(), "结果".into()],
                rows: rows
                    .into_iter()
                    .map(|(title, closes, score, total, passed, by)| {
                        vec![
                            title,
                            format_ms(closes).get(..16).unwrap_or_default().to_string(),
                            format!("{} / {total}", score.unwrap_or_default()),
                            format!(
                                "{}{}",
                                if passed == Some(1) { "及格" } else { "不及格" },
                                if by.as_deref() == Some("deadline") { "（到时自动交卷）" } else { "" }
                            ),
                        ]
                    })
                    .collect(),
                more: None,
            }))
        })
    }
}
