//! 廉政谈话 (labelled): who talked with whom, in which post, what kind, when, and a summary; a
//! to-do for every key post (重点岗位, from the risk register) without a talk this year. Also the
//! 警示教育 page: this year's warning-education meetings (#4) with attendance, the 每月一警 rule's
//! months, and the film viewings.

use crate::domain::*;
use crate::restricted::{self, push_visible};
use crate::{DISCIPLINE_EDIT, DISCIPLINE_VIEW, INTEGRITY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(DISCIPLINE_VIEW), Need::Perm(DISCIPLINE_EDIT));
    r.get("/integrity/talks", view, "廉政谈话", list_page)
        .get("/integrity/talks/export", view, "导出廉政谈话", export)
        .get("/integrity/talks/new", edit, "登记廉政谈话页", new_page)
        .post("/integrity/talks", edit, "登记廉政谈话", create_page)
        .get("/integrity/talks/{id}", view, "廉政谈话详情", view_page)
        .get("/integrity/talks/{id}/edit", edit, "修改廉政谈话页", edit_page)
        .post("/integrity/talks/{id}", edit, "修改廉政谈话", update_page)
        .post("/integrity/talks/{id}/delete", edit, "删除廉政谈话", delete_page)
        .get("/api/v1/integrity_talks", view, "廉政谈话列表", api_list)
        .post(
            "/api/v1/integrity_talks",
            edit,
            "登记廉政谈话（talker_id, person_id, post, kind, talked_on, summary）",
            api_create,
        )
        .get("/api/v1/integrity_talks/{id}", view, "廉政谈话详情", api_get)
        .put("/api/v1/integrity_talks/{id}", edit, "修改廉政谈话（另加 version）", api_update)
        .delete("/api/v1/integrity_talks/{id}", edit, "删除廉政谈话", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Talk {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub label: i64,
    pub talker_id: i64,
    pub talker_name: String,
    pub person_id: i64,
    pub person_name: String,
    /// The person's ID number, masked as in every list.
    pub id_masked: String,
    pub post: String,
    pub kind: String,
    pub talked_on: String,
    pub summary: String,
    pub version: i64,
}

impl Talk {
    pub fn kind_label(&self) -> &'static str {
        label(TALK_KINDS, &self.kind)
    }
}

const COLS: &str = "t.id, t.unit_id, u.name AS unit_name, t.label, t.talker_id, k.name AS talker_name, t.person_id, \
    p.name AS person_name, p.id_number_masked AS id_masked, t.post, t.kind, t.talked_on, t.summary, t.version";
const FROM: &str = "FROM integrity_talks t JOIN units u ON u.id = t.unit_id JOIN people k ON k.id = t.talker_id \
    JOIN people p ON p.id = t.person_id";
const SORTS: &[(&str, &str)] = &[("talked_on", "t.talked_on"), ("person", "p.name")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Talk>> {
    let user = restricted::reader(ctx)?;
    let (kind, from, to, name) =
        (p.get("kind").to_string(), p.get("from").to_string(), p.get("to").to_string(), p.get("q").trim().to_string());
    let unit = p.get_i64("unit");
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "t.talked_on DESC".into();
    }
    let page = fetch_page::<Talk>(
        &ctx.state.db,
        COLS,
        "t.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_visible(q, user, "t.unit_id", "t.label");
            if !kind.is_empty() {
                q.push(" AND t.kind = ").bind(kind.clone());
            }
            if !from.is_empty() {
                q.push(" AND t.talked_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND t.talked_on <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND t.unit_id = ").bind(u);
            }
            if !name.is_empty() {
                q.push(" AND p.name LIKE ").bind(platform::db::like_contains(&name)).push(" ESCAPE '\\'");
            }
        },
        &p,
    )
    .await?;
    restricted::audit_list(ctx, "integrity_talk", &p.query_with(&[])).await?;
    Ok(page)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Talk> {
    restricted::get_one(ctx, &format!("SELECT {COLS} {FROM}"), "t.id", id, "integrity_talk").await
}

pub struct TalkInput {
    pub talker_id: i64,
    pub person_id: i64,
    pub post: String,
    pub kind: String,
    pub talked_on: String,
    pub summary: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<TalkInput> {
    let mut c = FormCheck::new();
    let talker_id = f.get("talker_id").trim().parse::<i64>().ok();
    if talker_id.is_none() {
        c.add("talker_id", "请选择谈话人");
    }
    let person_id = f.get("person_id").trim().parse::<i64>().ok();
    if person_id.is_none() {
        c.add("person_id", "请选择谈话对象");
    }
    let post = c.text("post", "岗位", &f.get("post"), 60, false);
    let kind = c.choice("kind", "谈话类型", &f.get("kind"), TALK_KINDS);
    let day = c.date("talked_on", "谈话日期", &f.get("talked_on"), true);
    if day.is_some_and(|d| d > today) {
        c.add("talked_on", "谈话日期不能晚于今天");
    }
    let summary = c.long_text("summary", "谈话要点", &f.get("summary"), 2000, true);
    c.finish()?;
    Ok(TalkInput {
        talker_id: talker_id.unwrap_or_default(),
        person_id: person_id.unwrap_or_default(),
        post,
        kind,
        talked_on: day.map(|d| d.to_string()).unwrap_or_default(),
        summary,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The person talked with must be in the caller's scope; the talker must be of the same prison.
/// Returns (the person's unit, their post when none was typed).
async fn check(ctx: &Ctx, i: &TalkInput) -> AppResult<(i64, String)> {
    let user = ctx.user()?;
    let mut q =
        Sql::new("SELECT p.unit_id, p.post, u.prison_id FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = ");
    q.bind(i.person_id).push(" AND p.employment_status = 'active' AND ");
    user.scope.push_condition(&mut q, "p.unit_id", None);
    let person: Option<(i64, String, Option<i64>)> = q.query_as().fetch_optional(&ctx.state.db.pool).await?;
    let (unit, post, prison) = person.ok_or_else(|| AppError::field("person_id", "请选择在您管理范围内的在职人员"))?;
    let same: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1 AND u.prison_id = $2 AND p.employment_status = 'active'",
    )
    .bind(i.talker_id)
    .bind(prison.unwrap_or(-1))
    .fetch_one(&ctx.state.db.pool)
    .await?;
    if same == 0 {
        return Err(AppError::field("talker_id", "谈话人须为本监狱的在职人员"));
    }
    if i.talker_id == i.person_id {
        return Err(AppError::field("person_id", "谈话人与谈话对象不能是同一人"));
    }
    Ok((unit, if i.post.is_empty() { post } else { i.post.clone() }))
}

pub async fn create(ctx: &Ctx, i: &TalkInput) -> AppResult<i64> {
    let (unit, post) = check(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO integrity_talks (unit_id, label, talker_id, person_id, post, kind, talked_on, summary, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
    )
    .bind(unit)
    .bind(RESTRICTED)
    .bind(i.talker_id)
    .bind(i.person_id)
    .bind(&post)
    .bind(&i.kind)
    .bind(&i.talked_on)
    .bind(&i.summary)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "integrity_talk", id).detail(i.talked_on.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &TalkInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let (unit, post) = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE integrity_talks SET unit_id = $1, talker_id = $2, person_id = $3, post = $4, kind = $5, talked_on = $6, summary = $7, \
         version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(unit)
    .bind(i.talker_id)
    .bind(i.person_id)
    .bind(&post)
    .bind(&i.kind)
    .bind(&i.talked_on)
    .bind(&i.summary)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "integrity_talk", id)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM integrity_talks WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "integrity_talk", id)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "talks_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Talk>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/integrity/talks", "廉政谈话", &[("清廉建设", ""), ("廉政谈话", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: TALK_KINDS,
        can_edit: ctx.can(DISCIPLINE_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["日期", "类型", "谈话人", "谈话对象", "身份证号", "单位", "岗位", "谈话要点"];
    platform::ledger::export_list(
        &ctx,
        "廉政谈话",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |t| {
            vec![
                Cell::from(t.talked_on.clone()),
                Cell::from(t.kind_label()),
                Cell::from(t.talker_name.clone()),
                Cell::from(t.person_name.clone()),
                Cell::from(t.id_masked.clone()),
                Cell::from(t.unit_name.clone()),
                Cell::from(t.post.clone()),
                Cell::from(t.summary.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "talk_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    talkers: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    kinds: Codes,
}

/// Active people of the caller's prison in scope (talked with), and its leaders (talkers).
async fn choices(ctx: &Ctx) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
    let user = ctx.user()?;
    let prison = user.prison_id.unwrap_or(-1);
    let talkers = sqlx::query_as(
        "SELECT p.id, p.name || '（' || u.name || ' ' || p.post || '）' FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE u.prison_id = $1 AND p.employment_status = 'active' AND p.leadership_level IN ('division', 'deputy_division', 'section') \
         ORDER BY p.leadership_level DESC, u.sort_order, p.id LIMIT 300",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let mut q = Sql::new(
        "SELECT p.id, p.name || '（' || u.name || ' ' || p.post || '）' FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE p.employment_status = 'active' AND u.prison_id = ",
    );
    q.bind(prison).push(" AND ");
    user.scope.push_condition(&mut q, "p.unit_id", None);
    q.push(" ORDER BY u.sort_order, p.name LIMIT 2000");
    Ok((talkers, q.query_as().fetch_all(&ctx.state.db.pool).await?))
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改廉政谈话" } else { "登记廉政谈话" };
    let frame =
        Frame::new(ctx, title, "/integrity/talks", &[("清廉建设", ""), ("廉政谈话", "/integrity/talks"), (title, "")]);
    let (talkers, people) = choices(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, id, f, errors, talkers, people, kinds: TALK_KINDS })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    form(
        &ctx,
        None,
        FormPairs::from(vec![("talked_on".into(), today), ("kind".into(), "reminder".into())]),
        FieldErrors::new(),
    )
    .await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/integrity/talks/{id}"), "廉政谈话已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("talker_id".into(), t.talker_id.to_string()),
        ("person_id".into(), t.person_id.to_string()),
        ("post".into(), t.post),
        ("kind".into(), t.kind),
        ("talked_on".into(), t.talked_on),
        ("summary".into(), t.summary),
        ("version".into(), t.version.to_string()),
    ]);
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/integrity/talks/{id}"), "廉政谈话已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "talk_view.html")]
struct ViewPage {
    frame: Frame,
    t: Talk,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = get(&ctx, id).await?;
    let frame = Frame::new(
        &ctx,
        "廉政谈话详情",
        "/integrity/talks",
        &[("清廉建设", ""), ("廉政谈话", "/integrity/talks"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, t, can_edit: ctx.can(DISCIPLINE_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/integrity/talks", "廉政谈话已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Json(get(&ctx, id).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let i = parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let i = parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Key posts (重点岗位 in the risk register) in the caller's scope with no integrity talk with
/// someone in that post this year: (unit id, unit name, post).
pub async fn key_posts_without_talk(ctx: &Ctx, year: i16) -> AppResult<Vec<(i64, String, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT DISTINCT r.unit_id, u.name, r.post FROM integrity_risks r JOIN units u ON u.id = r.unit_id \
         WHERE r.key_post = 1 AND NOT EXISTS (SELECT 1 FROM integrity_talks t WHERE t.unit_id = r.unit_id AND t.post = r.post \
         AND t.talked_on >= ",
    );
    q.bind(format!("{year}-01-01")).push(" AND t.talked_on <= ").bind(format!("{year}-12-31")).push(") AND ");
    user.scope.push_condition(&mut q, "r.unit_id", None);
    q.push(" ORDER BY u.name, r.post LIMIT 200");
    Ok(q.fetch_fresh(&ctx.state.db).await?)
}

/// For whoever records talks: each key post without a talk this year.
pub struct KeyPostTodos;

impl TodoSource for KeyPostTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            if !ctx.can(DISCIPLINE_EDIT) {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let rows = key_posts_without_talk(ctx, today.year()).await?;
            Ok(rows
                .into_iter()
                .take(50)
                .map(|(_, unit, post)| Todo {
                    title: format!("重点岗位廉政提醒谈话：{unit} {post}"),
                    detail: format!("{} 年尚未与该重点岗位人员开展廉政谈话", today.year()),
                    due: Some(format!("{}-12-31", today.year())),
                    href: "/integrity/talks/new".into(),
                    level: "missing",
                    source: "清廉建设",
                })
                .collect())
        })
    }
}

pub fn warning_routes(r: Routes) -> Routes {
    r.get("/integrity/warnings", Need::Perm(INTEGRITY_VIEW), "警示教育（会议、每月一警、观看警示片）", warnings_page)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WarningMeeting {
    pub id: i64,
    pub held_on: String,
    pub org_name: String,
    pub title: String,
    pub present: i64,
    pub invited: i64,
}

/// Warning-education meetings held between `from` and `to`, in scope, with attendance.
pub async fn warning_meetings(ctx: &Ctx, from: &str, to: &str) -> AppResult<Vec<WarningMeeting>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT m.id, m.held_on, o.name AS org_name, m.title, \
         (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status <> 'absent') AS present, \
         (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS invited \
         FROM meetings m JOIN party_orgs o ON o.id = m.org_id WHERE m.kind = 'warning_education' AND m.held_on >= ",
    );
    q.bind(from.to_string()).push(" AND m.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "m.unit_id", None);
    q.push(" ORDER BY m.held_on DESC, m.id DESC");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

#[derive(Template)]
#[template(path = "warnings.html")]
struct WarningsPage {
    frame: Frame,
    year: i16,
    meetings: Vec<WarningMeeting>,
    present: i64,
    invited: i64,
    months: Vec<study::rules::service::Row>,
    films: Vec<(i64, String, String, String)>,
    can_record: bool,
}

async fn warnings_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock);
    let year =
        q.get("year").and_then(|y| y.parse::<i16>().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or(today.year());
    let (from, to) = (jiff::civil::date(year, 1, 1), jiff::civil::date(year, 12, 31));
    let meetings = warning_meetings(&ctx, &from.to_string(), &to.to_string()).await?;
    let (present, invited) = meetings.iter().fold((0, 0), |(p, i), m| (p + m.present, i + m.invited));
    let rule = study::rules::service::rule(&ctx, "monthly_warning").await?;
    let months = study::rules::service::compliance(&ctx, &rule, from, to).await?;
    let user = ctx.user()?;
    let mut fq = Sql::new(
        "SELECT a.id, a.held_on, a.film_title, a.audience FROM integrity_activities a WHERE a.kind = 'warning_film' AND a.held_on >= ",
    );
    fq.bind(from.to_string()).push(" AND a.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut fq, "a.unit_id", None);
    fq.push(" ORDER BY a.held_on DESC");
    let films = fq.query_as().fetch_all(&ctx.state.db.pool).await?;
    let frame = Frame::new(&ctx, "警示教育", "/integrity/warnings", &[("清廉建设", ""), ("警示教育", "")]);
    Ok(Html(WarningsPage {
        frame,
        year,
        meetings,
        present,
        invited,
        months,
        films,
        can_record: ctx.can(study::STUDY_EDIT),
    })
    .into_response())
}
