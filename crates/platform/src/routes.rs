//! Every route is added here, with the permission it needs: there is no other way to add one, so
//! a route without a declared permission cannot be written. The list also feeds the OpenAPI
//! document and the test that walks every route for every role.

use crate::context::Ctx;
use crate::error::AppError;
use crate::perm::Need;
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, delete, get, post, put};

#[derive(Clone, Debug, serde::Serialize)]
pub struct RouteMeta {
    pub method: &'static str,
    pub path: &'static str,
    pub need: String,
    pub summary: &'static str,
    pub api: bool,
}

pub struct Routes {
    pub router: Router<AppState>,
    pub meta: Vec<RouteMeta>,
}

impl Default for Routes {
    fn default() -> Self {
        Self { router: Router::new(), meta: Vec::new() }
    }
}

fn need_label(need: Need) -> String {
    match need {
        Need::Public => "public".into(),
        Need::LoggedIn => "logged_in".into(),
        Need::Perm(p) => p.into(),
    }
}

impl Routes {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        need: Need,
        summary: &'static str,
        mr: MethodRouter<AppState>,
    ) -> Self {
        let mr = mr.route_layer(middleware::from_fn(move |req: Request, next: Next| guard(need, req, next)));
        self.router = self.router.route(path, mr);
        self.meta.push(RouteMeta { method, path, need: need_label(need), summary, api: path.starts_with("/api/") });
        self
    }

    pub fn get<H, T>(self, path: &'static str, need: Need, summary: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, need, summary, get(h))
    }

    pub fn post<H, T>(self, path: &'static str, need: Need, summary: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, need, summary, post(h))
    }

    pub fn put<H, T>(self, path: &'static str, need: Need, summary: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("PUT", path, need, summary, put(h))
    }

    pub fn delete<H, T>(self, path: &'static str, need: Need, summary: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("DELETE", path, need, summary, delete(h))
    }
}

/// Pages that a user who must change the password may still open.
/// What an account that must bind a second factor may still reach.
const SECOND_FACTOR_PATHS: &[&str] = &[crate::auth::second_factor::PAGE, "/logout", "/api/v1/auth/logout"];
const PASSWORD_CHANGE_PATHS: &[&str] = &["/password", "/logout", "/api/v1/auth/logout", "/api/v1/auth/password"];

async fn guard(need: Need, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return AppError::Internal(anyhow::anyhow!("auth layer missing")).into_response();
    };
    if need == Need::Public {
        return next.run(req).await;
    }
    let Some(user) = ctx.user.clone() else {
        if ctx.is_api {
            return AppError::Unauthenticated.into_response();
        }
        let next_url = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let target = format!("/login?next={}", crate::web::url_encode(next_url));
        return Redirect::to(&target).into_response();
    };
    if user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&req.uri().path()) {
        if ctx.is_api {
            return AppError::Forbidden.into_response();
        }
        return Redirect::to("/password").into_response();
    }
    if user.must_bind_second_factor && !SECOND_FACTOR_PATHS.contains(&req.uri().path()) {
        if ctx.is_api {
            return AppError::BadRequest("安全策略要求动态口令：请先在网页上绑定动态口令".into()).into_response();
        }
        return Redirect::to(crate::auth::second_factor::PAGE).into_response();
    }
    if let Need::Perm(p) = need
        && !user.can(p)
    {
        let ev =
            crate::audit::Event::failed("access_denied", "route", req.uri().path()).detail(format!("缺少权限 {p}"));
        if let Err(e) = ctx.state.audit_alone(&ctx.actor(), ev).await {
            return AppError::from(e).into_response();
        }
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}
