//! The framework's own refusals, answered like every other error of ours.

use crate::error::{self, AppError};

/// The framework's own refusals (a path id that is not a number, a query string or JSON body of
/// the wrong shape, a multipart body without its boundary, a body over the limit) come as English
/// plain text. They become the same Chinese error as every other, keeping their status: JSON for
/// the API, the error page for pages. A query string with control characters is refused first.
pub async fn in_chinese(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
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
