//! 学习材料: speeches, documents and texts studied, searchable in Chinese; each meeting's agenda
//! links the materials it studied, which gives the follow-up latency.

use crate::domain::*;
use crate::{STUDY_EDIT, STUDY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(STUDY_VIEW), Need::Perm(STUDY_EDIT));
    r.get("/study/materials", view, "学习材料", list_page)
        .get("/study/materials/new", edit, "新增学习材料页", new_page)
        .post("/study/materials", edit, "新增学习材料", create_page)
        .get("/study/materials/{id}", view, "学习材料详情", view_page)
        .get("/study/materials/{id}/edit", edit, "修改学习材料页", edit_page)
        .post("/study/materials/{id}/edit", edit, "修改学习材料", update_page)
        .post("/study/materials/{id}/delete", edit, "删除学习材料（未被会议学习的）", delete_page)
        .get("/api/v1/study_materials", view, "学习材料列表", api_list)
        .post("/api/v1/study_materials", edit, "新增学习材料", api_create)
        .get("/api/v1/study_materials/{id}", view, "学习材料详情", api_get)
        .put(
            "/api/v1/study_materials/{id}",
            edit,
            "修改学习材料（kind, title, speaker, published_on, source, full_text, version）",
            api_update,
        )
        .delete("/api/v1/study_materials/{id}", edit, "删除学习材料（未被会议学习的）", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Material {
    pub id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub title: String,
    pub speaker: String,
    pub published_on: String,
    pub source: String,
    pub full_text: String,
    pub version: i64,
    /// How many meetings studied it.
    pub studied: i64,
}

impl Material {
    pub fn kind_label(&self) -> &'static str {
        label(MATERIAL_KINDS, &self.kind)
    }
}

const COLS: &str = "m.id, m.unit_id, m.kind, m.title, m.speaker, m.published_on, m.source, m.full_text, m.version, \
    (SELECT count(DISTINCT a.meeting_id) FROM agenda_items a WHERE a.material_id = m.id) AS studied";
const SORTS: &[(&str, &str)] = &[("published_on", "m.published_on"), ("title", "m.title")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Material>> {
    let user = ctx.user()?;
    let (kw, kind) = (p.get("keyword").to_string(), p.get("kind").to_string());
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "m.published_on DESC".into();
    }
    Ok(fetch_page::<Material>(
        &ctx.state.db,
        COLS,
        "m.id",
        |q: &mut Sql| {
            q.push("FROM study_materials m WHERE ");
            user.scope.push_condition(q, "m.unit_id", None);
            if !kw.is_empty() {
                let like = like_contains(&kw);
                q.push(" AND (m.title LIKE ")
                    .bind(like.clone())
                    .push(" ESCAPE '\\' OR m.speaker LIKE ")
                    .bind(like)
                    .push(" ESCAPE '\\')");
            }
            if !kind.is_empty() {
                q.push(" AND m.kind = ").bind(kind.clone());
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Material> {
    let select = format!("SELECT {COLS} FROM study_materials m");
    platform::ledger::get_in_scope(ctx, &select, "m.id", id, "m.unit_id", None, "study_material").await
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MaterialForm {
    pub kind: String,
    pub title: String,
    pub speaker: String,
    pub published_on: String,
    pub source: String,
    pub full_text: String,
    pub version: String,
}

struct Checked {
    kind: String,
    title: String,
    speaker: String,
    published_on: String,
    source: String,
    full_text: String,
}

fn check(f: &MaterialForm) -> AppResult<Checked> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "类别", &f.kind, MATERIAL_KINDS);
    let title = c.text("title", "标题", &f.title, 200, true);
    let speaker = c.text("speaker", "讲话人或发文单位", &f.speaker, 60, false);
    let published = c.date("published_on", "发表日期", &f.published_on, true);
    let source = c.text("source", "来源", &f.source, 200, false);
    let full_text = c.long_text("full_text", "全文", &f.full_text, 200_000, false);
    c.finish()?;
    Ok(Checked {
        kind,
        title,
        speaker,
        published_on: published.map(|d| d.to_string()).unwrap_or_default(),
        source,
        full_text,
    })
}

/// Materials belong to the creator's prison (or unit when not in one) so every branch can study them.
pub async fn create(ctx: &Ctx, f: &MaterialForm) -> AppResult<i64> {
    let m = check(f)?;
    let user = ctx.user()?;
    let unit = user.prison_id.unwrap_or(user.unit_id);
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO study_materials (unit_id, kind, title, speaker, published_on, source, full_text, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(unit)
    .bind(&m.kind)
    .bind(&m.title)
    .bind(&m.speaker)
    .bind(&m.published_on)
    .bind(&m.source)
    .bind(&m.full_text)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    platform::search::index(&mut tx, "study_material", id, unit, &m.title, &format!("{} {}", m.speaker, m.full_text))
        .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "study_material", id).detail(m.title.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, f: &MaterialForm) -> AppResult<()> {
    let current = get(ctx, id).await?;
    let m = check(f)?;
    let version: i64 = f.version.trim().parse().map_err(|_| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE study_materials SET kind = $1, title = $2, speaker = $3, published_on = $4, source = $5, full_text = $6, \
         version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(&m.kind)
    .bind(&m.title)
    .bind(&m.speaker)
    .bind(&m.published_on)
    .bind(&m.source)
    .bind(&m.full_text)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    platform::search::index(
        &mut tx,
        "study_material",
        id,
        current.unit_id,
        &m.title,
        &format!("{} {}", m.speaker, m.full_text),
    )
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "study_material", id).detail(m.title)).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a material no meeting has studied. One a meeting's agenda links is part of that
/// meeting's record (and of the follow-up figures): it is refused with how many meetings studied it.
pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let m = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    // Counted again inside the write: a meeting saved since `get` read it must not lose its link.
    let studied: i64 = sqlx::query_scalar("SELECT count(DISTINCT meeting_id) FROM agenda_items WHERE material_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if studied > 0 {
        return Err(AppError::Conflict(format!(
            "学习材料“{}”已有 {studied} 次会议学习，是会议记录的一部分，不能删除；内容有误的请修改",
            m.title
        )));
    }
    sqlx::query("DELETE FROM study_materials WHERE id = $1").bind(id).execute(&mut *tx).await?;
    platform::search::remove(&mut tx, "study_material", id).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "study_material", id).detail(m.title)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "materials_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Material>,
    offset: i64,
    pager: Pager,
    kinds: Codes,
    can_edit: bool,
    /// The slowest organisations over the last year: (organisation, average days, materials).
    slowest: Vec<(String, i64, i64)>,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/study/materials", "学习材料", &[("学习教育", ""), ("学习材料", "")]);
    let today = platform::clock::today(&ctx.state.clock);
    let mut slowest =
        crate::figures::slowest_orgs(&ctx, today.saturating_sub(jiff::Span::new().years(1)), today).await?;
    slowest.truncate(10);
    let can_edit = ctx.can(STUDY_EDIT);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, kinds: MATERIAL_KINDS, can_edit, slowest })
        .into_response())
}

#[derive(Template)]
#[template(path = "material_form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    f: MaterialForm,
    errors: FieldErrors,
    kinds: Codes,
}

fn form(ctx: &Ctx, id: Option<i64>, f: MaterialForm, errors: FieldErrors) -> Response {
    let title = if id.is_none() { "新增学习材料" } else { "修改学习材料" };
    let frame =
        Frame::new(ctx, title, "/study/materials", &[("学习教育", ""), ("学习材料", "/study/materials"), (title, "")]);
    let action = id.map(|i| format!("/study/materials/{i}/edit")).unwrap_or_else(|| "/study/materials".into());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, Html(FormPage { frame, action, f, errors, kinds: MATERIAL_KINDS })).into_response()
}

async fn new_page(ctx: Ctx) -> Response {
    form(&ctx, None, MaterialForm { kind: "speech".into(), ..Default::default() }, FieldErrors::new())
}

async fn create_page(ctx: Ctx, f: axum::Form<MaterialForm>) -> AppResult<Response> {
    match create(&ctx, &f).await {
        Ok(id) => Ok(redirect_with_flash(&format!("/study/materials/{id}"), "学习材料已新增")),
        Err(AppError::Validation(e)) => Ok(form(&ctx, None, f.0, e)),
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let m = get(&ctx, id).await?;
    let f = MaterialForm {
        kind: m.kind,
        title: m.title,
        speaker: m.speaker,
        published_on: m.published_on,
        source: m.source,
        full_text: m.full_text,
        version: m.version.to_string(),
    };
    Ok(form(&ctx, Some(id), f, FieldErrors::new()))
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, f: axum::Form<MaterialForm>) -> AppResult<Response> {
    match update(&ctx, id, &f).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/study/materials/{id}"), "学习材料已保存")),
        Err(AppError::Validation(e)) => Ok(form(&ctx, Some(id), f.0, e)),
        Err(AppError::Conflict(m)) => {
            let mut e = FieldErrors::new();
            e.insert("_form".into(), m);
            Ok(form(&ctx, Some(id), f.0, e))
        }
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match delete(&ctx, id).await {
        Ok(()) => Ok(redirect_with_flash("/study/materials", "学习材料已删除")),
        Err(AppError::Conflict(msg)) => Ok(redirect_with_flash(&format!("/study/materials/{id}"), &msg)),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "material_view.html")]
struct ViewPage {
    frame: Frame,
    m: Material,
    /// (org name, first studied on, days after publication)
    latency: Vec<(String, String, i64)>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let m = get(&ctx, id).await?;
    let latency = crate::rules::latency(&ctx, &m).await?;
    let frame = Frame::new(
        &ctx,
        &m.title,
        "/study/materials",
        &[("学习教育", ""), ("学习材料", "/study/materials"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, m, latency, can_edit: ctx.can(STUDY_EDIT) }).into_response())
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
    let f: MaterialForm = platform::web::form::form_from_json(b)?;
    let id = create(&ctx, &f).await?;
    Ok((StatusCode::CREATED, Json(get(&ctx, id).await?)).into_response())
}

async fn api_update(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f: MaterialForm = platform::web::form::form_from_json(b)?;
    update(&ctx, id, &f).await?;
    Ok(Json(get(&ctx, id).await?).into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
