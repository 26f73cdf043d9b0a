//! 培训类别: the training catalogue, the seed's list by default (安全生产标准化创建, 心理健康, 依法治监,
//! 管教业务, 新闻视角与写作, 消防知识, 网络安全, 交通安全, 安全生产, 党务知识, 专兼职纪检干部), kept
//! by the party office: added, renamed, reordered, stopped (停用) when no longer offered, and
//! deleted only while no training uses it.

use crate::shared::json_pairs;
use crate::{TRAINING_KINDS, TRAINING_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::error::FieldErrors;
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::{FormCheck, Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(TRAINING_VIEW), Need::Perm(TRAINING_KINDS));
    r.get("/training/kinds", view, "培训类别目录", list_page)
        .post("/training/kinds", edit, "新增培训类别", create_page)
        .get("/training/kinds/{id}/edit", edit, "修改培训类别页", edit_page)
        .post("/training/kinds/{id}", edit, "修改培训类别（含停用、启用）", update_page)
        .post("/training/kinds/{id}/delete", edit, "删除培训类别（未被使用的）", delete_page)
        .get("/api/v1/training_kinds", view, "培训类别目录（含各类别培训次数）", api_list)
        .post("/api/v1/training_kinds", edit, "新增培训类别（name, description, sort_order）", api_create)
        .put(
            "/api/v1/training_kinds/{id}",
            edit,
            "修改培训类别（name, description, sort_order, active, version）",
            api_update,
        )
        .delete("/api/v1/training_kinds/{id}", edit, "删除培训类别（未被使用的）", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Kind {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub sort_order: i64,
    pub active: i64,
    /// Trainings of this kind (all units, all years).
    pub trainings: i64,
    pub version: i64,
}

const SELECT: &str = "SELECT k.id, k.name, k.description, k.sort_order, k.active, \
    (SELECT count(*) FROM trainings t WHERE t.kind_id = k.id) AS trainings, k.version FROM training_kinds k";

pub async fn list(ctx: &Ctx) -> AppResult<Vec<Kind>> {
    let sql = format!("{SELECT} ORDER BY k.sort_order, k.id LIMIT 500");
    Ok(sqlx::query_as(platform::db::AssertSqlSafe(sql)).fetch_all(&ctx.state.db.pool).await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Kind> {
    let sql = format!("{SELECT} WHERE k.id = $1");
    sqlx::query_as(platform::db::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

struct KindInput {
    name: String,
    description: String,
    sort_order: i64,
    active: bool,
    version: Option<i64>,
}

fn parse(f: &FormPairs) -> AppResult<KindInput> {
    let mut c = FormCheck::new();
    let name = c.text("name", "类别名称", &f.get("name"), 50, true);
    let description = c.text("description", "说明", &f.get("description"), 200, false);
    let sort_order = c.int("sort_order", "排序", &f.get("sort_order"), 0, 100_000);
    c.finish()?;
    let active = f.get("active");
    Ok(KindInput {
        name,
        description,
        sort_order,
        active: active.trim().is_empty() || matches!(active.trim(), "1" | "true" | "on" | "yes"),
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check_name(ctx: &Ctx, name: &str, except: i64) -> AppResult<()> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM training_kinds WHERE name = $1 AND id <> $2")
        .bind(name)
        .bind(except)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if n > 0 { Err(AppError::field("name", format!("培训类别“{name}”已存在"))) } else { Ok(()) }
}

async fn create(ctx: &Ctx, i: &KindInput) -> AppResult<i64> {
    check_name(ctx, &i.name, 0).await?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO training_kinds (name, description, sort_order, active, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$5) RETURNING id",
    )
    .bind(&i.name)
    .bind(&i.description)
    .bind(i.sort_order)
    .bind(i64::from(i.active))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "training_kind", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

async fn update(ctx: &Ctx, id: i64, i: &KindInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    check_name(ctx, &i.name, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE training_kinds SET name = $1, description = $2, sort_order = $3, active = $4, version = version + 1, \
         updated_at = $5 WHERE id = $6 AND version = $7",
    )
    .bind(&i.name)
    .bind(&i.description)
    .bind(i.sort_order)
    .bind(i64::from(i.active))
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let state = |a: bool| if a { "启用" } else { "停用" };
    let detail = format!("{}（{}）→ {}（{}）", before.name, state(before.active == 1), i.name, state(i.active));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "training_kind", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let k = get(ctx, id).await?;
    if k.trainings > 0 {
        return Err(AppError::Conflict(format!(
            "培训类别“{}”已有 {} 次培训，不能删除；不再使用的请停用",
            k.name, k.trainings
        )));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM training_kinds WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "training_kind", id).detail(k.name)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "kinds.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Kind>,
    can_edit: bool,
    f: FormPairs,
    errors: FieldErrors,
}

async fn render_list(ctx: &Ctx, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(ctx, "培训类别", "/training/kinds", &[("教育培训", ""), ("培训类别", "")]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let rows = list(ctx).await?;
    Ok((status, Html(ListPage { frame, rows, can_edit: ctx.can(TRAINING_KINDS), f, errors })).into_response())
}

async fn list_page(ctx: Ctx) -> AppResult<Response> {
    let next: i64 =
        sqlx::query_scalar("SELECT coalesce(max(sort_order), 0) + 10 FROM training_kinds WHERE sort_order < 900")
            .fetch_one(&ctx.state.db.pool)
            .await?;
    render_list(&ctx, FormPairs::from(vec![("sort_order".to_string(), next.to_string())]), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(redirect_with_flash("/training/kinds", "培训类别已新增")),
        Err(AppError::Validation(errors)) => render_list(&ctx, f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "kind_form.html")]
struct FormPage {
    frame: Frame,
    id: i64,
    f: FormPairs,
    errors: FieldErrors,
}

async fn form(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(
        ctx,
        "修改培训类别",
        "/training/kinds",
        &[("教育培训", ""), ("培训类别", "/training/kinds"), ("修改", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, id, f, errors })).into_response())
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let k = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("name".to_string(), k.name.clone()),
        ("description".to_string(), k.description.clone()),
        ("sort_order".to_string(), k.sort_order.to_string()),
        ("active".to_string(), k.active.to_string()),
        ("version".to_string(), k.version.to_string()),
    ]);
    form(&ctx, id, f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash("/training/kinds", "培训类别已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match delete(&ctx, id).await {
        Ok(()) => Ok(redirect_with_flash("/training/kinds", "培训类别已删除")),
        Err(AppError::Conflict(msg)) => Ok(redirect_with_flash("/training/kinds", &msg)),
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx) -> AppResult<Response> {
    let items = list(&ctx).await?;
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    let id = create(&ctx, &parse(&f)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    update(&ctx, id, &parse(&f)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
