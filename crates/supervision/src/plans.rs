//! 任务安排: a year's plan (title, document number, issuing organisation, owner) and its measures,
//! added one by one or imported from the spreadsheet committees write (序号, 工作措施, 责任领导,
//! 牵头部门, 参加部门, 完成时限), every name matched to a person or department of the prison.

use crate::domain::*;
use crate::measures::service::{self as ms, MeasureInput, PrisonNames};
use crate::{SUP_EDIT, SUP_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Row;
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
    let (view, edit) = (Need::Perm(SUP_VIEW), Need::Perm(SUP_EDIT));
    let r = r
        .get("/supervision/plans", view, "任务安排", list_page)
        .get("/supervision/plans/new", edit, "新增任务安排页", new_page)
        .post("/supervision/plans", edit, "新增任务安排", create_page)
        .get("/supervision/plans/{id}", view, "任务安排详情（含工作措施）", view_page)
        .post("/supervision/plans/{id}/measures", edit, "新增工作措施", add_measure_page)
        .post("/supervision/plans/{id}/delete", edit, "删除任务安排", delete_page)
        .get("/api/v1/task_plans", view, "任务安排列表", api_list)
        .post("/api/v1/task_plans", edit, "新增任务安排（title, year, doc_number, org_id, owner_id）", api_create)
        .get("/api/v1/task_plans/{id}", view, "任务安排详情", api_get)
        .post(
            "/api/v1/task_plans/{id}/measures",
            edit,
            "新增工作措施（number, content, leader_id, lead_unit_id, partner_ids[], deadline）",
            api_add_measure,
        );
    platform::ledger::import::import_routes(r, Arc::new(MeasureImporter), "/api/v1/task_plans")
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub unit_id: i64,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub title: String,
    pub year: i64,
    pub doc_number: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub measures: i64,
    pub done: i64,
    pub version: i64,
}

const COLS: &str = "tp.id, tp.unit_id, tp.org_id, o.name AS org_name, tp.title, tp.year, tp.doc_number, tp.owner_id, \
    w.name AS owner_name, (SELECT count(*) FROM measures m WHERE m.plan_id = tp.id) AS measures, \
    (SELECT count(*) FROM measures m WHERE m.plan_id = tp.id AND m.status = 'done') AS done, tp.version";
const FROM: &str =
    "FROM task_plans tp LEFT JOIN party_orgs o ON o.id = tp.org_id LEFT JOIN people w ON w.id = tp.owner_id";
const SORTS: &[(&str, &str)] = &[("year", "tp.year")];

/// A plan is seen by the prison units in scope and by every department with a measure in it.
fn push_scope(q: &mut Sql, user: &platform::CurrentUser) {
    q.push("(");
    user.scope.push_condition(q, "tp.unit_id", None);
    q.push(" OR EXISTS (SELECT 1 FROM measures m WHERE m.plan_id = tp.id AND ");
    ms::push_scope(q, &user.scope);
    q.push("))");
}

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Plan>> {
    let user = ctx.user()?;
    let year = p.get_i64("year");
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "tp.year DESC".into();
    }
    Ok(fetch_page::<Plan>(
        &ctx.state.db,
        COLS,
        "tp.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_scope(q, user);
            if let Some(y) = year {
                q.push(" AND tp.year = ").bind(y);
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" ").push(FROM).push(" WHERE tp.id = ").bind(id).push(" AND ");
    push_scope(&mut q, user);
    match q.query_as::<Plan>().fetch_optional(&ctx.state.db.pool).await? {
        Some(p) => Ok(p),
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "task_plan", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Changing a plan or adding to it needs the plan's prison unit inside the caller's scope.
async fn get_for_edit(ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let plan = get(ctx, id).await?;
    let path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(plan.unit_id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if !ctx.user()?.scope.covers_unit(plan.unit_id, &path) {
        return Err(AppError::Forbidden);
    }
    Ok(plan)
}

struct PlanInput {
    title: String,
    year: i64,
    doc_number: String,
    org_id: Option<i64>,
    owner_id: Option<i64>,
}

fn parse(f: &FormPairs) -> AppResult<PlanInput> {
    let mut c = FormCheck::new();
    let title = c.text("title", "名称", &f.get("title"), 100, true);
    let year = c.int("year", "年度", &f.get("year"), 2000, 2100);
    if f.get("year").trim().is_empty() {
        c.add("year", "请输入年度");
    }
    let doc_number = c.text("doc_number", "文号", &f.get("doc_number"), 60, false);
    let org_id = c.opt_id("org_id", "党组织", &f.get("org_id"));
    let owner_id = c.opt_id("owner_id", "负责人", &f.get("owner_id"));
    c.finish()?;
    Ok(PlanInput { title, year, doc_number, org_id, owner_id })
}

/// The prison the caller works in: plans, batches and letters belong to it.
pub async fn own_prison(ctx: &Ctx) -> AppResult<i64> {
    ctx.user()?.prison_id.ok_or_else(|| AppError::BadRequest("您的账号不属于某个监狱，不能制定本监狱的台账".into()))
}

/// A person of the given prison (active), for owners, leaders and approvers.
pub async fn check_person(ctx: &Ctx, prison: i64, id: i64, field: &str) -> AppResult<()> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1 AND u.prison_id = $2 AND p.employment_status = 'active'",
    )
    .bind(id)
    .bind(prison)
    .fetch_one(&ctx.state.db.pool)
    .await?;
    if n == 0 { Err(AppError::field(field, "请选择本监狱的在职人员")) } else { Ok(()) }
}

async fn create(ctx: &Ctx, i: &PlanInput) -> AppResult<i64> {
    let prison = own_prison(ctx).await?;
    if let Some(o) = i.owner_id {
        check_person(ctx, prison, o, "owner_id").await?;
    }
    if let Some(org) = i.org_id {
        let unit =
            org::orgs::service::get(ctx, org).await.map_err(|_| AppError::field("org_id", "请选择有效的党组织"))?;
        let same: i64 = sqlx::query_scalar("SELECT count(*) FROM units WHERE id = $1 AND prison_id = $2")
            .bind(unit.unit_id)
            .bind(prison)
            .fetch_one(&ctx.state.db.pool)
            .await?;
        if same == 0 {
            return Err(AppError::field("org_id", "请选择本监狱的党组织"));
        }
    }
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO task_plans (unit_id, org_id, title, year, doc_number, owner_id, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(prison)
    .bind(i.org_id)
    .bind(&i.title)
    .bind(i.year)
    .bind(&i.doc_number)
    .bind(i.owner_id)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "task_plan", id).detail(i.title.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

/// One measure as typed on the plan page or sent to the API (names resolved to ids already).
pub fn parse_measure(f: &FormPairs, year: i16) -> AppResult<MeasureInput> {
    let mut c = FormCheck::new();
    let number = c.int("number", "序号", &f.get("number"), 1, 9999);
    if f.get("number").trim().is_empty() {
        c.add("number", "请输入序号");
    }
    let problem = c.long_text("problem", "问题", &f.get("problem"), 1000, false);
    let content = c.long_text("content", "工作措施", &f.get("content"), 1000, true);
    let lead = f.get("lead_unit_id").trim().parse::<i64>().ok();
    if lead.is_none() {
        c.add("lead_unit_id", "请选择牵头部门");
    }
    let deadline = parse_deadline(&f.get("deadline"), year);
    if deadline.is_none() {
        c.add("deadline", "完成时限应为日期（如 2022-06-30、6月底）或 每月、每季度、全年");
    }
    c.finish()?;
    let (kind, date) = deadline.unwrap_or(("date", jiff::civil::date(year, 12, 31)));
    Ok(MeasureInput {
        number,
        problem,
        content,
        leader_id: f.get("leader_id").trim().parse().ok(),
        lead_unit_id: lead.unwrap_or_default(),
        partner_ids: f.ids("partner_ids", 50),
        deadline_kind: kind,
        deadline: date,
    })
}

/// Checks a measure's people and departments against the prison and its number against the
/// parent's other measures, then writes it.
pub async fn add_measure(
    ctx: &Ctx,
    tx: &mut Tx,
    parent: (&str, i64),
    unit: i64,
    year: i64,
    i: &MeasureInput,
) -> AppResult<i64> {
    let prison: i64 = sqlx::query_scalar("SELECT coalesce(prison_id, id) FROM units WHERE id = $1")
        .bind(unit)
        .fetch_one(&mut **tx)
        .await?;
    if let Some(l) = i.leader_id {
        check_person(ctx, prison, l, "leader_id").await?;
    }
    let mut units = vec![i.lead_unit_id];
    units.extend(&i.partner_ids);
    for u in units {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM units WHERE id = $1 AND prison_id = $2 AND kind = 'department'")
                .bind(u)
                .bind(prison)
                .fetch_one(&mut **tx)
                .await?;
        if n == 0 {
            return Err(AppError::field("lead_unit_id", "牵头部门和参加部门须为本监狱的部门"));
        }
    }
    let col = if parent.0 == "plan" { "plan_id" } else { "rectification_id" };
    let mut q = Sql::new("SELECT count(*) FROM measures WHERE ");
    q.push(col).push(" = ").bind(parent.1).push(" AND number = ").bind(i.number);
    let dup: i64 = q.query_scalar().fetch_one(&mut **tx).await?;
    if dup > 0 {
        return Err(AppError::field("number", format!("序号 {} 已存在", i.number)));
    }
    ms::insert(ctx, tx, parent, unit, year, i).await
}

#[derive(Template)]
#[template(path = "plans_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Plan>,
    offset: i64,
    pager: Pager,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/supervision/plans", "任务安排", &[("主体责任", ""), ("任务安排", "")]);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, can_edit: ctx.can(SUP_EDIT) }).into_response())
}

/// People offered as owners and leaders: the prison's leadership (副处 and above) first.
pub async fn leaders(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let prison = own_prison(ctx).await.unwrap_or(-1);
    Ok(sqlx::query_as(
        "SELECT p.id, p.name || '（' || p.post || '）' FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE u.prison_id = $1 AND p.employment_status = 'active' AND p.leadership_level IN ('division', 'deputy_division') \
         ORDER BY p.leadership_level DESC, p.id LIMIT 100",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// The prison's departments, for lead and participating departments.
pub async fn departments(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let prison = own_prison(ctx).await.unwrap_or(-1);
    Ok(sqlx::query_as(
        "SELECT id, name FROM units WHERE prison_id = $1 AND kind = 'department' ORDER BY sort_order, id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

#[derive(Template)]
#[template(path = "plan_form.html")]
struct FormPage {
    frame: Frame,
    f: FormPairs,
    errors: FieldErrors,
    leaders: Vec<(i64, String)>,
    orgs: Vec<org::orgs::service::Org>,
}

async fn form(ctx: &Ctx, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(
        ctx,
        "新增任务安排",
        "/supervision/plans",
        &[("主体责任", ""), ("任务安排", "/supervision/plans"), ("新增", "")],
    );
    let leaders = leaders(ctx).await?;
    let orgs = org::orgs::service::tree(ctx, true).await?.into_iter().filter(|o| o.kind == "committee").collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, f, errors, leaders, orgs })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let year = platform::clock::today(&ctx.state.clock).year();
    let f = FormPairs::from(vec![
        ("year".to_string(), year.to_string()),
        ("title".to_string(), format!("{year}年度落实全面从严治党主体责任任务安排")),
    ]);
    form(&ctx, f, FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/supervision/plans/{id}"), "任务安排已保存，请添加或导入工作措施")),
        Err(AppError::Validation(errors)) => form(&ctx, f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "plan_view.html")]
struct ViewPage {
    frame: Frame,
    plan: Plan,
    parent_id: i64,
    rows: Vec<ms::Measure>,
    can_edit: bool,
    leaders: Vec<(i64, String)>,
    depts: Vec<(i64, String)>,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let plan = get(ctx, id).await?;
    let mut raw = BTreeMap::new();
    raw.insert("plan".to_string(), id.to_string());
    raw.insert("sort".to_string(), "number".to_string());
    raw.insert("per_page".to_string(), "200".to_string());
    let rows = ms::list(ctx, &ListParams::parse(raw, ms::SORTS, true)).await?.items;
    let can_edit = ctx.can(SUP_EDIT);
    let (leaders, depts) = if can_edit { (leaders(ctx).await?, departments(ctx).await?) } else { Default::default() };
    let frame = Frame::new(
        ctx,
        &plan.title,
        "/supervision/plans",
        &[("主体责任", ""), ("任务安排", "/supervision/plans"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ViewPage { frame, parent_id: plan.id, plan, rows, can_edit, leaders, depts, f, errors }))
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let next = get(&ctx, id).await.map(|p| p.measures + 1).unwrap_or(1);
    view(&ctx, id, FormPairs::from(vec![("number".to_string(), next.to_string())]), FieldErrors::new()).await
}

async fn save_measure(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<i64> {
    let plan = get_for_edit(ctx, id).await?;
    let i = parse_measure(f, plan.year as i16)?;
    let mut tx = ctx.state.db.begin().await?;
    let mid = add_measure(ctx, &mut tx, ("plan", id), plan.unit_id, plan.year, &i).await?;
    let detail = format!("{} 第{}项", plan.title, i.number);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "measure", mid).detail(detail)).await?;
    tx.commit().await?;
    Ok(mid)
}

async fn add_measure_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match save_measure(&ctx, id, &f).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/supervision/plans/{id}"), "工作措施已添加")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = get_for_edit(&ctx, id).await?;
    let reported: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM measure_progress r JOIN measures m ON m.id = r.measure_id WHERE m.plan_id = $1",
    )
    .bind(id)
    .fetch_one(&ctx.state.db.pool)
    .await?;
    if reported > 0 {
        return Err(AppError::Conflict("已有部门报告进展的任务安排不能删除".into()));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM task_plans WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "task_plan", id).detail(plan.title)).await?;
    tx.commit().await?;
    Ok(redirect_with_flash("/supervision/plans", "任务安排已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Json(get(&ctx, id).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = create(&ctx, &parse(&f)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_add_measure(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let mid = save_measure(&ctx, id, &f).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": mid }))).into_response())
}

const HEADERS: &[&str] = &["序号", "工作措施", "责任领导", "牵头部门", "参加部门", "完成时限"];

/// A plan's measures from the committee's own spreadsheet; every unknown name is a row error and
/// the whole sheet is refused until none is left.
pub struct MeasureImporter;

impl Importer for MeasureImporter {
    fn ledger(&self) -> &'static str {
        "工作措施"
    }
    fn list_path(&self) -> &'static str {
        "/supervision/plans"
    }
    fn need(&self) -> &'static str {
        SUP_EDIT
    }
    fn headers(&self) -> &'static [&'static str] {
        HEADERS
    }
    fn notes(&self) -> &'static [&'static str] {
        &[
            "责任领导填写本监狱在职人员的姓名；牵头部门、参加部门填写本监狱部门的全称，多个参加部门用顿号（、）或逗号分隔。",
            "完成时限填写日期（2022-06-30、2022年6月底、9月底前），或 每月、每季度、全年（长期坚持）。",
            "序号不能与该任务安排中已有的措施重复。任何一行有误，整份文件都不导入。",
        ]
    }
    fn example(&self) -> Vec<Vec<String>> {
        vec![
            [
                "1",
                "每季度至少专题研究一次党风廉政建设工作（示例行，导入前请删除）",
                "（责任领导姓名）",
                "政治处",
                "纪委办公室、办公室",
                "每季度",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ]
    }
    fn target(&self) -> Option<&'static str> {
        Some("plan")
    }
    fn done_path(&self, target: Option<i64>) -> String {
        target.map(|t| format!("/supervision/plans/{t}")).unwrap_or_else(|| "/supervision/plans".into())
    }
    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        tx: &'a mut Tx,
        rows: &'a [Row],
        target: Option<i64>,
    ) -> BoxFuture<'a, AppResult<ImportOutcome>> {
        Box::pin(async move {
            let plan = get_for_edit(ctx, target.ok_or(AppError::NotFound)?).await?;
            let names = PrisonNames::load(ctx, plan.unit_id).await?;
            let mut out = ImportOutcome::default();
            for row in rows {
                let c = |i: usize| row.cells.get(i).cloned().unwrap_or_default().trim().to_string();
                let err = |col: usize, reason: String| RowError { line: row.line, column: HEADERS[col].into(), reason };
                let before = out.errors.len();
                let number = c(0).parse::<i64>().ok().filter(|n| (1..=9999).contains(n));
                if number.is_none() {
                    out.errors.push(err(0, "序号须为 1 到 9999 的整数".into()));
                }
                if c(1).is_empty() {
                    out.errors.push(err(1, "请填写工作措施".into()));
                } else if c(1).chars().count() > 1000 {
                    out.errors.push(err(1, "工作措施最多 1000 个字".into()));
                }
                let leader = if c(2).is_empty() {
                    out.errors.push(err(2, "请填写责任领导".into()));
                    None
                } else {
                    names.person(&c(2)).map_err(|e| out.errors.push(err(2, e))).ok()
                };
                let lead = names.unit(&c(3)).map_err(|e| out.errors.push(err(3, e))).ok();
                let partners = names.units_list(&c(4)).map_err(|e| out.errors.push(err(4, e))).unwrap_or_default();
                let deadline = parse_deadline(&c(5), plan.year as i16);
                if deadline.is_none() {
                    out.errors.push(err(5, format!("完成时限“{}”无法识别", c(5))));
                }
                if out.errors.len() > before {
                    continue;
                }
                let (kind, date) = deadline.unwrap_or(("date", jiff::civil::date(plan.year as i16, 12, 31)));
                let input = MeasureInput {
                    number: number.unwrap_or_default(),
                    problem: String::new(),
                    content: c(1),
                    leader_id: leader,
                    lead_unit_id: lead.unwrap_or_default(),
                    partner_ids: partners,
                    deadline_kind: kind,
                    deadline: date,
                };
                match add_measure(ctx, tx, ("plan", plan.id), plan.unit_id, plan.year, &input).await {
                    Ok(_) => out.rows += 1,
                    Err(AppError::Validation(f)) => {
                        for (_, reason) in f {
                            out.errors.push(err(0, reason));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }
}
