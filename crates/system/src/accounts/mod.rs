//! 账号管理: accounts, their roles (granted by the security administrator only), password resets
//! and disabling, with the three-administrator separation enforced here, not just advised.

mod handlers;
pub mod service;
mod todos;

pub use service::{NewUser, create_user};
pub use todos::LockedAccounts;

use platform::perm::{Need, USER_EDIT, USER_GRANT, USER_VIEW};
use platform::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    let view = Need::Perm(USER_VIEW);
    let edit = Need::Perm(USER_EDIT);
    let grant = Need::Perm(USER_GRANT);
    r.get("/system/users", view, "账号列表", handlers::list_page)
        .get("/system/users/export", view, "导出账号", handlers::export)
        .get("/system/users/new", edit, "新增账号页", handlers::new_page)
        .post("/system/users", edit, "新增账号", handlers::create_page)
        .get("/system/users/{id}/edit", edit, "修改账号页", handlers::edit_page)
        .post("/system/users/{id}/edit", edit, "修改账号", handlers::update_page)
        .post("/system/users/{id}/reset", edit, "重置密码", handlers::reset_page)
        .post("/system/users/{id}/second-factor", edit, "重置动态口令", handlers::reset_second_factor_page)
        .post("/system/users/{id}/status", edit, "停用/启用账号", handlers::status_page)
        .get("/system/users/{id}/grant", grant, "授权页", handlers::grant_page)
        .post("/system/users/{id}/grant", grant, "授予角色与密级", handlers::grant_submit)
        .get("/api/v1/users", view, "账号列表", handlers::api_list)
        .post("/api/v1/users", edit, "新增账号（返回一次性密码）", handlers::api_create)
        .get("/api/v1/users/{id}", view, "账号详情", handlers::api_get)
        .put("/api/v1/users/{id}", edit, "修改账号（须带 version）", handlers::api_update)
        .delete("/api/v1/users/{id}", edit, "停用账号", handlers::api_disable)
        .put("/api/v1/users/{id}/roles", grant, "授予角色（roles: 角色编码数组）", handlers::api_grant)
}
