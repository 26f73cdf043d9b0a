//! 审计日志: the audit administrator searches and exports the chain; every query is itself audited.

use askama::Template;
use axum::Json;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::audit::{AuditRow, Event};
use platform::clock::{SHANGHAI, format_ms};
use platform::db::{Sql, like_contains};
use platform::perm::{AUDIT_EXPORT, AUDIT_VIEW, Need};
use platform::routes::Routes;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{Frame, Html, ListParams, Paged};
use platform::{AppResult, Ctx};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    r.get("/system/audit", Need::Perm(AUDIT_VIEW), "审计日志查询", list_page)
        .get("/system/audit/export", Need::Perm(AUDIT_EXPORT), "导出审计日志", export)
        .get("/api/v1/audit_logs", Need::Perm(AUDIT_VIEW), "审计日志查询", api_list)
}

const SORTS: &[(&str, &str)] = &[("seq", "seq")];

/// Start of a Shanghai calendar day, in UTC milliseconds.
fn day_ms(d: &str, next: bool) -> Option<i64> {
    let date: jiff::civil::Date = d.parse().ok()?;
    let date = if next { date.tomorrow().ok()? } else { date };
    SHANGHAI.to_timestamp(date.to_datetime(jiff::civil::Time::midnight())).ok().map(|t| t.as_millisecond())
}

async fn query(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<AuditRow>> {
    let from = day_ms(p.get("from"), false);
    let to = day_ms(p.get("to"), true);
    let (user, event, object) =
        (p.get("username").to_string(), p.get("event").to_string(), p.get("object").to_string());
    let mut p = p.clone();
    p.order_sql = "seq DESC".into();
    let page = fetch_page::<AuditRow>(
        &ctx.state.db,
        "*",
        "seq",
        |q: &mut Sql| {
            q.push("FROM audit_log WHERE 1 = 1");
            if let Some(f) = from {
                q.push(" AND at >= ").bind(f);
            }
            if let Some(t) = to {
                q.push(" AND at < ").bind(t);
            }
            if !user.is_empty() {
                q.push(" AND username LIKE ").bind(like_contains(&user)).push(" ESCAPE '\\'");
            }
            if !event.is_empty() {
                q.push(" AND event = ").bind(event.clone());
            }
            if !object.is_empty() {
                q.push(" AND (object_type LIKE ")
                    .bind(like_contains(&object))
                    .push(" ESCAPE '\\' OR object_id = ")
                    .bind(object.clone())
                    .push(")");
            }
        },
        &p,
    )
    .await?;
    // An export is audited once, as the export, not once per slice it reads.
    if p.export.is_none() {
        ctx.state
            .audit_alone(&ctx.actor(), Event::ok("audit_query", "audit_log", "").detail(p.query_with(&[])))
            .await?;
    }
    Ok(page)
}

pub const EVENTS: &[(&str, &str)] = &[
    ("login", "登录"),
    ("login_failed", "登录失败"),
    ("lockout", "锁定"),
    ("logout", "退出"),
    ("create", "新增"),
    ("update", "修改"),
    ("delete", "删除"),
    ("export", "导出"),
    ("import", "导入"),
    ("grant", "授权"),
    ("role_change", "角色变更"),
    ("password_reset", "重置密码"),
    ("password_change", "修改密码"),
    ("disable", "停用"),
    ("enable", "启用"),
    ("access_denied", "越权访问"),
    ("audit_query", "审计查询"),
    ("backup", "备份"),
    ("restore", "恢复"),
];

pub fn event_name(code: &str) -> &str {
    EVENTS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).unwrap_or(code)
}

#[derive(Template)]
#[template(path = "audit_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<AuditRow>,
    pager: Pager,
    events: &'static [(&'static str, &'static str)],
    can_export: bool,
    export_q: String,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = query(&ctx, &p).await?;
    let ListScreen { frame, pager, export_q, .. } =
        ListScreen::new(&ctx, &p, &page, "/system/audit", "审计日志", &[("系统管理", ""), ("审计日志", "")]);
    let can_export = ctx.can(AUDIT_EXPORT);
    Ok(Html(ListPage { frame, rows: page.items, pager, events: EVENTS, can_export, export_q, p }).into_response())
}

async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["审计序号", "时间", "用户", "角色", "地址", "事件", "对象", "详情", "结果", "请求编号"];
    platform::ledger::export_list(
        &ctx,
        "审计日志",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(query(c, p)),
        |r| {
            vec![
                Cell::Int(r.seq),
                Cell::from(format_ms(r.at)),
                Cell::from(r.username.clone()),
                Cell::from(r.role.clone()),
                Cell::from(r.addr.clone()),
                Cell::from(event_name(&r.event).to_string()),
                Cell::from(format!("{} {}", r.object_type, r.object_id)),
                Cell::from(r.detail.clone()),
                Cell::from(r.result.clone()),
                Cell::from(r.request_id.clone()),
            ]
        },
    )
    .await
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, true);
    Ok(Json(query(&ctx, &p).await?).into_response())
}
