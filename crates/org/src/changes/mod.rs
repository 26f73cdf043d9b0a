//! 职务调整: the personnel-change ledger, recording a change (which moves the person to the new
//! state), undoing the latest one, export, and the API.

pub mod service;

use crate::domain::*;
use crate::{PERSON_VIEW, PERSONNEL_EDIT};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::list::{ListScreen, Pager};
use platform::web::{Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{Change, ChangeForm, SORTS};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(PERSON_VIEW), Need::Perm(PERSONNEL_EDIT));
    r.get("/org/changes", view, "职务调整台账", list_page)
        .get("/org/changes/export", view, "导出职务调整", export)
        .get("/org/changes/new", edit, "录入职务调整页", new_page)
        .post("/org/changes", edit, "录入职务调整", create_page)
        .post("/org/changes/{id}/delete", edit, "撤销最近一次调整", delete_page)
        .get("/api/v1/personnel_changes", view, "职务调整列表", api_list)
        .post("/api/v1/personnel_changes", edit, "录入职务调整", api_create)
        .delete("/api/v1/personnel_changes/{id}", edit, "撤销该人员最近一次调整", api_delete)
}

#[derive(Template)]
#[template(path = "changes_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Change>,
    offset: i64,
    pager: Pager,
    kinds: Codes,
    levels: Codes,
    can_edit: bool,
    export_q: String,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/org/changes", "职务调整", &[("组织与队伍", ""), ("职务调整", "")]);
    let can_edit = ctx.can(PERSONNEL_EDIT);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: CHANGE_KINDS,
        levels: LEADERSHIP_LEVELS,
        can_edit,
        export_q,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["姓名", "类型", "生效日期", "文号", "岗位", "领导职务", "职务等级", "单位", "事由"];
    platform::ledger::export_list(
        &ctx,
        "职务调整",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(service::list(c, p)),
        |c| {
            vec![
                Cell::from(c.person_name.clone()),
                Cell::from(c.kind_label()),
                Cell::from(c.effective_on.clone()),
                Cell::from(c.doc_number.clone()),
                Cell::from(format!("{} → {}", c.before_post, c.after_post)),
                Cell::from(format!("{} → {}", c.before_level_label(), c.after_level_label())),
                Cell::from(format!("{} → {}", c.before_rank_label(), c.after_rank_label())),
                Cell::from(format!(
                    "{} → {}",
                    c.before_unit.clone().unwrap_or_default(),
                    c.after_unit.clone().unwrap_or_default()
                )),
                Cell::from(c.reason.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "change_form.html")]
struct FormPage {
    frame: Frame,
    f: ChangeForm,
    errors: FieldErrors,
    person: Option<crate::people::service::Person>,
    units: Vec<system::units::service::Unit>,
    kinds: Codes,
    levels: Codes,
    ranks: Codes,
}

async fn form(ctx: &Ctx, f: ChangeForm, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(
        ctx,
        "录入职务调整",
        "/org/changes",
        &[("组织与队伍", ""), ("职务调整", "/org/changes"), ("录入", "")],
    );
    let person = match f.person_id.trim().parse::<i64>() {
        Ok(id) => crate::people::service::get(ctx, id).await.ok(),
        Err(_) => None,
    };
    let units = system::units::service::tree(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage {
            frame,
            f,
            errors,
            person,
            units,
            kinds: CHANGE_KINDS,
            levels: LEADERSHIP_LEVELS,
            ranks: POLICE_RANKS,
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let f = ChangeForm {
        person_id: q.get("person").cloned().unwrap_or_default(),
        kind: "level_change".into(),
        ..Default::default()
    };
    form(&ctx, f, FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, f: axum::Form<ChangeForm>) -> AppResult<Response> {
    match service::create(&ctx, &f).await {
        Ok(_) => {
            Ok(redirect_with_flash(&format!("/org/people/{}", f.person_id.trim()), "职务调整已录入，人员信息已更新"))
        }
        Err(AppError::Validation(errors)) => form(&ctx, f.0, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match service::delete(&ctx, id).await {
        Ok(()) => Ok(redirect_with_flash("/org/changes", "已撤销该次调整，人员恢复到调整前的状态")),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash("/org/changes", &m)),
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, true);
    Ok(Json(service::list(&ctx, &p).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f: ChangeForm = platform::web::form::form_from_json(b)?;
    let id = service::create(&ctx, &f).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    service::delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
