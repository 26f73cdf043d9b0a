//! Gangju's platform: what every area uses. Areas declare what they add in an `Area`; `app`
//! assembles them into one router over one state.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod clock;
pub mod codes;
pub mod context;
pub mod core;
pub mod crypto;
pub mod db;
pub mod error;
pub mod figures;
pub mod idcard;
pub mod keys;
pub mod labelled;
pub mod ledger;
pub mod openapi;
pub mod perm;
pub mod registry;
pub mod richtext;
pub mod routes;
pub mod scope;
pub mod search;
pub mod seed;
pub mod state;
pub mod todos;
pub mod web;

pub use context::{Ctx, CurrentUser};
pub use error::{AppError, AppResult};
pub use registry::Area;
pub use state::AppState;

use db::{Migration, MigrationSql};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1000,
        name: "platform",
        sql: MigrationSql::Portable(include_str!("../migrations/1000_platform.sql")),
    },
    Migration {
        version: 1001,
        name: "platform: append-only audit, search index",
        sql: MigrationSql::PerBackend {
            sqlite: include_str!("../migrations/1001_platform_sqlite.sql"),
            postgres: include_str!("../migrations/1001_platform_postgres.sql"),
        },
    },
    Migration {
        version: 1002,
        name: "platform: second factor",
        sql: MigrationSql::Portable(include_str!("../migrations/1002_second_factor.sql")),
    },
    Migration {
        version: 1003,
        name: "platform: auth generation (cached users)",
        sql: MigrationSql::PerBackend {
            sqlite: include_str!("../migrations/1003_auth_generation_sqlite.sql"),
            postgres: include_str!("../migrations/1003_auth_generation_postgres.sql"),
        },
    },
];

/// Builds the routes of every area; the metadata goes into the registry for the OpenAPI document.
pub fn collect_routes(areas: &[Area]) -> routes::Routes {
    let mut r = routes::Routes::default();
    for a in areas {
        r = (a.routes)(r);
    }
    r
}

/// The whole application: areas' routes behind the auth layer and the security headers.
pub fn app(state: AppState, router: axum::Router<AppState>) -> axum::Router {
    use axum::extract::DefaultBodyLimit;
    use axum::middleware::{from_fn, from_fn_with_state};
    let limit = state.policy().max_upload_bytes + 64 * 1024;
    router
        .fallback(not_found)
        .layer(from_fn(web::rejections::in_chinese))
        .layer(from_fn_with_state(web::once::Submissions::default(), web::once::guard))
        .layer(from_fn_with_state(state.clone(), auth::layer::auth_layer))
        .layer(from_fn_with_state(state.clone(), web::error_pages))
        .layer(from_fn(auth::layer::security_headers))
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(AppError::Internal(anyhow::anyhow!("handler panicked")))
        }))
        .with_state(state)
}

/// No route matched. Marked, so the route test can tell "no such route" from "no such record".
async fn not_found() -> axum::response::Response {
    let mut r = axum::response::IntoResponse::into_response(AppError::NotFound);
    r.headers_mut().insert("x-gangju-no-route", axum::http::HeaderValue::from_static("1"));
    r
}
