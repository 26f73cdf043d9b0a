//! 人员花名册: the roster with the organisation tree beside it, each person's profile with their
//! history, the full ID number for those allowed (audited), roster import, and the API.

mod import;
pub mod input;
pub mod service;

use crate::domain::*;
use crate::{PERSON_EDIT, PERSON_ID_VIEW, PERSON_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use input::PersonForm;
use office::Cell;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::list::{ListScreen, Pager};
use platform::web::{Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{Person, SORTS};
use std::collections::BTreeMap;
use std::sync::Arc;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(PERSON_VIEW), Need::Perm(PERSON_EDIT));
    let r = r
        .get("/org/people", view, "人员花名册", list_page)
        .get("/org/people/export", view, "导出花名册", export)
        .get("/org/people/new", edit, "新增人员页", new_page)
        .post("/org/people", edit, "新增人员", create_page)
        .get("/org/people/{id}", view, "人员档案", view_page)
        .get("/org/people/{id}/edit", edit, "修改人员页", edit_page)
        .post("/org/people/{id}/edit", edit, "修改人员", update_page)
        .post("/org/people/{id}/id_number", Need::Perm(PERSON_ID_VIEW), "查看完整身份证号（留痕）", reveal_page)
        .get("/api/v1/people", view, "人员列表", api_list)
        .post("/api/v1/people", edit, "新增人员", api_create)
        .get("/api/v1/people/{id}", view, "人员详情（身份证号为掩码）", api_get)
        .put("/api/v1/people/{id}", edit, "修改人员（须带 version；身份证号留空则不变）", api_update)
        .get("/api/v1/people/{id}/id_number", Need::Perm(PERSON_ID_VIEW), "完整身份证号（留痕）", api_reveal);
    platform::ledger::import::import_routes(r, Arc::new(import::RosterImporter), "/api/v1/people")
}

pub struct Choices {
    pub kinds: Codes,
    pub genders: Codes,
    pub ranks: Codes,
    pub levels: Codes,
    pub statuses: Codes,
    pub employment: Codes,
}

pub const CHOICES: Choices = Choices {
    kinds: PERSON_KINDS,
    genders: GENDERS,
    ranks: POLICE_RANKS,
    levels: LEADERSHIP_LEVELS,
    statuses: PARTY_STATUSES,
    employment: EMPLOYMENT,
};

#[derive(Template)]
#[template(path = "people_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Person>,
    offset: i64,
    pager: Pager,
    tree: Vec<crate::orgs::service::Org>,
    c: Choices,
    can_edit: bool,
    export_q: String,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let tree = if ctx.can(crate::ORG_VIEW) { crate::orgs::service::tree(&ctx, true).await? } else { Vec::new() };
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/org/people", "人员花名册", &[("组织与队伍", ""), ("人员花名册", "")]);
    let can_edit = ctx.can(PERSON_EDIT);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, tree, c: CHOICES, can_edit, export_q })
        .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = [
        "姓名",
        "类别",
        "性别",
        "出生日期",
        "身份证号",
        "警号",
        "单位",
        "岗位",
        "警员职务等级",
        "领导职务",
        "政治面貌",
        "入党日期",
        "所在支部",
        "手机号",
        "在职状态",
    ];
    platform::ledger::export_list(
        &ctx,
        "人员花名册",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(service::list(c, p)),
        |x| {
            vec![
                Cell::from(x.name.clone()),
                Cell::from(x.kind_label()),
                Cell::from(x.gender_label()),
                Cell::from(x.birth_date.clone()),
                Cell::from(x.id_number_masked.clone()),
                Cell::from(x.police_number.clone()),
                Cell::from(x.unit_name.clone()),
                Cell::from(x.post.clone()),
                Cell::from(x.rank_label()),
                Cell::from(x.level_label()),
                Cell::from(x.party_label()),
                Cell::from(x.party_join_date.clone()),
                Cell::from(x.branch_name.clone()),
                Cell::from(x.masked_phone()),
                Cell::from(x.employment_label()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    creating: bool,
    f: PersonForm,
    errors: FieldErrors,
    units: Vec<system::units::service::Unit>,
    orgs: Vec<crate::orgs::service::Org>,
    c: Choices,
    masked: String,
    accounts: Vec<(i64, String, String)>,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: PersonForm, errors: FieldErrors) -> AppResult<Response> {
    let creating = id.is_none();
    let title = if creating { "新增人员" } else { "修改人员" };
    let frame =
        Frame::new(ctx, title, "/org/people", &[("组织与队伍", ""), ("人员花名册", "/org/people"), (title, "")]);
    let action = id.map(|i| format!("/org/people/{i}/edit")).unwrap_or_else(|| "/org/people".into());
    let units = system::units::service::tree(ctx).await?;
    let orgs = crate::orgs::service::tree(ctx, true).await?.into_iter().filter(|o| o.kind == "branch").collect();
    let masked = match id {
        Some(i) => service::get(ctx, i).await?.id_number_masked,
        None => String::new(),
    };
    let mut q = platform::db::Sql::new("SELECT id, username, display_name FROM users WHERE status = 'active' AND ");
    ctx.user()?.scope.push_condition(&mut q, "unit_id", None);
    q.push(" ORDER BY username LIMIT 1000");
    let accounts: Vec<(i64, String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, action, creating, f, errors, units, orgs, c: CHOICES, masked, accounts }))
        .into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let f = PersonForm {
        kind: "officer".into(),
        party_status: "masses".into(),
        employment_status: "active".into(),
        ..Default::default()
    };
    form(&ctx, None, f, FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, f: axum::Form<PersonForm>) -> AppResult<Response> {
    let res = match f.check(true) {
        Ok(i) => service::create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/org/people/{id}"), "人员已新增")),
        Err(AppError::Validation(errors)) => {
            form(&ctx, None, PersonForm { id_number: String::new(), ..f.0 }, errors).await
        }
        Err(e) => Err(e),
    }
}

fn to_form(x: &Person) -> PersonForm {
    PersonForm {
        kind: x.kind.clone(),
        name: x.name.clone(),
        gender: x.gender.clone(),
        birth_date: x.birth_date.clone(),
        id_number: String::new(),
        police_number: x.police_number.clone().unwrap_or_default(),
        unit_id: x.unit_id.to_string(),
        post: x.post.clone(),
        police_rank: x.police_rank.clone(),
        leadership_level: x.leadership_level.clone(),
        party_status: x.party_status.clone(),
        party_join_date: x.party_join_date.clone().unwrap_or_default(),
        branch_id: x.branch_id.map(|b| b.to_string()).unwrap_or_default(),
        phone: x.phone.clone(),
        employment_status: x.employment_status.clone(),
        user_id: x.user_id.map(|u| u.to_string()).unwrap_or_default(),
        version: x.version.to_string(),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let x = service::get(&ctx, id).await?;
    form(&ctx, Some(id), to_form(&x), FieldErrors::new()).await
}

/// Lists and the API show phones masked; a form or body that sends the masked value back means
/// "unchanged", not a new (invalid) number.
async fn unmask_phone(ctx: &Ctx, id: i64, f: &mut PersonForm) -> AppResult<()> {
    if f.phone.contains('*') {
        let current = service::get(ctx, id).await?;
        if f.phone == current.masked_phone() {
            f.phone = current.phone;
        }
    }
    Ok(())
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, f: axum::Form<PersonForm>) -> AppResult<Response> {
    let mut f = f;
    unmask_phone(&ctx, id, &mut f.0).await?;
    let res = match f.check(false) {
        Ok(i) => service::update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/org/people/{id}"), "人员信息已保存")),
        Err(AppError::Validation(errors)) => {
            form(&ctx, Some(id), PersonForm { id_number: String::new(), ..f.0 }, errors).await
        }
        Err(AppError::Conflict(m)) => {
            let mut errors = FieldErrors::new();
            errors.insert("_form".into(), m);
            form(&ctx, Some(id), f.0, errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "person_view.html")]
struct ViewPage {
    frame: Frame,
    x: Person,
    id_number: Option<String>,
    memberships: Vec<(String, String, Option<String>)>,
    changes: Vec<crate::changes::service::Change>,
    can_edit: bool,
    can_reveal: bool,
    /// What other areas add to the profile (trainings, exam results …).
    blocks: Vec<platform::registry::ProfileBlock>,
}

async fn view(ctx: &Ctx, id: i64, id_number: Option<String>) -> AppResult<Response> {
    let x = service::get(ctx, id).await?;
    let memberships = service::memberships(ctx, id).await?;
    let mut raw = BTreeMap::new();
    raw.insert("person".to_string(), id.to_string());
    let cp = ListParams::parse(raw, crate::changes::service::SORTS, true);
    let changes = crate::changes::service::list(ctx, &cp).await?.items;
    let frame =
        Frame::new(ctx, &x.name, "/org/people", &[("组织与队伍", ""), ("人员花名册", "/org/people"), (&x.name, "")]);
    let (can_edit, can_reveal) = (ctx.can(PERSON_EDIT), ctx.can(PERSON_ID_VIEW));
    let mut blocks = Vec::new();
    for source in &ctx.state.registry.profile {
        blocks.extend(source.block(ctx, id).await?);
    }
    Ok(Html(ViewPage { frame, x, id_number, memberships, changes, can_edit, can_reveal, blocks }).into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, None).await
}

/// Shown on the profile after a deliberate POST (never in a URL), and audited.
async fn reveal_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let n = service::reveal_id_number(&ctx, id).await?;
    view(&ctx, id, Some(n)).await
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, true);
    Ok(Json(service::list(&ctx, &p).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Json(service::get(&ctx, id).await?).into_response())
}

async fn api_reveal(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let n = service::reveal_id_number(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "id": id, "id_number": n })).into_response())
}

type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f: PersonForm = platform::web::form::form_from_json(b)?;
    let id = service::create(&ctx, &f.check(true)?).await?;
    Ok((StatusCode::CREATED, Json(service::get(&ctx, id).await?)).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let mut f: PersonForm = platform::web::form::form_from_json(b)?;
    unmask_phone(&ctx, id, &mut f).await?;
    service::update(&ctx, id, &f.check(false)?).await?;
    Ok(Json(service::get(&ctx, id).await?).into_response())
}
