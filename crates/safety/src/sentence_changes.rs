//! 减假暂: commutation, parole and medical-parole cases, each with the date of every stage it has
//! reached (提请 → 评审 → 公示 → 监狱长办公会 → 提请裁定/报请批准 → 裁定/决定) and the officers
//! handling it. The stage is the last one with a date; each step's timeliness is measured against
//! the limit of `domain::stage_limit`, and a case waiting past it at a stage is late (a to-do).

use crate::domain::*;
use crate::shared::{
    JsonBody, callers_prison, check_prison_people, ids, json_pairs, past_date, period_of, prison_of, prison_people,
    unit_in_scope,
};
use crate::{SAFETY_EDIT, SAFETY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use office::Cell;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::{expect_one_updated, get_in_scope};
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
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
    r.get("/safety/sentence_changes", view, "减假暂案件（含按类别和阶段统计）", list_page)
        .get("/safety/sentence_changes/export", view, "导出减假暂案件", export)
        .get("/safety/sentence_changes/new", edit, "登记减假暂案件页", new_page)
        .post("/safety/sentence_changes", edit, "登记减假暂案件", create_page)
        .get("/safety/sentence_changes/{id}", view, "减假暂案件详情（含各阶段时效）", view_page)
        .get("/safety/sentence_changes/{id}/edit", edit, "修改减假暂案件页", edit_page)
        .post("/safety/sentence_changes/{id}", edit, "修改减假暂案件（登记后续阶段）", update_page)
        .post("/safety/sentence_changes/{id}/delete", edit, "删除减假暂案件", delete_page)
        .get("/api/v1/sentence_changes", view, "减假暂案件列表（kind, stage, late, year, unit, q）", api_list)
        .get("/api/v1/sentence_changes/summary", view, "按类别和阶段统计（year 或 from, to）", api_summary)
        .post(
            "/api/v1/sentence_changes",
            edit,
            "登记减假暂案件（unit_id, case_no, kind, proposed_on, reviewed_on, publicised_on, meeting_on, submitted_on, \
             decided_on, result, officer_ids[], note）",
            api_create,
        )
        .get("/api/v1/sentence_changes/{id}", view, "减假暂案件详情（含各阶段时效）", api_get)
        .put("/api/v1/sentence_changes/{id}", edit, "修改减假暂案件（另加 version）", api_update)
        .delete("/api/v1/sentence_changes/{id}", edit, "删除减假暂案件", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub case_no: String,
    pub kind: String,
    pub proposed_on: String,
    pub reviewed_on: Option<String>,
    pub publicised_on: Option<String>,
    pub meeting_on: Option<String>,
    pub submitted_on: Option<String>,
    pub decided_on: Option<String>,
    pub result: String,
    pub note: String,
    /// The stage reached (derived: the last stage with a date).
    pub stage: String,
    /// 1 when waiting at the stage longer than the limit today (derived in the query).
    pub late: i64,
    pub officers: String,
    pub version: i64,
}

impl Case {
    pub fn kind_label(&self) -> &'static str {
        label(SENTENCE_KINDS, &self.kind)
    }
    pub fn stage_label(&self) -> &'static str {
        label(STAGES, &self.stage)
    }
    pub fn result_label(&self) -> &'static str {
        label(SENTENCE_RESULTS, &self.result)
    }
    pub fn dates(&self) -> [Option<&str>; 6] {
        [
            Some(self.proposed_on.as_str()),
            self.reviewed_on.as_deref(),
            self.publicised_on.as_deref(),
            self.meeting_on.as_deref(),
            self.submitted_on.as_deref(),
            self.decided_on.as_deref(),
        ]
    }
    /// The stage reached by `at` (dates after it do not count yet).
    pub fn stage_at(&self, at: &str) -> usize {
        self.dates().iter().rposition(|d| d.is_some_and(|d| d <= at)).unwrap_or(0)
    }
    /// Every step's timeliness as of `at`.
    pub fn timeliness(&self, at: Date) -> Vec<Step> {
        let parse = |d: Option<&str>| d.and_then(|d| d.parse::<Date>().ok());
        let days = |a: Date, b: Date| a.until(b).map(|s| s.get_days() as i64).unwrap_or(0);
        let dates = self.dates();
        let at_s = at.to_string();
        let reached = self.stage_at(&at_s);
        (0..STAGES.len())
            .map(|i| {
                let date = parse(dates[i]).filter(|d| *d <= at);
                let prev = if i == 0 { None } else { parse(dates[i - 1]).filter(|d| *d <= at) };
                let limit = stage_limit(&self.kind, i);
                let (taken, waiting) = match (prev, date) {
                    (Some(p), Some(d)) => (Some(days(p, d)), false),
                    (Some(p), None) if i == reached + 1 => (Some(days(p, at)), true),
                    _ => (None, false),
                };
                let late = matches!((taken, limit), (Some(t), Some(l)) if t > l);
                Step { stage: STAGES[i].1, date: date.map(|d| d.to_string()), days: taken, limit, late, waiting }
            })
            .collect()
    }
    /// Whether any step was (or is being) taken later than its limit, as of `at`.
    pub fn late_at(&self, at: Date) -> bool {
        self.timeliness(at).iter().any(|s| s.late)
    }
}

/// One stage of a case: when it was reached, how many days after the previous one (or, while
/// waiting for it, how many days so far), against the limit.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub stage: &'static str,
    pub date: Option<String>,
    pub days: Option<i64>,
    pub limit: Option<i64>,
    pub late: bool,
    pub waiting: bool,
}

/// SQL for the stage reached (from the dates; the columns are ours).
pub fn stage_sql() -> String {
    let mut s = String::from("(CASE");
    for i in (1..STAGES.len()).rev() {
        s.push_str(&format!(" WHEN s.{} IS NOT NULL THEN '{}'", STAGE_COLUMNS[i], STAGES[i].0));
    }
    s.push_str(" ELSE 'proposed' END)");
    s
}

/// SQL (0/1) for "waiting at its stage longer than the limit at `at`". The dates are ours.
pub fn late_sql(at: Date) -> String {
    let cut = |days: i64| at.saturating_sub(days.days()).to_string();
    let mut parts = Vec::new();
    for i in 0..STAGES.len() - 1 {
        let (col, next) = (STAGE_COLUMNS[i], STAGE_COLUMNS[i + 1]);
        let limit = match i + 1 {
            5 => format!(
                "(CASE WHEN s.kind = 'medical_parole' THEN '{}' ELSE '{}' END)",
                cut(stage_limit("medical_parole", 5).unwrap_or(21)),
                cut(stage_limit("commutation", 5).unwrap_or(30))
            ),
            n => format!("'{}'", cut(stage_limit("commutation", n).unwrap_or(30))),
        };
        parts.push(format!("(s.{col} IS NOT NULL AND s.{next} IS NULL AND s.{col} < {limit})"));
    }
    format!("(CASE WHEN s.decided_on IS NULL AND ({}) THEN 1 ELSE 0 END)", parts.join(" OR "))
}

fn cols(today: Date) -> String {
    format!(
        "s.id, s.unit_id, u.name AS unit_name, s.case_no, s.kind, s.proposed_on, s.reviewed_on, s.publicised_on, s.meeting_on, \
         s.submitted_on, s.decided_on, s.result, s.note, {} AS stage, {} AS late, \
         coalesce((SELECT string_agg(p.name, '、') FROM sentence_change_officers o JOIN people p ON p.id = o.person_id WHERE o.case_id = s.id), '') AS officers, \
         s.version",
        stage_sql(),
        late_sql(today)
    )
}
const FROM: &str = "FROM sentence_changes s JOIN units u ON u.id = s.unit_id";
pub const SORTS: &[(&str, &str)] =
    &[("proposed_on", "s.proposed_on"), ("case_no", "s.case_no"), ("kind", "s.kind"), ("unit", "u.sort_order")];

/// Filters: kind, stage, late (=1), year / from / to (proposed), unit, q (case number).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Case>> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let (kind, stage, from, to, text) = (
        p.get("kind").to_string(),
        p.get("stage").to_string(),
        p.get("from").to_string(),
        p.get("to").to_string(),
        p.get("q").to_string(),
    );
    let (year, unit, late) = (year_of(p.get("year")), p.get_i64("unit"), p.get("late") == "1");
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "s.proposed_on DESC".into();
    }
    Ok(fetch_page::<Case>(
        &ctx.state.db,
        &cols(today),
        "s.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "s.unit_id", None);
            if !kind.is_empty() {
                q.push(" AND s.kind = ").bind(kind.clone());
            }
            if !stage.is_empty() {
                q.push(" AND ").push(&stage_sql()).push(" = ").bind(stage.clone());
            }
            if late {
                q.push(" AND ").push(&late_sql(today)).push(" = 1");
            }
            if let Some(y) = year {
                q.push(" AND s.proposed_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND s.proposed_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND s.proposed_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND s.proposed_on <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND s.unit_id = ").bind(u);
            }
            if !text.is_empty() {
                q.push(" AND s.case_no LIKE ").bind(like_contains(&text)).push(" ESCAPE '\\'");
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Case> {
    let today = platform::clock::today(&ctx.state.clock);
    let select = format!("SELECT {} {FROM}", cols(today));
    get_in_scope(ctx, &select, "s.id", id, "s.unit_id", None, "sentence_change").await
}

/// Cases proposed between two dates in the caller's scope (for summaries and figures).
pub async fn proposed_between(ctx: &Ctx, from: &str, to: &str) -> AppResult<Vec<Case>> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let mut q = Sql::new(&format!("SELECT {} {FROM} WHERE s.proposed_on >= ", cols(today)));
    q.bind(from.to_string()).push(" AND s.proposed_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "s.unit_id", None);
    q.push(" ORDER BY s.proposed_on, s.id LIMIT 20000");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// Cases of each kind at each stage (as of `to`), of those proposed in the period.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryRow {
    pub kind: &'static str,
    pub kind_name: &'static str,
    pub stages: Vec<i64>,
    pub total: i64,
    pub late: i64,
}

pub async fn summary(ctx: &Ctx, from: &str, to: &str) -> AppResult<Vec<SummaryRow>> {
    let cases = proposed_between(ctx, from, to).await?;
    let at: Date = to.parse().map_err(|_| AppError::BadRequest("to 须为日期".into()))?;
    Ok(SENTENCE_KINDS
        .iter()
        .map(|(k, name)| {
            let mine: Vec<&Case> = cases.iter().filter(|c| c.kind == *k).collect();
            let mut stages = vec![0; STAGES.len()];
            for c in &mine {
                stages[c.stage_at(to)] += 1;
            }
            SummaryRow {
                kind: k,
                kind_name: name,
                stages,
                total: mine.len() as i64,
                late: mine.iter().filter(|c| c.late_at(at)).count() as i64,
            }
        })
        .collect())
}

pub struct CaseInput {
    pub unit_id: Option<i64>,
    pub case_no: String,
    pub kind: String,
    pub dates: Vec<Option<String>>,
    pub result: String,
    pub officer_ids: Vec<i64>,
    pub note: String,
    pub version: Option<i64>,
}

const DATE_LABELS: &[&str] = &["提请日期", "评审日期", "公示日期", "办公会日期", "提请裁定/报批日期", "裁定/决定日期"];

pub fn parse(f: &FormPairs, today: Date) -> AppResult<CaseInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "提请监区", &f.get("unit_id"));
    let case_no = c.text("case_no", "案件编号", &f.get("case_no"), 40, true);
    let kind = c.choice("kind", "案件类别", &f.get("kind"), SENTENCE_KINDS);
    let mut dates: Vec<Option<Date>> = Vec::new();
    for (i, col) in STAGE_COLUMNS.iter().enumerate() {
        dates.push(past_date(&mut c, f, col, DATE_LABELS[i], i == 0, today));
    }
    for i in 1..dates.len() {
        match (dates[i - 1], dates[i]) {
            (None, Some(_)) => c.add(STAGE_COLUMNS[i], format!("请先填写{}", DATE_LABELS[i - 1])),
            (Some(a), Some(b)) if b < a => {
                c.add(STAGE_COLUMNS[i], format!("{}不能早于{}", DATE_LABELS[i], DATE_LABELS[i - 1]))
            }
            _ => {}
        }
    }
    let result = c.choice("result", "裁定/决定结果", &f.get("result"), SENTENCE_RESULTS);
    let decided = dates.last().copied().flatten().is_some();
    if decided && result.is_empty() && !c.errors.contains_key("result") {
        c.add("result", "已裁定/决定的案件须选择结果");
    }
    if !decided && !result.is_empty() {
        c.add("result", "尚未裁定/决定的案件不能填写结果");
    }
    let officer_ids = ids(&mut c, f, "officer_ids", "承办民警", 20);
    if officer_ids.is_empty() && !c.errors.contains_key("officer_ids") {
        c.add("officer_ids", "请选择承办民警");
    }
    let note = c.long_text("note", "备注", &f.get("note"), 2000, false);
    c.finish()?;
    Ok(CaseInput {
        unit_id,
        case_no,
        kind,
        dates: dates.into_iter().map(|d| d.map(|d| d.to_string())).collect(),
        result,
        officer_ids,
        note,
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check(ctx: &Ctx, i: &CaseInput) -> AppResult<i64> {
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    let prison = prison_of(ctx, unit).await?;
    check_prison_people(ctx, prison, &i.officer_ids, "officer_ids", "承办民警须为本监狱的在职人员").await?;
    Ok(unit)
}

async fn write_officers(tx: &mut platform::db::Tx, id: i64, people: &[i64]) -> AppResult<()> {
    sqlx::query("DELETE FROM sentence_change_officers WHERE case_id = $1").bind(id).execute(&mut **tx).await?;
    for p in people {
        sqlx::query("INSERT INTO sentence_change_officers (case_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*p)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn case_no_taken(tx: &mut platform::db::Tx, case_no: &str, id: i64) -> AppResult<()> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sentence_changes WHERE case_no = $1 AND id <> $2")
        .bind(case_no)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    if n > 0 { Err(AppError::field("case_no", "案件编号已存在")) } else { Ok(()) }
}

pub async fn create(ctx: &Ctx, i: &CaseInput) -> AppResult<i64> {
    let unit = check(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    case_no_taken(&mut tx, &i.case_no, 0).await?;
    let now = ctx.state.clock.now_ms();
    let d = &i.dates;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sentence_changes (unit_id, case_no, kind, proposed_on, reviewed_on, publicised_on, meeting_on, submitted_on, \
         decided_on, result, note, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id",
    )
    .bind(unit)
    .bind(&i.case_no)
    .bind(&i.kind)
    .bind(d[0].clone().unwrap_or_default())
    .bind(d[1].clone())
    .bind(d[2].clone())
    .bind(d[3].clone())
    .bind(d[4].clone())
    .bind(d[5].clone())
    .bind(&i.result)
    .bind(&i.note)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_officers(&mut tx, id, &i.officer_ids).await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "sentence_change", id).detail(i.case_no.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &CaseInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    case_no_taken(&mut tx, &i.case_no, id).await?;
    let d = &i.dates;
    let n = sqlx::query(
        "UPDATE sentence_changes SET unit_id = $1, case_no = $2, kind = $3, proposed_on = $4, reviewed_on = $5, publicised_on = $6, \
         meeting_on = $7, submitted_on = $8, decided_on = $9, result = $10, note = $11, version = version + 1, updated_at = $12 \
         WHERE id = $13 AND version = $14",
    )
    .bind(unit)
    .bind(&i.case_no)
    .bind(&i.kind)
    .bind(d[0].clone().unwrap_or_default())
    .bind(d[1].clone())
    .bind(d[2].clone())
    .bind(d[3].clone())
    .bind(d[4].clone())
    .bind(d[5].clone())
    .bind(&i.result)
    .bind(&i.note)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    write_officers(&mut tx, id, &i.officer_ids).await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("update", "sentence_change", id).detail(i.case_no.clone()))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let c = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM sentence_changes WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "sentence_change", id).detail(c.case_no)).await?;
    tx.commit().await?;
    Ok(())
}

async fn officer_ids(ctx: &Ctx, id: i64) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT person_id FROM sentence_change_officers WHERE case_id = $1 ORDER BY person_id")
        .bind(id)
        .fetch_all(&ctx.state.db.pool)
        .await?)
}

/// For whoever registers cases: those waiting at a stage past its limit, or due within 3 days.
pub struct LateStageTodos;

impl TodoSource for LateStageTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(SAFETY_EDIT) {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let soon = today.saturating_add(3.days());
            let mut q = Sql::new(&format!("SELECT {} {FROM} WHERE s.decided_on IS NULL AND ", cols(today)));
            user.scope.push_condition(&mut q, "s.unit_id", None);
            q.push(" AND ").push(&late_sql(soon)).push(" = 1 ORDER BY s.proposed_on, s.id LIMIT 50");
            let cases: Vec<Case> = q.fetch_fresh(&ctx.state.db).await?;
            Ok(cases
                .into_iter()
                .filter_map(|c| {
                    let steps = c.timeliness(today);
                    let next = steps.iter().position(|s| s.waiting)?;
                    let prev: Date = c.dates()[next - 1]?.parse().ok()?;
                    let due = prev.saturating_add(stage_limit(&c.kind, next)?.days());
                    Some(Todo {
                        title: format!("减假暂案件 {} 待{}", c.case_no, STAGES[next].1),
                        detail: format!(
                            "{}，{}后 {} 天内应完成",
                            c.kind_label(),
                            STAGES[next - 1].1,
                            stage_limit(&c.kind, next)?
                        ),
                        due: Some(due.to_string()),
                        href: format!("/safety/sentence_changes/{}", c.id),
                        level: if due < today { "overdue" } else { "due_soon" },
                        source: "安保维稳",
                    })
                })
                .collect())
        })
    }
}

#[derive(Template)]
#[template(path = "sentence_changes_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Case>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
    stages: Codes,
    year: i16,
    summary: Vec<SummaryRow>,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let year = year_of(p.get("year")).unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year());
    let summary = summary(&ctx, &format!("{year}-01-01"), &format!("{year}-12-31")).await?;
    let ListScreen { frame, pager, offset, export_q } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/safety/sentence_changes",
        "减假暂案件",
        &[("安保维稳", ""), ("减假暂案件", "")],
    );
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: SENTENCE_KINDS,
        stages: STAGES,
        year,
        summary,
        can_edit: ctx.can(SAFETY_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let opt = |d: &Option<String>| Cell::from(d.clone().unwrap_or_default());
    let headers = [
        "案件编号",
        "类别",
        "提请监区",
        "所处阶段",
        "提请日期",
        "评审日期",
        "公示日期",
        "办公会日期",
        "提请裁定/报批日期",
        "裁定/决定日期",
        "结果",
        "承办民警",
        "时效",
    ];
    platform::ledger::export_list(
        &ctx,
        "减假暂案件",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        move |c| {
            vec![
                Cell::from(c.case_no.clone()),
                Cell::from(c.kind_label()),
                Cell::from(c.unit_name.clone()),
                Cell::from(c.stage_label()),
                Cell::from(c.proposed_on.clone()),
                opt(&c.reviewed_on),
                opt(&c.publicised_on),
                opt(&c.meeting_on),
                opt(&c.submitted_on),
                opt(&c.decided_on),
                Cell::from(c.result_label()),
                Cell::from(c.officers.clone()),
                Cell::from(if c.late == 1 { "超期" } else { "" }),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "sentence_change_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    officers: Vec<(i64, String)>,
    kinds: Codes,
    results: Codes,
    date_fields: Vec<DateField>,
}

/// One stage's date on the form.
struct DateField {
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改减假暂案件" } else { "登记减假暂案件" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/sentence_changes",
        &[("安保维稳", ""), ("减假暂案件", "/safety/sentence_changes"), (title, "")],
    );
    let units = crate::shared::departments(ctx).await?;
    let officers = prison_people(ctx, callers_prison(ctx).await?).await?;
    let date_fields = STAGE_COLUMNS
        .iter()
        .zip(DATE_LABELS)
        .map(|(name, label)| DateField { name, label, value: f.get(name), error: errors.get(*name).cloned() })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units,
            officers,
            kinds: SENTENCE_KINDS,
            results: SENTENCE_RESULTS,
            date_fields,
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let pairs = vec![
        ("unit_id".to_string(), ctx.user()?.unit_id.to_string()),
        ("kind".to_string(), "commutation".to_string()),
        ("proposed_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
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
        Ok(id) => Ok(redirect_with_flash(&format!("/safety/sentence_changes/{id}"), "案件已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), c.unit_id.to_string()),
        ("case_no".to_string(), c.case_no.clone()),
        ("kind".to_string(), c.kind.clone()),
        ("result".to_string(), c.result.clone()),
        ("note".to_string(), c.note.clone()),
        ("version".to_string(), c.version.to_string()),
    ];
    for (col, d) in STAGE_COLUMNS.iter().zip(c.dates()) {
        pairs.push((col.to_string(), d.unwrap_or("").to_string()));
    }
    pairs.extend(officer_ids(&ctx, id).await?.into_iter().map(|p| ("officer_ids".to_string(), p.to_string())));
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/sentence_changes/{id}"), "案件已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "sentence_change_view.html")]
struct ViewPage {
    frame: Frame,
    c: Case,
    steps: Vec<Step>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let steps = c.timeliness(platform::clock::today(&ctx.state.clock));
    let frame = Frame::new(
        &ctx,
        &c.case_no,
        "/safety/sentence_changes",
        &[("安保维稳", ""), ("减假暂案件", "/safety/sentence_changes"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, c, steps, can_edit: ctx.can(SAFETY_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/safety/sentence_changes", "案件已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_summary(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (from, to) = period_of(&ctx, &q.0)?;
    let items = summary(&ctx, &from, &to).await?;
    let stages: Vec<_> = STAGES.iter().map(|(c, n)| serde_json::json!({"code": c, "name": n})).collect();
    Ok(Json(serde_json::json!({ "from": from, "to": to, "stages": stages, "items": items })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let steps = c.timeliness(platform::clock::today(&ctx.state.clock));
    let officers = officer_ids(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "case": c, "steps": steps, "officer_ids": officers })).into_response())
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
