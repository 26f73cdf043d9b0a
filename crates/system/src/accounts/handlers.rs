//! Account pages and API.

use super::service::{self, Account, AccountInput, SORTS};
use crate::units::service::{self as units, Unit};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::clock::format_ms;
use platform::error::FieldErrors;
use platform::web::list::{ListScreen, Pager};
use platform::web::{Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

#[derive(Template)]
#[template(path = "users_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Account>,
    offset: i64,
    pager: Pager,
    tree: Vec<Unit>,
    can_edit: bool,
    can_grant: bool,
    now: i64,
    export_q: String,
}

fn last_login(a: &Account) -> String {
    a.last_login_at.map(format_ms).unwrap_or_else(|| "从未登录".into())
}

pub async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let tree = units::tree(&ctx).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/system/users", "账号管理", &[("系统管理", ""), ("账号管理", "")]);
    Ok(Html(ListPage {
        frame,
        offset,
        rows: page.items,
        pager,
        tree,
        can_edit: ctx.can(platform::perm::USER_EDIT),
        can_grant: ctx.can(platform::perm::USER_GRANT),
        now: ctx.state.clock.now_ms(),
        export_q,
        p,
    })
    .into_response())
}

pub async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let page = service::list(&ctx, &p).await?;
    let rows = page
        .items
        .iter()
        .map(|a| {
            vec![
                Cell::from(a.username.clone()),
                Cell::from(a.display_name.clone()),
                Cell::from(a.unit_name.clone()),
                Cell::from(a.roles.join("、")),
                Cell::from(a.masked_phone()),
                Cell::from(if a.status == "active" { "正常" } else { "停用" }),
                Cell::from(last_login(a)),
            ]
        })
        .collect();
    platform::ledger::export_xlsx(
        &ctx,
        "账号",
        &["用户名", "姓名", "所属单位", "角色", "手机号", "状态", "最近登录"],
        rows,
        &filters,
    )
    .await
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    creating: bool,
    f: UserForm,
    errors: FieldErrors,
    units: Vec<Unit>,
}

#[derive(Clone, Default, serde::Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    version: String,
}

impl UserForm {
    fn input(&self) -> AccountInput {
        AccountInput {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            unit_id: self.unit_id.trim().parse().ok(),
            phone: self.phone.clone(),
            version: self.version.trim().parse().ok(),
        }
    }
}

async fn form(ctx: &Ctx, id: Option<i64>, f: UserForm, errors: FieldErrors) -> AppResult<Response> {
    let creating = id.is_none();
    let title = if creating { "新增账号" } else { "修改账号" };
    let frame =
        Frame::new(ctx, title, "/system/users", &[("系统管理", ""), ("账号管理", "/system/users"), (title, "")]);
    let action = id.map(|i| format!("/system/users/{i}/edit")).unwrap_or_else(|| "/system/users".into());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let units = units::tree(ctx).await?;
    Ok((status, Html(FormPage { frame, action, creating, f, errors, units })).into_response())
}

pub async fn new_page(ctx: Ctx) -> AppResult<Response> {
    form(&ctx, None, UserForm::default(), FieldErrors::new()).await
}

#[derive(Template)]
#[template(path = "user_password.html")]
struct PasswordShown {
    frame: Frame,
    username: String,
    password: String,
    created: bool,
}

/// The one-time password is shown once, on this page, and never stored or sent again.
fn show_password(ctx: &Ctx, username: String, password: String, created: bool) -> Response {
    let title = if created { "账号已创建" } else { "密码已重置" };
    let frame =
        Frame::new(ctx, title, "/system/users", &[("系统管理", ""), ("账号管理", "/system/users"), (title, "")]);
    Html(PasswordShown { frame, username, password, created }).into_response()
}

pub async fn create_page(ctx: Ctx, f: axum::Form<UserForm>) -> AppResult<Response> {
    match service::create(&ctx, &f.input()).await {
        Ok((_, pw)) => Ok(show_password(&ctx, f.username.trim().to_string(), pw, true)),
        Err(AppError::Validation(errors)) => form(&ctx, None, f.0, errors).await,
        Err(e) => Err(e),
    }
}

pub async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = service::get(&ctx, id).await?;
    let f = UserForm {
        username: a.username,
        display_name: a.display_name,
        unit_id: a.unit_id.to_string(),
        phone: a.phone,
        version: a.version.to_string(),
    };
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

pub async fn update_page(ctx: Ctx, Path(id): Path<i64>, f: axum::Form<UserForm>) -> AppResult<Response> {
    match service::update(&ctx, id, &f.input()).await {
        Ok(()) => Ok(redirect_with_flash("/system/users", "账号已保存")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f.0, errors).await,
        Err(AppError::Conflict(m)) => {
            let mut errors = FieldErrors::new();
            errors.insert("_form".into(), m);
            form(&ctx, Some(id), f.0, errors).await
        }
        Err(e) => Err(e),
    }
}

pub async fn reset_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = service::get(&ctx, id).await?;
    let pw = service::reset_password(&ctx, id).await?;
    Ok(show_password(&ctx, a.username, pw, false))
}

pub async fn reset_second_factor_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let m = if service::reset_second_factor(&ctx, id).await? {
        "动态口令已重置，该账号的会话已注销"
    } else {
        "该账号未绑定动态口令"
    };
    Ok(redirect_with_flash("/system/users", m))
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    active: String,
}

pub async fn status_page(ctx: Ctx, Path(id): Path<i64>, f: axum::Form<StatusForm>) -> AppResult<Response> {
    let active = f.active == "1";
    match service::set_status(&ctx, id, active).await {
        Ok(()) => Ok(redirect_with_flash("/system/users", if active { "账号已启用" } else { "账号已停用" })),
        Err(AppError::BadRequest(m)) => Ok(redirect_with_flash("/system/users", &m)),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "user_grant.html")]
struct GrantPage {
    frame: Frame,
    a: Account,
    roles: Vec<(String, String, bool, bool)>,
    clearance: i64,
    errors: FieldErrors,
}

async fn grant_form(
    ctx: &Ctx,
    a: Account,
    chosen: &[String],
    clearance: i64,
    errors: FieldErrors,
) -> AppResult<Response> {
    let all: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT code, name, admin_kind FROM roles ORDER BY id").fetch_all(&ctx.state.db.pool).await?;
    let roles = all
        .into_iter()
        .map(|(c, n, k)| (chosen.contains(&c), c, n, k.is_some()))
        .map(|(on, c, n, adm)| (c, n, on, adm))
        .collect();
    let title = format!("授权：{}", a.display_name);
    let frame =
        Frame::new(ctx, &title, "/system/users", &[("系统管理", ""), ("账号管理", "/system/users"), ("授权", "")]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(GrantPage { frame, a, roles, clearance, errors })).into_response())
}

pub async fn grant_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = service::get(&ctx, id).await?;
    let codes: Vec<(String,)> =
        sqlx::query_as("SELECT r.code FROM roles r JOIN user_roles ur ON ur.role_id = r.id WHERE ur.user_id = $1")
            .bind(id)
            .fetch_all(&ctx.state.db.pool)
            .await?;
    let codes: Vec<String> = codes.into_iter().map(|(c,)| c).collect();
    let clearance = a.clearance;
    grant_form(&ctx, a, &codes, clearance, FieldErrors::new()).await
}

/// The grant form posts `roles` once per ticked box.
pub async fn grant_submit(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = platform::web::form::FormPairs::parse(&body);
    let roles = f.all("roles", 20);
    let clearance = f.get("clearance").parse().unwrap_or(0);
    match service::grant(&ctx, id, &roles, clearance).await {
        Ok(()) => Ok(redirect_with_flash("/system/users", "授权已保存")),
        Err(AppError::Validation(errors)) => {
            let a = service::get(&ctx, id).await?;
            grant_form(&ctx, a, &roles, clearance, errors).await
        }
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

#[derive(serde::Deserialize)]
pub struct UserJson {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    unit_id: Option<i64>,
    #[serde(default)]
    phone: String,
    version: Option<i64>,
}

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn body<T>(b: JsonBody<T>) -> AppResult<T> {
    b.map(|j| j.0).map_err(|e| {
        AppError::BadRequest(format!("请求体无效：{}", e.body_text().chars().take(200).collect::<String>()))
    })
}

impl UserJson {
    fn input(self) -> AccountInput {
        AccountInput {
            username: self.username,
            display_name: self.display_name,
            unit_id: self.unit_id,
            phone: self.phone,
            version: self.version,
        }
    }
}

pub async fn api_create(ctx: Ctx, b: JsonBody<UserJson>) -> AppResult<Response> {
    let (id, pw) = service::create(&ctx, &body(b)?.input()).await?;
    let a = service::get(&ctx, id).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "user": a, "one_time_password": pw }))).into_response())
}

pub async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody<UserJson>) -> AppResult<Response> {
    service::update(&ctx, id, &body(b)?.input()).await?;
    Ok(Json(service::get(&ctx, id).await?).into_response())
}

pub async fn api_disable(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    service::set_status(&ctx, id, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
pub struct GrantJson {
    roles: Vec<String>,
    #[serde(default)]
    clearance: i64,
}

pub async fn api_grant(ctx: Ctx, Path(id): Path<i64>, b: JsonBody<GrantJson>) -> AppResult<Response> {
    let g = body(b)?;
    service::grant(&ctx, id, &g.roles, g.clearance).await?;
    Ok(Json(service::get(&ctx, id).await?).into_response())
}
