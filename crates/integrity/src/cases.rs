//! 问责案件 (labelled): the person(s), the seed's categories, facts, handling, decision date and
//! status; lists mask the persons' ID numbers; attachments are authorised through the case.

use crate::domain::*;
use crate::restricted::{self, push_visible};
use crate::{DISCIPLINE_EDIT, DISCIPLINE_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::registry::BoxFuture;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(DISCIPLINE_VIEW), Need::Perm(DISCIPLINE_EDIT));
    r.get("/integrity/cases", view, "问责案件", list_page)
        .get("/integrity/cases/export", view, "导出问责案件", export)
        .get("/integrity/cases/new", edit, "登记问责案件页", new_page)
        .post("/integrity/cases", edit, "登记问责案件", create_page)
        .get("/integrity/cases/{id}", view, "问责案件详情", view_page)
        .get("/integrity/cases/{id}/edit", edit, "修改问责案件页", edit_page)
        .post("/integrity/cases/{id}", edit, "修改问责案件", update_page)
        .get("/api/v1/accountability_cases", view, "问责案件列表", api_list)
        .post(
            "/api/v1/accountability_cases",
            edit,
            "登记问责案件（person_ids[], category, facts, handling, decided_on, status）",
            api_create,
        )
        .get("/api/v1/accountability_cases/{id}", view, "问责案件详情", api_get)
        .put("/api/v1/accountability_cases/{id}", edit, "修改问责案件（另加 version）", api_update)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub label: i64,
    pub case_no: String,
    pub category: String,
    pub facts: String,
    pub handling: String,
    pub decided_on: Option<String>,
    pub status: String,
    pub version: i64,
    /// (person id, name, masked ID number).
    #[sqlx(skip)]
    pub people: Vec<(i64, String, String)>,
}

impl Case {
    pub fn category_label(&self) -> &'static str {
        label(CASE_CATEGORIES, &self.category)
    }
    pub fn handling_label(&self) -> &'static str {
        label(HANDLINGS, &self.handling)
    }
    pub fn status_label(&self) -> &'static str {
        label(CASE_STATUSES, &self.status)
    }
    pub fn people_text(&self) -> String {
        self.people.iter().map(|(_, n, m)| format!("{n}（{m}）")).collect::<Vec<_>>().join("、")
    }
}

const COLS: &str = "c.id, c.unit_id, u.name AS unit_name, c.label, c.case_no, c.category, c.facts, c.handling, c.decided_on, \
    c.status, c.version";
const FROM: &str = "FROM accountability_cases c JOIN units u ON u.id = c.unit_id";
const SORTS: &[(&str, &str)] = &[("decided_on", "c.decided_on"), ("case_no", "c.case_no")];

async fn fill_people(ctx: &Ctx, items: &mut [Case]) -> AppResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        "SELECT cp.case_id, p.id, p.name, p.id_number_masked FROM case_people cp JOIN people p ON p.id = cp.person_id WHERE cp.case_id IN (",
    );
    q.push_ids(items.iter().map(|c| c.id));
    q.push(") ORDER BY p.name");
    let rows: Vec<(i64, i64, String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let mut by = platform::db::by_owner(rows.into_iter().map(|(c, id, name, masked)| (c, (id, name, masked))));
    for c in items.iter_mut() {
        c.people = by.remove(&c.id).unwrap_or_default();
    }
    Ok(())
}

/// Filters: category, handling, status, year (of the decision), q (a person's name).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Case>> {
    let user = restricted::reader(ctx)?;
    let (category, handling, status, name) = (
        p.get("category").to_string(),
        p.get("handling").to_string(),
        p.get("status").to_string(),
        p.get("q").trim().to_string(),
    );
    let year = p.get_i64("year");
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "c.id DESC".into();
    }
    let mut page = fetch_page::<Case>(
        &ctx.state.db,
        COLS,
        "c.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_visible(q, user, "c.unit_id", "c.label");
            for (col, v) in [("c.category", &category), ("c.handling", &handling), ("c.status", &status)] {
                if !v.is_empty() {
                    q.push(" AND ").push(col).push(" = ").bind(v.clone());
                }
            }
            if let Some(y) = year {
                q.push(" AND c.decided_on >= ").bind(format!("{y}-01-01")).push(" AND c.decided_on <= ").bind(format!("{y}-12-31"));
            }
            if !name.is_empty() {
                q.push(" AND EXISTS (SELECT 1 FROM case_people cp JOIN people p ON p.id = cp.person_id WHERE cp.case_id = c.id AND p.name LIKE ")
                    .bind(platform::db::like_contains(&name))
                    .push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?;
    fill_people(ctx, &mut page.items).await?;
    restricted::audit_list(ctx, "accountability_case", &p.query_with(&[])).await?;
    Ok(page)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Case> {
    let c: Case = restricted::get_one(ctx, &format!("SELECT {COLS} {FROM}"), "c.id", id, "accountability_case").await?;
    let mut v = [c];
    fill_people(ctx, &mut v).await?;
    let [c] = v;
    Ok(c)
}

pub struct CaseInput {
    pub person_ids: Vec<i64>,
    pub category: String,
    pub facts: String,
    pub handling: String,
    pub decided_on: Option<String>,
    pub status: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<CaseInput> {
    let mut c = FormCheck::new();
    let mut person_ids = f.ids("person_ids", 50);
    person_ids.sort_unstable();
    person_ids.dedup();
    if person_ids.is_empty() {
        c.add("person_ids", "请选择被问责人员");
    }
    let category = c.choice("category", "问题类别", &f.get("category"), CASE_CATEGORIES);
    let facts = c.long_text("facts", "主要事实", &f.get("facts"), 5000, true);
    let handling = c.choice("handling", "处理方式", &f.get("handling"), HANDLINGS);
    let status = c.choice("status", "状态", &f.get("status"), CASE_STATUSES);
    let decided = c.date("decided_on", "处理决定日期", &f.get("decided_on"), status != "investigating");
    if decided.is_some_and(|d| d > today) {
        c.add("decided_on", "处理决定日期不能晚于今天");
    }
    c.finish()?;
    Ok(CaseInput {
        person_ids,
        category,
        facts,
        handling,
        decided_on: decided.map(|d| d.to_string()),
        status,
        version: f.get("version").trim().parse().ok(),
    })
}

/// Every person in the caller's scope and of one prison; the case belongs to the first one's unit.
async fn unit_of_people(ctx: &Ctx, ids: &[i64]) -> AppResult<i64> {
    let user = ctx.user()?;
    let mut q =
        Sql::new("SELECT p.id, p.unit_id, u.prison_id FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*id);
    }
    q.push(") AND ");
    user.scope.push_condition(&mut q, "p.unit_id", None);
    q.push(" ORDER BY p.id");
    let rows: Vec<(i64, i64, Option<i64>)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let prisons: std::collections::BTreeSet<Option<i64>> = rows.iter().map(|r| r.2).collect();
    if rows.len() != ids.len() || prisons.len() != 1 {
        return Err(AppError::field("person_ids", "被问责人员须为同一监狱、在您管理范围内的人员"));
    }
    Ok(rows[0].1)
}

async fn next_case_no(ctx: &Ctx, tx: &mut platform::db::Tx, year: &str) -> AppResult<String> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM accountability_cases WHERE case_no LIKE $1")
        .bind(format!("WZ-{year}-%"))
        .fetch_one(&mut **tx)
        .await?;
    let _ = ctx;
    Ok(format!("WZ-{year}-{:03}", n + 1))
}

async fn write_people(tx: &mut platform::db::Tx, id: i64, ids: &[i64]) -> AppResult<()> {
    sqlx::query("DELETE FROM case_people WHERE case_id = $1").bind(id).execute(&mut **tx).await?;
    for p in ids {
        sqlx::query("INSERT INTO case_people (case_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*p)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn create(ctx: &Ctx, i: &CaseInput) -> AppResult<i64> {
    restricted::reader(ctx)?;
    let unit = unit_of_people(ctx, &i.person_ids).await?;
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let mut tx = ctx.state.db.begin().await?;
    let case_no = next_case_no(ctx, &mut tx, &today.year().to_string()).await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accountability_cases (unit_id, label, case_no, category, facts, handling, decided_on, status, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
    )
    .bind(unit)
    .bind(RESTRICTED)
    .bind(&case_no)
    .bind(&i.category)
    .bind(&i.facts)
    .bind(&i.handling)
    .bind(i.decided_on.clone())
    .bind(&i.status)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_people(&mut tx, id, &i.person_ids).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "accountability_case", id).detail(case_no)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &CaseInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = unit_of_people(ctx, &i.person_ids).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE accountability_cases SET unit_id = $1, category = $2, facts = $3, handling = $4, decided_on = $5, status = $6, \
         version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(unit)
    .bind(&i.category)
    .bind(&i.facts)
    .bind(&i.handling)
    .bind(i.decided_on.clone())
    .bind(&i.status)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    write_people(&mut tx, id, &i.person_ids).await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("update", "accountability_case", id).detail(before.case_no))
        .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "cases_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Case>,
    offset: i64,
    pager: Pager,
    export_q: String,
    categories: Codes,
    handlings: Codes,
    statuses: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/integrity/cases", "问责案件", &[("清廉建设", ""), ("问责案件", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        categories: CASE_CATEGORIES,
        handlings: HANDLINGS,
        statuses: CASE_STATUSES,
        can_edit: ctx.can(DISCIPLINE_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["案件编号", "被问责人员", "单位", "问题类别", "处理方式", "决定日期", "状态", "主要事实"];
    platform::ledger::export_list(
        &ctx,
        "问责案件",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |c| {
            vec![
                Cell::from(c.case_no.clone()),
                Cell::from(c.people_text()),
                Cell::from(c.unit_name.clone()),
                Cell::from(c.category_label()),
                Cell::from(c.handling_label()),
                Cell::from(c.decided_on.clone().unwrap_or_default()),
                Cell::from(c.status_label()),
                Cell::from(c.facts.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "case_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    people: Vec<(i64, String)>,
    categories: Codes,
    handlings: Codes,
    statuses: Codes,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改问责案件" } else { "登记问责案件" };
    let frame =
        Frame::new(ctx, title, "/integrity/cases", &[("清廉建设", ""), ("问责案件", "/integrity/cases"), (title, "")]);
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT p.id, p.name || '（' || u.name || ' ' || p.post || '）' FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE p.employment_status = 'active' AND u.prison_id = ",
    );
    q.bind(user.prison_id.unwrap_or(-1)).push(" AND ");
    user.scope.push_condition(&mut q, "p.unit_id", None);
    q.push(" ORDER BY u.sort_order, p.name LIMIT 2000");
    let people = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            people,
            categories: CASE_CATEGORIES,
            handlings: HANDLINGS,
            statuses: CASE_STATUSES,
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    form(&ctx, None, FormPairs::from(vec![("status".into(), "investigating".into())]), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/integrity/cases/{id}"), "问责案件已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let mut pairs = vec![
        ("category".to_string(), c.category),
        ("facts".to_string(), c.facts),
        ("handling".to_string(), c.handling),
        ("decided_on".to_string(), c.decided_on.unwrap_or_default()),
        ("status".to_string(), c.status),
        ("version".to_string(), c.version.to_string()),
    ];
    pairs.extend(c.people.iter().map(|(p, ..)| ("person_ids".to_string(), p.to_string())));
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/integrity/cases/{id}"), "问责案件已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "case_view.html")]
struct ViewPage {
    frame: Frame,
    c: Case,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let files = platform::attachments::list_for(&ctx, "accountability_case", id).await?;
    let frame = Frame::new(
        &ctx,
        &c.case_no,
        "/integrity/cases",
        &[("清廉建设", ""), ("问责案件", "/integrity/cases"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, c, files, can_edit: ctx.can(DISCIPLINE_EDIT) }).into_response())
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
    let i = parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let i = parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A case's files: only someone who may read the case (permission, scope and clearance).
pub struct CaseAttachments;

impl AttachmentOwner for CaseAttachments {
    fn view_perm(&self) -> &'static str {
        DISCIPLINE_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        DISCIPLINE_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/integrity/cases/{owner_id}")
    }
    fn labelled(&self) -> bool {
        true
    }
}
