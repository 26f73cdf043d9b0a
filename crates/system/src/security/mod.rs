//! 安全策略: the security administrator's settings (session timeouts, lockout, password expiry,
//! the page watermark). Saved in the database, so every process on it applies them.

use askama::Template;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::error::FieldErrors;
use platform::perm::{Need, SECURITY_EDIT};
use platform::routes::Routes;
use platform::state::POLICY_SETTINGS;
use platform::web::{FormCheck, Frame, Html, redirect_with_flash};
use platform::{AppResult, Ctx};
use std::collections::BTreeMap;

pub fn routes(r: Routes) -> Routes {
    r.get("/system/security", Need::Perm(SECURITY_EDIT), "安全策略页", page)
        .post("/system/security", Need::Perm(SECURITY_EDIT), "保存安全策略", save)
        .get("/api/v1/security_policy", Need::Perm(SECURITY_EDIT), "安全策略", api_get)
}

#[derive(Template)]
#[template(path = "security.html")]
struct Page {
    frame: Frame,
    /// (key, name, min, max, current value as typed)
    fields: Vec<(&'static str, &'static str, i64, i64, String)>,
    errors: FieldErrors,
}

fn render(ctx: &Ctx, values: &BTreeMap<String, String>, errors: FieldErrors) -> Response {
    let policy = ctx.state.policy();
    let fields = POLICY_SETTINGS
        .iter()
        .map(|(k, n, lo, hi)| {
            let v = values.get(*k).cloned().unwrap_or_else(|| policy.get(k).to_string());
            (*k, *n, *lo, *hi, v)
        })
        .collect();
    let frame = Frame::new(ctx, "安全策略", "/system/security", &[("系统管理", ""), ("安全策略", "")]);
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    (status, Html(Page { frame, fields, errors })).into_response()
}

async fn page(ctx: Ctx) -> Response {
    render(&ctx, &BTreeMap::new(), FieldErrors::new())
}

async fn save(ctx: Ctx, form: axum::Form<BTreeMap<String, String>>) -> AppResult<Response> {
    let mut f = FormCheck::new();
    let mut values = Vec::new();
    for (k, n, lo, hi) in POLICY_SETTINGS {
        let raw = form.get(*k).map(String::as_str).unwrap_or("");
        if raw.trim().is_empty() {
            f.add(k, format!("请输入{n}"));
            continue;
        }
        values.push((*k, f.int(k, n, raw, *lo, *hi)));
    }
    if !f.ok() {
        return Ok(render(&ctx, &form.0, f.errors));
    }
    let before = ctx.state.policy();
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let mut changed = Vec::new();
    for (k, v) in &values {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = settings.version + 1, updated_at = excluded.updated_at",
        )
        .bind(format!("policy.{k}"))
        .bind(v.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if before.get(k) != *v {
            changed.push(format!("{k}: {} → {v}", before.get(k)));
        }
    }
    let detail = if changed.is_empty() { "未改变".to_string() } else { changed.join("；") };
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("setting_change", "security_policy", "").detail(detail)).await?;
    tx.commit().await?;
    ctx.state.reload_policy(None).await?;
    Ok(redirect_with_flash("/system/security", "安全策略已保存"))
}

async fn api_get(ctx: Ctx) -> Response {
    let p = ctx.state.policy();
    let m: BTreeMap<&str, i64> = POLICY_SETTINGS.iter().map(|(k, ..)| (*k, p.get(k))).collect();
    axum::Json(m).into_response()
}
