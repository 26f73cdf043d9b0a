//! The layer in front of every route: request id, who is asking (session cookie for pages, bearer
//! token for the API), CSRF for every state change made with a cookie, and the security headers.

use super::{PRE_COOKIE, SESSION_COOKIE, session};
use crate::context::{Ctx, SessionKind};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use subtle::ConstantTimeEq;

const FORM_LIMIT: usize = 2 * 1024 * 1024;

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub async fn auth_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let request_id = hex::encode(rand::random::<[u8; 8]>());
    // The policy last read stays in force if it cannot be read again now (the database is away:
    // the request's own queries will say so).
    if let Err(e) = state.refresh_policy_if_stale().await {
        tracing::warn!(error = %e, "policy not refreshed");
    }
    let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let is_api = req.uri().path().starts_with("/api/");
    let user = if is_api {
        match bearer(req.headers()) {
            Some(t) => session::resolve(&state, &t, SessionKind::Api).await,
            None => Ok(None),
        }
    } else {
        match cookie(req.headers(), SESSION_COOKIE) {
            Some(t) => session::resolve(&state, &t, SessionKind::Web).await,
            None => Ok(None),
        }
    };
    let user = match user {
        Ok(u) => u.map(std::sync::Arc::new),
        Err(e) => return AppError::Internal(e).into_response(),
    };
    let flash = cookie(req.headers(), crate::web::FLASH_COOKIE)
        .map(|v| percent_encoding::percent_decode_str(&v).decode_utf8_lossy().into_owned())
        .filter(|v| !v.is_empty());
    let had_flash = flash.is_some();
    let ctx = Ctx { state: state.clone(), user, request_id: request_id.clone(), addr, is_api, flash };

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !is_api {
        if !origin_matches(req.headers()) {
            return AppError::Csrf.into_response();
        }
        let expected = match &ctx.user {
            Some(u) => u.csrf.clone(),
            None => cookie(req.headers(), PRE_COOKIE).unwrap_or_default(),
        };
        let (ok, rebuilt) = match check_csrf(req, &expected).await {
            Ok(v) => v,
            Err(resp) => return resp,
        };
        req = rebuilt;
        if !ok {
            return AppError::Csrf.into_response();
        }
    }
    let changes = ctx.user.as_ref().map(|u| u.changes);
    req.extensions_mut().insert(ctx);
    let mut resp = crate::db::fresh::during(changes, next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    // The flash was shown on this page: forget it (a redirect carries a new one instead).
    if had_flash && !resp.status().is_redirection() {
        let clear = format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", crate::web::FLASH_COOKIE);
        if let Ok(v) = HeaderValue::from_str(&clear) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A browser sends Origin on cross-site POSTs; when present it must name this host.
fn origin_matches(h: &HeaderMap) -> bool {
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = h.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin.split("://").nth(1).is_some_and(|o| o == host)
}

/// The token comes from the `X-CSRF-Token` header, the `_csrf` field of a urlencoded form, or the
/// `_csrf` query parameter (multipart uploads). The body is read and put back for the handler.
async fn check_csrf(req: Request, expected: &str) -> Result<(bool, Request), Response> {
    if let Some(h) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        let ok = same(h, expected);
        return Ok((ok, req));
    }
    if let Some(q) = req.uri().query()
        && let Some(t) = form_value(q, "_csrf")
    {
        return Ok((same(&t, expected), req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((false, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, FORM_LIMIT).await.map_err(|_| AppError::TooLarge.into_response())?;
    let text = String::from_utf8_lossy(&bytes);
    let ok = form_value(&text, "_csrf").is_some_and(|t| same(&t, expected));
    Ok((ok, Request::from_parts(parts, Body::from(bytes))))
}

fn form_value(encoded: &str, key: &str) -> Option<String> {
    encoded
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| percent_encoding::percent_decode_str(&v.replace('+', " ")).decode_utf8_lossy().into_owned())
}

/// Headers for every response (SECURITY.md): no inline script, no framing, no sniffing, and no
/// caching of anything but the fingerprinted static assets.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    set(h, "cross-origin-opener-policy", "same-origin");
    if is_static {
        set(h, "cache-control", "public, max-age=86400");
    } else {
        set(h, "cache-control", "no-store");
    }
    resp
}
