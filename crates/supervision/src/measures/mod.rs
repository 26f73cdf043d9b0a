//! 督办看板: measures by status and department with overdue first, a department's own view and a
//! leader's own view; one measure with its trail, progress reports, requests for sign-off and the
//! sign-off itself; export; the API; to-dos and the home card.

pub mod service;

use crate::domain::*;
use crate::{SUP_REPORT, SUP_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use office::Cell;
use platform::attachments::AttachmentOwner;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::registry::{BoxFuture, CardSource, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::form::pairs_from_json;
use platform::web::list::{ListScreen, Pager};
use platform::web::{FormCheck, Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{DeptRow, Measure, Progress, SORTS};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    // Reporting needs SUP_REPORT and signing off being the approver: both are checked inside.
    let view = Need::Perm(SUP_VIEW);
    r.get("/supervision/measures", view, "督办看板", board)
        .get("/supervision/measures/export", view, "导出督办事项", export)
        .get("/supervision/measures/{id}", view, "督办事项详情", view_page)
        .post("/supervision/measures/{id}/progress", view, "报告进展、报请销号、销号或退回", progress_page)
        .get(
            "/api/v1/measures",
            view,
            "督办事项列表（status=overdue|due_soon|…，dept，leader，plan，rect，at）",
            api_list,
        )
        .get(
            "/api/v1/measures/by_department",
            view,
            "按牵头部门统计（at=YYYY-MM-DD，year=年度，不填为全部年度）",
            api_by_department,
        )
        .get("/api/v1/measures/{id}", view, "督办事项详情（含进展记录）", api_get)
        .post(
            "/api/v1/measures/{id}/progress",
            view,
            "报告进展（kind: progress|submit|approve|reject, unit_id, reported_on, text, percent, stage）",
            api_progress,
        )
        .get("/supervision/progress/{id}", view, "进展记录所属的督办事项", progress_owner)
}

/// The view tabs of the board: every measure in scope, the caller's department, the caller's own.
fn with_view(ctx: &Ctx, mut raw: BTreeMap<String, String>, me: Option<i64>) -> AppResult<BTreeMap<String, String>> {
    match raw.get("view").map(String::as_str) {
        Some("dept") => {
            raw.insert("dept".into(), ctx.user()?.unit_id.to_string());
        }
        Some("leader") => {
            raw.insert("leader".into(), me.unwrap_or(-1).to_string());
        }
        _ => {}
    }
    Ok(raw)
}

#[derive(Template)]
#[template(path = "measures_board.html")]
struct BoardPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Measure>,
    offset: i64,
    pager: Pager,
    export_q: String,
    depts: Vec<DeptRow>,
    at: String,
    statuses: Codes,
}

async fn board(ctx: Ctx, q: Q) -> AppResult<Response> {
    let me = ctx.own_person().await?;
    let today = platform::clock::today(&ctx.state.clock);
    let mut raw = q.0;
    // The bare board (or one of its tabs) shows this year's measures, as a year's task plan is
    // worked; a link that names what it wants (a plan, a department, overdue …) or a search
    // with 年度 left empty shows every year.
    if raw.keys().all(|k| k == "view") {
        raw.insert("year".into(), today.year().to_string());
    }
    let p = ListParams::parse(with_view(&ctx, raw, me)?, SORTS, false);
    let at = p.get("at").parse::<Date>().unwrap_or(today);
    // Asked at once, like the home page's parts: after a change a bureau's board reads its page
    // and its whole-province summary again, and one after the other the page waited its turn for
    // a connection (and the CPU) twice.
    let (page, depts) =
        tokio::try_join!(service::list(&ctx, &p), service::by_department(&ctx, at, p.get("kind"), p.get_i64("year")))?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/supervision/measures", "督办看板", &[("主体责任", ""), ("督办看板", "")]);
    Ok(Html(BoardPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        depts,
        at: at.to_string(),
        statuses: STATUSES,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let me = ctx.own_person().await?;
    let (p, filters) = ListParams::for_export(with_view(&ctx, q.0, me)?, SORTS);
    let headers =
        ["所属", "序号", "工作措施", "责任领导", "牵头部门", "参加部门", "完成时限", "状态", "进度%", "最近报告"];
    platform::ledger::export_list(
        &ctx,
        "督办事项",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(service::list(c, p)),
        |m| {
            vec![
                Cell::from(m.parent_title.clone()),
                Cell::Int(m.number),
                Cell::from(if m.problem.is_empty() {
                    m.content.clone()
                } else {
                    format!("{}\n{}", m.problem, m.content)
                }),
                Cell::from(m.leader_name.clone().unwrap_or_default()),
                Cell::from(m.lead_unit_name.clone()),
                Cell::from(m.partner_names()),
                Cell::from(m.deadline_text()),
                Cell::from(m.status_label()),
                Cell::Int(m.percent),
                Cell::from(m.last_report_on.clone().unwrap_or_default()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "measure_view.html")]
struct ViewPage {
    frame: Frame,
    m: Measure,
    trail: Vec<(Progress, Vec<platform::attachments::Attachment>)>,
    units: Vec<(i64, String)>,
    can_report: bool,
    can_sign: bool,
    f: FormPairs,
    errors: FieldErrors,
    stages: Codes,
    today: String,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let m = service::get(ctx, id).await?;
    let mut trail = Vec::new();
    for p in service::trail(ctx, id).await? {
        let files = platform::attachments::list_for(ctx, "measure_progress", p.id).await?;
        trail.push((p, files));
    }
    let units = if ctx.can(SUP_REPORT) { service::reporting_units(ctx, &m).await? } else { Vec::new() };
    let can_sign = m.status == "submitted" && service::may_sign_off(ctx, &m).await?;
    let title = format!("第{}项", m.number);
    let frame = Frame::new(
        ctx,
        &title,
        "/supervision/measures",
        &[("主体责任", ""), ("督办看板", "/supervision/measures"), (&title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let can_report = !units.is_empty() && m.status != "done";
    Ok((status, Html(ViewPage { frame, m, trail, units, can_report, can_sign, f, errors, stages: STAGES, today }))
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new()).await
}

/// Where an attachment of a progress report leads back to: its measure, if the caller may see it.
async fn progress_owner(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let measure: Option<i64> = sqlx::query_scalar("SELECT measure_id FROM measure_progress WHERE id = $1")
        .bind(id)
        .fetch_optional(&ctx.state.db.pool)
        .await?;
    let m = service::get(&ctx, measure.ok_or(AppError::NotFound)?).await?;
    Ok(axum::response::Redirect::to(&format!("/supervision/measures/{}", m.id)).into_response())
}

fn parse_progress(f: &FormPairs, today: Date) -> AppResult<service::ProgressInput> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "操作", &f.get("kind"), PROGRESS_KINDS);
    let kind = PROGRESS_KINDS.iter().find(|(k, _)| *k == kind).map(|(k, _)| *k).unwrap_or("progress");
    let reported_on = if f.get("reported_on").trim().is_empty() {
        Some(today)
    } else {
        c.date("reported_on", "日期", &f.get("reported_on"), true)
    };
    let text = c.long_text("text", "说明", &f.get("text"), 2000, kind == "progress");
    let percent = c.int("percent", "完成进度", &f.get("percent"), 0, 100);
    let stage = c.choice("stage", "阶段", &f.get("stage"), STAGES);
    let unit_id = f.get("unit_id").trim().parse().ok();
    c.finish()?;
    Ok(service::ProgressInput { kind, unit_id, reported_on: reported_on.unwrap_or(today), text, percent, stage })
}

async fn progress_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let today = platform::clock::today(&ctx.state.clock);
    let res = match parse_progress(&f, today) {
        Ok(i) => service::record(&ctx, id, &i).await.map(|_| i.kind),
        Err(e) => Err(e),
    };
    match res {
        Ok(kind) => Ok(redirect_with_flash(
            &format!("/supervision/measures/{id}"),
            &format!("已{}", label(PROGRESS_KINDS, kind)),
        )),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let me = ctx.own_person().await?;
    let p = ListParams::parse(with_view(&ctx, q.0, me)?, SORTS, true);
    Ok(Json(service::list(&ctx, &p).await?).into_response())
}

async fn api_by_department(ctx: Ctx, q: Q) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock);
    let at = match q.get("at") {
        Some(v) if !v.is_empty() => {
            v.parse::<Date>().map_err(|_| AppError::BadRequest("at 须为 YYYY-MM-DD 日期".into()))?
        }
        _ => today,
    };
    let year = platform::clock::year_param(q.get("year").map(String::as_str))?.map(i64::from);
    let rows = service::by_department(&ctx, at, q.get("kind").map(String::as_str).unwrap_or(""), year).await?;
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            serde_json::json!({"unit_id": r.unit_id, "unit_name": r.unit_name, "total": r.total, "done": r.done,
            "submitted": r.submitted, "overdue": r.overdue, "not_started": r.not_started, "completion_rate": r.rate()})
        })
        .collect();
    Ok(Json(serde_json::json!({ "at": at.to_string(), "items": items })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let m = service::get(&ctx, id).await?;
    let trail = service::trail(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "measure": m, "trail": trail })).into_response())
}

async fn api_progress(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let i = parse_progress(&f, platform::clock::today(&ctx.state.clock))?;
    let pid = service::record(&ctx, id, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": pid }))).into_response())
}

/// Evidence on a progress report: seen with the measure, added by whoever may report for the
/// department that wrote it.
pub struct ProgressAttachments;

impl AttachmentOwner for ProgressAttachments {
    fn view_perm(&self) -> &'static str {
        SUP_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        SUP_REPORT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move {
            let row: Option<(i64, i64)> =
                sqlx::query_as("SELECT measure_id, unit_id FROM measure_progress WHERE id = $1")
                    .bind(owner_id)
                    .fetch_optional(&ctx.state.db.pool)
                    .await?;
            let (measure, unit) = row.ok_or(AppError::NotFound)?;
            service::get(ctx, measure).await?;
            Ok(unit)
        })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/supervision/progress/{owner_id}")
    }
}

/// To-dos: the measures of the caller's department that are overdue or due within 7 days, and
/// for an approver the measures waiting for their sign-off.
pub struct MeasureTodos;

impl TodoSource for MeasureTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let mut out = Vec::new();
            if !ctx.can(SUP_VIEW) {
                return Ok(out);
            }
            let user = ctx.user()?;
            if ctx.can(SUP_REPORT) {
                for status in ["overdue", "due_soon"] {
                    let mut raw = BTreeMap::new();
                    raw.insert("dept".to_string(), user.unit_id.to_string());
                    raw.insert("status".to_string(), status.to_string());
                    raw.insert("per_page".to_string(), "50".to_string());
                    let page = service::list(ctx, &ListParams::parse(raw, SORTS, true)).await?;
                    for m in page.items {
                        out.push(Todo {
                            title: format!(
                                "督办事项第{}项{}",
                                m.number,
                                if status == "overdue" { "已逾期" } else { "即将到期" }
                            ),
                            detail: format!("{}：{}", m.parent_title, clip(&m.content, 40)),
                            due: Some(m.deadline.clone()),
                            href: format!("/supervision/measures/{}", m.id),
                            level: if status == "overdue" { "overdue" } else { "due_soon" },
                            source: "督办",
                        });
                    }
                }
            }
            if let Some(me) = ctx.own_person().await? {
                // A responsible leader is told of their overdue measures.
                let mut raw = BTreeMap::new();
                raw.insert("leader".to_string(), me.to_string());
                raw.insert("status".to_string(), "overdue".to_string());
                raw.insert("per_page".to_string(), "50".to_string());
                for m in service::list(ctx, &ListParams::parse(raw, SORTS, true)).await?.items {
                    if out.iter().any(|t: &Todo| t.href.ends_with(&format!("/{}", m.id))) {
                        continue;
                    }
                    out.push(Todo {
                        title: format!("您负责的第{}项已逾期", m.number),
                        detail: format!("{}：{}（牵头：{}）", m.parent_title, clip(&m.content, 30), m.lead_unit_name),
                        due: Some(m.deadline.clone()),
                        href: format!("/supervision/measures/{}", m.id),
                        level: "overdue",
                        source: "督办",
                    });
                }
                let mut q = Sql::new(
                    "SELECT m.id, m.number, m.content FROM measures m LEFT JOIN task_plans tp ON tp.id = m.plan_id \
                     LEFT JOIN rectifications rc ON rc.id = m.rectification_id WHERE m.status = 'submitted' \
                     AND ((m.plan_id IS NOT NULL AND (m.leader_id = $1 OR tp.owner_id = $1)) OR rc.approver_id = $1) \
                     ORDER BY m.id LIMIT 100",
                );
                q.value(me);
                let rows: Vec<(i64, i64, String)> = q.fetch_fresh(&ctx.state.db).await?;
                for (id, number, content) in rows {
                    out.push(Todo {
                        title: format!("第{number}项待销号"),
                        detail: clip(&content, 40),
                        due: None,
                        href: format!("/supervision/measures/{id}"),
                        level: "due_soon",
                        source: "督办",
                    });
                }
            }
            Ok(out)
        })
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

/// Home card: overdue measures in the caller's scope.
pub struct OverdueCard;

impl CardSource for OverdueCard {
    fn card<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Option<(String, String, String)>>> {
        Box::pin(async move {
            if !ctx.can(SUP_VIEW) {
                return Ok(None);
            }
            let mut raw = BTreeMap::new();
            raw.insert("status".to_string(), "overdue".to_string());
            let n = service::count(ctx, &ListParams::parse(raw, SORTS, true)).await?;
            Ok(Some(("逾期督办事项".into(), n.to_string(), "/supervision/measures?status=overdue".into())))
        })
    }
}
