//! 单位管理: the unit tree (bureau > prison > department / prison area), its list page with a
//! tree beside it, export, import, attachments and the JSON API.

mod handlers;
mod import;
pub mod service;

pub use service::{UnitAttachments, UnitCount, UnitInput, create_unit};

use platform::ledger::import::import_routes;
use platform::perm::{Need, UNIT_EDIT, UNIT_VIEW};
use platform::routes::Routes;
use std::sync::Arc;

pub fn routes(r: Routes) -> Routes {
    let view = Need::Perm(UNIT_VIEW);
    let edit = Need::Perm(UNIT_EDIT);
    let r = r
        .get("/system/units", view, "单位列表", handlers::list_page)
        .get("/system/units/export", view, "导出单位", handlers::export)
        .get("/system/units/new", edit, "新增单位页", handlers::new_page)
        .post("/system/units", edit, "新增单位", handlers::create_page)
        .get("/system/units/{id}", view, "单位详情", handlers::view_page)
        .get("/system/units/{id}/edit", edit, "修改单位页", handlers::edit_page)
        .post("/system/units/{id}/edit", edit, "修改单位", handlers::update_page)
        .post("/system/units/delete", edit, "删除单位（批量）", handlers::delete_page)
        .get("/api/v1/units", view, "单位列表", handlers::api_list)
        .post("/api/v1/units", edit, "新增单位", handlers::api_create)
        .get("/api/v1/units/{id}", view, "单位详情", handlers::api_get)
        .put("/api/v1/units/{id}", edit, "修改单位（须带 version）", handlers::api_update)
        .delete("/api/v1/units/{id}", edit, "删除单位", handlers::api_delete);
    import_routes(r, Arc::new(import::UnitImporter), "/api/v1/units")
}
