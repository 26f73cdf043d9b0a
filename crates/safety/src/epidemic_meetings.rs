//! 疫情防控会议: prevention meetings (专题研判会、部署会) with their kind, date, place, host,
//! decisions and attendance. When a #4 meeting (a 党委会 that studied epidemic prevention) was the
//! occasion, it is linked; the meeting ledger itself is not changed. The seed's "20余次" is the
//! count of these in the year.

use crate::domain::*;
use crate::shared::{
    JsonBody, json_pairs, parse_attendance, past_date, people_named, people_of_unit, unit_in_scope, units_for_picking,
};
use crate::{SAFETY_EDIT, SAFETY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::audit::Event;
use platform::db::{Sql, Tx, like_contains};
use platform::error::FieldErrors;
use platform::ledger::{expect_one_updated, get_in_scope};
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(SAFETY_VIEW), Need::Perm(SAFETY_EDIT));
    r.get("/safety/epidemic/meetings", view, "疫情防控会议", list_page)
        .get("/safety/epidemic/meetings/export", view, "导出疫情防控会议", export)
        .get("/safety/epidemic/meetings/new", edit, "登记疫情防控会议页", new_page)
        .post("/safety/epidemic/meetings", edit, "登记疫情防控会议（choose=1 为按单位列出人员）", create_page)
        .get("/safety/epidemic/meetings/{id}", view, "疫情防控会议详情（含参会人员）", view_page)
        .get("/safety/epidemic/meetings/{id}/edit", edit, "修改疫情防控会议页", edit_page)
        .post("/safety/epidemic/meetings/{id}", edit, "修改疫情防控会议", update_page)
        .post("/safety/epidemic/meetings/{id}/delete", edit, "删除疫情防控会议", delete_page)
        .get("/api/v1/epidemic_meetings", view, "疫情防控会议列表（kind, year, from, to, q）", api_list)
        .post(
            "/api/v1/epidemic_meetings",
            edit,
            "登记疫情防控会议（unit_id, kind, title, held_on, place, host, summary, meeting_id, attendance: [{person_id, status, reason}]）",
            api_create,
        )
        .get("/api/v1/epidemic_meetings/{id}", view, "疫情防控会议详情", api_get)
        .put("/api/v1/epidemic_meetings/{id}", edit, "修改疫情防控会议（另加 version；参会人员整体替换）", api_update)
        .delete("/api/v1/epidemic_meetings/{id}", edit, "删除疫情防控会议", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct EpidemicMeeting {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub summary: String,
    pub meeting_id: Option<i64>,
    pub present: i64,
    pub invited: i64,
    pub version: i64,
}

impl EpidemicMeeting {
    pub fn kind_label(&self) -> &'static str {
        label(EPIDEMIC_MEETING_KINDS, &self.kind)
    }
}

const COLS: &str = "e.id, e.unit_id, u.name AS unit_name, e.kind, e.title, e.held_on, e.place, e.host, e.summary, e.meeting_id, \
    (SELECT count(*) FROM epidemic_meeting_attendance a WHERE a.epidemic_meeting_id = e.id AND a.status <> 'absent') AS present, \
    (SELECT count(*) FROM epidemic_meeting_attendance a WHERE a.epidemic_meeting_id = e.id) AS invited, e.version";
const FROM: &str = "FROM epidemic_meetings e JOIN units u ON u.id = e.unit_id";
pub const SORTS: &[(&str, &str)] = &[("held_on", "e.held_on"), ("kind", "e.kind")];

/// Filters: kind, year, from, to, q (title, summary).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<EpidemicMeeting>> {
    let user = ctx.user()?;
    let (kind, from, to, text) =
        (p.get("kind").to_string(), p.get("from").to_string(), p.get("to").to_string(), p.get("q").to_string());
    let year = year_of(p.get("year"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "e.held_on DESC".into();
    }
    Ok(fetch_page::<EpidemicMeeting>(
        &ctx.state.db,
        COLS,
        "e.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "e.unit_id", None);
            if !kind.is_empty() {
                q.push(" AND e.kind = ").bind(kind.clone());
            }
            if let Some(y) = year {
                q.push(" AND e.held_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND e.held_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND e.held_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND e.held_on <= ").bind(to.clone());
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (e.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR e.summary LIKE ");
                q.bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<EpidemicMeeting> {
    let select = format!("SELECT {COLS} {FROM}");
    get_in_scope(ctx, &select, "e.id", id, "e.unit_id", None, "epidemic_meeting").await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Attendee {
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub status: String,
    pub reason: String,
}

impl Attendee {
    pub fn status_label(&self) -> &'static str {
        label(ATTENDANCE, &self.status)
    }
}

pub async fn attendees(ctx: &Ctx, id: i64) -> AppResult<Vec<Attendee>> {
    Ok(sqlx::query_as(
        "SELECT a.person_id, p.name, u.name AS unit_name, a.status, a.reason FROM epidemic_meeting_attendance a \
         JOIN people p ON p.id = a.person_id JOIN units u ON u.id = p.unit_id WHERE a.epidemic_meeting_id = $1 \
         ORDER BY CASE a.status WHEN 'absent' THEN 1 ELSE 0 END, u.sort_order, p.name LIMIT 5000",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

pub struct MeetingInput {
    pub unit_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub summary: String,
    pub meeting_id: Option<i64>,
    pub attendance: Vec<(i64, String, String)>,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<MeetingInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "召开单位", &f.get("unit_id"));
    let kind = c.choice("kind", "会议类别", &f.get("kind"), EPIDEMIC_MEETING_KINDS);
    let title = c.text("title", "会议名称", &f.get("title"), 200, true);
    let held = past_date(&mut c, f, "held_on", "会议日期", true, today);
    let place = c.text("place", "地点", &f.get("place"), 100, false);
    let host = c.text("host", "主持人", &f.get("host"), 50, false);
    let summary = c.long_text("summary", "研判和部署事项", &f.get("summary"), 5000, true);
    let meeting_id = c.opt_id("meeting_id", "关联会议", &f.get("meeting_id"));
    let attendance = parse_attendance(&mut c, f);
    c.finish()?;
    Ok(MeetingInput {
        unit_id,
        kind,
        title,
        held_on: held.map(|d| d.to_string()).unwrap_or_default(),
        place,
        host,
        summary,
        meeting_id,
        attendance,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The unit in scope; a linked #4 meeting readable by the caller and held the same day; the
/// attendees people of the caller's scope.
async fn check(ctx: &Ctx, i: &MeetingInput) -> AppResult<i64> {
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    if let Some(m) = i.meeting_id {
        let meeting = study::meetings::service::get(ctx, m)
            .await
            .map_err(|_| AppError::field("meeting_id", "关联会议不存在或不在您的管理范围内"))?;
        if meeting.held_on != i.held_on {
            return Err(AppError::field("meeting_id", "关联会议须与本会议同一天召开"));
        }
    }
    let people: Vec<i64> = i.attendance.iter().map(|a| a.0).collect();
    if !people.is_empty() {
        let user = ctx.user()?;
        let mut q = Sql::new("SELECT count(*) FROM people p WHERE p.id IN (");
        q.push_ids(people.iter().copied());
        q.push(") AND ");
        user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
        let n: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
        if n != people.len() as i64 {
            return Err(AppError::field("attendance", "参会人员须为您管理范围内的人员"));
        }
    }
    Ok(unit)
}

async fn write_attendance(tx: &mut Tx, id: i64, rows: &[(i64, String, String)]) -> AppResult<()> {
    sqlx::query("DELETE FROM epidemic_meeting_attendance WHERE epidemic_meeting_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (p, status, reason) in rows {
        sqlx::query("INSERT INTO epidemic_meeting_attendance (epidemic_meeting_id, person_id, status, reason) VALUES ($1,$2,$3,$4)")
            .bind(id)
            .bind(*p)
            .bind(status)
            .bind(reason)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn create(ctx: &Ctx, i: &MeetingInput) -> AppResult<i64> {
    let unit = check(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO epidemic_meetings (unit_id, kind, title, held_on, place, host, summary, meeting_id, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
    )
    .bind(unit)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.place)
    .bind(&i.host)
    .bind(&i.summary)
    .bind(i.meeting_id)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_attendance(&mut tx, id, &i.attendance).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "epidemic_meeting", id).detail(i.title.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &MeetingInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE epidemic_meetings SET unit_id = $1, kind = $2, title = $3, held_on = $4, place = $5, host = $6, summary = $7, \
         meeting_id = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
    )
    .bind(unit)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.place)
    .bind(&i.host)
    .bind(&i.summary)
    .bind(i.meeting_id)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    write_attendance(&mut tx, id, &i.attendance).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "epidemic_meeting", id).detail(i.title.clone())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let m = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM epidemic_meetings WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "epidemic_meeting", id).detail(m.title)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "epidemic_meetings_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<EpidemicMeeting>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/safety/epidemic/meetings",
        "疫情防控会议",
        &[("安保维稳", ""), ("疫情防控会议", "")],
    );
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: EPIDEMIC_MEETING_KINDS,
        can_edit: ctx.can(SAFETY_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["日期", "类别", "会议名称", "召开单位", "地点", "主持人", "实到", "应到", "研判和部署事项"];
    platform::ledger::export_list(
        &ctx,
        "疫情防控会议",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |m| {
            vec![
                Cell::from(m.held_on.clone()),
                Cell::from(m.kind_label()),
                Cell::from(m.title.clone()),
                Cell::from(m.unit_name.clone()),
                Cell::from(m.place.clone()),
                Cell::from(m.host.clone()),
                Cell::Int(m.present),
                Cell::Int(m.invited),
                Cell::from(m.summary.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "epidemic_meeting_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    kinds: Codes,
    pick_units: Vec<(i64, String, i64)>,
    people: Vec<(i64, String, String)>,
    today: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改疫情防控会议" } else { "登记疫情防控会议" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/epidemic/meetings",
        &[("安保维稳", ""), ("疫情防控会议", "/safety/epidemic/meetings"), (title, "")],
    );
    let posted: Vec<i64> = f.prefixed("att_").into_iter().filter_map(|(p, _)| p.parse().ok()).collect();
    let mut people = people_named(ctx, &posted).await?;
    if let Ok(u) = f.get("pick_unit").trim().parse::<i64>() {
        for p in people_of_unit(ctx, u).await? {
            if !people.iter().any(|x| x.0 == p.0) {
                people.push(p);
            }
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units: crate::shared::departments(ctx).await?,
            kinds: EPIDEMIC_MEETING_KINDS,
            pick_units: units_for_picking(ctx).await?,
            people,
            today: platform::clock::today(&ctx.state.clock).to_string(),
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let pairs = vec![
        ("unit_id".to_string(), ctx.user()?.unit_id.to_string()),
        ("kind".to_string(), "deployment".to_string()),
        ("held_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    if f.get("choose") == "1" {
        return form(&ctx, None, f, FieldErrors::new()).await;
    }
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/safety/epidemic/meetings/{id}"), "会议已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let m = get(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), m.unit_id.to_string()),
        ("kind".to_string(), m.kind),
        ("title".to_string(), m.title),
        ("held_on".to_string(), m.held_on),
        ("place".to_string(), m.place),
        ("host".to_string(), m.host),
        ("summary".to_string(), m.summary),
        ("meeting_id".to_string(), m.meeting_id.map(|i| i.to_string()).unwrap_or_default()),
        ("version".to_string(), m.version.to_string()),
    ];
    for a in attendees(&ctx, id).await? {
        pairs.push((format!("att_{}", a.person_id), a.status));
        pairs.push((format!("reason_{}", a.person_id), a.reason));
    }
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    if f.get("choose") == "1" {
        return form(&ctx, Some(id), f, FieldErrors::new()).await;
    }
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/epidemic/meetings/{id}"), "会议已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "epidemic_meeting_view.html")]
struct ViewPage {
    frame: Frame,
    m: EpidemicMeeting,
    people: Vec<Attendee>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let m = get(&ctx, id).await?;
    let people = attendees(&ctx, id).await?;
    let frame = Frame::new(
        &ctx,
        &m.title,
        "/safety/epidemic/meetings",
        &[("安保维稳", ""), ("疫情防控会议", "/safety/epidemic/meetings"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, m, people, can_edit: ctx.can(SAFETY_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/safety/epidemic/meetings", "会议已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let m = get(&ctx, id).await?;
    let people = attendees(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "meeting": m, "attendance": people })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?, platform::clock::today(&ctx.state.clock))?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?, platform::clock::today(&ctx.state.clock))?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
