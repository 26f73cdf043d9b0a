//! 培训记录: training sessions of the catalogue's kinds (安全生产标准化创建, 心理健康, 依法治监 …),
//! each of a unit, with its dates, organiser, trainer, 学时 and target population, attendance taken
//! from people in a few clicks, and its materials as attachments; the by-kind summary of a year.

use crate::domain::*;
use crate::shared::{
    Attendee, Pickable, attendees, check_people, departments, json_pairs, listed_people, orgs_for_picking,
    parse_attendance, unit_in_scope, units_for_picking, write_attendance,
};
use crate::{TRAINING_EDIT, TRAINING_VIEW};
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
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(TRAINING_VIEW), Need::Perm(TRAINING_EDIT));
    r.get("/training/sessions", view, "培训记录（含按类别统计）", list_page)
        .get("/training/sessions/export", view, "导出培训记录", export)
        .get("/training/sessions/new", edit, "登记培训页", new_page)
        .post("/training/sessions", edit, "登记培训（choose=1 为按单位或党组织列出人员）", create_page)
        .get("/training/sessions/{id}", view, "培训详情（含出勤与课件附件）", view_page)
        .get("/training/sessions/{id}/edit", edit, "修改培训页", edit_page)
        .post("/training/sessions/{id}", edit, "修改培训", update_page)
        .post("/training/sessions/{id}/delete", edit, "删除培训", delete_page)
        .get("/api/v1/trainings", view, "培训列表（kind_id, year, from, to, unit, q）", api_list)
        .get("/api/v1/trainings/by_kind", view, "按培训类别统计（year 或 from, to）：次数、人次、学时", api_by_kind)
        .post(
            "/api/v1/trainings",
            edit,
            "登记培训（unit_id, kind_id, title, start_on, end_on, organiser, trainer, place, hours, audience, content, \
             attendance: [{person_id, status, reason}]）",
            api_create,
        )
        .get("/api/v1/trainings/{id}", view, "培训详情（含出勤与附件）", api_get)
        .put("/api/v1/trainings/{id}", edit, "修改培训（与登记相同的字段，另加 version；出勤整体替换）", api_update)
        .delete("/api/v1/trainings/{id}", edit, "删除培训", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Training {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind_id: i64,
    pub kind_name: String,
    pub title: String,
    pub start_on: String,
    pub end_on: String,
    pub organiser: String,
    pub trainer: String,
    pub place: String,
    pub hours_tenths: i64,
    pub audience: String,
    pub content: String,
    /// Attended (present or late).
    pub present: i64,
    /// Everyone recorded.
    pub invited: i64,
    pub version: i64,
    /// 学时 as a number (set after loading).
    #[sqlx(skip)]
    pub hours: f64,
}

impl Training {
    pub fn hours_text(&self) -> String {
        hours_text(self.hours_tenths)
    }
    pub fn dates(&self) -> String {
        if self.end_on == self.start_on {
            self.start_on.clone()
        } else {
            format!("{} 至 {}", self.start_on, self.end_on)
        }
    }
    pub fn content_html(&self) -> String {
        platform::richtext::render(&self.content)
    }
    fn mark(mut self) -> Self {
        self.hours = self.hours_tenths as f64 / 10.0;
        self
    }
}

const COLS: &str = "t.id, t.unit_id, u.name AS unit_name, t.kind_id, k.name AS kind_name, t.title, t.start_on, t.end_on, \
    t.organiser, t.trainer, t.place, t.hours_tenths, t.audience, t.content, \
    (SELECT count(*) FROM training_attendance a WHERE a.training_id = t.id AND a.status <> 'absent') AS present, \
    (SELECT count(*) FROM training_attendance a WHERE a.training_id = t.id) AS invited, t.version";
const FROM: &str = "FROM trainings t JOIN units u ON u.id = t.unit_id JOIN training_kinds k ON k.id = t.kind_id";
pub const SORTS: &[(&str, &str)] =
    &[("start_on", "t.start_on"), ("kind", "k.sort_order"), ("hours", "t.hours_tenths"), ("unit", "u.sort_order")];

/// Filters: kind_id, year, from, to (on the start date), unit, q (title, organiser, trainer,
/// audience).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Training>> {
    let user = ctx.user()?;
    let (from, to, text) = (p.get("from").to_string(), p.get("to").to_string(), p.get("q").to_string());
    let (kind, year, unit) = (p.get_i64("kind_id"), year_of(p.get("year")), p.get_i64("unit"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "t.start_on DESC".into();
    }
    let page = fetch_page::<Training>(
        &ctx.state.db,
        COLS,
        "t.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "t.unit_id", None);
            if let Some(k) = kind {
                q.push(" AND t.kind_id = ").bind(k);
            }
            if let Some(y) = year {
                q.push(" AND t.start_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND t.start_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND t.start_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND t.start_on <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND t.unit_id = ").bind(u);
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (t.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR t.organiser LIKE ");
                q.bind(like.clone()).push(" ESCAPE '\\' OR t.trainer LIKE ").bind(like.clone());
                q.push(" ESCAPE '\\' OR t.audience LIKE ").bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?;
    Ok(Paged { items: page.items.into_iter().map(Training::mark).collect(), ..page })
}

/// One training in the caller's scope (a miss is audited and answered NotFound).
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Training> {
    let select = format!("SELECT {COLS} {FROM}");
    let t: Training = get_in_scope(ctx, &select, "t.id", id, "t.unit_id", None, "training").await?;
    Ok(t.mark())
}

/// A kind of the catalogue with what was held of it in a period.
#[derive(Clone, Debug, Serialize)]
pub struct KindRow {
    pub kind_id: i64,
    pub name: String,
    pub sessions: i64,
    pub attendances: i64,
    /// 学时 of the sessions (each counted once).
    pub hours_tenths: i64,
    /// 学时 earned by the attendees together.
    pub person_hours_tenths: i64,
}

impl KindRow {
    pub fn hours_text(&self) -> String {
        hours_text(self.hours_tenths)
    }
    pub fn person_hours_text(&self) -> String {
        hours_text(self.person_hours_tenths)
    }
}

/// Trainings by kind between two dates (on the start date), in the caller's scope: every active
/// kind, and inactive ones that were held.
pub async fn by_kind(ctx: &Ctx, from: &str, to: &str) -> AppResult<Vec<KindRow>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT t.kind_id, count(*), CAST(coalesce(sum(t.hours_tenths), 0) AS BIGINT) FROM trainings t WHERE t.start_on >= ",
    );
    q.bind(from.to_string()).push(" AND t.start_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "t.unit_id", None);
    q.push(" GROUP BY t.kind_id");
    let sessions: Vec<(i64, i64, i64)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let mut q = Sql::new(
        "SELECT t.kind_id, count(*), CAST(coalesce(sum(t.hours_tenths), 0) AS BIGINT) FROM training_attendance a \
         JOIN trainings t ON t.id = a.training_id WHERE a.status <> 'absent' AND t.start_on >= ",
    );
    q.bind(from.to_string()).push(" AND t.start_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "t.unit_id", None);
    q.push(" GROUP BY t.kind_id");
    let people: Vec<(i64, i64, i64)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let kinds: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, name, active FROM training_kinds ORDER BY sort_order, id")
            .fetch_all(&ctx.state.db.pool)
            .await?;
    Ok(kinds
        .into_iter()
        .filter_map(|(id, name, active)| {
            let s = sessions.iter().find(|r| r.0 == id).copied().unwrap_or((id, 0, 0));
            let a = people.iter().find(|r| r.0 == id).copied().unwrap_or((id, 0, 0));
            (active == 1 || s.1 > 0).then_some(KindRow {
                kind_id: id,
                name,
                sessions: s.1,
                attendances: a.1,
                hours_tenths: s.2,
                person_hours_tenths: a.2,
            })
        })
        .collect())
}

/// What the training form (and the API) posts.
#[derive(Clone)]
pub struct TrainingInput {
    pub unit_id: Option<i64>,
    pub kind_id: i64,
    pub title: String,
    pub start_on: String,
    pub end_on: String,
    pub organiser: String,
    pub trainer: String,
    pub place: String,
    pub hours_tenths: i64,
    pub audience: String,
    pub content: String,
    pub attendance: Vec<(i64, String, String)>,
    /// The version an edit started from (absent on create).
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<TrainingInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "主办部门", &f.get("unit_id"));
    let kind_id = c.opt_id("kind_id", "培训类别", &f.get("kind_id"));
    if kind_id.is_none() && f.get("kind_id").trim().is_empty() {
        c.add("kind_id", "请选择培训类别");
    }
    let title = c.text("title", "培训名称", &f.get("title"), 200, true);
    let start = c.date("start_on", "开始日期", &f.get("start_on"), true);
    if start.is_some_and(|d| d > today) {
        c.add("start_on", "开始日期不能晚于今天：这里登记已举办的培训");
    }
    let end = if f.get("end_on").trim().is_empty() {
        start
    } else {
        c.date("end_on", "结束日期", &f.get("end_on"), true)
    };
    if let (Some(a), Some(b)) = (start, end)
        && b < a
    {
        c.add("end_on", "结束日期不能早于开始日期");
    }
    let organiser = c.text("organiser", "组织者", &f.get("organiser"), 100, false);
    let trainer = c.text("trainer", "授课人", &f.get("trainer"), 100, false);
    let place = c.text("place", "地点", &f.get("place"), 100, false);
    let hours_tenths = parse_hours(&mut c, "hours", "学时", &f.get("hours"), 200);
    let audience = c.text("audience", "参训对象", &f.get("audience"), 200, false);
    let content = c.rich_text("content", "培训内容", &f.get("content"), 100_000, false);
    let attendance = parse_attendance(&mut c, f);
    if attendance.is_empty() {
        c.add("attendance", "请登记参训人员（可按单位或党组织列出后勾选）");
    }
    c.finish()?;
    Ok(TrainingInput {
        unit_id,
        kind_id: kind_id.unwrap_or_default(),
        title,
        start_on: start.map(|d| d.to_string()).unwrap_or_default(),
        end_on: end.map(|d| d.to_string()).unwrap_or_default(),
        organiser,
        trainer,
        place,
        hours_tenths,
        audience,
        content,
        attendance,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The unit (in scope), the kind (of the catalogue, in use) and the attendees (in scope).
async fn check_refs(ctx: &Ctx, i: &TrainingInput, old_kind: Option<i64>) -> AppResult<(i64, String, String)> {
    let unit = unit_in_scope(ctx, i.unit_id).await?;
    let kind: Option<(String, i64)> = sqlx::query_as("SELECT name, active FROM training_kinds WHERE id = $1")
        .bind(i.kind_id)
        .fetch_optional(&ctx.state.db.pool)
        .await?;
    let kind = match kind {
        Some((name, 1)) => name,
        Some((name, _)) if old_kind == Some(i.kind_id) => name,
        Some((name, _)) => return Err(AppError::field("kind_id", format!("培训类别“{name}”已停用，请选择其他类别"))),
        None => return Err(AppError::field("kind_id", "请选择有效的培训类别")),
    };
    let people: Vec<i64> = i.attendance.iter().map(|a| a.0).collect();
    check_people(ctx, &people, "attendance", "参训人员须为您管理范围内的人员").await?;
    Ok((unit.0, unit.1, kind))
}

pub async fn create(ctx: &Ctx, i: &TrainingInput) -> AppResult<i64> {
    let (unit, unit_name, kind) = check_refs(ctx, i, None).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO trainings (unit_id, kind_id, title, start_on, end_on, organiser, trainer, place, hours_tenths, audience, \
         content, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id",
    )
    .bind(unit)
    .bind(i.kind_id)
    .bind(&i.title)
    .bind(&i.start_on)
    .bind(&i.end_on)
    .bind(&i.organiser)
    .bind(&i.trainer)
    .bind(&i.place)
    .bind(i.hours_tenths)
    .bind(&i.audience)
    .bind(&i.content)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_attendance(&mut tx, "training_attendance", "training_id", id, &i.attendance).await?;
    let detail = format!(
        "{unit_name} {kind} {} {}（{} 学时，{} 人）",
        i.start_on,
        i.title,
        hours_text(i.hours_tenths),
        i.attendance.len()
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "training", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an edit (the attendance replaced as a whole); someone else's edit in between is refused
/// by the version.
pub async fn update(ctx: &Ctx, id: i64, i: &TrainingInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut input = i.clone();
    input.unit_id = i.unit_id.or(Some(before.unit_id));
    let (unit, unit_name, kind) = check_refs(ctx, &input, Some(before.kind_id)).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE trainings SET unit_id = $1, kind_id = $2, title = $3, start_on = $4, end_on = $5, organiser = $6, trainer = $7, \
         place = $8, hours_tenths = $9, audience = $10, content = $11, version = version + 1, updated_at = $12 \
         WHERE id = $13 AND version = $14",
    )
    .bind(unit)
    .bind(i.kind_id)
    .bind(&i.title)
    .bind(&i.start_on)
    .bind(&i.end_on)
    .bind(&i.organiser)
    .bind(&i.trainer)
    .bind(&i.place)
    .bind(i.hours_tenths)
    .bind(&i.audience)
    .bind(&i.content)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    sqlx::query("DELETE FROM training_attendance WHERE training_id = $1").bind(id).execute(&mut *tx).await?;
    write_attendance(&mut tx, "training_attendance", "training_id", id, &i.attendance).await?;
    let detail = format!(
        "{} {} {} {}（{} 学时）→ {unit_name} {kind} {} {}（{} 学时，{} 人）",
        before.unit_name,
        before.kind_name,
        before.start_on,
        before.title,
        before.hours_text(),
        i.start_on,
        i.title,
        hours_text(i.hours_tenths),
        i.attendance.len()
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "training", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let t = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM training_attendance WHERE training_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM trainings WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {} {} {}", t.unit_name, t.kind_name, t.start_on, t.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "training", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct TrainingAttachments;

impl AttachmentOwner for TrainingAttachments {
    fn view_perm(&self) -> &'static str {
        TRAINING_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        TRAINING_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/training/sessions/{owner_id}")
    }
}

/// The catalogue's kinds in use, for the forms and filters: (id, name).
pub async fn kinds(ctx: &Ctx, with_inactive: bool) -> AppResult<Vec<(i64, String)>> {
    let sql = if with_inactive {
        "SELECT id, name FROM training_kinds ORDER BY sort_order, id"
    } else {
        "SELECT id, name FROM training_kinds WHERE active = 1 ORDER BY sort_order, id"
    };
    Ok(sqlx::query_as(sql).fetch_all(&ctx.state.db.pool).await?)
}

#[derive(Template)]
#[template(path = "trainings_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Training>,
    offset: i64,
    pager: Pager,
    kinds: Vec<(i64, String)>,
    year: i16,
    summary: Vec<KindRow>,
    can_edit: bool,
    export_q: String,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let year = year_of(p.get("year")).unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year());
    let summary = by_kind(&ctx, &format!("{year}-01-01"), &format!("{year}-12-31")).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/training/sessions", "培训记录", &[("教育培训", ""), ("培训记录", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: kinds(&ctx, true).await?,
        year,
        summary,
        can_edit: ctx.can(TRAINING_EDIT),
        export_q,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = [
        "开始日期",
        "结束日期",
        "培训类别",
        "培训名称",
        "主办部门",
        "组织者",
        "授课人",
        "地点",
        "学时",
        "参训对象",
        "实到人数",
        "应到人数",
    ];
    platform::ledger::export_list(
        &ctx,
        "培训记录",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |t| {
            vec![
                Cell::from(t.start_on.clone()),
                Cell::from(t.end_on.clone()),
                Cell::from(t.kind_name.clone()),
                Cell::from(t.title.clone()),
                Cell::from(t.unit_name.clone()),
                Cell::from(t.organiser.clone()),
                Cell::from(t.trainer.clone()),
                Cell::from(t.place.clone()),
                Cell::from(t.hours_text()),
                Cell::from(t.audience.clone()),
                Cell::Int(t.present),
                Cell::Int(t.invited),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "training_form.html")]
struct FormPage {
    frame: Frame,
    /// `None` when registering a new training.
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    kinds: Vec<(i64, String)>,
    pick_units: Vec<(i64, String, i64)>,
    pick_orgs: Vec<(i64, String)>,
    people: Vec<Pickable>,
    today: String,
    content: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改培训" } else { "登记培训" };
    let frame = Frame::new(
        ctx,
        title,
        "/training/sessions",
        &[("教育培训", ""), ("培训记录", "/training/sessions"), (title, "")],
    );
    let people = listed_people(ctx, &f, "att_").await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let content = platform::richtext::clean(&f.get("content"));
    let today = platform::clock::today(&ctx.state.clock).to_string();
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units: departments(ctx).await?,
            kinds: kinds(ctx, id.is_some()).await?,
            pick_units: units_for_picking(ctx).await?,
            pick_orgs: orgs_for_picking(ctx).await?,
            people,
            today,
            content,
        }),
    )
        .into_response())
}

/// `kind_id` and `unit` in the query preset the form.
async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let user = ctx.user()?;
    let pairs = vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("kind_id".to_string(), q.get("kind_id").cloned().unwrap_or_default()),
        ("start_on".to_string(), today.clone()),
        ("end_on".to_string(), today),
        ("hours".to_string(), "2".to_string()),
        ("pick_unit".to_string(), q.get("unit").cloned().unwrap_or_default()),
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
        Ok(id) => Ok(redirect_with_flash(&format!("/training/sessions/{id}"), "培训已登记，可上传课件等附件")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = get(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), t.unit_id.to_string()),
        ("kind_id".to_string(), t.kind_id.to_string()),
        ("title".to_string(), t.title.clone()),
        ("start_on".to_string(), t.start_on.clone()),
        ("end_on".to_string(), t.end_on.clone()),
        ("organiser".to_string(), t.organiser.clone()),
        ("trainer".to_string(), t.trainer.clone()),
        ("place".to_string(), t.place.clone()),
        ("hours".to_string(), t.hours_text()),
        ("audience".to_string(), t.audience.clone()),
        ("content".to_string(), t.content_html()),
        ("version".to_string(), t.version.to_string()),
    ];
    for a in attendees(&ctx, "training_attendance", "training_id", id).await? {
        pairs.push((format!("att_{}", a.person_id), a.status.clone()));
        pairs.push((format!("reason_{}", a.person_id), a.reason.clone()));
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
        Ok(()) => Ok(redirect_with_flash(&format!("/training/sessions/{id}"), "培训已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "training_view.html")]
struct ViewPage {
    frame: Frame,
    t: Training,
    attendance: Vec<Attendee>,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = get(&ctx, id).await?;
    let attendance = attendees(&ctx, "training_attendance", "training_id", id).await?;
    let files = platform::attachments::list_for(&ctx, "training", id).await?;
    let frame = Frame::new(
        &ctx,
        &t.title,
        "/training/sessions",
        &[("教育培训", ""), ("培训记录", "/training/sessions"), ("培训详情", "")],
    );
    Ok(Html(ViewPage { frame, t, attendance, files, can_edit: ctx.can(TRAINING_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/training/sessions", "培训已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

/// The period of a summary: `year`, or `from` and `to` (default: this year).
pub fn period_of(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<(String, String)> {
    let this = platform::clock::today(&ctx.state.clock).year();
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    if let Some(y) = platform::clock::year_param(q.get("year").map(String::as_str))? {
        return Ok((format!("{y}-01-01"), format!("{y}-12-31")));
    }
    let date = |k: &str, default: String| -> AppResult<String> {
        match get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<jiff::civil::Date>()
                .map(|d| d.to_string())
                .map_err(|_| AppError::BadRequest(format!("{k} 须为 YYYY-MM-DD 格式的日期"))),
        }
    };
    let (from, to) = (date("from", format!("{this}-01-01"))?, date("to", format!("{this}-12-31"))?);
    if from > to {
        return Err(AppError::BadRequest("开始日期不能晚于结束日期".into()));
    }
    Ok((from, to))
}

async fn api_by_kind(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (from, to) = period_of(&ctx, &q.0)?;
    let items = by_kind(&ctx, &from, &to).await?;
    Ok(Json(serde_json::json!({ "from": from, "to": to, "items": items })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = get(&ctx, id).await?;
    let attendance = attendees(&ctx, "training_attendance", "training_id", id).await?;
    let files = platform::attachments::list_for(&ctx, "training", id).await?;
    Ok(Json(serde_json::json!({ "training": t, "attendance": attendance, "attachments": files })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    let id = create(&ctx, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    update(&ctx, id, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
