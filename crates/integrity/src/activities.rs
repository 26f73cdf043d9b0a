//! 清廉活动: the ledger of integrity activities (the five of 五个一, 每月一警, 廉政提醒, warning
//! films, 警示教育日 …), each of a unit, optionally tied to the recorded warning-education meeting
//! (#4) it was held at, with attachments; and the 五个一 card of the list page (which of the five
//! have been held in a year).

use crate::domain::*;
use crate::{INTEGRITY_EDIT, INTEGRITY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::{expect_one_updated, get_in_scope};
use platform::perm::Need;
use platform::registry::BoxFuture;
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
    let (view, edit) = (Need::Perm(INTEGRITY_VIEW), Need::Perm(INTEGRITY_EDIT));
    r.get("/integrity/activities", view, "清廉活动（含“五个一”开展情况）", list_page)
        .get("/integrity/activities/export", view, "导出清廉活动", export)
        .get("/integrity/activities/new", edit, "登记清廉活动页", new_page)
        .post("/integrity/activities", edit, "登记清廉活动", create_page)
        .get("/integrity/activities/{id}", view, "清廉活动详情（含附件）", view_page)
        .get("/integrity/activities/{id}/edit", edit, "修改清廉活动页", edit_page)
        .post("/integrity/activities/{id}", edit, "修改清廉活动", update_page)
        .post("/integrity/activities/{id}/delete", edit, "删除清廉活动", delete_page)
        .get("/api/v1/integrity_activities", view, "清廉活动列表（kind, year, from, to, q）", api_list)
        .post(
            "/api/v1/integrity_activities",
            edit,
            "登记清廉活动（unit_id, kind, title, held_on, organiser, audience, participants, film_title, meeting_id, content）",
            api_create,
        )
        .get("/api/v1/integrity_activities/{id}", view, "清廉活动详情（含附件）", api_get)
        .put("/api/v1/integrity_activities/{id}", edit, "修改清廉活动（与登记相同的字段，另加 version）", api_update)
        .delete("/api/v1/integrity_activities/{id}", edit, "删除清廉活动", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub organiser: String,
    pub audience: String,
    pub participants: i64,
    pub film_title: String,
    pub meeting_id: Option<i64>,
    pub meeting_title: Option<String>,
    pub content: String,
    pub version: i64,
}

impl Activity {
    pub fn kind_label(&self) -> &'static str {
        label(ACTIVITY_KINDS, &self.kind)
    }
    /// One of the five of 五个一.
    pub fn five_one(&self) -> bool {
        FIVE_ONES.contains(&self.kind.as_str())
    }
    /// The content, cleaned again for showing with `|safe`.
    pub fn content_html(&self) -> String {
        platform::richtext::render(&self.content)
    }
}

const COLS: &str = "a.id, a.unit_id, u.name AS unit_name, a.kind, a.title, a.held_on, a.organiser, a.audience, \
    a.participants, a.film_title, a.meeting_id, m.title AS meeting_title, a.content, a.version";
const FROM: &str =
    "FROM integrity_activities a JOIN units u ON u.id = a.unit_id LEFT JOIN meetings m ON m.id = a.meeting_id";
pub const SORTS: &[(&str, &str)] =
    &[("held_on", "a.held_on"), ("kind", "a.kind"), ("participants", "a.participants"), ("unit", "u.sort_order")];

pub(crate) use platform::clock::year_of;

/// Filters: kind, year, from, to, q (title, organiser, audience, film), unit.
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Activity>> {
    let user = ctx.user()?;
    let (kind, from, to, text) =
        (p.get("kind").to_string(), p.get("from").to_string(), p.get("to").to_string(), p.get("q").to_string());
    let (year, unit) = (year_of(p.get("year")), p.get_i64("unit"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "a.held_on DESC".into();
    }
    Ok(fetch_page::<Activity>(
        &ctx.state.db,
        COLS,
        "a.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "a.unit_id", None);
            if !kind.is_empty() {
                q.push(" AND a.kind = ").bind(kind.clone());
            }
            if let Some(y) = year {
                q.push(" AND a.held_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND a.held_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND a.held_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND a.held_on <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND a.unit_id = ").bind(u);
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (a.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR a.organiser LIKE ");
                q.bind(like.clone()).push(" ESCAPE '\\' OR a.audience LIKE ").bind(like.clone());
                q.push(" ESCAPE '\\' OR a.film_title LIKE ").bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

/// One activity in the caller's scope (a miss is audited and answered NotFound).
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Activity> {
    let select = format!("SELECT {COLS} {FROM}");
    get_in_scope(ctx, &select, "a.id", id, "a.unit_id", None, "integrity_activity").await
}

/// One of the five of 五个一 and how many times it was held in the year.
pub struct FiveOne {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

/// For each of the five of 五个一, how many activities of the caller's scope were held in `year`.
pub async fn five_ones(ctx: &Ctx, year: i16) -> AppResult<Vec<FiveOne>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT a.kind, count(*) FROM integrity_activities a WHERE a.held_on >= ");
    q.bind(format!("{year}-01-01")).push(" AND a.held_on <= ").bind(format!("{year}-12-31")).push(" AND a.kind IN (");
    for (n, k) in FIVE_ONES.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(k.to_string());
    }
    q.push(") AND ");
    user.scope.push_condition(&mut q, "a.unit_id", None);
    q.push(" GROUP BY a.kind");
    let counts: Vec<(String, i64)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    Ok(FIVE_ONES
        .iter()
        .map(|code| FiveOne {
            code,
            label: label(ACTIVITY_KINDS, code),
            count: counts.iter().find(|(k, _)| k == code).map(|(_, n)| *n).unwrap_or(0),
        })
        .collect())
}

/// Departments in the caller's scope, offered as the unit a record belongs to.
pub(crate) async fn departments(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT u.id, u.name FROM units u WHERE (u.kind = 'department' OR u.id = ");
    q.bind(user.unit_id).push(") AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.push(" ORDER BY u.sort_order, u.id LIMIT 500");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// The unit a record is saved in: the chosen department (or the caller's own unit) when it is in
/// the caller's scope; the caller's own unit when none is chosen and `required` is false.
pub(crate) async fn unit_in_scope(ctx: &Ctx, chosen: Option<i64>, required: bool) -> AppResult<(i64, String)> {
    let user = ctx.user()?;
    let Some(id) = chosen.or((!required).then_some(user.unit_id)) else {
        return Err(AppError::field("unit_id", "请选择部门"));
    };
    let mut q = Sql::new("SELECT u.id, u.name FROM units u WHERE u.id = ");
    q.bind(id).push(" AND (u.kind = 'department' OR u.id = ").bind(user.unit_id).push(") AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.query_as::<(i64, String)>()
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or_else(|| AppError::field("unit_id", "请选择您管理范围内的部门"))
}

/// What the activity form (and the API) posts.
pub struct ActivityInput {
    pub unit_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub organiser: String,
    pub audience: String,
    pub participants: i64,
    pub film_title: String,
    pub meeting_id: Option<i64>,
    pub content: String,
    /// The version an edit started from (absent on create).
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<ActivityInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "部门", &f.get("unit_id"));
    let kind = c.choice("kind", "活动类别", &f.get("kind"), ACTIVITY_KINDS);
    let title = c.text("title", "活动名称", &f.get("title"), 200, true);
    let held = c.date("held_on", "活动日期", &f.get("held_on"), true);
    if held.is_some_and(|d| d > today) {
        c.add("held_on", "活动日期不能晚于今天：这里登记已开展的活动");
    }
    let organiser = c.text("organiser", "组织者", &f.get("organiser"), 100, false);
    let audience = c.text("audience", "参加对象", &f.get("audience"), 200, false);
    let participants = c.int("participants", "参加人数", &f.get("participants"), 0, 100_000);
    let film_title = c.text("film_title", "警示教育片名称", &f.get("film_title"), 100, false);
    if kind == "warning_film" && film_title.is_empty() {
        c.add("film_title", "观看警示教育片须填写片名");
    }
    let meeting_id = c.opt_id("meeting_id", "会议", &f.get("meeting_id"));
    let content = c.rich_text("content", "活动内容", &f.get("content"), 100_000, false);
    c.finish()?;
    Ok(ActivityInput {
        unit_id,
        kind,
        title,
        held_on: held.map(|d| d.to_string()).unwrap_or_default(),
        organiser,
        audience,
        participants,
        film_title,
        meeting_id,
        content,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The unit (in scope; the caller's own unit when none is chosen) and the linked meeting: a
/// recorded 警示教育 meeting the caller can see.
async fn check_refs(ctx: &Ctx, unit: Option<i64>, meeting: Option<i64>) -> AppResult<(i64, String)> {
    let unit = unit_in_scope(ctx, unit, false).await?;
    if let Some(m) = meeting {
        let meeting = study::meetings::service::get(ctx, m).await.map_err(|e| match e {
            AppError::NotFound => AppError::field("meeting_id", "请选择您管理范围内已录入的警示教育会议"),
            other => other,
        })?;
        if meeting.kind != "warning_education" {
            return Err(AppError::field(
                "meeting_id",
                format!("所选会议是“{}”，只能关联警示教育会议", meeting.kind_label()),
            ));
        }
    }
    Ok(unit)
}

pub async fn create(ctx: &Ctx, i: &ActivityInput) -> AppResult<i64> {
    let (unit, unit_name) = check_refs(ctx, i.unit_id, i.meeting_id).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO integrity_activities (unit_id, kind, title, held_on, organiser, audience, participants, film_title, \
         meeting_id, content, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id",
    )
    .bind(unit)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.organiser)
    .bind(&i.audience)
    .bind(i.participants)
    .bind(&i.film_title)
    .bind(i.meeting_id)
    .bind(&i.content)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{unit_name} {} {} {}", label(ACTIVITY_KINDS, &i.kind), i.held_on, i.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "integrity_activity", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an edit; someone else's edit in between is refused by the version.
pub async fn update(ctx: &Ctx, id: i64, i: &ActivityInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let (unit, unit_name) = check_refs(ctx, i.unit_id.or(Some(before.unit_id)), i.meeting_id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE integrity_activities SET unit_id = $1, kind = $2, title = $3, held_on = $4, organiser = $5, audience = $6, \
         participants = $7, film_title = $8, meeting_id = $9, content = $10, version = version + 1, updated_at = $11 \
         WHERE id = $12 AND version = $13",
    )
    .bind(unit)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.organiser)
    .bind(&i.audience)
    .bind(i.participants)
    .bind(&i.film_title)
    .bind(i.meeting_id)
    .bind(&i.content)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail = format!(
        "{} {} {} {} → {unit_name} {} {} {}",
        before.unit_name,
        before.kind_label(),
        before.held_on,
        before.title,
        label(ACTIVITY_KINDS, &i.kind),
        i.held_on,
        i.title
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "integrity_activity", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let a = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM integrity_activities WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {} {} {}", a.unit_name, a.kind_label(), a.held_on, a.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "integrity_activity", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// The last 100 recorded 警示教育 meetings in the caller's scope: (id, "日期 名称（党组织）").
async fn warning_meetings(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT m.id, m.held_on || ' ' || m.title || '（' || o.name || '）' FROM meetings m \
         JOIN party_orgs o ON o.id = m.org_id WHERE m.kind = 'warning_education' AND ",
    );
    user.scope.push_condition(&mut q, "m.unit_id", None);
    q.push(" ORDER BY m.held_on DESC, m.id DESC LIMIT 100");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

pub struct ActivityAttachments;

impl AttachmentOwner for ActivityAttachments {
    fn view_perm(&self) -> &'static str {
        crate::INTEGRITY_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        crate::INTEGRITY_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/integrity/activities/{owner_id}")
    }
}

#[derive(Template)]
#[template(path = "activities_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Activity>,
    offset: i64,
    pager: Pager,
    kinds: Codes,
    year: i16,
    five: Vec<FiveOne>,
    can_edit: bool,
    export_q: String,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let year = year_of(p.get("year")).unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year());
    let five = five_ones(&ctx, year).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/integrity/activities", "清廉活动", &[("清廉建设", ""), ("清廉活动", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: ACTIVITY_KINDS,
        year,
        five,
        can_edit: ctx.can(INTEGRITY_EDIT),
        export_q,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers =
        ["日期", "类别", "活动名称", "单位", "组织者", "参加对象", "参加人数", "警示教育片", "关联会议", "活动内容"];
    platform::ledger::export_list(
        &ctx,
        "清廉活动",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |a| {
            vec![
                Cell::from(a.held_on.clone()),
                Cell::from(a.kind_label()),
                Cell::from(a.title.clone()),
                Cell::from(a.unit_name.clone()),
                Cell::from(a.organiser.clone()),
                Cell::from(a.audience.clone()),
                Cell::Int(a.participants),
                Cell::from(a.film_title.clone()),
                Cell::from(a.meeting_title.clone()),
                Cell::from(platform::richtext::to_text(&a.content)),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct FormPage {
    frame: Frame,
    /// `None` when registering a new activity.
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    meetings: Vec<(i64, String)>,
    kinds: Codes,
    today: String,
    /// The content as the editor starts from it: cleaned, even when a rejected post is shown again.
    content: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改清廉活动" } else { "登记清廉活动" };
    let frame = Frame::new(
        ctx,
        title,
        "/integrity/activities",
        &[("清廉建设", ""), ("清廉活动", "/integrity/activities"), (title, "")],
    );
    let units = departments(ctx).await?;
    let meetings = warning_meetings(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let content = platform::richtext::clean(&f.get("content"));
    let today = platform::clock::today(&ctx.state.clock).to_string();
    Ok((status, Html(FormPage { frame, id, f, errors, units, meetings, kinds: ACTIVITY_KINDS, today, content }))
        .into_response())
}

/// `kind` and `meeting` in the query preset the form (e.g. from the 警示教育 page).
async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let user = ctx.user()?;
    let pairs = vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("kind".to_string(), q.get("kind").cloned().unwrap_or_else(|| "integrity_reminder".into())),
        ("meeting_id".to_string(), q.get("meeting").cloned().unwrap_or_default()),
        ("held_on".to_string(), today),
        ("participants".to_string(), "0".to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/integrity/activities/{id}"), "清廉活动已登记，可上传附件")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

/// The recorded activity as the pairs its form posts.
async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = get(&ctx, id).await?;
    let pairs = vec![
        ("unit_id".to_string(), a.unit_id.to_string()),
        ("kind".to_string(), a.kind.clone()),
        ("title".to_string(), a.title.clone()),
        ("held_on".to_string(), a.held_on.clone()),
        ("organiser".to_string(), a.organiser.clone()),
        ("audience".to_string(), a.audience.clone()),
        ("participants".to_string(), a.participants.to_string()),
        ("film_title".to_string(), a.film_title.clone()),
        ("meeting_id".to_string(), a.meeting_id.map(|m| m.to_string()).unwrap_or_default()),
        ("content".to_string(), a.content_html()),
        ("version".to_string(), a.version.to_string()),
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
        Ok(()) => Ok(redirect_with_flash(&format!("/integrity/activities/{id}"), "清廉活动已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "activity_view.html")]
struct ViewPage {
    frame: Frame,
    a: Activity,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = get(&ctx, id).await?;
    let files = platform::attachments::list_for(&ctx, "integrity_activity", id).await?;
    let frame = Frame::new(
        &ctx,
        &a.title,
        "/integrity/activities",
        &[("清廉建设", ""), ("清廉活动", "/integrity/activities"), ("活动详情", "")],
    );
    Ok(Html(ViewPage { frame, a, files, can_edit: ctx.can(INTEGRITY_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/integrity/activities", "清廉活动已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = get(&ctx, id).await?;
    let files = platform::attachments::list_for(&ctx, "integrity_activity", id).await?;
    Ok(Json(serde_json::json!({ "activity": a, "attachments": files })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = create(&ctx, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    update(&ctx, id, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One demo activity.
struct DemoRow {
    unit: i64,
    kind: &'static str,
    title: String,
    day: jiff::civil::Date,
    organiser: String,
    audience: &'static str,
    people: i64,
    film: &'static str,
}

/// Demo: a year of activities of the prison's departments (fictional): each of the five of 五个一
/// once this year, a 廉政提醒 every month, two warning films, a 5·17 警示教育日 and an education
/// month.
pub async fn seed_demo(ctx: &Ctx, today: jiff::civil::Date) -> AppResult<()> {
    use jiff::ToSpan;
    let prison: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&ctx.state.db.pool).await?;
    let depts: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM units WHERE prison_id = $1 AND kind = 'department' ORDER BY sort_order, id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let Some(first) = depts.first().cloned() else { return Ok(()) };
    // The discipline office organises most of them; the monthly reminders go round the departments.
    let (jw, jw_name) = depts.iter().find(|(_, n)| n.contains("纪委")).cloned().unwrap_or(first);
    let row = |unit: i64, kind, title: String, day, organiser: &str, audience, people, film| DemoRow {
        unit,
        kind,
        title,
        day,
        organiser: organiser.to_string(),
        audience,
        people,
        film,
    };
    let mut rows = Vec::new();
    let jan1 = jiff::civil::date(today.year(), 1, 1);
    let elapsed = i64::from((today - jan1).get_days().max(0));
    let five: [(&str, &str, &str, i64); 5] = [
        ("responsibility_card", "发放“监督责任一张卡”（演示）", "全体中层以上领导干部", 86),
        ("practice_book", "编印《纪委工作实务》（演示）", "各党支部纪检委员", 40),
        ("integrity_lecture", "纪委书记讲廉政党课（演示）", "全体民警职工", 320),
        ("publicity_front", "“清风驿站”廉政文化长廊建成（演示）", "全体民警职工", 150),
        ("special_campaign", "“以案促改”廉政专项活动（演示）", "重点岗位人员", 120),
    ];
    for (n, (kind, title, audience, people)) in five.into_iter().enumerate() {
        let day = jan1.saturating_add((elapsed * (n as i64 + 1) / 6).days());
        rows.push(row(jw, kind, title.to_string(), day, &jw_name, audience, people, ""));
    }
    for m in 0..12i64 {
        let month = today.first_of_month().saturating_sub(m.months());
        let day = month.saturating_add(2.days()).min(today);
        let (unit, name) = &depts[m as usize % depts.len()];
        let title = format!("{}月廉政提醒：严守纪律、廉洁过节（演示）", month.month());
        rows.push(row(*unit, "integrity_reminder", title, day, name, "本部门全体民警", 20 + m * 3, ""));
    }
    for (ago, film) in [(4i64, "零容忍"), (8, "反腐倡廉永远在路上")] {
        let day = today.saturating_sub(ago.months());
        let title = format!("组织观看警示教育片《{film}》（演示）");
        rows.push(row(jw, "warning_film", title, day, &jw_name, "全体民警职工", 260, film));
    }
    // The latest 17 May (and 1 May, the education month's start) not after today.
    let may = |d: i8| {
        let this = jiff::civil::date(today.year(), 5, d);
        if this <= today { this } else { jiff::civil::date(today.year() - 1, 5, d) }
    };
    let title = "“5·17”警示教育日活动（演示）".to_string();
    rows.push(row(jw, "warning_day", title, may(17), &jw_name, "全体民警职工", 300, ""));
    let title = "党风廉政建设宣传教育月（演示）".to_string();
    rows.push(row(jw, "education_month", title, may(1), &jw_name, "全体民警职工", 310, ""));
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    for r in rows {
        let content = format!(
            "<p>演示数据，均为虚构。{}：{}组织，{}参加。</p><ul><li>学习党风廉政建设有关规定。</li>\
             <li>结合身边案例开展警示教育，签订廉洁承诺。</li></ul>",
            r.title, r.organiser, r.audience
        );
        sqlx::query(
            "INSERT INTO integrity_activities (unit_id, kind, title, held_on, organiser, audience, participants, film_title, \
             content, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)",
        )
        .bind(r.unit)
        .bind(r.kind)
        .bind(&r.title)
        .bind(r.day.to_string())
        .bind(&r.organiser)
        .bind(r.audience)
        .bind(r.people)
        .bind(r.film)
        .bind(content)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
