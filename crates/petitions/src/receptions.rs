//! 接访 (labelled): reception records — a leader's reception day, daily reception, an appointment
//! or a visit out with the case — who received whom, when and where, what was asked and answered,
//! and the petition it became or belongs to. The visitor's name and what was said are sealed.

use crate::domain::*;
use crate::restricted::{self, excerpt, push_visible};
use crate::{PETITION_EDIT, PETITION_VIEW, shared};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
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
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(PETITION_VIEW), Need::Perm(PETITION_EDIT));
    r.get("/petitions/receptions", view, "接访记录", list_page)
        .get("/petitions/receptions/export", view, "导出接访记录", export)
        .get("/petitions/receptions/new", edit, "登记接访页", new_page)
        .post("/petitions/receptions", edit, "登记接访", create_page)
        .get("/petitions/receptions/{id}", view, "接访记录详情", view_page)
        .get("/petitions/receptions/{id}/edit", edit, "修改接访记录页", edit_page)
        .post("/petitions/receptions/{id}", edit, "修改接访记录", update_page)
        .post("/petitions/receptions/{id}/delete", edit, "删除接访记录", delete_page)
        .get("/api/v1/petition_receptions", view, "接访记录列表（kind, outcome, from, to）", api_list)
        .post(
            "/api/v1/petition_receptions",
            edit,
            "登记接访（received_on, received_time, kind, receiver_id, place, visitors, visitor_name, content, outcome, petition_id, unit_id）",
            api_create,
        )
        .get("/api/v1/petition_receptions/{id}", view, "接访记录详情", api_get)
        .put("/api/v1/petition_receptions/{id}", edit, "修改接访记录（另加 version）", api_update)
        .delete("/api/v1/petition_receptions/{id}", edit, "删除接访记录", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Reception {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub label: i64,
    pub received_on: String,
    pub received_time: String,
    pub kind: String,
    pub receiver_id: Option<i64>,
    pub receiver_name: Option<String>,
    pub place: String,
    pub visitors: i64,
    pub visitor_masked: String,
    pub outcome: String,
    pub petition_id: Option<i64>,
    pub case_no: Option<String>,
    pub version: i64,
    #[serde(skip)]
    pub content_sealed: String,
    #[sqlx(skip)]
    pub content: String,
}

impl Reception {
    pub fn kind_label(&self) -> &'static str {
        label(RECEPTION_KINDS, &self.kind)
    }
    pub fn outcome_label(&self) -> &'static str {
        label(RECEPTION_OUTCOMES, &self.outcome)
    }
}

const COLS: &str = "r.id, r.unit_id, u.name AS unit_name, r.label, r.received_on, r.received_time, r.kind, r.receiver_id, \
    k.name AS receiver_name, r.place, r.visitors, r.visitor_name_masked AS visitor_masked, r.outcome, r.petition_id, \
    p.case_no, r.version, r.content_sealed";
const FROM: &str = "FROM petition_receptions r JOIN units u ON u.id = r.unit_id LEFT JOIN people k ON k.id = r.receiver_id \
    LEFT JOIN petitions p ON p.id = r.petition_id";
const SORTS: &[(&str, &str)] = &[("received_on", "r.received_on"), ("kind", "r.kind")];

pub async fn list(ctx: &Ctx, p: &ListParams, full: bool) -> AppResult<Paged<Reception>> {
    let user = restricted::reader(ctx)?;
    let (kind, outcome, from, to) =
        (p.get("kind").to_string(), p.get("outcome").to_string(), p.get("from").to_string(), p.get("to").to_string());
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "r.received_on DESC, r.received_time DESC".into();
    }
    let mut page = fetch_page::<Reception>(
        &ctx.state.db,
        COLS,
        "r.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_visible(q, user, "r.unit_id", "r.label");
            for (col, v) in [("r.kind", &kind), ("r.outcome", &outcome)] {
                if !v.is_empty() {
                    q.push(" AND ").push(col).push(" = ").bind(v.clone());
                }
            }
            if !from.is_empty() {
                q.push(" AND r.received_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND r.received_on <= ").bind(to.clone());
            }
        },
        &p,
    )
    .await?;
    for r in page.items.iter_mut() {
        let text = restricted::open(ctx, &r.content_sealed, "reception")?;
        r.content = if full { text } else { excerpt(&text, 50) };
    }
    restricted::audit_list(ctx, "petition_reception", &p.query_with(&[])).await?;
    Ok(page)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<(Reception, String)> {
    let mut r: Reception =
        restricted::get_one(ctx, &format!("SELECT {COLS} {FROM}"), "r", id, "petition_reception").await?;
    r.content = restricted::open(ctx, &r.content_sealed, "reception")?;
    let name: String = sqlx::query_scalar("SELECT visitor_name_sealed FROM petition_receptions WHERE id = $1")
        .bind(id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    Ok((r, restricted::open(ctx, &name, "reception")?))
}

pub struct ReceptionInput {
    pub unit_id: Option<i64>,
    pub received_on: jiff::civil::Date,
    pub received_time: String,
    pub kind: String,
    pub receiver_id: Option<i64>,
    pub place: String,
    pub visitors: i64,
    pub visitor_name: String,
    pub content: String,
    pub outcome: String,
    pub petition_id: Option<i64>,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<ReceptionInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "登记部门", &f.get("unit_id"));
    let day = c.date("received_on", "接访日期", &f.get("received_on"), true);
    if day.is_some_and(|d| d > today) {
        c.add("received_on", "接访日期不能晚于今天");
    }
    let received_time = shared::time_of_day(&mut c, "received_time", "接访时间", &f.get("received_time"));
    let kind = c.choice("kind", "接访方式", &f.get("kind"), RECEPTION_KINDS);
    let receiver_id = c.opt_id("receiver_id", "接访人", &f.get("receiver_id"));
    if receiver_id.is_none() {
        c.add("receiver_id", "请选择接访人");
    }
    let place = c.text("place", "接访地点", &f.get("place"), 100, false);
    let visitors = if f.get("visitors").trim().is_empty() {
        1
    } else {
        c.int("visitors", "来访人数", &f.get("visitors"), 1, 10_000)
    };
    let visitor_name = c.text("visitor_name", "来访人", &f.get("visitor_name"), 50, true);
    let content = c.long_text("content", "反映问题及答复", &f.get("content"), 5000, true);
    let outcome = c.choice("outcome", "处理结果", &f.get("outcome"), RECEPTION_OUTCOMES);
    let petition_id = c.opt_id("petition_id", "关联信访件", &f.get("petition_id"));
    c.finish()?;
    Ok(ReceptionInput {
        unit_id,
        received_on: day.unwrap_or(today),
        received_time,
        kind,
        receiver_id,
        place,
        visitors,
        visitor_name,
        content,
        outcome,
        petition_id,
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check(ctx: &Ctx, i: &ReceptionInput) -> AppResult<i64> {
    let unit = shared::unit_in_scope(ctx, i.unit_id).await?;
    if let Some(r) = i.receiver_id
        && !shared::person_ok(ctx, r).await?
    {
        return Err(AppError::field("receiver_id", "接访人须为本监狱在职人员"));
    }
    if let Some(p) = i.petition_id
        && !restricted::visible(ctx, "petitions", p).await?
    {
        return Err(AppError::field("petition_id", "请选择您可查看的信访件"));
    }
    Ok(unit)
}

pub async fn create(ctx: &Ctx, i: &ReceptionInput) -> AppResult<i64> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    let unit = check(ctx, i).await?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO petition_receptions (unit_id, label, received_on, received_time, kind, receiver_id, place, visitors, \
         visitor_name_sealed, visitor_name_masked, content_sealed, outcome, petition_id, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15) RETURNING id",
    )
    .bind(unit)
    .bind(RESTRICTED)
    .bind(i.received_on.to_string())
    .bind(&i.received_time)
    .bind(&i.kind)
    .bind(i.receiver_id)
    .bind(&i.place)
    .bind(i.visitors)
    .bind(restricted::seal(ctx, &i.visitor_name))
    .bind(mask_name(&i.visitor_name))
    .bind(restricted::seal(ctx, &i.content))
    .bind(&i.outcome)
    .bind(i.petition_id)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "petition_reception", id).detail(i.received_on.to_string()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &ReceptionInput) -> AppResult<()> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE petition_receptions SET unit_id = $1, received_on = $2, received_time = $3, kind = $4, receiver_id = $5, place = $6, \
         visitors = $7, visitor_name_sealed = $8, visitor_name_masked = $9, content_sealed = $10, outcome = $11, petition_id = $12, \
         version = version + 1, updated_at = $13 WHERE id = $14 AND version = $15",
    )
    .bind(unit)
    .bind(i.received_on.to_string())
    .bind(&i.received_time)
    .bind(&i.kind)
    .bind(i.receiver_id)
    .bind(&i.place)
    .bind(i.visitors)
    .bind(restricted::seal(ctx, &i.visitor_name))
    .bind(mask_name(&i.visitor_name))
    .bind(restricted::seal(ctx, &i.content))
    .bind(&i.outcome)
    .bind(i.petition_id)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "petition_reception", id)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM petition_receptions WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "petition_reception", id)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "receptions_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Reception>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
    outcomes: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p, false).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/petitions/receptions", "接访记录", &[("安保维稳", ""), ("接访记录", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: RECEPTION_KINDS,
        outcomes: RECEPTION_OUTCOMES,
        can_edit: ctx.can(PETITION_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["接访时间", "方式", "接访人", "地点", "来访人", "人数", "反映问题及答复", "处理结果", "关联信访件"];
    platform::ledger::export_list(
        &ctx,
        "接访记录",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p, true)),
        |r| {
            vec![
                Cell::from(format!("{} {}", r.received_on, r.received_time).trim().to_string()),
                Cell::from(r.kind_label()),
                Cell::from(r.receiver_name.clone().unwrap_or_default()),
                Cell::from(r.place.clone()),
                Cell::from(r.visitor_masked.clone()),
                Cell::Int(r.visitors),
                Cell::from(r.content.clone()),
                Cell::from(r.outcome_label()),
                Cell::from(r.case_no.clone().unwrap_or_default()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "reception_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    kinds: Codes,
    outcomes: Codes,
    today: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改接访记录" } else { "登记接访" };
    let frame = Frame::new(
        ctx,
        title,
        "/petitions/receptions",
        &[("安保维稳", ""), ("接访记录", "/petitions/receptions"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        frame,
        id,
        f,
        errors,
        units: shared::departments(ctx).await?,
        people: shared::prison_people(ctx, true).await?,
        kinds: RECEPTION_KINDS,
        outcomes: RECEPTION_OUTCOMES,
        today: platform::clock::today(&ctx.state.clock).to_string(),
    };
    Ok((status, Html(page)).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let pairs = vec![
        ("received_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
        ("kind".to_string(), "daily".to_string()),
        ("outcome".to_string(), "answered".to_string()),
        ("visitors".to_string(), "1".to_string()),
        ("unit_id".to_string(), user.unit_id.to_string()),
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
        Ok(id) => Ok(redirect_with_flash(&format!("/petitions/receptions/{id}"), "接访记录已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (r, name) = get(&ctx, id).await?;
    let pairs = vec![
        ("unit_id".to_string(), r.unit_id.to_string()),
        ("received_on".to_string(), r.received_on),
        ("received_time".to_string(), r.received_time),
        ("kind".to_string(), r.kind),
        ("receiver_id".to_string(), r.receiver_id.map(|x| x.to_string()).unwrap_or_default()),
        ("place".to_string(), r.place),
        ("visitors".to_string(), r.visitors.to_string()),
        ("visitor_name".to_string(), name),
        ("content".to_string(), r.content),
        ("outcome".to_string(), r.outcome),
        ("petition_id".to_string(), r.petition_id.map(|x| x.to_string()).unwrap_or_default()),
        ("version".to_string(), r.version.to_string()),
    ];
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/petitions/receptions/{id}"), "接访记录已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "reception_view.html")]
struct ViewPage {
    frame: Frame,
    r: Reception,
    visitor: String,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (r, visitor) = get(&ctx, id).await?;
    let frame = Frame::new(
        &ctx,
        "接访记录详情",
        "/petitions/receptions",
        &[("安保维稳", ""), ("接访记录", "/petitions/receptions"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, r, visitor, can_edit: ctx.can(PETITION_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/petitions/receptions", "接访记录已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true), true).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (r, visitor) = get(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "reception": r, "visitor_name": visitor })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
