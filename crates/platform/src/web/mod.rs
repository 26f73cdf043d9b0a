//! Web helpers shared by every area: the page frame, flash messages, form checks, paging,
//! downloads and static assets.

pub mod assets;
pub mod form;
pub mod layout;
pub mod list;
pub mod once;
pub mod rejections;

pub use form::FormCheck;
pub use layout::{Crumb, Frame, Html};
pub use list::{ExportWindow, ListParams, Paged};

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Everything but RFC 3986's unreserved characters is encoded (also right for RFC 5987 names).
const ENCODE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, ENCODE).to_string()
}

pub const FLASH_COOKIE: &str = "gj_flash";

/// Redirect after a successful POST, with a short message shown once on the next page.
pub fn redirect_with_flash(to: &str, message: &str) -> Response {
    let mut resp = Redirect::to(to).into_response();
    let v = format!("{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=60", url_encode(message));
    if let Ok(v) = HeaderValue::from_str(&v) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A file download, named in UTF-8 the way every browser understands.
pub fn download(bytes: Vec<u8>, file_name: &str, content_type: &'static str) -> Response {
    let disp = format!("attachment; filename*=UTF-8''{}", url_encode(file_name));
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disp) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// A file sent as a download in 256 KiB pieces, never read whole.
pub fn download_file(file: tokio::fs::File, len: u64, file_name: &str, content_type: &'static str) -> Response {
    let chunks = futures_util::stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(axum::body::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    let mut resp = axum::body::Body::from_stream(chunks).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    let disp = format!("attachment; filename*=UTF-8''{}", url_encode(file_name));
    if let Ok(v) = HeaderValue::from_str(&disp) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    message: String,
    fields: Vec<String>,
    request_id: String,
    demo: bool,
}

/// Errors on pages become a Chinese page (the API keeps the JSON error).
pub async fn error_pages(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    if is_api {
        return resp;
    }
    let Some(info) = resp.extensions().get::<crate::error::ErrorInfo>().cloned() else {
        return resp;
    };
    let status = resp.status();
    let request_id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let page = ErrorPage {
        status: status.as_u16(),
        message: info.message,
        fields: info.fields.into_values().collect(),
        request_id,
        demo: state.demo,
    };
    (status, Html(page)).into_response()
}
