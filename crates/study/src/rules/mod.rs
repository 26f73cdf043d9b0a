//! 制度落实: the compliance grid per rule, the list of gaps, rule settings and exempt periods, and
//! the secretaries' to-dos.

pub mod service;

pub use service::latency;

use crate::{RULE_EDIT, STUDY_VIEW};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use platform::audit::Event;
use platform::db::Sql;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::scope::{narrowed, units_for_picking};
use platform::web::form::FormPairs;
use platform::web::list::Pager;
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{Row, Rule, Status};
use std::collections::BTreeMap;

pub fn routes(r: Routes) -> Routes {
    r.get("/study/compliance", Need::Perm(STUDY_VIEW), "制度落实情况", page)
        .post("/study/rules/{id}", Need::Perm(RULE_EDIT), "修改制度规则", rule_submit)
        .post("/study/exempt", Need::Perm(RULE_EDIT), "新增免检时段", exempt_add)
        .post("/study/exempt/{id}/delete", Need::Perm(RULE_EDIT), "删除免检时段", exempt_delete)
        .get("/api/v1/compliance", Need::Perm(STUDY_VIEW), "制度落实（rule, from, to）", api)
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct Page {
    frame: Frame,
    rules: Vec<Rule>,
    rule: Rule,
    year: i16,
    /// This page's organisations (a province's grid is paged; a prison's fits one page).
    rows: Vec<Row>,
    /// The missed periods of this page's organisations.
    gaps: Vec<(String, String, String, String, i64)>,
    /// Over every organisation of the filter, not only this page's.
    held: usize,
    due: usize,
    missed: usize,
    unit: Option<i64>,
    units: Vec<(i64, String, i64)>,
    pager: Pager,
    exempts: Vec<(i64, String, String, String)>,
    can_edit: bool,
}

fn year_range(ctx: &Ctx, q: &BTreeMap<String, String>) -> (i16, jiff::civil::Date, jiff::civil::Date) {
    let today = platform::clock::today(&ctx.state.clock);
    let year =
        q.get("year").and_then(|y| y.parse::<i16>().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or(today.year());
    let from = jiff::civil::Date::new(year, 1, 1).unwrap_or(today);
    let end = jiff::civil::Date::new(year, 12, 31).unwrap_or(today);
    (year, from, end.min(today.saturating_add(6.days())))
}

async fn page(ctx: Ctx, q: Query<BTreeMap<String, String>>) -> AppResult<Response> {
    let rules = service::rules(&ctx).await?;
    let code = q.get("rule").cloned().unwrap_or_else(|| "branch_study_weekly".into());
    let rule = rules.iter().find(|r| r.code == code).or(rules.first()).cloned().ok_or(AppError::NotFound)?;
    let (year, from, to) = year_range(&ctx, &q);
    let unit = unit_param(&q)?;
    let nctx = match unit {
        Some(u) => narrowed(&ctx, u).await?,
        None => ctx.clone(),
    };
    let all = service::compliance(&nctx, &rule, from, to).await?;
    let (mut held, mut missed) = (0, 0);
    for c in all.iter().flat_map(|r| &r.cells) {
        match c.status {
            Status::Held => held += 1,
            Status::Missed => missed += 1,
            _ => {}
        }
    }
    let due = held + missed;
    // Fifty organisations a page unless asked otherwise: a prison's grid is one page, a
    // province's (some 800 organisations, 14 MB of table in one page) is paged.
    let mut raw = q.0.clone();
    raw.entry("per_page".into()).or_insert_with(|| "50".into());
    let p = ListParams::parse(raw, &[], false);
    let total = all.len() as i64;
    let rows: Vec<Row> = all.into_iter().skip(p.offset() as usize).take(p.per_page as usize).collect();
    let pager = Pager::new(
        &Paged { items: Vec::<()>::new(), total, page: p.page, per_page: p.per_page },
        &p,
        "/study/compliance",
    );
    let mut gaps = Vec::new();
    for r in &rows {
        for c in r.cells.iter().filter(|c| c.status == Status::Missed) {
            gaps.push((r.org_name.clone(), c.label.clone(), c.start.clone(), c.end.clone(), r.org_id));
        }
    }
    let exempts =
        Sql::new("SELECT id, from_date, to_date, reason FROM exempt_periods ORDER BY from_date DESC LIMIT 200")
            .fetch_fresh(&ctx.state.db)
            .await?;
    let frame = Frame::new(&ctx, "制度落实", "/study/compliance", &[("学习教育", ""), ("制度落实", "")]);
    let units = units_for_picking(&ctx).await?;
    Ok(Html(Page {
        frame,
        rules,
        rule,
        year,
        rows,
        gaps,
        held,
        due,
        missed,
        unit,
        units,
        pager,
        exempts,
        can_edit: ctx.can(RULE_EDIT),
    })
    .into_response())
}

/// `unit`: narrows the grid to one unit's subtree within the caller's scope.
fn unit_param(q: &BTreeMap<String, String>) -> AppResult<Option<i64>> {
    match q.get("unit").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| AppError::BadRequest("unit 须为单位编号".into())),
    }
}

async fn api(ctx: Ctx, q: Query<BTreeMap<String, String>>) -> AppResult<Response> {
    let rule = service::rule(&ctx, q.get("rule").map(String::as_str).unwrap_or("branch_study_weekly")).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let parse = |k: &str, d: jiff::civil::Date| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (from, to) = (parse("from", today.saturating_sub(3.months())), parse("to", today));
    if to < from || (to - from).get_days() > 3660 {
        return Err(AppError::BadRequest("日期范围无效（最长十年）".into()));
    }
    let ctx = match unit_param(&q)? {
        Some(u) => narrowed(&ctx, u).await?,
        None => ctx,
    };
    let rows = service::compliance(&ctx, &rule, from, to).await?;
    Ok(axum::Json(serde_json::json!({ "rule": rule, "from": from.to_string(), "to": to.to_string(), "items": rows, "total": rows.len() }))
        .into_response())
}

async fn rule_submit(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let mut c = FormCheck::new();
    let min = c.int("min_count", "次数", &f.get("min_count"), 1, 20);
    let active = i64::from(f.get("active") == "1");
    c.finish()?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query("UPDATE compliance_rules SET min_count = $1, active = $2, version = version + 1 WHERE id = $3")
        .bind(min)
        .bind(active)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(AppError::NotFound);
    }
    ctx.state
        .audit(
            &mut tx,
            &ctx.actor(),
            Event::ok("update", "compliance_rule", id).detail(format!("次数 {min}，启用 {active}")),
        )
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&format!("/study/compliance?rule={}", f.get("code")), "规则已保存"))
}

async fn exempt_add(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let mut c = FormCheck::new();
    let from = c.date("from_date", "开始日期", &f.get("from_date"), true);
    let to = c.date("to_date", "结束日期", &f.get("to_date"), true);
    let reason = c.text("reason", "事由", &f.get("reason"), 60, true);
    if let (Some(a), Some(b)) = (from, to)
        && (b < a || (b - a).get_days() > 60)
    {
        c.add("to_date", "结束日期须在开始日期之后，且不超过 60 天");
    }
    if !c.ok() {
        return Ok(redirect_with_flash("/study/compliance", &c.errors.into_values().collect::<Vec<_>>().join("；")));
    }
    let (Some(a), Some(b)) = (from, to) else { return Err(AppError::NotFound) };
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exempt_periods (from_date, to_date, reason, created_at) VALUES ($1,$2,$3,$4) RETURNING id",
    )
    .bind(a.to_string())
    .bind(b.to_string())
    .bind(&reason)
    .bind(ctx.state.clock.now_ms())
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "exempt_period", id).detail(format!("{a} 至 {b} {reason}")))
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash("/study/compliance", "免检时段已新增"))
}

async fn exempt_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM exempt_periods WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "exempt_period", id)).await?;
    tx.commit().await?;
    Ok(redirect_with_flash("/study/compliance", "免检时段已删除"))
}

/// The secretary of an organisation sees its gaps in the last complete period and what is still
/// to hold in the current one.
pub struct SecretaryGaps;

impl TodoSource for SecretaryGaps {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            let mut q = Sql::new(
                "SELECT f.org_id FROM org_officers f JOIN people p ON p.id = f.person_id \
                 WHERE p.user_id = $1 AND f.post = 'secretary' AND f.ended_on IS NULL",
            );
            q.value(user.id);
            let orgs: Vec<(i64,)> = q.fetch_fresh(&ctx.state.db).await?;
            if orgs.is_empty() {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let mut out = Vec::new();
            for rule in service::rules(ctx).await?.into_iter().filter(|r| r.active != 0 && r.period != "year") {
                let from = today.saturating_sub(if rule.period == "week" { 7.days() } else { 3.months() });
                for row in service::compliance(ctx, &rule, from, today).await? {
                    if !orgs.iter().any(|(o,)| *o == row.org_id) {
                        continue;
                    }
                    for c in row.cells.iter().filter(|c| matches!(c.status, Status::Missed | Status::Pending)) {
                        let missed = c.status == Status::Missed;
                        out.push(Todo {
                            title: format!("{}：{}", row.org_name, rule.name),
                            detail: if missed {
                                format!("{}（{} 至 {}）未开展", c.label, c.start, c.end)
                            } else {
                                format!("{}尚未开展，{} 前完成", c.label, c.end)
                            },
                            due: Some(c.end.clone()),
                            href: format!(
                                "/study/meetings/new?org={}&kind={}",
                                row.org_id,
                                rule.meeting_kinds.split(',').next().unwrap_or("")
                            ),
                            level: if missed { "overdue" } else { "due_soon" },
                            source: "制度落实",
                        });
                    }
                }
            }
            Ok(out)
        })
    }
}
