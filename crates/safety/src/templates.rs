//! 检查项目模板: the check items of each inspection kind, so an inspection is a checklist and not
//! free text. Editing a template changes later inspections only: each inspection keeps a copy of
//! the items it was made with.

use crate::domain::*;
use crate::shared::JsonBody;
use crate::{SAFETY_CONFIG, SAFETY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::error::FieldErrors;
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::{FormCheck, Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, config) = (Need::Perm(SAFETY_VIEW), Need::Perm(SAFETY_CONFIG));
    r.get("/safety/check_items", view, "检查项目模板（kind）", list_page)
        .get("/safety/check_items/new", config, "新增检查项目页", new_page)
        .post("/safety/check_items", config, "新增检查项目", create_page)
        .get("/safety/check_items/{id}/edit", config, "修改检查项目页", edit_page)
        .post("/safety/check_items/{id}", config, "修改检查项目（停用的不再列入新的检查）", update_page)
        .get("/api/v1/check_items", view, "检查项目模板（kind；all=1 含已停用）", api_list)
        .post("/api/v1/check_items", config, "新增检查项目（kind, item, position）", api_create)
        .put("/api/v1/check_items/{id}", config, "修改检查项目（item, position, active, version）", api_update)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CheckItem {
    pub id: i64,
    pub kind: String,
    pub position: i64,
    pub item: String,
    pub active: i64,
    pub version: i64,
}

impl CheckItem {
    pub fn kind_label(&self) -> &'static str {
        label(INSPECTION_KINDS, &self.kind)
    }
}

const COLS: &str = "SELECT id, kind, position, item, active, version FROM check_items";

/// The items of a kind (only the active ones unless `all`), in order.
pub async fn items(ctx: &Ctx, kind: &str, all: bool) -> AppResult<Vec<CheckItem>> {
    let sql =
        format!("{COLS} WHERE kind = $1{} ORDER BY position, id LIMIT 200", if all { "" } else { " AND active = 1" });
    Ok(sqlx::query_as(platform::db::AssertSqlSafe(sql)).bind(kind).fetch_all(&ctx.state.db.pool).await?)
}

async fn get(ctx: &Ctx, id: i64) -> AppResult<CheckItem> {
    sqlx::query_as(platform::db::AssertSqlSafe(format!("{COLS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

struct ItemInput {
    kind: String,
    item: String,
    position: i64,
    active: bool,
    version: Option<i64>,
}

fn parse(f: &FormPairs) -> AppResult<ItemInput> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "检查类别", &f.get("kind"), INSPECTION_KINDS);
    let item = c.text("item", "检查项目", &f.get("item"), 200, true);
    let position = c.int("position", "序号", &f.get("position"), 0, 999);
    let active = f.get("active") != "0";
    c.finish()?;
    Ok(ItemInput { kind, item, position, active, version: f.get("version").trim().parse().ok() })
}

async fn create(ctx: &Ctx, i: &ItemInput) -> AppResult<i64> {
    let mut tx = ctx.state.db.begin().await?;
    let position = if i.position > 0 {
        i.position
    } else {
        sqlx::query_scalar("SELECT coalesce(max(position), 0) + 1 FROM check_items WHERE kind = $1")
            .bind(&i.kind)
            .fetch_one(&mut *tx)
            .await?
    };
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO check_items (kind, position, item, active, created_at, updated_at) VALUES ($1,$2,$3,1,$4,$4) RETURNING id",
    )
    .bind(&i.kind)
    .bind(position)
    .bind(&i.item)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{}：{}", label(INSPECTION_KINDS, &i.kind), i.item);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "check_item", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The kind of an item never changes (inspections made from it keep their copies anyway).
async fn update(ctx: &Ctx, id: i64, i: &ItemInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE check_items SET item = $1, position = $2, active = $3, version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6",
    )
    .bind(&i.item)
    .bind(if i.position > 0 { i.position } else { before.position })
    .bind(i64::from(i.active))
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail = format!("{}：{}{}", before.kind_label(), i.item, if i.active { "" } else { "（停用）" });
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "check_item", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "check_items.html")]
struct ListPage {
    frame: Frame,
    kind: String,
    kinds: Codes,
    rows: Vec<CheckItem>,
    can_config: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let kind = q
        .get("kind")
        .filter(|k| INSPECTION_KINDS.iter().any(|(c, _)| c == k))
        .cloned()
        .unwrap_or_else(|| "fire".into());
    let rows = items(&ctx, &kind, true).await?;
    let frame = Frame::new(&ctx, "检查项目模板", "/safety/check_items", &[("安保维稳", ""), ("检查项目模板", "")]);
    Ok(Html(ListPage { frame, kind, kinds: INSPECTION_KINDS, rows, can_config: ctx.can(SAFETY_CONFIG) })
        .into_response())
}

#[derive(Template)]
#[template(path = "check_item_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    kinds: Codes,
}

fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> Response {
    let title = if id.is_some() { "修改检查项目" } else { "新增检查项目" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/check_items",
        &[("安保维稳", ""), ("检查项目模板", "/safety/check_items"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, Html(FormPage { frame, id, f, errors, kinds: INSPECTION_KINDS })).into_response()
}

async fn new_page(ctx: Ctx, q: Q) -> Response {
    let kind = q.get("kind").cloned().unwrap_or_else(|| "fire".into());
    form(&ctx, None, FormPairs::from(vec![("kind".to_string(), kind)]), FieldErrors::new())
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await.map(|_| i.kind),
        Err(e) => Err(e),
    };
    match res {
        Ok(kind) => Ok(redirect_with_flash(&format!("/safety/check_items?kind={kind}"), "检查项目已新增")),
        Err(AppError::Validation(errors)) => Ok(form(&ctx, None, f, errors)),
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let i = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("kind".to_string(), i.kind),
        ("item".to_string(), i.item),
        ("position".to_string(), i.position.to_string()),
        ("active".to_string(), i.active.to_string()),
        ("version".to_string(), i.version.to_string()),
    ]);
    Ok(form(&ctx, Some(id), f, FieldErrors::new()))
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let before = get(&ctx, id).await?;
    let res = match parse(&merge_kind(&f, &before.kind)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/check_items?kind={}", before.kind), "检查项目已修改")),
        Err(AppError::Validation(errors)) => Ok(form(&ctx, Some(id), f, errors)),
        Err(e) => Err(e),
    }
}

/// The posted fields with the item's own kind (which the form does not change).
fn merge_kind(f: &FormPairs, kind: &str) -> FormPairs {
    let mut pairs: Vec<(String, String)> =
        ["item", "position", "active", "version"].iter().map(|k| (k.to_string(), f.get(k))).collect();
    pairs.push(("kind".to_string(), kind.to_string()));
    FormPairs::from(pairs)
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let kind = q.get("kind").cloned().unwrap_or_default();
    if !INSPECTION_KINDS.iter().any(|(c, _)| *c == kind) {
        return Err(AppError::BadRequest("kind 须为检查类别代码".into()));
    }
    let items = items(&ctx, &kind, q.get("all").is_some_and(|v| v == "1")).await?;
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": 200 })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = parse(&pairs_from_json(b)?)?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let before = get(&ctx, id).await?;
    let i = parse(&merge_kind(&pairs_from_json(b)?, &before.kind))?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
