//! Each person's training record (个人培训档案: the trainings attended with their 学时, the drills
//! taken part in, the legal-education activities, and 学时 year by year) — a page and an API other
//! pages link to (`/training/people/{id}`, `GET /api/v1/people/{id}/trainings`); 学时统计: every
//! active person of the caller's scope with their trainings and 学时 in a period, those with none
//! marked; and the unit clerk's to-do for the people of the unit with no training this year.

use crate::domain::*;
use crate::{TRAINING_EDIT, TRAINING_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::db::{Sql, like_contains};
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{Frame, Html, ListParams, Paged};
use platform::{AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let view = Need::Perm(TRAINING_VIEW);
    r.get("/training/hours", view, "学时统计（每人在期间内的培训次数与学时，含未参训人员）", hours_page)
        .get("/training/hours/export", view, "导出学时统计", hours_export)
        .get("/training/people/{id}", view, "个人培训档案（培训、演练、普法与逐年学时）", person_page)
        .get("/api/v1/training_hours", view, "学时统计（year 或 from, to；unit, kind, q, none=1 仅未参训）", api_hours)
        .get(
            "/api/v1/people/{id}/trainings",
            view,
            "个人培训档案（year，缺省为今年：该年的培训、演练、普法与学时，及逐年学时）",
            api_person,
        )
}

/// One person's trainings and 学时 in a period.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PersonHours {
    pub person_id: i64,
    pub name: String,
    pub kind: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub sessions: i64,
    pub hours_tenths: i64,
    #[sqlx(skip)]
    pub hours: f64,
}

impl PersonHours {
    pub fn hours_text(&self) -> String {
        hours_text(self.hours_tenths)
    }
    pub fn kind_label(&self) -> &'static str {
        label(PERSON_KINDS, &self.kind)
    }
}

const PERSON_KINDS: Codes = &[("officer", "民警"), ("worker", "职工")];

pub const HOURS_SORTS: &[(&str, &str)] =
    &[("unit", "h.sort_order"), ("hours", "h.hours_tenths"), ("sessions", "h.sessions"), ("name", "h.name")];

/// The filters of 学时统计.
struct HoursFilter {
    from: String,
    to: String,
    unit: Option<i64>,
    kind: String,
    text: String,
    none: bool,
}

fn hours_filter(ctx: &Ctx, p: &ListParams) -> AppResult<HoursFilter> {
    let (from, to) = crate::trainings::period_of(ctx, &p.raw)?;
    Ok(HoursFilter {
        from,
        to,
        unit: p.get_i64("unit"),
        kind: p.get("kind").to_string(),
        text: p.get("q").to_string(),
        none: p.get("none") == "1",
    })
}

/// `FROM (active people in scope with their attended trainings and 学时 in the period) h WHERE …`.
fn push_hours_from(q: &mut Sql, user: &platform::CurrentUser, f: &HoursFilter) {
    let attended = |q: &mut Sql| {
        q.push(
            " FROM training_attendance a JOIN trainings t ON t.id = a.training_id WHERE a.person_id = p.id \
                 AND a.status <> 'absent' AND t.start_on >= ",
        )
        .bind(f.from.clone())
        .push(" AND t.start_on <= ")
        .bind(f.to.clone());
    };
    q.push(
        "FROM (SELECT p.id AS person_id, p.name, p.kind, p.unit_id, u.name AS unit_name, u.sort_order, (SELECT count(*)",
    );
    attended(q);
    q.push(") AS sessions, (SELECT CAST(coalesce(sum(t.hours_tenths), 0) AS BIGINT)");
    attended(q);
    q.push(
        ") AS hours_tenths FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employment_status = 'active' AND ",
    );
    user.scope.push_condition(q, "p.unit_id", Some("p.user_id"));
    if let Some(u) = f.unit {
        q.push(" AND u.path LIKE (SELECT s.path FROM units s WHERE s.id = ").bind(u).push(") || '%'");
    }
    if !f.kind.is_empty() {
        q.push(" AND p.kind = ").bind(f.kind.clone());
    }
    if !f.text.is_empty() {
        q.push(" AND p.name LIKE ").bind(like_contains(&f.text)).push(" ESCAPE '\\'");
    }
    q.push(") h WHERE 1 = 1");
    if f.none {
        q.push(" AND h.sessions = 0");
    }
}

/// Filters: year or from/to (default this year), unit (with its subtree), kind (officer|worker),
/// q (name), none (1 = no training in the period). Default order: by unit, then name.
pub async fn hours(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<PersonHours>> {
    let user = ctx.user()?;
    let f = hours_filter(ctx, p)?;
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "h.sort_order, h.name".into();
    }
    let page = fetch_page::<PersonHours>(
        &ctx.state.db,
        "h.person_id, h.name, h.kind, h.unit_id, h.unit_name, h.sessions, h.hours_tenths",
        "h.person_id",
        |q: &mut Sql| push_hours_from(q, user, &f),
        &p,
    )
    .await?;
    let items = page
        .items
        .into_iter()
        .map(|mut h| {
            h.hours = h.hours_tenths as f64 / 10.0;
            h
        })
        .collect();
    Ok(Paged { items, total: page.total, page: page.page, per_page: page.per_page })
}

/// People, their 学时 together, and those without training, over the whole filtered list.
#[derive(Clone, Debug, Default, Serialize, sqlx::FromRow)]
pub struct HoursTotals {
    pub people: i64,
    pub hours_tenths: i64,
    pub untrained: i64,
}

impl HoursTotals {
    pub fn hours_text(&self) -> String {
        hours_text(self.hours_tenths)
    }
    /// 人均学时, to one decimal.
    pub fn average_text(&self) -> String {
        if self.people == 0 { "0".into() } else { hours_text((self.hours_tenths + self.people / 2) / self.people) }
    }
}

async fn totals(ctx: &Ctx, p: &ListParams) -> AppResult<HoursTotals> {
    let user = ctx.user()?;
    let f = hours_filter(ctx, p)?;
    let mut q = Sql::new(
        "SELECT count(*) AS people, CAST(coalesce(sum(h.hours_tenths), 0) AS BIGINT) AS hours_tenths, \
         CAST(coalesce(sum(CASE WHEN h.sessions = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS untrained ",
    );
    push_hours_from(&mut q, user, &f);
    Ok(q.query_as().fetch_one(&ctx.state.db.pool).await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RecordTraining {
    pub training_id: i64,
    pub start_on: String,
    pub end_on: String,
    pub title: String,
    pub kind_name: String,
    pub unit_name: String,
    pub hours_tenths: i64,
    pub status: String,
    pub reason: String,
}

impl RecordTraining {
    /// 学时 earned: the session's when attended, none when absent.
    pub fn earned_text(&self) -> String {
        if self.status == "absent" { "0".into() } else { hours_text(self.hours_tenths) }
    }
    pub fn status_label(&self) -> &'static str {
        label(ATTENDANCE, &self.status)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RecordDrill {
    pub drill_id: i64,
    pub held_on: String,
    pub title: String,
    pub kind: String,
    pub role: String,
}

impl RecordDrill {
    pub fn kind_label(&self) -> &'static str {
        label(DRILL_KINDS, &self.kind)
    }
    pub fn role_label(&self) -> &'static str {
        label(DRILL_ROLES, &self.role)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RecordLegal {
    pub activity_id: i64,
    pub held_on: String,
    pub title: String,
    pub form: String,
    pub status: String,
}

impl RecordLegal {
    pub fn form_label(&self) -> &'static str {
        label(LEGAL_FORMS, &self.form)
    }
    pub fn status_label(&self) -> &'static str {
        label(ATTENDANCE, &self.status)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct YearHours {
    pub year: String,
    pub sessions: i64,
    pub hours_tenths: i64,
}

impl YearHours {
    pub fn hours_text(&self) -> String {
        hours_text(self.hours_tenths)
    }
}

/// A person's record in a year.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub year: i16,
    pub sessions: i64,
    pub hours_tenths: i64,
    pub hours: f64,
    pub trainings: Vec<RecordTraining>,
    pub drills: Vec<RecordDrill>,
    pub legal_education: Vec<RecordLegal>,
    pub years: Vec<YearHours>,
}

impl Record {
    pub fn hours_text(&self) -> String {
        hours_text(self.hours_tenths)
    }
}

/// The record of a person of the caller's scope (another's is not found, and audited).
pub async fn record(ctx: &Ctx, id: i64, year: i16) -> AppResult<Record> {
    let person = org::people::service::get(ctx, id).await?;
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let db = &ctx.state.db.pool;
    let trainings: Vec<RecordTraining> = sqlx::query_as(
        "SELECT t.id AS training_id, t.start_on, t.end_on, t.title, k.name AS kind_name, u.name AS unit_name, t.hours_tenths, \
         a.status, a.reason FROM training_attendance a JOIN trainings t ON t.id = a.training_id \
         JOIN training_kinds k ON k.id = t.kind_id JOIN units u ON u.id = t.unit_id \
         WHERE a.person_id = $1 AND t.start_on >= $2 AND t.start_on <= $3 ORDER BY t.start_on, t.id",
    )
    .bind(id)
    .bind(&from)
    .bind(&to)
    .fetch_all(db)
    .await?;
    let drills: Vec<RecordDrill> = sqlx::query_as(
        "SELECT d.id AS drill_id, d.held_on, d.title, d.kind, x.role FROM drill_people x JOIN drills d ON d.id = x.drill_id \
         WHERE x.person_id = $1 AND d.held_on >= $2 AND d.held_on <= $3 ORDER BY d.held_on, d.id",
    )
    .bind(id)
    .bind(&from)
    .bind(&to)
    .fetch_all(db)
    .await?;
    let legal: Vec<RecordLegal> = sqlx::query_as(
        "SELECT e.id AS activity_id, e.held_on, e.title, e.form, a.status FROM legal_education_attendance a \
         JOIN legal_education e ON e.id = a.activity_id WHERE a.person_id = $1 AND e.held_on >= $2 AND e.held_on <= $3 \
         ORDER BY e.held_on, e.id",
    )
    .bind(id)
    .bind(&from)
    .bind(&to)
    .fetch_all(db)
    .await?;
    let years: Vec<YearHours> = sqlx::query_as(
        "SELECT substr(t.start_on, 1, 4) AS year, count(*) AS sessions, CAST(coalesce(sum(t.hours_tenths), 0) AS BIGINT) AS hours_tenths \
         FROM training_attendance a JOIN trainings t ON t.id = a.training_id WHERE a.person_id = $1 AND a.status <> 'absent' \
         GROUP BY substr(t.start_on, 1, 4) ORDER BY substr(t.start_on, 1, 4) DESC",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let attended: Vec<&RecordTraining> = trainings.iter().filter(|t| t.status != "absent").collect();
    let hours_tenths: i64 = attended.iter().map(|t| t.hours_tenths).sum();
    Ok(Record {
        person_id: person.id,
        name: person.name,
        unit_name: person.unit_name,
        year,
        sessions: attended.len() as i64,
        hours_tenths,
        hours: hours_tenths as f64 / 10.0,
        trainings,
        drills,
        legal_education: legal,
        years,
    })
}

fn year_param(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<i16> {
    Ok(platform::clock::year_param(q.get("year").map(String::as_str))?
        .unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year()))
}

/// For a unit's clerk: the active people of the unit (and below) with no training attended this
/// year, as one to-do leading to 学时统计 filtered to them.
pub struct UntrainedTodos;

impl TodoSource for UntrainedTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(TRAINING_EDIT) || !user.roles.iter().any(|r| r == "unit_clerk") {
                return Ok(Vec::new());
            }
            let year = platform::clock::today(&ctx.state.clock).year();
            let mut q = Sql::new("SELECT count(*) FROM people p WHERE p.employment_status = 'active' AND ");
            user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
            q.push(
                " AND NOT EXISTS (SELECT 1 FROM training_attendance a JOIN trainings t ON t.id = a.training_id \
                 WHERE a.person_id = p.id AND a.status <> 'absent' AND t.start_on >= ",
            )
            .bind(format!("{year}-01-01"))
            .push(" AND t.start_on <= ")
            .bind(format!("{year}-12-31"))
            .push(")");
            let n: i64 = q.fetch_fresh_scalar(&ctx.state.db).await?;
            if n == 0 {
                return Ok(Vec::new());
            }
            Ok(vec![Todo {
                title: format!("{} 有 {n} 人今年尚未参加培训", user.unit_name),
                detail: format!("{year} 年尚无参训记录的在职人员，请安排参加培训"),
                due: Some(format!("{year}-12-31")),
                href: format!("/training/hours?year={year}&none=1"),
                level: "missing",
                source: "教育培训",
            }])
        })
    }
}

#[derive(Template)]
#[template(path = "hours.html")]
struct HoursPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<PersonHours>,
    offset: i64,
    pager: Pager,
    totals: HoursTotals,
    from: String,
    to: String,
    units: Vec<(i64, String, i64)>,
    export_q: String,
    untrained_href: String,
}

async fn hours_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let mut raw = q.0;
    if !raw.contains_key("year") && !raw.contains_key("from") && !raw.contains_key("to") {
        raw.insert("year".into(), platform::clock::today(&ctx.state.clock).year().to_string());
    }
    let p = ListParams::parse(raw, HOURS_SORTS, false);
    let page = hours(&ctx, &p).await?;
    let totals = totals(&ctx, &p).await?;
    let (from, to) = crate::trainings::period_of(&ctx, &p.raw)?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/training/hours", "学时统计", &[("教育培训", ""), ("学时统计", "")]);
    let untrained_href = format!("/training/hours?{}", p.query_with(&[("none", "1".into()), ("page", "1".into())]));
    Ok(Html(HoursPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        totals,
        from,
        to,
        units: crate::shared::units_for_picking(&ctx).await?,
        export_q,
        untrained_href,
    })
    .into_response())
}

pub(crate) async fn hours_export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, HOURS_SORTS);
    let headers = ["姓名", "人员类别", "单位", "参训次数", "学时"];
    platform::ledger::export_list(
        &ctx,
        "学时统计",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(hours(c, p)),
        |h| {
            vec![
                Cell::from(h.name.clone()),
                Cell::from(h.kind_label()),
                Cell::from(h.unit_name.clone()),
                Cell::Int(h.sessions),
                Cell::from(h.hours_text()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "person_record.html")]
struct PersonPage {
    frame: Frame,
    r: Record,
    this_year: i16,
    has_this_year: bool,
}

async fn person_page(ctx: Ctx, Path(id): Path<i64>, q: Q) -> AppResult<Response> {
    let year = year_param(&ctx, &q.0)?;
    let r = record(&ctx, id, year).await?;
    let frame = Frame::new(
        &ctx,
        &format!("{} 的培训档案", r.name),
        "/training/hours",
        &[("教育培训", ""), ("学时统计", "/training/hours"), ("个人培训档案", "")],
    );
    let this_year = platform::clock::today(&ctx.state.clock).year();
    let has_this_year = r.years.iter().any(|y| y.year == this_year.to_string());
    Ok(Html(PersonPage { frame, r, this_year, has_this_year }).into_response())
}

async fn api_hours(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, HOURS_SORTS, true);
    let page = hours(&ctx, &p).await?;
    let totals = totals(&ctx, &p).await?;
    let (from, to) = crate::trainings::period_of(&ctx, &p.raw)?;
    Ok(Json(serde_json::json!({
        "items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page,
        "from": from, "to": to, "people": totals.people, "hours": totals.hours_tenths as f64 / 10.0,
        "untrained": totals.untrained,
    }))
    .into_response())
}

async fn api_person(ctx: Ctx, Path(id): Path<i64>, q: Q) -> AppResult<Response> {
    let year = year_param(&ctx, &q.0)?;
    Ok(Json(record(&ctx, id, year).await?).into_response())
}

/// The person's training record on their profile (#3): hours year by year, this year's sessions.
pub struct TrainingRecord;

impl platform::registry::ProfileSource for TrainingRecord {
    fn block<'a>(
        &'a self,
        ctx: &'a Ctx,
        person_id: i64,
    ) -> platform::registry::BoxFuture<'a, AppResult<Option<platform::registry::ProfileBlock>>> {
        Box::pin(async move {
            if !ctx.can(crate::TRAINING_VIEW) {
                return Ok(None);
            }
            let year = platform::clock::today(&ctx.state.clock).year();
            let r = record(ctx, person_id, year).await?;
            let mut rows: Vec<Vec<String>> = r
                .trainings
                .iter()
                .map(|t| {
                    vec![
                        t.start_on.clone(),
                        t.title.clone(),
                        t.kind_name.clone(),
                        t.status_label().to_string(),
                        t.earned_text(),
                    ]
                })
                .collect();
            rows.extend(r.years.iter().filter(|y| y.year != year.to_string()).map(|y| {
                vec![
                    format!("{} 年", y.year),
                    format!("共 {} 次培训", y.sessions),
                    String::new(),
                    String::new(),
                    y.hours_text(),
                ]
            }));
            Ok(Some(platform::registry::ProfileBlock {
                title: format!("培训记录（{year} 年 {} 学时）", r.hours_text()),
                headers: vec!["日期".into(), "培训".into(), "类别".into(), "出勤".into(), "学时".into()],
                rows,
                more: Some(("完整记录".into(), format!("/training/people/{person_id}"))),
            }))
        })
    }
}
