//! Gangju's platform: what every area uses. Areas declare what they add in an `Area`; `app`
//! assembles them into one router over one state.

pub mod attachments;
pub mod audit;
pub mod auth;
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
        .layer(from_fn(rejections_in_chinese))
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

/// The framework's own refusals (a path id that is not a number, a query string or JSON body of
/// the wrong shape, a multipart body without its boundary, a body over the limit) come as English
/// plain text. They become the same Chinese error as every other, keeping their status: JSON for
/// the API, the error page for pages. A query string with control characters is refused first.
async fn rejections_in_chinese(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    // A control character (NUL above all, which PostgreSQL cannot store or compare) is never a
    // filter value: refused here for every list and query, as forms refuse it in text.
    if let Some(q) = req.uri().query()
        && percent_encoding::percent_decode_str(q)
            .decode_utf8_lossy()
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return axum::response::IntoResponse::into_response(AppError::BadRequest(
            "查询参数含有不允许的控制字符".into(),
        ));
    }
    let resp = next.run(req).await;
    let status = resp.status();
    let plain =
        resp.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.to_str().is_ok_and(|v| v.starts_with("text/plain")));
    if !status.is_client_error() || !plain || resp.extensions().get::<error::ErrorInfo>().is_some() {
        return resp;
    }
    let text = axum::body::to_bytes(resp.into_body(), 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let err = if status == StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit") {
        AppError::TooLarge
    } else if status == StatusCode::NOT_FOUND {
        AppError::NotFound
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        AppError::BadRequest("不支持该请求方法".into())
    } else if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        AppError::BadRequest("请求内容类型不受支持：接口须提交 JSON（Content-Type: application/json）".into())
    } else if text.starts_with("Invalid URL") {
        AppError::BadRequest("请求地址中的编号无效：须为整数".into())
    } else if text.contains("query string") {
        AppError::BadRequest("查询参数格式有误".into())
    } else if text.contains("multipart") {
        AppError::BadRequest("上传的内容不是有效的 multipart/form-data 格式".into())
    } else {
        AppError::BadRequest("请求的格式有误，无法处理".into())
    };
    let mut out = axum::response::IntoResponse::into_response(err);
    *out.status_mut() = status;
    out
}
