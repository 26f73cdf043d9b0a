//! 题库: questions with their key, kept from anyone who may sit an exam (the bank needs the edit
//! permission to be read at all). Batch import from the template, with the dry run and row errors
//! of the shared importer; export.

use crate::EXAM_EDIT;
use crate::domain::*;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::{Cell, Row};
use platform::audit::Event;
use platform::db::{Sql, Tx};
use platform::error::FieldErrors;
use platform::ledger::{ImportOutcome, Importer, RowError};
use platform::perm::Need;
use platform::registry::BoxFuture;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let edit = Need::Perm(EXAM_EDIT);
    let r = r
        .get("/exams/questions", edit, "题库", list_page)
        .get("/exams/questions/export", edit, "导出题库", export)
        .get("/exams/questions/new", edit, "新增试题页", new_page)
        .post("/exams/questions", edit, "新增试题", create_page)
        .get("/exams/questions/{id}", edit, "修改试题页", edit_page)
        .post("/exams/questions/{id}", edit, "修改试题", update_page)
        .post("/exams/questions/{id}/delete", edit, "停用试题", delete_page)
        .get("/api/v1/questions", edit, "题库（含答案，仅组卷人员）", api_list)
        .post(
            "/api/v1/questions",
            edit,
            "新增试题（kind, stem, options[], answer, explanation, tags, difficulty）",
            api_create,
        );
    platform::ledger::import::import_routes(r, Arc::new(QuestionImporter), "/api/v1/questions")
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Question {
    pub id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub stem: String,
    pub options: String,
    pub answer: String,
    pub explanation: String,
    pub tags: String,
    pub difficulty: i64,
    pub active: i64,
    pub version: i64,
}

impl Question {
    pub fn kind_label(&self) -> &'static str {
        label(KINDS, &self.kind)
    }
    pub fn option_list(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }
    /// The key as a person reads it ("B", "A、C、D", "正确", "八项规定 / 中央八项规定").
    pub fn answer_text(&self) -> String {
        match self.kind.as_str() {
            "judge" => if self.answer == "T" { "正确" } else { "错误" }.to_string(),
            "fill" => self.answer.split(['|', '｜']).collect::<Vec<_>>().join(" / "),
            _ => self.answer.chars().map(String::from).collect::<Vec<_>>().join("、"),
        }
    }
}

const COLS: &str =
    "q.id, q.unit_id, q.kind, q.stem, q.options, q.answer, q.explanation, q.tags, q.difficulty, q.active, q.version";
const SORTS: &[(&str, &str)] = &[("id", "q.id"), ("kind", "q.kind")];

/// Filters: kind, tag, q (stem text), active (1 default, 0 = retired too).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Question>> {
    let user = ctx.user()?;
    let (kind, tag, text) = (p.get("kind").to_string(), p.get("tag").trim().to_string(), p.get("q").trim().to_string());
    let all = p.get("active") == "0";
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "q.id DESC".into();
    }
    Ok(fetch_page::<Question>(
        &ctx.state.db,
        COLS,
        "q.id",
        |q: &mut Sql| {
            q.push("FROM questions q WHERE ");
            user.scope.push_condition(q, "q.unit_id", None);
            if !all {
                q.push(" AND q.active = 1");
            }
            if !kind.is_empty() {
                q.push(" AND q.kind = ").bind(kind.clone());
            }
            if !tag.is_empty() {
                q.push(" AND q.tags LIKE ").bind(platform::db::like_contains(&tag)).push(" ESCAPE '\\'");
            }
            if !text.is_empty() {
                q.push(" AND q.stem LIKE ").bind(platform::db::like_contains(&text)).push(" ESCAPE '\\'");
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Question> {
    platform::ledger::get_in_scope(
        ctx,
        &format!("SELECT {COLS} FROM questions q"),
        "q.id",
        id,
        "q.unit_id",
        None,
        "question",
    )
    .await
}

pub struct QuestionInput {
    pub kind: String,
    pub stem: String,
    pub options: Vec<String>,
    pub answer: String,
    pub explanation: String,
    pub tags: String,
    pub difficulty: i64,
    pub version: Option<i64>,
}

/// Options come as `option` fields (one per option, in order), as an `options` array (the API)
/// or as the lines of one `options` text.
fn given_options(f: &FormPairs) -> Vec<String> {
    let one = f.all("option", 10);
    if !one.is_empty() {
        return one;
    }
    let many = f.all("options", 10);
    if many.len() == 1 { many[0].lines().map(str::to_string).collect() } else { many }
}

pub fn parse(f: &FormPairs) -> AppResult<QuestionInput> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "题型", &f.get("kind"), KINDS);
    let stem = c.long_text("stem", "题干", &f.get("stem"), 1000, true);
    let options = given_options(f);
    let options: Vec<String> = options.into_iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
    for (i, o) in options.iter().enumerate() {
        c.text("options", &format!("选项{}", letter(i)), o, 300, true);
    }
    let choice = matches!(kind.as_str(), "single" | "multiple");
    if choice && !(2..=8).contains(&options.len()) {
        c.add("options", "选择题须有 2 到 8 个选项");
    }
    let raw = c.text("answer", "答案", &f.get("answer"), 300, true);
    let answer = if raw.is_empty() || kind.is_empty() {
        String::new()
    } else if kind == "fill" {
        raw.clone()
    } else {
        match normalise(&kind, &raw, options.len()) {
            Some(a) => a,
            None => {
                let hint = match kind.as_str() {
                    "single" => "单选题答案为一个选项字母，如 B",
                    "multiple" => "多选题答案为选项字母，如 ACD",
                    _ => "判断题答案为 对 或 错",
                };
                c.add("answer", hint);
                String::new()
            }
        }
    };
    let explanation = c.long_text("explanation", "解析", &f.get("explanation"), 2000, false);
    let tags = c.text("tags", "标签", &f.get("tags"), 100, false);
    let difficulty = c.int("difficulty", "难度", &f.get("difficulty"), 1, 3);
    c.finish()?;
    Ok(QuestionInput {
        kind,
        stem,
        options: if choice { options } else { Vec::new() },
        answer,
        explanation,
        tags: tags.replace(['，', '、', ';', '；'], ","),
        difficulty: difficulty.max(1),
        version: f.get("version").trim().parse().ok(),
    })
}

pub async fn insert(ctx: &Ctx, tx: &mut Tx, i: &QuestionInput) -> AppResult<i64> {
    let user = ctx.user()?;
    let unit = user.prison_id.unwrap_or(user.unit_id);
    let now = ctx.state.clock.now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO questions (unit_id, kind, stem, options, answer, explanation, tags, difficulty, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id",
    )
    .bind(unit)
    .bind(&i.kind)
    .bind(&i.stem)
    .bind(serde_json::to_string(&i.options).map_err(anyhow::Error::from)?)
    .bind(&i.answer)
    .bind(&i.explanation)
    .bind(&i.tags)
    .bind(i.difficulty)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn create(ctx: &Ctx, i: &QuestionInput) -> AppResult<i64> {
    let mut tx = ctx.state.db.begin().await?;
    let id = insert(ctx, &mut tx, i).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "question", id)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &QuestionInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE questions SET kind = $1, stem = $2, options = $3, answer = $4, explanation = $5, tags = $6, difficulty = $7, \
         version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(&i.kind)
    .bind(&i.stem)
    .bind(serde_json::to_string(&i.options).map_err(anyhow::Error::from)?)
    .bind(&i.answer)
    .bind(&i.explanation)
    .bind(&i.tags)
    .bind(i.difficulty)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "question", id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Questions used in sittings are kept (their answers are marked against them): "delete" retires.
pub async fn retire(ctx: &Ctx, id: i64) -> AppResult<()> {
    get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("UPDATE questions SET active = 0, version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "question", id)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "questions_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Question>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/exams/questions", "题库", &[("清廉建设", ""), ("题库", "")]);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, export_q, kinds: KINDS }).into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    platform::ledger::export_list(
        &ctx,
        "题库",
        HEADERS,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |x| {
            let opts = x.option_list();
            let mut row = vec![Cell::from(x.kind_label()), Cell::from(x.stem.clone())];
            for i in 0..6 {
                row.push(Cell::from(opts.get(i).cloned().unwrap_or_default()));
            }
            let answer = if x.kind == "judge" { x.answer_text() } else { x.answer.clone() };
            row.extend([
                Cell::from(answer),
                Cell::from(x.explanation.clone()),
                Cell::from(x.tags.clone()),
                Cell::Int(x.difficulty),
            ]);
            row
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "question_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    options: Vec<(char, String)>,
    errors: FieldErrors,
    kinds: Codes,
}

fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> Response {
    let title = if id.is_some() { "修改试题" } else { "新增试题" };
    let frame =
        Frame::new(ctx, title, "/exams/questions", &[("清廉建设", ""), ("题库", "/exams/questions"), (title, "")]);
    let given = given_options(&f);
    let options = (0..6).map(|i| (letter(i), given.get(i).cloned().unwrap_or_default())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, Html(FormPage { frame, id, f, options, errors, kinds: KINDS })).into_response()
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    Ok(form(
        &ctx,
        None,
        FormPairs::from(vec![("kind".into(), "single".into()), ("difficulty".into(), "2".into())]),
        FieldErrors::new(),
    ))
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(redirect_with_flash("/exams/questions", "试题已保存")),
        Err(AppError::Validation(errors)) => Ok(form(&ctx, None, f, errors)),
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let x = get(&ctx, id).await?;
    let answer = if x.kind == "judge" { x.answer_text() } else { x.answer.clone() };
    let mut pairs = vec![
        ("kind".to_string(), x.kind.clone()),
        ("stem".to_string(), x.stem.clone()),
        ("answer".to_string(), answer),
        ("explanation".to_string(), x.explanation.clone()),
        ("tags".to_string(), x.tags.clone()),
        ("difficulty".to_string(), x.difficulty.to_string()),
        ("version".to_string(), x.version.to_string()),
    ];
    pairs.extend(x.option_list().into_iter().map(|o| ("option".to_string(), o)));
    Ok(form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()))
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash("/exams/questions", "试题已修改")),
        Err(AppError::Validation(errors)) => Ok(form(&ctx, Some(id), f, errors)),
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    retire(&ctx, id).await?;
    Ok(redirect_with_flash("/exams/questions", "试题已停用"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let id = create(&ctx, &parse(&pairs_from_json(b)?)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

const HEADERS: &[&str] =
    &["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "标签", "难度"];

pub struct QuestionImporter;

impl Importer for QuestionImporter {
    fn ledger(&self) -> &'static str {
        "试题"
    }
    fn list_path(&self) -> &'static str {
        "/exams/questions"
    }
    fn need(&self) -> &'static str {
        EXAM_EDIT
    }
    fn headers(&self) -> &'static [&'static str] {
        HEADERS
    }
    fn notes(&self) -> &'static [&'static str] {
        &[
            "题型填写 单选题、多选题、判断题 或 填空题；选择题至少填写选项A、选项B。",
            "答案：单选题填一个字母（如 B），多选题填全部正确选项的字母（如 ACD），判断题填 对 或 错，填空题填标准答案，多个可接受答案用 | 分隔。",
            "标签用于按法规、章节抽题，多个用逗号分隔；难度填 1（易）、2（中）或 3（难），可留空。",
        ]
    }
    fn example(&self) -> Vec<Vec<String>> {
        vec![
            [
                "单选题",
                "（示例行，导入前请删除）中央八项规定出台于哪一年？",
                "2010年",
                "2012年",
                "2014年",
                "2016年",
                "",
                "",
                "B",
                "2012年12月4日",
                "八项规定",
                "1",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ]
    }
    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        tx: &'a mut Tx,
        rows: &'a [Row],
        _target: Option<i64>,
    ) -> BoxFuture<'a, AppResult<ImportOutcome>> {
        Box::pin(async move {
            let mut out = ImportOutcome::default();
            for row in rows {
                let c = |i: usize| row.cells.get(i).cloned().unwrap_or_default();
                let kind = KINDS.iter().find(|(k, l)| *l == c(0).trim() || *k == c(0).trim()).map(|(k, _)| *k);
                let Some(kind) = kind else {
                    out.errors.push(RowError {
                        line: row.line,
                        column: "题型".into(),
                        reason: format!("题型“{}”无法识别", c(0)),
                    });
                    continue;
                };
                let mut pairs = vec![
                    ("kind".to_string(), kind.to_string()),
                    ("stem".to_string(), c(1)),
                    ("answer".to_string(), c(8)),
                    ("explanation".to_string(), c(9)),
                    ("tags".to_string(), c(10)),
                    ("difficulty".to_string(), if c(11).trim().is_empty() { "2".into() } else { c(11) }),
                ];
                pairs.extend((2..8).map(|i| ("option".to_string(), c(i))));
                match parse(&FormPairs::from(pairs)) {
                    Ok(i) => {
                        insert(ctx, tx, &i).await?;
                        out.rows += 1;
                    }
                    Err(AppError::Validation(fields)) => {
                        for (field, reason) in fields {
                            let column = match field.as_str() {
                                "stem" => "题干",
                                "options" => "选项",
                                "answer" => "答案",
                                "explanation" => "解析",
                                "tags" => "标签",
                                "difficulty" => "难度",
                                _ => "题型",
                            };
                            out.errors.push(RowError { line: row.line, column: column.into(), reason });
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }
}
