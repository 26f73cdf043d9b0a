//! 角色权限: the security administrator creates business roles and sets every role's permissions,
//! data scope and chosen units. An administrator role can never be given a business permission.

pub mod service;

use askama::Template;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::error::FieldErrors;
use platform::perm::{Need, ROLE_EDIT, ROLE_VIEW, scope_name};
use platform::routes::Routes;
use platform::web::{Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{Role, RoleInput, SCOPES};

pub fn routes(r: Routes) -> Routes {
    r.get("/system/roles", Need::Perm(ROLE_VIEW), "角色列表", list_page)
        .get("/system/roles/new", Need::Perm(ROLE_EDIT), "新增角色页", new_page)
        .post("/system/roles", Need::Perm(ROLE_EDIT), "新增角色", create_submit)
        .get("/system/roles/{id}/edit", Need::Perm(ROLE_EDIT), "修改角色页", edit_page)
        .post("/system/roles/{id}/edit", Need::Perm(ROLE_EDIT), "修改角色", edit_submit)
        .post("/system/roles/{id}/delete", Need::Perm(ROLE_EDIT), "删除角色", delete_submit)
        .get("/api/v1/roles", Need::Perm(ROLE_VIEW), "角色列表", api_list)
}

#[derive(Template)]
#[template(path = "roles_list.html")]
struct ListPage {
    frame: Frame,
    roles: Vec<Role>,
    can_edit: bool,
}

async fn list_page(ctx: Ctx) -> AppResult<Response> {
    let frame = Frame::new(&ctx, "角色权限", "/system/roles", &[("系统管理", ""), ("角色权限", "")]);
    Ok(Html(ListPage { frame, roles: service::all_roles(&ctx).await?, can_edit: ctx.can(ROLE_EDIT) }).into_response())
}

async fn api_list(ctx: Ctx) -> AppResult<Response> {
    let items = service::all_roles(&ctx).await?;
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": total.max(1) })).into_response())
}

pub async fn api_permissions(ctx: Ctx) -> AppResult<Response> {
    let items: Vec<_> = ctx
        .state
        .registry
        .permissions
        .iter()
        .map(|p| serde_json::json!({"code": p.code, "name": p.name, "group": p.group}))
        .collect();
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": total.max(1) })).into_response())
}

/// (group, [(code, name, checked, may be granted)])
type PermGroup = (String, Vec<(String, String, bool, bool)>);

#[derive(Template)]
#[template(path = "role_form.html")]
struct FormPage {
    frame: Frame,
    role: Role,
    creating: bool,
    groups: Vec<PermGroup>,
    scopes: Vec<(&'static str, &'static str)>,
    /// (id, name, depth, chosen)
    units: Vec<(i64, String, usize, bool)>,
    errors: FieldErrors,
}

async fn form_page(ctx: &Ctx, role: Role, creating: bool, errors: FieldErrors) -> AppResult<Response> {
    let mut groups: Vec<PermGroup> = Vec::new();
    for p in &ctx.state.registry.permissions {
        let item = (
            p.code.to_string(),
            p.name.to_string(),
            role.permissions.iter().any(|x| x == p.code),
            role.may_hold(p.code),
        );
        match groups.iter_mut().find(|(g, _)| g == p.group) {
            Some((_, v)) => v.push(item),
            None => groups.push((p.group.to_string(), vec![item])),
        }
    }
    let scopes = SCOPES.iter().map(|s| (*s, scope_name(s))).collect();
    let units = crate::units::service::tree(ctx)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name.clone(), u.depth(), role.units.contains(&u.id)))
        .collect();
    let title = if creating { "新增角色".to_string() } else { format!("修改角色：{}", role.name) };
    let crumb = if creating { "新增角色" } else { "修改角色" };
    let frame =
        Frame::new(ctx, &title, "/system/roles", &[("系统管理", ""), ("角色权限", "/system/roles"), (crumb, "")]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, role, creating, groups, scopes, units, errors })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let role = Role { data_scope: "unit_and_below".into(), ..Default::default() };
    form_page(&ctx, role, true, FieldErrors::new()).await
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    form_page(&ctx, service::get(&ctx, id).await?, false, FieldErrors::new()).await
}

/// The role form posts `permissions` and `units` once per ticked box.
fn parse(body: &str) -> RoleInput {
    let f = platform::web::form::FormPairs::parse(body);
    RoleInput {
        code: f.get("code"),
        name: f.get("name"),
        description: f.get("description"),
        data_scope: f.get("data_scope"),
        permissions: f.all("permissions", 2000),
        units: f.ids("units", 2000),
        version: f.get("version").parse().unwrap_or(-1),
    }
}

/// The form again, with what the user chose and the errors.
async fn again(
    ctx: &Ctx,
    mut role: Role,
    input: RoleInput,
    creating: bool,
    errors: FieldErrors,
) -> AppResult<Response> {
    role.permissions = input.permissions;
    role.units = input.units;
    role.name = input.name;
    role.description = input.description;
    if creating {
        role.code = input.code;
    }
    if role.admin_kind.is_none() {
        role.data_scope = input.data_scope;
    }
    form_page(ctx, role, creating, errors).await
}

async fn create_submit(ctx: Ctx, body: String) -> AppResult<Response> {
    let input = parse(&body);
    match service::create(&ctx, &input).await {
        Ok(_) => Ok(redirect_with_flash("/system/roles", "角色已新增")),
        Err(AppError::Validation(errors)) => again(&ctx, Role::default(), input, true, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_submit(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let input = parse(&body);
    match service::update(&ctx, id, &input).await {
        Ok(()) => Ok(redirect_with_flash("/system/roles", "角色已保存")),
        Err(AppError::Validation(errors)) => again(&ctx, service::get(&ctx, id).await?, input, false, errors).await,
        Err(AppError::Conflict(m)) => {
            let mut errors = FieldErrors::new();
            errors.insert("_form".into(), m);
            again(&ctx, service::get(&ctx, id).await?, input, false, errors).await
        }
        Err(e) => Err(e),
    }
}

async fn delete_submit(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match service::delete(&ctx, id).await {
        Ok(()) => Ok(redirect_with_flash("/system/roles", "角色已删除")),
        Err(AppError::Conflict(m)) => Ok(redirect_with_flash("/system/roles", &m)),
        Err(e) => Err(e),
    }
}
