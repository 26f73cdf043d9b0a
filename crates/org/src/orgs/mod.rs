//! 党组织: the organisation tree, its list, each organisation's page (officers, members,
//! elections), and the API.

pub mod service;

use crate::domain::ORG_KINDS;
use crate::{ORG_EDIT, ORG_VIEW};
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
use service::{Org, OrgForm, SORTS};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(ORG_VIEW), Need::Perm(ORG_EDIT));
    r.get("/org/orgs", view, "党组织列表", list_page)
        .get("/org/orgs/export", view, "导出党组织", export)
        .get("/org/orgs/new", edit, "新增党组织页", new_page)
        .post("/org/orgs", edit, "新增党组织", create_page)
        .get("/org/orgs/{id}", view, "党组织详情", view_page)
        .get("/org/orgs/{id}/edit", edit, "修改党组织页", edit_page)
        .post("/org/orgs/{id}/edit", edit, "修改党组织", update_page)
        .post("/org/orgs/{id}/units", edit, "设置覆盖单位", units_page)
        .get("/api/v1/party_orgs", view, "党组织列表", api_list)
        .post("/api/v1/party_orgs", edit, "新增党组织", api_create)
        .get("/api/v1/party_orgs/{id}", view, "党组织详情", api_get)
        .put("/api/v1/party_orgs/{id}", edit, "修改党组织（须带 version）", api_update)
        .put("/api/v1/party_orgs/{id}/units", edit, "设置覆盖单位（unit_ids）", api_units)
}

#[derive(Template)]
#[template(path = "orgs_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Org>,
    offset: i64,
    pager: Pager,
    tree: Vec<Org>,
    kinds: crate::domain::Codes,
    can_edit: bool,
    export_q: String,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let tree = service::tree(&ctx, false).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/org/orgs", "党组织", &[("组织与队伍", ""), ("党组织", "")]);
    let can_edit = ctx.can(ORG_EDIT);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, tree, kinds: ORG_KINDS, can_edit, export_q })
        .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["组织编码", "组织名称", "类型", "所属单位", "成立日期", "撤销日期", "党员数", "任期（年）"];
    platform::ledger::export_list(
        &ctx,
        "党组织",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(service::list(c, p)),
        |o| {
            vec![
                Cell::from(o.code.clone()),
                Cell::from(o.name.clone()),
                Cell::from(o.kind_label()),
                Cell::from(o.unit_name.clone()),
                Cell::from(o.founded_on.clone()),
                Cell::from(o.dissolved_on.clone()),
                Cell::Int(o.members),
                Cell::Int(o.term_years),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "org_form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    creating: bool,
    f: OrgForm,
    errors: FieldErrors,
    parents: Vec<Org>,
    units: Vec<system::units::service::Unit>,
    kinds: crate::domain::Codes,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: OrgForm, errors: FieldErrors) -> AppResult<Response> {
    let creating = id.is_none();
    let title = if creating { "新增党组织" } else { "修改党组织" };
    let frame = Frame::new(ctx, title, "/org/orgs", &[("组织与队伍", ""), ("党组织", "/org/orgs"), (title, "")]);
    let action = id.map(|i| format!("/org/orgs/{i}/edit")).unwrap_or_else(|| "/org/orgs".into());
    let parents = service::tree(ctx, true).await?;
    let units = system::units::service::tree(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, action, creating, f, errors, parents, units, kinds: ORG_KINDS }))
        .into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let parent = q.get("parent").cloned().unwrap_or_default();
    let user_unit = ctx.user()?.unit_id.to_string();
    let f = OrgForm {
        parent_id: parent,
        kind: "branch".into(),
        unit_id: user_unit,
        term_years: "3".into(),
        ..Default::default()
    };
    form(&ctx, None, f, FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, f: axum::Form<OrgForm>) -> AppResult<Response> {
    let res = match f.check() {
        Ok(i) => service::create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/org/orgs/{id}"), "党组织已新增")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f.0, errors).await,
        Err(e) => Err(e),
    }
}

fn to_form(o: &Org) -> OrgForm {
    OrgForm {
        parent_id: o.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind.clone(),
        unit_id: o.unit_id.to_string(),
        founded_on: o.founded_on.clone(),
        dissolved_on: o.dissolved_on.clone().unwrap_or_default(),
        term_years: o.term_years.to_string(),
        sort_order: o.sort_order.to_string(),
        description: o.description.clone(),
        version: o.version.to_string(),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let o = service::get(&ctx, id).await?;
    form(&ctx, Some(id), to_form(&o), FieldErrors::new()).await
}

/// The code, kind, parent and unit stay as founded: the form's values for them are ignored.
async fn update_page(ctx: Ctx, Path(id): Path<i64>, f: axum::Form<OrgForm>) -> AppResult<Response> {
    let current = service::get(&ctx, id).await?;
    let mut posted = f.0;
    let fixed = to_form(&current);
    (posted.code, posted.kind, posted.parent_id, posted.unit_id) =
        (fixed.code, fixed.kind, fixed.parent_id, fixed.unit_id);
    let res = match posted.check() {
        Ok(i) => service::update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/org/orgs/{id}"), "党组织已保存")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), posted, errors).await,
        Err(AppError::Conflict(m)) => {
            let mut errors = FieldErrors::new();
            errors.insert("_form".into(), m);
            form(&ctx, Some(id), posted, errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "org_view.html")]
struct ViewPage {
    frame: Frame,
    o: Org,
    parent_name: String,
    officers: Vec<crate::elections::service::Officer>,
    elections: Vec<crate::elections::service::Election>,
    children: Vec<Org>,
    can_edit: bool,
    /// (unit id, name, depth, covered)
    units: Vec<(i64, String, usize, bool)>,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let o = service::get(&ctx, id).await?;
    let parent_name = match o.parent_id {
        Some(pid) => service::get(&ctx, pid).await.map(|p| p.name).unwrap_or_default(),
        None => "（顶层）".into(),
    };
    let officers = crate::elections::service::officers(&ctx, id).await?;
    let mut raw = BTreeMap::new();
    raw.insert("org".to_string(), id.to_string());
    let ep = ListParams::parse(raw, crate::elections::service::SORTS, false);
    let elections = crate::elections::service::list(&ctx, &ep).await?.items;
    let children = service::tree(&ctx, false).await?.into_iter().filter(|c| c.parent_id == Some(id)).collect();
    let frame = Frame::new(&ctx, &o.name, "/org/orgs", &[("组织与队伍", ""), ("党组织", "/org/orgs"), (&o.name, "")]);
    let covered = service::covered_units(&ctx, id).await?;
    let units = system::units::service::tree(&ctx)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name.clone(), u.depth(), covered.iter().any(|(c, _)| *c == u.id)))
        .collect();
    Ok(Html(ViewPage { frame, o, parent_name, officers, elections, children, can_edit: ctx.can(ORG_EDIT), units })
        .into_response())
}

/// The units form posts `units` once per ticked box.
async fn units_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let units = platform::web::form::FormPairs::parse(&body).ids("units", 1000);
    match service::set_covered_units(&ctx, id, &units).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/org/orgs/{id}"), "覆盖单位已保存")),
        Err(AppError::Validation(f)) => {
            Ok(redirect_with_flash(&format!("/org/orgs/{id}"), &f.into_values().collect::<Vec<_>>().join("；")))
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
struct UnitsBody {
    unit_ids: Vec<i64>,
}

async fn api_units(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<UnitsBody>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let Json(b) = b.map_err(|_| AppError::BadRequest("请求体须为 {\"unit_ids\": [单位 id, …]}".into()))?;
    service::set_covered_units(&ctx, id, &b.unit_ids).await?;
    let covered = service::covered_units(&ctx, id).await?;
    let items: Vec<_> = covered.into_iter().map(|(id, name)| serde_json::json!({"id": id, "name": name})).collect();
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, true);
    Ok(Json(service::list(&ctx, &p).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Json(service::get(&ctx, id).await?).into_response())
}

type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

fn body(b: JsonBody) -> AppResult<OrgForm> {
    platform::web::form::form_from_json(b)
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let id = service::create(&ctx, &body(b)?.check()?).await?;
    Ok((StatusCode::CREATED, Json(service::get(&ctx, id).await?)).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let current = service::get(&ctx, id).await?;
    let mut posted = body(b)?;
    let fixed = to_form(&current);
    (posted.code, posted.kind, posted.parent_id, posted.unit_id) =
        (fixed.code, fixed.kind, fixed.parent_id, fixed.unit_id);
    service::update(&ctx, id, &posted.check()?).await?;
    Ok(Json(service::get(&ctx, id).await?).into_response())
}
