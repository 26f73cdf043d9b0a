//! 重大事项请示报告: a unit's request (请示) or report (报告) to the Party committee, and its trail:
//! submitted → reviewing → answered, or returned (from submitted or reviewing) and submitted again
//! by the unit. Every step is a row of the trail and an audit row, written together; a step not
//! allowed from the current status is refused and changes nothing.

use crate::domain::*;
use crate::{MATTER_REVIEW, MATTER_SUBMIT, SUP_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    // Reviewers hold MATTER_REVIEW, submitting units MATTER_SUBMIT; both read with SUP_VIEW. Which
    // step the caller may take is checked inside.
    let (view, submit) = (Need::Perm(SUP_VIEW), Need::Perm(MATTER_SUBMIT));
    r.get("/supervision/matters", view, "重大事项请示报告", list_page)
        .get("/supervision/matters/new", submit, "报送重大事项页", new_page)
        .post("/supervision/matters", submit, "报送重大事项", create_page)
        .get("/supervision/matters/{id}", view, "重大事项详情（含办理过程）", view_page)
        .post("/supervision/matters/{id}/steps", view, "开始审阅、批复、退回或重新报送", step_page)
        .get("/api/v1/major_matters", view, "重大事项列表（kind, status, from, to）", api_list)
        .post("/api/v1/major_matters", submit, "报送重大事项（kind, title, body, submitted_on）", api_create)
        .get("/api/v1/major_matters/{id}", view, "重大事项详情（含办理过程）", api_get)
        .post(
            "/api/v1/major_matters/{id}/steps",
            view,
            "办理（action: review|answer|return|resubmit, note, version）",
            api_step,
        )
}

/// The steps of the trail: the first report, then the actions.
pub const STEPS: Codes =
    &[("submit", "报送"), ("review", "开始审阅"), ("answer", "批复"), ("return", "退回"), ("resubmit", "重新报送")];

/// (action, from statuses, to status, the note's name and whether it is required).
const TRANSITIONS: &[(&str, &[&str], &str, &str, bool)] = &[
    ("review", &["submitted"], "reviewing", "说明", false),
    ("answer", &["reviewing"], "answered", "批复意见", true),
    ("return", &["submitted", "reviewing"], "returned", "退回理由", true),
    ("resubmit", &["returned"], "submitted", "重新报送说明", true),
];

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Matter {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub submitted_by: Option<i64>,
    pub submitted_by_name: Option<String>,
    pub submitted_on: String,
    pub status: String,
    pub answer: String,
    pub version: i64,
}

impl Matter {
    pub fn kind_label(&self) -> &'static str {
        label(MATTER_KINDS, &self.kind)
    }
    pub fn status_label(&self) -> &'static str {
        label(MATTER_STATUSES, &self.status)
    }
    pub fn status_tag(&self) -> &'static str {
        match self.status.as_str() {
            "answered" => "green",
            "returned" => "red",
            "reviewing" => "orange",
            _ => "blue",
        }
    }
    /// The text, cleaned again for showing with `|safe`.
    pub fn body_html(&self) -> String {
        platform::richtext::render(&self.body)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Step {
    pub id: i64,
    pub step: String,
    pub note: String,
    pub by_name: String,
    pub at: i64,
}

impl Step {
    pub fn step_label(&self) -> &'static str {
        label(STEPS, &self.step)
    }
    pub fn time(&self) -> String {
        platform::clock::format_ms(self.at)
    }
}

const COLS: &str = "m.id, m.unit_id, u.name AS unit_name, m.kind, m.title, m.body, m.submitted_by, \
    sp.name AS submitted_by_name, m.submitted_on, m.status, m.answer, m.version";
const FROM: &str =
    "FROM major_matter_reports m JOIN units u ON u.id = m.unit_id LEFT JOIN people sp ON sp.id = m.submitted_by";
pub const SORTS: &[(&str, &str)] = &[("submitted_on", "m.submitted_on"), ("unit", "u.name")];

/// Filters: kind, status, from, to (the date submitted).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Matter>> {
    let user = ctx.user()?;
    let (kind, status, from, to) =
        (p.get("kind").to_string(), p.get("status").to_string(), p.get("from").to_string(), p.get("to").to_string());
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "m.submitted_on DESC".into();
    }
    Ok(fetch_page::<Matter>(
        &ctx.state.db,
        COLS,
        "m.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "m.unit_id", None);
            if !kind.is_empty() {
                q.push(" AND m.kind = ").bind(kind.clone());
            }
            if !status.is_empty() {
                q.push(" AND m.status = ").bind(status.clone());
            }
            if !from.is_empty() {
                q.push(" AND m.submitted_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND m.submitted_on <= ").bind(to.clone());
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Matter> {
    let select = format!("SELECT {COLS} {FROM}");
    platform::ledger::get_in_scope(ctx, &select, "m.id", id, "m.unit_id", None, "major_matter").await
}

pub async fn details(ctx: &Ctx, id: i64) -> AppResult<(Matter, Vec<Step>)> {
    let m = get(ctx, id).await?;
    let steps = sqlx::query_as(
        "SELECT id, step, note, by_name, at FROM major_matter_steps WHERE report_id = $1 ORDER BY id LIMIT 500",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    Ok((m, steps))
}

pub struct MatterInput {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub submitted_on: String,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<MatterInput> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "类型", &f.get("kind"), MATTER_KINDS);
    let title = c.text("title", "标题", &f.get("title"), 100, true);
    let body = c.rich_text("body", "内容", &f.get("body"), 100_000, true);
    let on = c.date("submitted_on", "报送日期", &f.get("submitted_on"), true);
    if on.is_some_and(|d| d > today) {
        c.add("submitted_on", "报送日期不能晚于今天");
    }
    c.finish()?;
    Ok(MatterInput { kind, title, body, submitted_on: on.map(|d| d.to_string()).unwrap_or_default() })
}

/// A new report of the caller's unit, submitted by the caller's own person when linked; the
/// trail starts with the 报送 step.
pub async fn create(ctx: &Ctx, i: &MatterInput) -> AppResult<i64> {
    let user = ctx.user()?;
    let me = ctx.own_person().await?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO major_matter_reports (unit_id, kind, title, body, submitted_by, submitted_on, status, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,'submitted',$7,$8,$8) RETURNING id",
    )
    .bind(user.unit_id)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.body)
    .bind(me)
    .bind(&i.submitted_on)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO major_matter_steps (report_id, step, note, by_user, by_name, at) VALUES ($1,'submit','',$2,$3,$4)",
    )
    .bind(id)
    .bind(user.id)
    .bind(&user.display_name)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let detail = format!("{}：{}（{}）", label(MATTER_KINDS, &i.kind), i.title, i.submitted_on);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "major_matter", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// One step of the trail (`action`, `note`, `version`): 开始审阅, 批复 and 退回 by a reviewer,
/// 重新报送 by the submitting unit. Refused (422) when the report's status does not allow it.
pub async fn step(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<()> {
    let m = get(ctx, id).await?;
    let user = ctx.user()?;
    let action = f.get("action");
    let Some(&(action, from, to, note_name, note_required)) = TRANSITIONS.iter().find(|t| t.0 == action.trim()) else {
        return Err(AppError::field("action", "请选择有效的办理操作"));
    };
    let allowed = if action == "resubmit" {
        user.can(MATTER_SUBMIT) && user.unit_id == m.unit_id
    } else {
        user.can(MATTER_REVIEW)
    };
    if !allowed {
        let ev =
            Event::failed("access_denied", "major_matter", id).detail(format!("{}：无权办理", label(STEPS, action)));
        ctx.state.audit_alone(&ctx.actor(), ev).await?;
        return Err(AppError::Forbidden);
    }
    if !from.contains(&m.status.as_str()) {
        return Err(AppError::field(
            "action",
            format!("该{}当前为“{}”，不能{}", m.kind_label(), m.status_label(), label(STEPS, action)),
        ));
    }
    let mut c = FormCheck::new();
    let note = c.long_text("note", note_name, &f.get("note"), 2000, note_required);
    let version = match f.get("version").trim() {
        "" => m.version,
        v => v.parse::<i64>().unwrap_or(-1),
    };
    c.finish()?;
    let answer = if action == "answer" { note.clone() } else { m.answer.clone() };
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let n = sqlx::query(
        "UPDATE major_matter_reports SET status = $1, answer = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 AND version = $5 AND status = $6",
    )
    .bind(to)
    .bind(&answer)
    .bind(now)
    .bind(id)
    .bind(version)
    .bind(&m.status)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    sqlx::query(
        "INSERT INTO major_matter_steps (report_id, step, note, by_user, by_name, at) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(id)
    .bind(action)
    .bind(&note)
    .bind(user.id)
    .bind(&user.display_name)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let detail =
        format!("{}《{}》：{} → {}", label(STEPS, action), m.title, m.status_label(), label(MATTER_STATUSES, to));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "major_matter", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Reviewers: reports waiting (submitted or under review). Submitting units: reports returned to them.
pub struct MatterTodos;

impl TodoSource for MatterTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            let mut out = Vec::new();
            if user.can(MATTER_REVIEW) && user.can(SUP_VIEW) {
                let mut q = Sql::new("SELECT ");
                q.push(COLS).push(" ").push(FROM).push(" WHERE m.status IN ('submitted', 'reviewing') AND ");
                user.scope.push_condition(&mut q, "m.unit_id", None);
                q.push(" ORDER BY m.submitted_on, m.id LIMIT 50");
                for m in q.fetch_fresh::<Matter>(&ctx.state.db).await? {
                    out.push(Todo {
                        title: format!("审阅{}：{}", m.kind_label(), m.title),
                        detail: format!("{} {} 报送，{}", m.unit_name, m.submitted_on, m.status_label()),
                        due: None,
                        href: format!("/supervision/matters/{}", m.id),
                        level: "due_soon",
                        source: "重大事项",
                    });
                }
            }
            if user.can(MATTER_SUBMIT) && user.can(SUP_VIEW) {
                let mut q = Sql::new(
                    "SELECT m.id, m.kind, m.title, coalesce((SELECT s.note FROM major_matter_steps s WHERE s.report_id = m.id \
                     AND s.step = 'return' ORDER BY s.id DESC LIMIT 1), '') FROM major_matter_reports m \
                     WHERE m.status = 'returned' AND m.unit_id = $1 ORDER BY m.submitted_on, m.id LIMIT 50",
                );
                q.value(user.unit_id);
                let rows: Vec<(i64, String, String, String)> = q.fetch_fresh(&ctx.state.db).await?;
                for (id, kind, title, reason) in rows {
                    out.push(Todo {
                        title: format!("重新报送{}：{}", label(MATTER_KINDS, &kind), title),
                        detail: format!("已退回：{reason}"),
                        due: None,
                        href: format!("/supervision/matters/{id}"),
                        level: "due_soon",
                        source: "重大事项",
                    });
                }
            }
            Ok(out)
        })
    }
}

pub struct MatterAttachments;

impl AttachmentOwner for MatterAttachments {
    fn view_perm(&self) -> &'static str {
        crate::SUP_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        crate::MATTER_SUBMIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/supervision/matters/{owner_id}")
    }
}

/// Demo: five fictional requests and reports, one in each state and one returned and resubmitted.
pub async fn seed_demo(ctx: &Ctx, today: jiff::civil::Date) -> AppResult<()> {
    let db = &ctx.state.db;
    // (unit code, kind, title, days ago, steps after 报送: (step, note, by))
    type DemoStep = (&'static str, &'static str, &'static str);
    let reports: &[(&str, &str, &str, i64, &[DemoStep])] = &[
        ("SL-CWK", "request", "关于监区监控设备更新改造项目立项的请示（演示）", 2, &[]),
        (
            "SL-BGS",
            "report",
            "关于春节期间值班安排和安全防范工作的报告（演示）",
            9,
            &[("review", "已阅，转分管领导阅处。", "林晓岚")],
        ),
        (
            "SL-ZZC",
            "request",
            "关于召开年度党员大会的请示（演示）",
            30,
            &[("review", "", "林晓岚"), ("answer", "同意。按程序做好会议筹备，会后报送会议情况。", "周明远")],
        ),
        (
            "SL-JQ01",
            "report",
            "关于一监区民警家属经商情况的报告（演示）",
            12,
            &[("return", "请补充经商主体、经营范围和申报时间，重新报送。", "林晓岚")],
        ),
        (
            "SL-JQ02",
            "request",
            "关于二监区党支部委员补选的请示（演示）",
            20,
            &[
                ("return", "请附支部委员会研究意见。", "林晓岚"),
                ("resubmit", "已补充支部委员会会议纪要。", "魏子航"),
                ("review", "", "林晓岚"),
            ],
        ),
    ];
    let body = "<p>演示数据，均为虚构。</p><p>一、基本情况：……</p><p>二、拟办意见：……</p><p>妥否，请批示。</p>";
    let mut tx = db.begin().await?;
    let base = ctx.state.clock.now_ms();
    for (code, kind, title, ago, steps) in reports {
        let unit: i64 =
            sqlx::query_scalar("SELECT id FROM units WHERE code = $1").bind(*code).fetch_one(&mut *tx).await?;
        let by: Option<i64> = sqlx::query_scalar(
            "SELECT min(p.id) FROM people p WHERE p.unit_id = $1 AND p.employment_status = 'active' AND p.post = '主要负责人'",
        )
        .bind(unit)
        .fetch_one(&mut *tx)
        .await?;
        let on = today.saturating_sub(jiff::Span::new().days(*ago));
        let mut at = base - ago * 86_400_000;
        let mut status = "submitted";
        let mut answer = "";
        for (step, note, _) in steps.iter() {
            if let Some(t) = TRANSITIONS.iter().find(|t| t.0 == *step) {
                status = t.2;
            }
            if *step == "answer" {
                answer = *note;
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO major_matter_reports (unit_id, kind, title, body, submitted_by, submitted_on, status, answer, version, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
        )
        .bind(unit)
        .bind(*kind)
        .bind(*title)
        .bind(body)
        .bind(by)
        .bind(on.to_string())
        .bind(status)
        .bind(answer)
        .bind(1 + steps.len() as i64)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let first: &[DemoStep] = &[("submit", "", "部门内勤（演示）")];
        for (step, note, name) in first.iter().chain(steps.iter()) {
            sqlx::query("INSERT INTO major_matter_steps (report_id, step, note, by_name, at) VALUES ($1,$2,$3,$4,$5)")
                .bind(id)
                .bind(*step)
                .bind(*note)
                .bind(*name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            at += 86_400_000;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "matters_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Matter>,
    offset: i64,
    pager: Pager,
    kinds: Codes,
    statuses: Codes,
    can_submit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/supervision/matters",
        "重大事项请示报告",
        &[("主体责任", ""), ("重大事项报告", "")],
    );
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: MATTER_KINDS,
        statuses: MATTER_STATUSES,
        can_submit: ctx.can(MATTER_SUBMIT),
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "matter_form.html")]
struct FormPage {
    frame: Frame,
    f: FormPairs,
    errors: FieldErrors,
    kinds: Codes,
    today: String,
    /// The text as the editor starts from it: cleaned, even when a rejected post is shown again.
    body: String,
}

fn form(ctx: &Ctx, f: FormPairs, errors: FieldErrors) -> Response {
    let title = "报送重大事项";
    let frame = Frame::new(
        ctx,
        title,
        "/supervision/matters",
        &[("主体责任", ""), ("重大事项报告", "/supervision/matters"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = platform::richtext::clean(&f.get("body"));
    let today = platform::clock::today(&ctx.state.clock).to_string();
    (status, Html(FormPage { frame, f, errors, kinds: MATTER_KINDS, today, body })).into_response()
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let pairs = vec![
        ("kind".to_string(), q.get("kind").cloned().unwrap_or_else(|| "request".into())),
        ("submitted_on".to_string(), today),
    ];
    Ok(form(&ctx, FormPairs::from(pairs), FieldErrors::new()))
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/supervision/matters/{id}"), "已报送")),
        Err(AppError::Validation(errors)) => Ok(form(&ctx, f, errors)),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "matter_view.html")]
struct ViewPage {
    frame: Frame,
    m: Matter,
    steps: Vec<Step>,
    files: Vec<platform::attachments::Attachment>,
    /// The actions the caller may take now: (action, label, the note's name, required).
    actions: Vec<(&'static str, &'static str, &'static str, bool)>,
    can_upload: bool,
    /// Why the last step was refused (nothing was saved).
    error: Option<String>,
}

async fn render_view(ctx: &Ctx, id: i64, error: Option<String>) -> AppResult<Response> {
    let (m, steps) = details(ctx, id).await?;
    let user = ctx.user()?;
    let files = platform::attachments::list_for(ctx, "major_matter", id).await?;
    let actions = TRANSITIONS
        .iter()
        .filter(|t| t.1.contains(&m.status.as_str()))
        .filter(|t| {
            if t.0 == "resubmit" {
                user.can(MATTER_SUBMIT) && user.unit_id == m.unit_id
            } else {
                user.can(MATTER_REVIEW)
            }
        })
        .map(|t| (t.0, label(STEPS, t.0), t.3, t.4))
        .collect();
    let frame = Frame::new(
        ctx,
        &m.title,
        "/supervision/matters",
        &[("主体责任", ""), ("重大事项报告", "/supervision/matters"), ("重大事项详情", "")],
    );
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let can_upload = ctx.can(MATTER_SUBMIT);
    Ok((status, Html(ViewPage { frame, m, steps, files, actions, can_upload, error })).into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    render_view(&ctx, id, None).await
}

async fn step_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match step(&ctx, id, &f).await {
        Ok(()) => {
            let done = format!("已{}", label(STEPS, f.get("action").trim()));
            Ok(redirect_with_flash(&format!("/supervision/matters/{id}"), &done))
        }
        Err(AppError::Validation(e)) => {
            render_view(&ctx, id, Some(e.into_values().collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (m, steps) = details(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "matter": m, "steps": steps })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = create(&ctx, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_step(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    step(&ctx, id, &f).await?;
    let (m, _) = details(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "id": id, "status": m.status, "version": m.version })).into_response())
}
