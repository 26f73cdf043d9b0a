//! 稳控 (stability control): people or situations under watch — why, the level, the control
//! measures, the officer responsible and the leader in charge (包案领导), the next review — with a
//! log of checks and reviews until the watch is lifted. A watch may come from a screening finding.
//! A review that has come due is a to-do.

use crate::domain::*;
use crate::{STABILITY_EDIT, STABILITY_VIEW, shared};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use office::Cell;
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(STABILITY_VIEW), Need::Perm(STABILITY_EDIT));
    r.get("/petitions/watches", view, "稳控对象", list_page)
        .get("/petitions/watches/export", view, "导出稳控对象", export)
        .get("/petitions/watches/new", edit, "登记稳控对象页（finding=由排查发现转入）", new_page)
        .post("/petitions/watches", edit, "登记稳控对象", create_page)
        .get("/petitions/watches/{id}", view, "稳控对象详情（稳控记录）", view_page)
        .get("/petitions/watches/{id}/edit", edit, "修改稳控对象页", edit_page)
        .post("/petitions/watches/{id}", edit, "修改稳控对象", update_page)
        .post("/petitions/watches/{id}/delete", edit, "删除稳控对象", delete_page)
        .post("/petitions/watches/{id}/logs", edit, "记录稳控情况、研判或解除稳控", log_page)
        .get("/api/v1/stability_watches", view, "稳控对象列表（status, level, subject_kind, overdue=1）", api_list)
        .post(
            "/api/v1/stability_watches",
            edit,
            "登记稳控对象（subject_kind, subject, level, reason, measures, responsible_id, leader_id, started_on, review_on, finding_id, unit_id）",
            api_create,
        )
        .get("/api/v1/stability_watches/{id}", view, "稳控对象详情（含稳控记录）", api_get)
        .put("/api/v1/stability_watches/{id}", edit, "修改稳控对象（另加 version）", api_update)
        .delete("/api/v1/stability_watches/{id}", edit, "删除稳控对象", api_delete)
        .post(
            "/api/v1/stability_watches/{id}/logs",
            edit,
            "记录稳控情况（kind: check|review|lift, logged_on, text, next_review_on, version）",
            api_log,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Watch {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub subject_kind: String,
    pub subject: String,
    pub level: String,
    pub reason: String,
    pub measures: String,
    pub responsible_id: i64,
    pub responsible_name: String,
    pub leader_id: Option<i64>,
    pub leader_name: Option<String>,
    pub started_on: String,
    pub review_on: String,
    pub status: String,
    pub lifted_on: Option<String>,
    pub finding_id: Option<i64>,
    pub screening_id: Option<i64>,
    /// 1 when active and its review date has passed (derived in the query).
    pub review_overdue: i64,
    pub version: i64,
}

impl Watch {
    pub fn subject_label(&self) -> &'static str {
        label(WATCH_SUBJECTS, &self.subject_kind)
    }
    pub fn level_label(&self) -> &'static str {
        label(LEVELS, &self.level)
    }
    pub fn level_tag(&self) -> &'static str {
        level_tag(&self.level)
    }
    pub fn status_label(&self) -> &'static str {
        label(WATCH_STATUSES, &self.status)
    }
}

fn cols(today: jiff::civil::Date) -> String {
    format!(
        "w.id, w.unit_id, u.name AS unit_name, w.subject_kind, w.subject, w.level, w.reason, w.measures, w.responsible_id, \
         r.name AS responsible_name, w.leader_id, l.name AS leader_name, w.started_on, w.review_on, w.status, w.lifted_on, \
         w.finding_id, f.screening_id, \
         (CASE WHEN w.status = 'active' AND w.review_on < '{today}' THEN 1 ELSE 0 END) AS review_overdue, w.version"
    )
}

const FROM: &str = "FROM stability_watches w JOIN units u ON u.id = w.unit_id JOIN people r ON r.id = w.responsible_id \
    LEFT JOIN people l ON l.id = w.leader_id LEFT JOIN stability_findings f ON f.id = w.finding_id";
const SORTS: &[(&str, &str)] = &[("review_on", "w.review_on"), ("started_on", "w.started_on"), ("level", "w.level")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Watch>> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let (status, level, kind, q) = (
        p.get("status").to_string(),
        p.get("level").to_string(),
        p.get("subject_kind").to_string(),
        p.get("q").to_string(),
    );
    let overdue = p.get("overdue") == "1";
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "CASE w.status WHEN 'active' THEN 0 ELSE 1 END, CASE w.level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, w.review_on".into();
    }
    Ok(fetch_page::<Watch>(
        &ctx.state.db,
        &cols(today),
        "w.id",
        |s: &mut Sql| {
            s.push(FROM).push(" WHERE ");
            user.scope.push_condition(s, "w.unit_id", None);
            for (col, v) in [("w.status", &status), ("w.level", &level), ("w.subject_kind", &kind)] {
                if !v.is_empty() {
                    s.push(" AND ").push(col).push(" = ").bind(v.clone());
                }
            }
            if overdue {
                s.push(" AND w.status = 'active' AND w.review_on < ").bind(today.to_string());
            }
            if !q.is_empty() {
                s.push(" AND w.subject LIKE ").bind(platform::db::like_contains(&q)).push(" ESCAPE '\\'");
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Watch> {
    let today = platform::clock::today(&ctx.state.clock);
    platform::ledger::get_in_scope(
        ctx,
        &format!("SELECT {} {FROM}", cols(today)),
        "w.id",
        id,
        "w.unit_id",
        None,
        "stability_watch",
    )
    .await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Log {
    pub id: i64,
    pub kind: String,
    pub logged_on: String,
    pub text: String,
    pub by_name: String,
    pub created_at: i64,
}

impl Log {
    pub fn kind_label(&self) -> &'static str {
        label(WATCH_LOG_KINDS, &self.kind)
    }
}

pub async fn logs(ctx: &Ctx, id: i64) -> AppResult<Vec<Log>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, logged_on, text, by_name, created_at FROM stability_watch_logs WHERE watch_id = $1 ORDER BY logged_on DESC, id DESC",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

pub struct WatchInput {
    pub unit_id: Option<i64>,
    pub subject_kind: String,
    pub subject: String,
    pub level: String,
    pub reason: String,
    pub measures: String,
    pub responsible_id: i64,
    pub leader_id: Option<i64>,
    pub started_on: String,
    pub review_on: String,
    pub finding_id: Option<i64>,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<WatchInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "责任部门", &f.get("unit_id"));
    let subject_kind = c.choice("subject_kind", "稳控类型", &f.get("subject_kind"), WATCH_SUBJECTS);
    let subject = c.text("subject", "稳控对象", &f.get("subject"), 100, true);
    if subject.chars().filter(|ch| ch.is_ascii_digit()).count() >= 11 {
        c.add("subject", "稳控对象中请勿填写身份证号、电话等个人信息");
    }
    let level = c.choice("level", "风险等级", &f.get("level"), LEVELS);
    let reason = c.long_text("reason", "列管原因", &f.get("reason"), 2000, true);
    let measures = c.long_text("measures", "稳控措施", &f.get("measures"), 2000, true);
    let responsible_id = c.opt_id("responsible_id", "责任民警", &f.get("responsible_id"));
    if responsible_id.is_none() {
        c.add("responsible_id", "请选择责任民警");
    }
    let leader_id = c.opt_id("leader_id", "包案领导", &f.get("leader_id"));
    let started = c.date("started_on", "列管日期", &f.get("started_on"), true);
    if started.is_some_and(|d| d > today) {
        c.add("started_on", "列管日期不能晚于今天");
    }
    let review = c.date("review_on", "下次研判日期", &f.get("review_on"), true);
    if let (Some(s), Some(r)) = (started, review)
        && r < s
    {
        c.add("review_on", "下次研判日期不能早于列管日期");
    }
    let finding_id = c.opt_id("finding_id", "排查发现", &f.get("finding_id"));
    c.finish()?;
    Ok(WatchInput {
        unit_id,
        subject_kind,
        subject,
        level,
        reason,
        measures,
        responsible_id: responsible_id.unwrap_or_default(),
        leader_id,
        started_on: started.map(|d| d.to_string()).unwrap_or_default(),
        review_on: review.map(|d| d.to_string()).unwrap_or_default(),
        finding_id,
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check(ctx: &Ctx, i: &WatchInput) -> AppResult<i64> {
    let unit = shared::unit_in_scope(ctx, i.unit_id).await?;
    if !shared::person_ok(ctx, i.responsible_id).await? {
        return Err(AppError::field("responsible_id", "责任民警须为本监狱在职人员"));
    }
    if let Some(l) = i.leader_id
        && !shared::person_ok(ctx, l).await?
    {
        return Err(AppError::field("leader_id", "包案领导须为本监狱在职人员"));
    }
    if let Some(f) = i.finding_id
        && crate::screenings::finding(ctx, f).await.is_err()
    {
        return Err(AppError::field("finding_id", "请选择您管理范围内的排查发现"));
    }
    Ok(unit)
}

pub async fn create(ctx: &Ctx, i: &WatchInput) -> AppResult<i64> {
    let unit = check(ctx, i).await?;
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO stability_watches (unit_id, subject_kind, subject, level, reason, measures, responsible_id, leader_id, started_on, \
         review_on, finding_id, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id",
    )
    .bind(unit)
    .bind(&i.subject_kind)
    .bind(&i.subject)
    .bind(&i.level)
    .bind(&i.reason)
    .bind(&i.measures)
    .bind(i.responsible_id)
    .bind(i.leader_id)
    .bind(&i.started_on)
    .bind(&i.review_on)
    .bind(i.finding_id)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(f) = i.finding_id {
        sqlx::query(
            "UPDATE stability_findings SET status = 'controlled', version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(now)
        .bind(f)
        .execute(&mut *tx)
        .await?;
    }
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "stability_watch", id).detail(i.subject.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &WatchInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE stability_watches SET unit_id = $1, subject_kind = $2, subject = $3, level = $4, reason = $5, measures = $6, \
         responsible_id = $7, leader_id = $8, started_on = $9, review_on = $10, finding_id = $11, version = version + 1, updated_at = $12 \
         WHERE id = $13 AND version = $14",
    )
    .bind(unit)
    .bind(&i.subject_kind)
    .bind(&i.subject)
    .bind(&i.level)
    .bind(&i.reason)
    .bind(&i.measures)
    .bind(i.responsible_id)
    .bind(i.leader_id)
    .bind(&i.started_on)
    .bind(&i.review_on)
    .bind(i.finding_id)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("update", "stability_watch", id).detail(i.subject.clone()))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let w = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM stability_watches WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "stability_watch", id).detail(w.subject)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct LogInput {
    pub kind: &'static str,
    pub logged_on: jiff::civil::Date,
    pub text: String,
    pub next_review_on: Option<jiff::civil::Date>,
    pub version: i64,
}

pub fn parse_log(f: &FormPairs, today: jiff::civil::Date) -> AppResult<LogInput> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "记录类型", &f.get("kind"), WATCH_LOG_KINDS);
    let kind = WATCH_LOG_KINDS.iter().find(|(k, _)| *k == kind).map(|(k, _)| *k).unwrap_or("check");
    let day = if f.get("logged_on").trim().is_empty() {
        Some(today)
    } else {
        c.date("logged_on", "日期", &f.get("logged_on"), true)
    };
    if day.is_some_and(|d| d > today) {
        c.add("logged_on", "日期不能晚于今天");
    }
    let text = c.long_text("text", "情况", &f.get("text"), 2000, true);
    let next = c.date("next_review_on", "下次研判日期", &f.get("next_review_on"), kind == "review");
    if let (Some(n), Some(d)) = (next, day)
        && n < d
    {
        c.add("next_review_on", "下次研判日期不能早于本次");
    }
    let version = f.get("version").trim().parse::<i64>().ok();
    if version.is_none() {
        c.add("version", "缺少版本号");
    }
    c.finish()?;
    Ok(LogInput {
        kind,
        logged_on: day.unwrap_or(today),
        text,
        next_review_on: next,
        version: version.unwrap_or_default(),
    })
}

/// A check, a review (moves the next review date) or the lifting of the watch.
pub async fn add_log(ctx: &Ctx, id: i64, i: &LogInput) -> AppResult<i64> {
    let w = get(ctx, id).await?;
    if w.status != "active" {
        return Err(AppError::field("kind", "该对象已解除稳控"));
    }
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let day = i.logged_on.to_string();
    let (status, lifted, review) = match i.kind {
        "lift" => ("lifted", Some(day.clone()), w.review_on.clone()),
        _ => ("active", None, i.next_review_on.map(|d| d.to_string()).unwrap_or(w.review_on.clone())),
    };
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE stability_watches SET status = $1, lifted_on = $2, review_on = $3, version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6",
    )
    .bind(status)
    .bind(lifted)
    .bind(review)
    .bind(now)
    .bind(id)
    .bind(i.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    let log: i64 = sqlx::query_scalar(
        "INSERT INTO stability_watch_logs (watch_id, kind, logged_on, text, by_user, by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(id)
    .bind(i.kind)
    .bind(&day)
    .bind(&i.text)
    .bind(user.id)
    .bind(&user.display_name)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok(i.kind, "stability_watch", id).detail(label(WATCH_LOG_KINDS, i.kind)))
        .await?;
    tx.commit().await?;
    Ok(log)
}

#[derive(Template)]
#[template(path = "watches_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Watch>,
    offset: i64,
    pager: Pager,
    export_q: String,
    statuses: Codes,
    levels: Codes,
    subjects: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/petitions/watches", "稳控对象", &[("安保维稳", ""), ("稳控对象", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        statuses: WATCH_STATUSES,
        levels: LEVELS,
        subjects: WATCH_SUBJECTS,
        can_edit: ctx.can(STABILITY_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = [
        "类型",
        "稳控对象",
        "风险等级",
        "列管原因",
        "稳控措施",
        "责任部门",
        "责任民警",
        "包案领导",
        "列管日期",
        "下次研判",
        "状态",
    ];
    platform::ledger::export_list(
        &ctx,
        "稳控对象",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |w| {
            vec![
                Cell::from(w.subject_label()),
                Cell::from(w.subject.clone()),
                Cell::from(w.level_label()),
                Cell::from(w.reason.clone()),
                Cell::from(w.measures.clone()),
                Cell::from(w.unit_name.clone()),
                Cell::from(w.responsible_name.clone()),
                Cell::from(w.leader_name.clone().unwrap_or_default()),
                Cell::from(w.started_on.clone()),
                Cell::from(w.review_on.clone()),
                Cell::from(w.status_label()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "watch_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    subjects: Codes,
    levels: Codes,
    today: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改稳控对象" } else { "登记稳控对象" };
    let frame = Frame::new(
        ctx,
        title,
        "/petitions/watches",
        &[("安保维稳", ""), ("稳控对象", "/petitions/watches"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        frame,
        id,
        f,
        errors,
        units: shared::departments(ctx).await?,
        people: shared::prison_people(ctx, true).await?,
        subjects: WATCH_SUBJECTS,
        levels: LEVELS,
        today: platform::clock::today(&ctx.state.clock).to_string(),
    };
    Ok((status, Html(page)).into_response())
}

/// A new watch; `finding=ID` starts from a screening finding (its department, level, facts and
/// measures).
async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let mut pairs = vec![
        ("subject_kind".to_string(), "person".to_string()),
        ("level".to_string(), "medium".to_string()),
        ("started_on".to_string(), today.to_string()),
        ("review_on".to_string(), today.saturating_add(30.days()).to_string()),
    ];
    match q.get("finding").and_then(|v| v.parse::<i64>().ok()) {
        Some(fid) => {
            let f = crate::screenings::finding(&ctx, fid).await?;
            pairs.push(("unit_id".to_string(), f.unit_id.to_string()));
            pairs.push(("finding_id".to_string(), fid.to_string()));
            pairs.push(("reason".to_string(), f.description.clone()));
            pairs.push(("measures".to_string(), f.measures.clone()));
            pairs.push(("responsible_id".to_string(), f.responsible_id.map(|x| x.to_string()).unwrap_or_default()));
            for (k, v) in pairs.iter_mut() {
                if k == "level" {
                    *v = f.level.clone();
                }
            }
        }
        None => pairs.push(("unit_id".to_string(), user.unit_id.to_string())),
    }
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/petitions/watches/{id}"), "稳控对象已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let w = get(&ctx, id).await?;
    let pairs = vec![
        ("unit_id".to_string(), w.unit_id.to_string()),
        ("subject_kind".to_string(), w.subject_kind),
        ("subject".to_string(), w.subject),
        ("level".to_string(), w.level),
        ("reason".to_string(), w.reason),
        ("measures".to_string(), w.measures),
        ("responsible_id".to_string(), w.responsible_id.to_string()),
        ("leader_id".to_string(), w.leader_id.map(|x| x.to_string()).unwrap_or_default()),
        ("started_on".to_string(), w.started_on),
        ("review_on".to_string(), w.review_on),
        ("finding_id".to_string(), w.finding_id.map(|x| x.to_string()).unwrap_or_default()),
        ("version".to_string(), w.version.to_string()),
    ];
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/petitions/watches/{id}"), "稳控对象已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "watch_view.html")]
struct ViewPage {
    frame: Frame,
    w: Watch,
    logs: Vec<Log>,
    kinds: Codes,
    can_edit: bool,
    f: FormPairs,
    errors: FieldErrors,
    today: String,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let w = get(ctx, id).await?;
    let logs = logs(ctx, id).await?;
    let frame = Frame::new(
        ctx,
        &w.subject,
        "/petitions/watches",
        &[("安保维稳", ""), ("稳控对象", "/petitions/watches"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let today = platform::clock::today(&ctx.state.clock).to_string();
    Ok((
        status,
        Html(ViewPage { frame, w, logs, kinds: WATCH_LOG_KINDS, can_edit: ctx.can(STABILITY_EDIT), f, errors, today }),
    )
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new()).await
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/petitions/watches", "稳控对象已删除"))
}

async fn log_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse_log(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => add_log(&ctx, id, &i).await.map(|_| i.kind),
        Err(e) => Err(e),
    };
    match res {
        Ok(kind) => Ok(redirect_with_flash(
            &format!("/petitions/watches/{id}"),
            &format!("已记录{}", label(WATCH_LOG_KINDS, kind)),
        )),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let w = get(&ctx, id).await?;
    let logs = logs(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "watch": w, "logs": logs })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let id = create(&ctx, &parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    update(&ctx, id, &parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_log(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let log = add_log(&ctx, id, &parse_log(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": log }))).into_response())
}

/// For whoever keeps the watches: each active watch whose review date has passed.
pub struct ReviewTodos;

impl TodoSource for ReviewTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            if !ctx.can(STABILITY_EDIT) {
                return Ok(Vec::new());
            }
            let user = ctx.user()?;
            let today = platform::clock::today(&ctx.state.clock);
            let mut q = Sql::new(
                "SELECT w.id, w.subject, w.review_on FROM stability_watches w WHERE w.status = 'active' AND w.review_on < ",
            );
            q.bind(today.to_string()).push(" AND ");
            user.scope.push_condition(&mut q, "w.unit_id", None);
            q.push(" ORDER BY w.review_on, w.id LIMIT 50");
            let rows: Vec<(i64, String, String)> = q.fetch_fresh(&ctx.state.db).await?;
            Ok(rows
                .into_iter()
                .map(|(id, subject, due)| Todo {
                    title: format!("稳控对象研判到期：{subject}"),
                    detail: "已过下次研判日期，请研判稳控情况".into(),
                    due: Some(due),
                    href: format!("/petitions/watches/{id}"),
                    level: "overdue",
                    source: "信访稳定",
                })
                .collect())
        })
    }
}
