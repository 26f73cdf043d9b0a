//! 角色权限: the security administrator sets each role's permissions, data scope and chosen
//! units. An administrator role can never be given a business permission.

use askama::Template;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::error::FieldErrors;
use platform::perm::{Need, ROLE_EDIT, ROLE_VIEW, admin_kind_of, scope_name};
use platform::routes::Routes;
use platform::web::{Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/system/roles", Need::Perm(ROLE_VIEW), "角色列表", list_page)
        .get("/system/roles/{id}/edit", Need::Perm(ROLE_EDIT), "修改角色页", edit_page)
        .post("/system/roles/{id}/edit", Need::Perm(ROLE_EDIT), "修改角色", edit_submit)
        .get("/api/v1/roles", Need::Perm(ROLE_VIEW), "角色列表", api_list)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Role {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub admin_kind: Option<String>,
    pub data_scope: String,
    pub builtin: i64,
    pub description: String,
    pub version: i64,
    #[sqlx(skip)]
    pub permissions: Vec<String>,
}

impl Role {
    pub fn scope_name(&self) -> &'static str {
        scope_name(&self.data_scope)
    }
}

async fn all_roles(ctx: &Ctx) -> AppResult<Vec<Role>> {
    let mut roles: Vec<Role> = sqlx::query_as(
        "SELECT id, code, name, admin_kind, data_scope, builtin, description, version FROM roles ORDER BY id LIMIT 500",
    )
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let perms: Vec<(i64, String)> =
        sqlx::query_as("SELECT role_id, permission FROM role_permissions ORDER BY permission")
            .fetch_all(&ctx.state.db.pool)
            .await?;
    for r in roles.iter_mut() {
        r.permissions = perms.iter().filter(|(id, _)| *id == r.id).map(|(_, p)| p.clone()).collect();
    }
    Ok(roles)
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
    Ok(Html(ListPage { frame, roles: all_roles(&ctx).await?, can_edit: ctx.can(ROLE_EDIT) }).into_response())
}

async fn api_list(ctx: Ctx) -> AppResult<Response> {
    let items = all_roles(&ctx).await?;
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
    groups: Vec<PermGroup>,
    scopes: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

async fn get_role(ctx: &Ctx, id: i64) -> AppResult<Role> {
    all_roles(ctx).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)
}

fn allowed_for(role: &Role, perm: &str) -> bool {
    match role.admin_kind.as_deref().and_then(admin_kind_of) {
        Some(k) => k.allowed().contains(&perm),
        // Business roles never get administrator permissions either.
        None => ![
            platform::perm::USER_EDIT,
            platform::perm::USER_GRANT,
            platform::perm::ROLE_EDIT,
            platform::perm::ROLE_VIEW,
            platform::perm::AUDIT_VIEW,
            platform::perm::AUDIT_EXPORT,
            platform::perm::SETTING_EDIT,
            platform::perm::SECURITY_EDIT,
            platform::perm::USER_VIEW,
        ]
        .contains(&perm),
    }
}

fn form_page(ctx: &Ctx, role: Role, errors: FieldErrors) -> Response {
    let mut groups: Vec<PermGroup> = Vec::new();
    for p in &ctx.state.registry.permissions {
        let item = (
            p.code.to_string(),
            p.name.to_string(),
            role.permissions.iter().any(|x| x == p.code),
            allowed_for(&role, p.code),
        );
        match groups.iter_mut().find(|(g, _)| g == p.group) {
            Some((_, v)) => v.push(item),
            None => groups.push((p.group.to_string(), vec![item])),
        }
    }
    let scopes = ["all", "custom", "unit", "unit_and_below", "self"].iter().map(|s| (*s, scope_name(s))).collect();
    let title = format!("修改角色：{}", role.name);
    let frame =
        Frame::new(ctx, &title, "/system/roles", &[("系统管理", ""), ("角色权限", "/system/roles"), ("修改角色", "")]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, Html(FormPage { frame, role, groups, scopes, errors })).into_response()
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(form_page(&ctx, get_role(&ctx, id).await?, FieldErrors::new()))
}

async fn edit_submit(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let mut role = get_role(&ctx, id).await?;
    let pairs: Vec<(String, String)> = body
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (k.to_string(), percent_encoding::percent_decode_str(&v.replace('+', " ")).decode_utf8_lossy().into_owned())
        })
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let wanted: Vec<String> =
        pairs.iter().filter(|(k, _)| k == "permissions").map(|(_, v)| v.clone()).take(500).collect();
    let mut errors = FieldErrors::new();
    let known: Vec<&str> = ctx.state.registry.permissions.iter().map(|p| p.code).collect();
    if let Some(bad) = wanted.iter().find(|p| !known.contains(&p.as_str()) || !allowed_for(&role, p)) {
        errors.insert("permissions".into(), format!("权限“{bad}”不能授予此角色（三员分立）"));
    }
    let scope = get("data_scope");
    if role.admin_kind.is_none() && !["all", "custom", "unit", "unit_and_below", "self"].contains(&scope.as_str()) {
        errors.insert("data_scope".into(), "请选择有效的数据范围".into());
    }
    let version: i64 = get("version").parse().unwrap_or(-1);
    role.permissions = wanted.clone();
    if !errors.is_empty() {
        return Ok(form_page(&ctx, role, errors));
    }
    let scope = if role.admin_kind.is_some() { role.data_scope.clone() } else { scope };
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query("UPDATE roles SET data_scope = $1, version = version + 1 WHERE id = $2 AND version = $3")
        .bind(&scope)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        let mut errors = FieldErrors::new();
        errors.insert("_form".into(), AppError::stale().to_string());
        return Ok(form_page(&ctx, role, errors));
    }
    sqlx::query("DELETE FROM role_permissions WHERE role_id = $1").bind(id).execute(&mut *tx).await?;
    for p in &wanted {
        sqlx::query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)")
            .bind(id)
            .bind(p)
            .execute(&mut *tx)
            .await?;
    }
    let detail = format!("{}：数据范围 {scope}，权限 [{}]", role.code, wanted.join(","));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("role_change", "role", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(redirect_with_flash("/system/roles", "角色已保存"))
}
