//! Unit pages and API: parse, call the service, render.

use super::service::{self, KINDS, SORTS, Unit, UnitInput};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::attachments::{Attachment, list_for};
use platform::error::FieldErrors;
use platform::web::list::{ListScreen, Pager};
use platform::web::{Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

#[derive(Template)]
#[template(path = "units_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Unit>,
    offset: i64,
    pager: Pager,
    tree: Vec<Unit>,
    kinds: &'static [(&'static str, &'static str)],
    can_edit: bool,
    export_q: String,
}

pub async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let tree = service::tree(&ctx).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/system/units", "单位管理", &[("系统管理", ""), ("单位管理", "")]);
    let can_edit = ctx.can(platform::perm::UNIT_EDIT);
    Ok(Html(ListPage { frame, offset, rows: page.items, pager, tree, kinds: KINDS, can_edit, export_q, p })
        .into_response())
}

pub async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let page = service::list(&ctx, &p).await?;
    let tree = service::tree(&ctx).await?;
    let name_of =
        |id: Option<i64>| id.and_then(|i| tree.iter().find(|u| u.id == i)).map(|u| u.name.clone()).unwrap_or_default();
    let rows = page
        .items
        .iter()
        .map(|u| {
            vec![
                Cell::from(u.code.clone()),
                Cell::from(u.name.clone()),
                Cell::from(u.kind_name()),
                Cell::from(name_of(u.parent_id)),
                Cell::Int(u.sort_order),
                Cell::from(u.phone.clone()),
                Cell::from(u.description.clone()),
            ]
        })
        .collect();
    platform::ledger::export_xlsx(
        &ctx,
        "单位",
        &["单位编码", "单位名称", "类型", "上级单位", "排序", "联系电话", "职责简介"],
        rows,
        &filters,
    )
    .await
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    creating: bool,
    input: UnitInput,
    errors: FieldErrors,
    parents: Vec<Unit>,
    kinds: &'static [(&'static str, &'static str)],
}

async fn form(
    ctx: &Ctx,
    creating: bool,
    id: Option<i64>,
    input: UnitInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let title = if creating { "新增单位" } else { "修改单位" };
    let frame =
        Frame::new(ctx, title, "/system/units", &[("系统管理", ""), ("单位管理", "/system/units"), (title, "")]);
    let action = match id {
        Some(id) => format!("/system/units/{id}/edit"),
        None => "/system/units".into(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let parents = service::tree(ctx).await?.into_iter().filter(|u| u.kind != "department" || creating).collect();
    Ok((status, Html(FormPage { frame, action, creating, input, errors, parents, kinds: KINDS })).into_response())
}

pub async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let input = UnitInput {
        parent_id: q.get("parent").and_then(|v| v.parse().ok()),
        kind: "department".into(),
        ..Default::default()
    };
    form(&ctx, true, None, input, FieldErrors::new()).await
}

/// Form posts carry numbers as text: an empty or bad number must give a field error, not a 400.
#[derive(serde::Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    version: String,
}

impl UnitForm {
    fn input(&self) -> (UnitInput, FieldErrors) {
        let mut f = platform::web::FormCheck::new();
        let sort = f.int("sort_order", "排序", &self.sort_order, 0, 99_999);
        let input = UnitInput {
            parent_id: self.parent_id.trim().parse().ok(),
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            sort_order: Some(sort),
            phone: self.phone.clone(),
            description: self.description.clone(),
            version: self.version.trim().parse().ok(),
        };
        (input, f.errors)
    }
}

pub async fn create_page(ctx: Ctx, f: axum::Form<UnitForm>) -> AppResult<Response> {
    let (input, errors) = f.input();
    if !errors.is_empty() {
        return form(&ctx, true, None, input, errors).await;
    }
    match service::create(&ctx, &input).await {
        Ok(id) => Ok(redirect_with_flash(&format!("/system/units/{id}"), "单位已新增")),
        Err(AppError::Validation(errors)) => form(&ctx, true, None, input, errors).await,
        Err(e) => Err(e),
    }
}

pub async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let u = service::get(&ctx, id).await?;
    let input = UnitInput {
        parent_id: u.parent_id,
        code: u.code,
        name: u.name,
        kind: u.kind,
        sort_order: Some(u.sort_order),
        phone: u.phone,
        description: u.description,
        version: Some(u.version),
    };
    form(&ctx, false, Some(id), input, FieldErrors::new()).await
}

pub async fn update_page(ctx: Ctx, Path(id): Path<i64>, f: axum::Form<UnitForm>) -> AppResult<Response> {
    let (mut input, errors) = f.input();
    let current = service::get(&ctx, id).await?;
    input.code = current.code;
    input.kind = current.kind;
    input.parent_id = current.parent_id;
    if !errors.is_empty() {
        return form(&ctx, false, Some(id), input, errors).await;
    }
    match service::update(&ctx, id, &input).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/system/units/{id}"), "单位已保存")),
        Err(AppError::Validation(errors)) => form(&ctx, false, Some(id), input, errors).await,
        Err(AppError::Conflict(m)) => {
            let mut errors = FieldErrors::new();
            errors.insert("_form".into(), m);
            form(&ctx, false, Some(id), input, errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "unit_view.html")]
struct ViewPage {
    frame: Frame,
    u: Unit,
    parent_name: String,
    files: Vec<Attachment>,
    can_edit: bool,
}

pub async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let u = service::get(&ctx, id).await?;
    let parent_name = match u.parent_id {
        Some(pid) => service::get(&ctx, pid).await.map(|p| p.name).unwrap_or_else(|_| "（无权查看）".into()),
        None => "（顶层）".into(),
    };
    let files = list_for(&ctx, "unit", id).await?;
    let frame =
        Frame::new(&ctx, &u.name, "/system/units", &[("系统管理", ""), ("单位管理", "/system/units"), (&u.name, "")]);
    Ok(Html(ViewPage { frame, u, parent_name, files, can_edit: ctx.can(platform::perm::UNIT_EDIT) }).into_response())
}

/// Batch delete from the list: `ids` repeated in the form body.
pub async fn delete_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let ids = platform::web::form::FormPairs::parse(&body).ids("ids", 500);
    if ids.is_empty() {
        return Ok(redirect_with_flash("/system/units", "请至少选择一条记录"));
    }
    match service::delete(&ctx, &ids).await {
        Ok(n) => Ok(redirect_with_flash("/system/units", &format!("已删除 {n} 个单位"))),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash("/system/units", &m)),
        Err(e) => Err(e),
    }
}

pub async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, true);
    Ok(Json(service::list(&ctx, &p).await?).into_response())
}

pub async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Json(service::get(&ctx, id).await?).into_response())
}

fn json_body(body: Result<Json<UnitInput>, axum::extract::rejection::JsonRejection>) -> AppResult<UnitInput> {
    body.map(|b| b.0).map_err(|e| {
        AppError::BadRequest(format!(
            "请求体不是有效的单位 JSON：{}",
            e.body_text().chars().take(200).collect::<String>()
        ))
    })
}

pub async fn api_create(
    ctx: Ctx,
    body: Result<Json<UnitInput>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let input = json_body(body)?;
    let id = service::create(&ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(service::get(&ctx, id).await?)).into_response())
}

pub async fn api_update(
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Result<Json<UnitInput>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let input = json_body(body)?;
    service::update(&ctx, id, &input).await?;
    Ok(Json(service::get(&ctx, id).await?).into_response())
}

pub async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    service::delete(&ctx, &[id]).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
