//! Measures (工作措施) of a task plan and problems of an inspection batch: one record kind with one
//! trail. Progress comes from the lead or a participating department; the lead department asks
//! for sign-off; only the responsible leader or the plan's owner (for a batch: its approver) signs
//! off (销号) or sends it back. 已逾期 is never stored: `overdue_expr` derives it from the deadline,
//! the reports and the date asked about.

use crate::domain::*;
use jiff::ToSpan;
use jiff::civil::Date;
use platform::audit::Event;
use platform::db::{Backend, Sql, Tx};
use platform::scope::Scope;
use platform::web::{ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Measure {
    pub id: i64,
    pub plan_id: Option<i64>,
    pub rectification_id: Option<i64>,
    pub parent_title: String,
    pub unit_id: i64,
    pub year: i64,
    pub number: i64,
    pub problem: String,
    pub content: String,
    pub leader_id: Option<i64>,
    pub leader_name: Option<String>,
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    pub deadline_kind: String,
    pub deadline: String,
    pub status: String,
    pub percent: i64,
    pub last_report_on: Option<String>,
    pub done_on: Option<String>,
    pub version: i64,
    /// 1 when overdue at the date the list was asked for (derived in the query).
    pub overdue: i64,
    /// 1 when due within 7 days and not yet reported for the period.
    pub due_soon: i64,
    #[sqlx(skip)]
    pub partners: Vec<(i64, String)>,
}

impl Measure {
    pub fn status_label(&self) -> &'static str {
        if self.overdue == 1 { "已逾期" } else { label(STATUSES, &self.status) }
    }
    pub fn status_tag(&self) -> &'static str {
        match (self.overdue, self.status.as_str()) {
            (1, _) => "red",
            (_, "done") => "green",
            (_, "submitted") => "orange",
            (_, "in_progress") => "blue",
            _ => "gray",
        }
    }
    pub fn deadline_text(&self) -> String {
        match self.deadline_kind.as_str() {
            "date" => self.deadline.clone(),
            k => format!("{}（至 {}）", label(DEADLINE_KINDS, k), self.deadline),
        }
    }
    pub fn partner_names(&self) -> String {
        self.partners.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("、")
    }
    pub fn parent_href(&self) -> String {
        match (self.plan_id, self.rectification_id) {
            (Some(p), _) => format!("/supervision/plans/{p}"),
            (_, Some(r)) => format!("/supervision/rectifications/{r}"),
            _ => String::new(),
        }
    }
}

/// Start of the quarter `d` is in.
fn quarter_start(d: Date) -> Date {
    Date::new(d.year(), ((d.month() - 1) / 3) * 3 + 1, 1).unwrap_or(d)
}

/// The latest progress report (or request for sign-off) dated on or before `at`.
/// `m.last_report_on` is the latest of all (kept with every report, and no report is dated after
/// the day it is made): when that is on or before `at` it is the answer, and the trail is read
/// only for a day before it. Lists and to-dos ask for today, so they never read the trail; an
/// export of a year's measures took 8.4 ms for its rows with the trail read twice per row.
fn last_report(at: Date) -> String {
    format!(
        "(CASE WHEN m.last_report_on <= '{at}' THEN m.last_report_on ELSE \
         coalesce((SELECT max(r.reported_on) FROM measure_progress r WHERE r.measure_id = m.id \
         AND r.kind IN ('progress', 'submit') AND r.reported_on <= '{at}'), '') END)"
    )
}

/// Whether a measure is done at `at`: signed off on or before that day.
pub fn done_at_sql(at: Date) -> String {
    format!("(m.status = 'done' AND m.done_on <= '{at}')")
}

/// Whether a measure is still open at `at` (the negation of [`done_at_sql`]). From `today` on,
/// that is simply not done (a sign-off is dated the day it is made), which the index of open
/// measures answers; for a day before, it is written so that an index on (status, done_on) finds
/// the open ones without reading the signed-off history.
pub fn open_at_sql(at: Date, today: Date) -> String {
    if at >= today {
        return "m.status <> 'done'".into();
    }
    format!("(m.status IN ('not_started', 'in_progress', 'submitted') OR (m.status = 'done' AND m.done_on > '{at}'))")
}

/// SQL (0/1) for "overdue at `at`": not signed off by then, and past its date, or (recurring, in
/// `at`'s year) the last ended month or quarter since the measure was set has no report. The
/// dates are formatted by us, never typed by a user.
pub fn overdue_expr(at: Date) -> String {
    let mut recurring = String::new();
    let month = at.first_of_month();
    if at.month() > 1 {
        let prev = month.saturating_sub(1.month());
        recurring.push_str(&format!(
            " OR (m.deadline_kind = 'monthly' AND m.year = {y} AND m.created_on < '{month}' AND {last} < '{prev}')",
            y = at.year(),
            last = last_report(at)
        ));
    }
    let q = quarter_start(at);
    if q.month() > 1 {
        let prev = q.saturating_sub(3.months());
        recurring.push_str(&format!(
            " OR (m.deadline_kind = 'quarterly' AND m.year = {y} AND m.created_on < '{q}' AND {last} < '{prev}')",
            y = at.year(),
            last = last_report(at)
        ));
    }
    format!("(CASE WHEN NOT {done} AND (m.deadline < '{at}'{recurring}) THEN 1 ELSE 0 END)", done = done_at_sql(at))
}

/// SQL (0/1) for "due within 7 days of `at`" (and not overdue): a date within the week, or a
/// recurring period ending within the week with no report in it yet.
pub fn due_soon_expr(at: Date) -> String {
    let week = at.saturating_add(7.days());
    let month = at.first_of_month();
    let q = quarter_start(at);
    let q_end = q.saturating_add(3.months()).saturating_sub(1.day());
    let mut parts =
        vec![format!("(m.deadline_kind IN ('date', 'yearly') AND m.deadline >= '{at}' AND m.deadline <= '{week}')")];
    if month.last_of_month() <= week {
        parts.push(format!(
            "(m.deadline_kind = 'monthly' AND m.year = {y} AND {last} < '{month}')",
            y = at.year(),
            last = last_report(at)
        ));
    }
    if q_end <= week {
        parts.push(format!(
            "(m.deadline_kind = 'quarterly' AND m.year = {y} AND {last} < '{q}')",
            y = at.year(),
            last = last_report(at)
        ));
    }
    format!(
        "(CASE WHEN m.status <> 'done' AND {overdue} = 0 AND ({any}) THEN 1 ELSE 0 END)",
        overdue = overdue_expr(at),
        any = parts.join(" OR ")
    )
}

fn cols(at: Date) -> String {
    format!(
        "m.id, m.plan_id, m.rectification_id, coalesce(tp.title, rc.title, '') AS parent_title, m.unit_id, m.year, \
         m.number, m.problem, m.content, m.leader_id, l.name AS leader_name, m.lead_unit_id, lu.name AS lead_unit_name, \
         m.deadline_kind, m.deadline, m.status, m.percent, m.last_report_on, m.done_on, m.version, \
         {} AS overdue, {} AS due_soon",
        overdue_expr(at),
        due_soon_expr(at)
    )
}

/// Every measure has its lead department (NOT NULL, a foreign key), so the department's lookup is
/// a LEFT JOIN like the others: the same rows, and dropped from a count or a page's keys that do
/// not use it (`Sql::drop_unused_lookups`; PostgreSQL drops it too). Joined, the bureau's overdue
/// count looked up 27,000 departments.
const FROM: &str = "FROM measures m LEFT JOIN task_plans tp ON tp.id = m.plan_id \
    LEFT JOIN rectifications rc ON rc.id = m.rectification_id LEFT JOIN people l ON l.id = m.leader_id \
    LEFT JOIN units lu ON lu.id = m.lead_unit_id";

pub const SORTS: &[(&str, &str)] = &[("deadline", "m.deadline"), ("number", "m.number"), ("dept", "lu.name")];

/// A measure is visible where its lead or a participating department is in the caller's scope.
/// (An uncorrelated `IN` list rather than a per-row `EXISTS`: both databases build it once.)
pub fn push_scope(q: &mut Sql, scope: &Scope) {
    push_scope_part(q, scope, ScopePart::All);
}

/// Which of a scope's measures a statement reads: all of them, or (for a count in two parts)
/// those whose lead department is in it, or those in it only through a participating one.
#[derive(Clone, Copy)]
enum ScopePart {
    All,
    Led,
    PartnerOnly,
}

fn push_scope_part(q: &mut Sql, scope: &Scope, part: ScopePart) {
    let led = |q: &mut Sql| scope.push_condition(q, "m.lead_unit_id", None);
    let partners = |q: &mut Sql| {
        q.push_in_select("m.id", |q| {
            q.push("SELECT mu.measure_id FROM measure_units mu WHERE ");
            scope.push_condition(q, "mu.unit_id", None);
        });
    };
    match part {
        ScopePart::Led => led(q),
        // Every measure has a lead unit, so over the whole tree the partners add nothing (and
        // reading them cost a bureau's overdue count a pass over every measure_units row).
        ScopePart::All if scope.whole_tree => led(q),
        ScopePart::All => {
            q.push("(");
            led(q);
            q.push(" OR ");
            partners(q);
            q.push(")");
        }
        ScopePart::PartnerOnly => {
            // Every measure has a lead department (NOT NULL), so NOT is exact here.
            q.push("NOT ");
            led(q);
            q.push(" AND ");
            partners(q);
        }
    }
}

/// Filters: plan, rect, kind (plan|rect), dept (lead or participating unit), lead (lead unit),
/// leader (person), year (the plan's or batch's year), goal (an indicator of the goal frameworks the measure is linked to), status (not_started|in_progress|submitted|done|overdue|due_soon|open), q
/// (text), at (YYYY-MM-DD, default today). Without a sort: overdue first, then by deadline.
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Measure>> {
    let filters = Filters::of(ctx, p)?;
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = format!("{} DESC, m.deadline, m.number", overdue_expr(filters.at));
    }
    let mut page =
        fetch_page::<Measure>(&ctx.state.db, &cols(filters.at), "m.id", |q: &mut Sql| filters.push(q), &p).await?;
    fill_partners(ctx, &mut page.items).await?;
    Ok(page)
}

/// How many measures [`list`] finds with these parameters, without listing them (a home card).
///
/// A scope short of the whole tree is counted in two parts, the measures it leads and those it
/// only takes part in, added up. Asked as one, the `OR` of the two made SQLite gather every
/// measure its departments ever led (all years, signed off or not) and read each one's row: at
/// province scale a prison's overdue count took 3.1–3.6 ms alone (7.6 ms in the server after a
/// report), where the measures it leads are counted from the index of open measures in 0.4 ms.
pub async fn count(ctx: &Ctx, p: &ListParams) -> AppResult<i64> {
    let mut filters = Filters::of(ctx, p)?;
    let statement = |filters: &Filters| {
        let mut q = Sql::new("SELECT count(*) ");
        filters.push(&mut q);
        q.drop_unused_lookups();
        q
    };
    if filters.scope.whole_tree {
        return Ok(statement(&filters).fetch_fresh_scalar(&ctx.state.db).await?);
    }
    filters.part = ScopePart::Led;
    let led = statement(&filters);
    filters.part = ScopePart::PartnerOnly;
    let partner_only = statement(&filters);
    let (led, partner_only) = tokio::try_join!(
        led.fetch_fresh_scalar::<i64>(&ctx.state.db),
        partner_only.fetch_fresh_scalar::<i64>(&ctx.state.db)
    )?;
    Ok(led + partner_only)
}

/// The filters of [`list`], read once from the parameters and pushed as `FROM … WHERE …`.
struct Filters<'a> {
    scope: &'a Scope,
    part: ScopePart,
    today: Date,
    at: Date,
    plan: Option<i64>,
    rect: Option<i64>,
    dept: Option<i64>,
    lead: Option<i64>,
    leader: Option<i64>,
    goal: Option<i64>,
    year: Option<i64>,
    kind: String,
    status: String,
    text: String,
}

impl<'a> Filters<'a> {
    fn of(ctx: &'a Ctx, p: &ListParams) -> AppResult<Self> {
        let today = platform::clock::today(&ctx.state.clock);
        Ok(Self {
            today,
            scope: &ctx.user()?.scope,
            part: ScopePart::All,
            at: p.get("at").parse::<Date>().unwrap_or(today),
            plan: p.get_i64("plan"),
            rect: p.get_i64("rect"),
            dept: p.get_i64("dept"),
            lead: p.get_i64("lead"),
            leader: p.get_i64("leader"),
            goal: p.get_i64("goal"),
            year: p.get_i64("year"),
            kind: p.get("kind").to_string(),
            status: p.get("status").to_string(),
            text: p.get("q").trim().to_string(),
        })
    }

    fn push(&self, q: &mut Sql) {
        let at = self.at;
        q.push(FROM).push(" WHERE ");
        push_scope_part(q, self.scope, self.part);
        if let Some(v) = self.plan {
            q.push(" AND m.plan_id = ").bind(v);
        }
        if let Some(v) = self.rect {
            q.push(" AND m.rectification_id = ").bind(v);
        }
        match self.kind.as_str() {
            "plan" => {
                q.push(" AND m.plan_id IS NOT NULL");
            }
            "rect" => {
                q.push(" AND m.rectification_id IS NOT NULL");
            }
            _ => {}
        }
        if let Some(v) = self.dept {
            q.push(" AND (m.lead_unit_id = ").bind(v).push(" OR ");
            q.push_in_select("m.id", |q| {
                q.push("SELECT mu2.measure_id FROM measure_units mu2 WHERE mu2.unit_id = ").bind(v);
            });
            q.push(")");
        }
        if let Some(v) = self.lead {
            q.push(" AND m.lead_unit_id = ").bind(v);
        }
        if let Some(v) = self.leader {
            q.push(" AND m.leader_id = ").bind(v);
        }
        if let Some(v) = self.year {
            q.push(" AND m.year = ").bind(v);
        }
        if let Some(v) = self.goal {
            q.push(" AND m.id IN (SELECT g.measure_id FROM measure_goal_links g WHERE g.indicator_id = ")
                .bind(v)
                .push(")");
        }
        // A measure signed off by then is neither overdue nor due: the cheap test first, so the
        // derived expression runs only for the open ones.
        let open = open_at_sql(at, self.today);
        match self.status.as_str() {
            "overdue" => {
                q.push(" AND ").push(&open).push(" AND ").push(&overdue_expr(at)).push(" = 1");
            }
            "due_soon" => {
                q.push(" AND ").push(&open).push(" AND ").push(&due_soon_expr(at)).push(" = 1");
            }
            "open" => {
                q.push(" AND m.status <> 'done'");
            }
            s if STATUSES.iter().any(|(c, _)| *c == s) => {
                q.push(" AND m.status = ").bind(s.to_string()).push(" AND ").push(&overdue_expr(at)).push(" = 0");
            }
            _ => {}
        }
        if !self.text.is_empty() {
            let like = platform::db::like_contains(&self.text);
            q.push(" AND (m.content LIKE ")
                .bind(like.clone())
                .push(" ESCAPE '\\' OR m.problem LIKE ")
                .bind(like)
                .push(" ESCAPE '\\')");
        }
    }
}

async fn fill_partners(ctx: &Ctx, items: &mut [Measure]) -> AppResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        "SELECT mu.measure_id, u.id, u.name FROM measure_units mu JOIN units u ON u.id = mu.unit_id WHERE mu.measure_id IN (",
    );
    q.push_ids(items.iter().map(|m| m.id));
    q.push(") ORDER BY u.sort_order, u.id");
    let rows: Vec<(i64, i64, String)> = q.fetch_fresh(&ctx.state.db).await?;
    let mut by = platform::db::by_owner(rows.into_iter().map(|(m, id, name)| (m, (id, name))));
    for m in items.iter_mut() {
        m.partners = by.remove(&m.id).unwrap_or_default();
    }
    Ok(())
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Measure> {
    let today = platform::clock::today(&ctx.state.clock);
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(&cols(today)).push(" ").push(FROM).push(" WHERE m.id = ").bind(id).push(" AND ");
    push_scope(&mut q, &user.scope);
    match q.query_as::<Measure>().fetch_optional(&ctx.state.db.pool).await? {
        Some(m) => {
            let mut v = [m];
            fill_partners(ctx, &mut v).await?;
            let [m] = v;
            Ok(m)
        }
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "measure", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Progress {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub reported_on: String,
    pub text: String,
    pub percent: i64,
    pub stage: String,
    pub by_name: String,
}

impl Progress {
    pub fn kind_label(&self) -> &'static str {
        label(PROGRESS_KINDS, &self.kind)
    }
    pub fn stage_label(&self) -> &'static str {
        label(STAGES, &self.stage)
    }
}

pub async fn trail(ctx: &Ctx, id: i64) -> AppResult<Vec<Progress>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.unit_id, u.name AS unit_name, r.kind, r.reported_on, r.text, r.percent, r.stage, r.by_name \
         FROM measure_progress r JOIN units u ON u.id = r.unit_id WHERE r.measure_id = $1 ORDER BY r.id DESC",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// Who may sign off: the responsible leader and the plan's owner, or a batch's approver.
pub async fn approvers(ctx: &Ctx, m: &Measure) -> AppResult<Vec<i64>> {
    let mut out: Vec<i64> = Vec::new();
    if let Some(pid) = m.plan_id {
        out.extend(m.leader_id);
        let owner: Option<i64> = sqlx::query_scalar("SELECT owner_id FROM task_plans WHERE id = $1")
            .bind(pid)
            .fetch_one(&ctx.state.db.pool)
            .await?;
        out.extend(owner);
    }
    if let Some(rid) = m.rectification_id {
        let a: i64 = sqlx::query_scalar("SELECT approver_id FROM rectifications WHERE id = $1")
            .bind(rid)
            .fetch_one(&ctx.state.db.pool)
            .await?;
        out.push(a);
    }
    Ok(out)
}

/// Whether the caller is one of the approvers (through the person linked to the account).
pub async fn may_sign_off(ctx: &Ctx, m: &Measure) -> AppResult<bool> {
    let Some(me) = ctx.own_person().await? else { return Ok(false) };
    Ok(approvers(ctx, m).await?.contains(&me))
}

/// The departments on whose behalf the caller may report: the lead and participating departments
/// inside the caller's scope.
pub async fn reporting_units(ctx: &Ctx, m: &Measure) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut units = vec![(m.lead_unit_id, m.lead_unit_name.clone())];
    units.extend(m.partners.iter().cloned());
    // The departments' paths in one read, kept while the units are unchanged (a statement per
    // department was two or three round trips of every progress report).
    let mut q = Sql::new("SELECT id, path FROM units WHERE id IN (");
    q.push_ids(units.iter().map(|(id, _)| *id)).push(")");
    let paths: Vec<(i64, String)> = q.fetch_fresh(&ctx.state.db).await?;
    let mut out = Vec::new();
    for (id, name) in units {
        let covered = paths.iter().any(|(u, path)| *u == id && user.scope.covers_unit(id, path));
        if covered && !out.iter().any(|(u, _)| *u == id) {
            out.push((id, name));
        }
    }
    Ok(out)
}

pub struct ProgressInput {
    pub kind: &'static str,
    pub unit_id: Option<i64>,
    pub reported_on: Date,
    pub text: String,
    pub percent: i64,
    pub stage: String,
}

// The statements of a step of a measure's trail ([`record`]), each given the same fifteen values:
// the measure's new state (`$1`–`$6`; `$7` is its id, `$8` the version it moves on from) and the
// step itself (`$9`–`$15`).
macro_rules! move_measure {
    () => {
        "UPDATE measures SET status = $1, percent = $2, \
         last_report_on = CASE WHEN $3 = '' THEN last_report_on WHEN last_report_on IS NULL OR last_report_on < $3 THEN $3 ELSE last_report_on END, \
         done_on = $4, signed_off_by = $5, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8"
    };
}
macro_rules! new_step {
    () => {
        "INSERT INTO measure_progress (measure_id, unit_id, kind, reported_on, text, percent, stage, by_user, by_name, created_at)"
    };
}
macro_rules! step_values {
    () => {
        "$7, $9, $10, $11, $12, $2, $13, $14, $15, $6"
    };
}

/// Records a step of the trail and moves the status: progress (lead or participating department),
/// submit (lead department only), approve / reject (approvers only, on a submitted measure).
pub async fn record(ctx: &Ctx, id: i64, i: &ProgressInput) -> AppResult<i64> {
    let m = get(ctx, id).await?;
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    if i.reported_on > today {
        return Err(AppError::field("reported_on", "日期不能晚于今天"));
    }
    let unit_id = match i.kind {
        "progress" | "submit" => {
            if !user.can(crate::SUP_REPORT) {
                return Err(AppError::Forbidden);
            }
            if m.status == "done" {
                return Err(AppError::field("kind", "该事项已销号，不能再报告进展"));
            }
            let mine = reporting_units(ctx, &m).await?;
            let unit = match i.unit_id {
                Some(u) => mine.iter().find(|(x, _)| *x == u).map(|(x, _)| *x),
                None if mine.len() == 1 => Some(mine[0].0),
                None => mine.iter().find(|(x, _)| *x == user.unit_id).map(|(x, _)| *x),
            };
            let Some(unit) = unit else {
                return Err(AppError::field("unit_id", "只有牵头部门或参加部门可以报告进展"));
            };
            if i.kind == "submit" && unit != m.lead_unit_id {
                return Err(AppError::field("kind", "只有牵头部门可以报请销号"));
            }
            if i.kind == "submit" && m.status == "submitted" {
                return Err(AppError::field("kind", "已报请销号，请等待审核"));
            }
            unit
        }
        _ => {
            if !may_sign_off(ctx, &m).await? {
                return Err(AppError::Forbidden);
            }
            if m.status != "submitted" {
                return Err(AppError::field("kind", "牵头部门报请销号后才能审核"));
            }
            if i.kind == "reject" && i.text.trim().is_empty() {
                return Err(AppError::field("text", "退回须写明原因"));
            }
            m.lead_unit_id
        }
    };
    let (status, percent) = match i.kind {
        "progress" => (if m.status == "submitted" { "submitted" } else { "in_progress" }, i.percent.max(m.percent)),
        "submit" => ("submitted", 100),
        "approve" => ("done", 100),
        _ => ("in_progress", m.percent.min(99)),
    };
    let now = ctx.state.clock.now_ms();
    let reported = matches!(i.kind, "progress" | "submit").then(|| i.reported_on.to_string());
    // Every statement below is given all fifteen values (SQLite ignores those it does not name).
    macro_rules! bind {
        ($q:expr) => {
            $q.bind(status)
                .bind(percent)
                .bind(reported.clone().unwrap_or_default())
                .bind((i.kind == "approve").then(|| today.to_string()))
                .bind((i.kind == "approve").then_some(user.id))
                .bind(now)
                .bind(id)
                .bind(m.version)
                .bind(unit_id)
                .bind(i.kind)
                .bind(i.reported_on.to_string())
                .bind(&i.text)
                .bind(&i.stage)
                .bind(user.id)
                .bind(&user.display_name)
        };
    }
    let mut tx = ctx.state.db.begin().await?;
    // The measure moves on from the version read above, and the step is written with it: on
    // PostgreSQL in one statement (a writer holds the writers' turn for each round trip).
    let pid = match ctx.state.db.backend {
        Backend::Postgres => {
            let q = sqlx::query_scalar::<_, i64>(concat!(
                "WITH m AS (",
                move_measure!(),
                " RETURNING id) ",
                new_step!(),
                " SELECT ",
                step_values!(),
                " FROM m RETURNING id"
            ));
            bind!(q).fetch_optional(&mut *tx).await?
        }
        Backend::Sqlite => {
            let n = bind!(sqlx::query(move_measure!())).execute(&mut *tx).await?.rows_affected();
            platform::ledger::expect_one_updated(n)?;
            let q = sqlx::query_scalar::<_, i64>(concat!(new_step!(), " VALUES (", step_values!(), ") RETURNING id"));
            Some(bind!(q).fetch_one(&mut *tx).await?)
        }
    };
    let Some(pid) = pid else { return Err(AppError::stale()) };
    let detail = format!("{} 第{}项 {}", m.parent_title, m.number, label(PROGRESS_KINDS, i.kind));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok(i.kind, "measure", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(pid)
}

/// A new measure's fields, from the page form, the API or a spreadsheet row.
#[derive(Clone, Debug)]
pub struct MeasureInput {
    pub number: i64,
    pub problem: String,
    pub content: String,
    pub leader_id: Option<i64>,
    pub lead_unit_id: i64,
    pub partner_ids: Vec<i64>,
    pub deadline_kind: &'static str,
    pub deadline: Date,
}

/// Writes a measure under a plan or a batch (`parent` = ("plan" | "rect", id)); the caller has
/// checked the parent and that the people and departments belong to its prison.
pub async fn insert(
    ctx: &Ctx,
    tx: &mut Tx,
    parent: (&str, i64),
    unit_id: i64,
    year: i64,
    i: &MeasureInput,
) -> AppResult<i64> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let now = ctx.state.clock.now_ms();
    let (plan, rect) = if parent.0 == "plan" { (Some(parent.1), None) } else { (None, Some(parent.1)) };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO measures (plan_id, rectification_id, unit_id, year, number, problem, content, leader_id, lead_unit_id, \
         deadline_kind, deadline, created_on, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id",
    )
    .bind(plan)
    .bind(rect)
    .bind(unit_id)
    .bind(year)
    .bind(i.number)
    .bind(&i.problem)
    .bind(&i.content)
    .bind(i.leader_id)
    .bind(i.lead_unit_id)
    .bind(i.deadline_kind)
    .bind(i.deadline.to_string())
    .bind(today)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    for u in &i.partner_ids {
        if *u != i.lead_unit_id {
            sqlx::query("INSERT INTO measure_units (measure_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(*u)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(id)
}

/// Departments (by exact name) and people (by name, active, in the prison) of one prison, for
/// matching what a spreadsheet or a form names.
pub struct PrisonNames {
    pub prison_id: i64,
    pub units: std::collections::HashMap<String, i64>,
    pub people: std::collections::HashMap<String, Vec<i64>>,
}

impl PrisonNames {
    pub async fn load(ctx: &Ctx, prison_id: i64) -> AppResult<Self> {
        let units: Vec<(String, i64)> =
            sqlx::query_as("SELECT name, id FROM units WHERE prison_id = $1 AND kind = 'department'")
                .bind(prison_id)
                .fetch_all(&ctx.state.db.pool)
                .await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT p.name, p.id FROM people p JOIN units u ON u.id = p.unit_id \
             WHERE u.prison_id = $1 AND p.employment_status = 'active' ORDER BY p.id",
        )
        .bind(prison_id)
        .fetch_all(&ctx.state.db.pool)
        .await?;
        let mut people: std::collections::HashMap<String, Vec<i64>> = std::collections::HashMap::new();
        for (n, id) in rows {
            people.entry(n).or_default().push(id);
        }
        Ok(Self { prison_id, units: units.into_iter().collect(), people })
    }

    /// One person by name: unknown and ambiguous names are errors the user can act on.
    pub fn person(&self, name: &str) -> Result<i64, String> {
        match self.people.get(name.trim()).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some([]) | None => Err(format!("本监狱在职人员中没有“{}”", name.trim())),
            Some(many) => Err(format!("本监狱有 {} 位“{}”，请在系统中录入后指定", many.len(), name.trim())),
        }
    }

    pub fn unit(&self, name: &str) -> Result<i64, String> {
        self.units.get(name.trim()).copied().ok_or_else(|| format!("本监狱没有名为“{}”的部门", name.trim()))
    }

    /// 参加部门: names separated by 、，, ; / or spaces.
    pub fn units_list(&self, cell: &str) -> Result<Vec<i64>, String> {
        let mut out = Vec::new();
        for n in cell.split(['、', '，', ',', '；', ';', '/', ' ', '\n']).map(str::trim).filter(|n| !n.is_empty()) {
            let u = self.unit(n)?;
            if !out.contains(&u) {
                out.push(u);
            }
        }
        Ok(out)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct DeptRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub total: i64,
    pub done: i64,
    pub submitted: i64,
    pub overdue: i64,
    pub not_started: i64,
}

impl DeptRow {
    /// Whole percent done, rounded down.
    pub fn rate(&self) -> i64 {
        if self.total == 0 { 0 } else { self.done * 100 / self.total }
    }
}

/// The board's summary: per lead department, measures in total, done at `at`, waiting for
/// sign-off, overdue at `at` and not started; most overdue first. `kind` = "plan" | "rect" | "".
pub async fn by_department(ctx: &Ctx, at: Date, kind: &str, year: Option<i64>) -> AppResult<Vec<DeptRow>> {
    let user = ctx.user()?;
    // Counted per department first, then named: the province's 30,000 measures are counted in
    // the order of the year's index, without looking up each one's department (7 ms against 16).
    let mut q = Sql::new(
        "SELECT g.unit_id, lu.name AS unit_name, g.total, g.done, g.submitted, g.overdue, g.not_started \
         FROM (SELECT m.lead_unit_id AS unit_id, count(*) AS total, ",
    );
    q.push(&format!(
        "sum(CASE WHEN {done} THEN 1 ELSE 0 END) AS done, \
         sum(CASE WHEN m.status = 'submitted' THEN 1 ELSE 0 END) AS submitted, \
         sum({overdue}) AS overdue, sum(CASE WHEN m.status = 'not_started' THEN 1 ELSE 0 END) AS not_started ",
        done = done_at_sql(at),
        overdue = overdue_expr(at)
    ));
    q.push("FROM measures m WHERE m.created_on <= ").bind(at.to_string());
    match kind {
        "plan" => {
            q.push(" AND m.plan_id IS NOT NULL");
        }
        "rect" => {
            q.push(" AND m.rectification_id IS NOT NULL");
        }
        _ => {}
    }
    if let Some(y) = year {
        q.push(" AND m.year = ").bind(y);
    }
    q.push(" AND ");
    push_scope(&mut q, &user.scope);
    q.push(
        " GROUP BY m.lead_unit_id) g JOIN units lu ON lu.id = g.unit_id \
         ORDER BY g.overdue DESC, lu.sort_order, lu.name, g.unit_id",
    );
    Ok(q.fetch_fresh(&ctx.state.db).await?)
}
