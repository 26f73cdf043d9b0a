//! One error type. It becomes a JSON error (`{"error":{"code","message","fields"}}`) with the
//! right status; the page layer turns the same error into a Chinese HTML page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;

/// Field name -> Chinese message.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("未登录或登录已过期")]
    Unauthenticated,
    #[error("没有权限执行此操作")]
    Forbidden,
    #[error("记录不存在")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("提交的内容有误，请检查标红的字段")]
    Validation(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("提交的数据过大")]
    TooLarge,
    #[error("页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试")]
    Csrf,
    #[error("存储空间已满，本次提交未保存。请联系系统管理员清理磁盘后重试（已保存的数据不受影响）")]
    StorageFull,
    #[error("数据库暂时无法连接，请稍后重试（本次操作未完成）")]
    Unavailable,
    #[error("服务器内部错误")]
    Internal(#[from] anyhow::Error),
}

/// What a failure is in the user's terms when it is not a fault of ours: the disk is full
/// (SQLite's SQLITE_FULL, PostgreSQL's disk_full 53100, the system's ENOSPC), or the database is
/// out of reach (the connection broke, none could be had in time, PostgreSQL shutting down or
/// starting up). Looks through the whole cause chain; `None` for anything else.
fn outage(e: &(dyn std::error::Error + 'static)) -> Option<AppError> {
    let causes = || std::iter::successors(Some(e), |c| c.source());
    let full = |c: &(dyn std::error::Error + 'static)| match c.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Database(db)) => {
            matches!(db.code().as_deref(), Some("13" | "53100")) || db.message().contains("No space left on device")
        }
        _ => c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::StorageFull),
    };
    let away = |c: &(dyn std::error::Error + 'static)| match c.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) => true,
        Some(sqlx::Error::Database(db)) => db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    };
    if causes().any(full) {
        Some(AppError::StorageFull)
    } else if causes().any(away) {
        Some(AppError::Unavailable)
    } else {
        None
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return AppError::Conflict("与已有记录重复".into());
        }
        if let Some(outage) = outage(&e) {
            tracing::error!(error = %e, "{outage}");
            return outage;
        }
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl AppError {
    pub fn field(name: &str, msg: impl Into<String>) -> Self {
        let mut f = FieldErrors::new();
        f.insert(name.to_string(), msg.into());
        AppError::Validation(f)
    }

    pub fn stale() -> Self {
        AppError::Conflict("该记录已被他人修改，请刷新后重试（您的修改未保存）".into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Validation(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge => "too_large",
            AppError::Csrf => "csrf",
            AppError::StorageFull => "storage_full",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }
}

/// What the page layer needs to render an error as HTML.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
    pub fields: FieldErrors,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a ErrorInfo,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // A full disk or an unreachable database met on a path that wrapped the error (files,
        // `anyhow` chains) is still told as such, not as an internal error.
        let this = match self {
            AppError::Internal(e) => match outage(e.as_ref()) {
                Some(outage) => {
                    tracing::error!(error = format!("{e:#}"), "{outage}");
                    outage
                }
                None => AppError::Internal(e),
            },
            other => other,
        };
        if let AppError::Internal(e) = &this {
            // Logged once, here, with its cause chain; the user sees no detail.
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let info = ErrorInfo {
            code: this.code(),
            message: this.to_string(),
            fields: match &this {
                AppError::Validation(f) => f.clone(),
                _ => FieldErrors::new(),
            },
        };
        let mut resp = (this.status(), axum::Json(Body { error: &info })).into_response();
        resp.extensions_mut().insert(info);
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;
