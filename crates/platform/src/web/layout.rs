//! The page frame (top bar, menu filtered by permission, breadcrumb, demo banner, watermark) and
//! rendering a template into a response.

use crate::clock::format_ms;
use crate::context::Ctx;
use crate::registry::MENU_GROUPS;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub struct Crumb {
    pub title: String,
    pub href: String,
}

pub struct MenuEntry {
    pub title: &'static str,
    pub href: &'static str,
    pub active: bool,
}

pub struct MenuGroup {
    pub title: &'static str,
    pub items: Vec<MenuEntry>,
    pub open: bool,
}

pub struct Frame {
    pub title: String,
    /// The menu entry this page belongs to ("/" for the home page).
    pub active: String,
    pub crumbs: Vec<Crumb>,
    pub menu: Vec<MenuGroup>,
    pub user_name: String,
    pub unit_name: String,
    pub role_names: String,
    pub csrf: String,
    pub demo: bool,
    pub watermark: Option<String>,
    pub flash: Option<String>,
    /// For the print header: when this page was made.
    pub printed_at: String,
}

impl Frame {
    /// `active` is the menu href this page belongs to; crumbs are (title, href) below 首页.
    pub fn new(ctx: &Ctx, title: &str, active: &str, crumbs: &[(&str, &str)]) -> Self {
        let user = ctx.user.as_deref();
        let mut menu = Vec::new();
        for g in MENU_GROUPS {
            let items: Vec<MenuEntry> = ctx
                .state
                .registry
                .menu
                .iter()
                .filter(|m| m.group == *g && user.is_some_and(|u| u.can(m.need)))
                .map(|m| MenuEntry { title: m.title, href: m.href, active: m.href == active })
                .collect();
            if !items.is_empty() {
                let open = items.iter().any(|i| i.active);
                menu.push(MenuGroup { title: g, items, open });
            }
        }
        let mut all_crumbs = vec![Crumb { title: "首页".into(), href: "/".into() }];
        all_crumbs.extend(crumbs.iter().map(|(t, h)| Crumb { title: t.to_string(), href: h.to_string() }));
        Self {
            title: title.to_string(),
            active: active.to_string(),
            crumbs: all_crumbs,
            menu,
            user_name: user.map(|u| u.display_name.clone()).unwrap_or_default(),
            unit_name: user.map(|u| u.unit_name.clone()).unwrap_or_default(),
            role_names: user.map(|u| u.role_names.join("、")).unwrap_or_default(),
            csrf: user.map(|u| u.csrf.clone()).unwrap_or_default(),
            demo: ctx.state.demo,
            watermark: (ctx.state.policy().watermark && user.is_some()).then(|| {
                format!(
                    "{} {}",
                    user.map(|u| u.display_name.as_str()).unwrap_or(""),
                    format_ms(ctx.state.clock.now_ms())
                )
            }),
            flash: ctx.flash.clone(),
            printed_at: format_ms(ctx.state.clock.now_ms()),
        }
    }
}

/// A rendered page.
pub struct Html<T: Template>(pub T);

impl<T: Template> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(body) => axum::response::Html(body).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "rendering template");
                (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
            }
        }
    }
}
