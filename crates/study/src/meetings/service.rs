//! Meetings: held by a Party organisation, with attendance taken from its members, agenda items in
//! order (a committee meeting's first is the 第一议题 study) and minutes as sanitised rich text.

use crate::domain::*;
use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::Sql;
use platform::registry::{BoxFuture, CardSource};
use platform::web::form::FormPairs;
use platform::web::{FormCheck, ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub unit_id: i64,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub start_time: String,
    pub place: String,
    pub host_id: Option<i64>,
    pub host_name: Option<String>,
    pub recorder_id: Option<i64>,
    pub recorder_name: Option<String>,
    pub minutes: String,
    pub present: i64,
    pub invited: i64,
    /// The first agenda item's kind ("" when there is none).
    pub first_kind: String,
    pub version: i64,
}

impl Meeting {
    pub fn kind_label(&self) -> &'static str {
        label(MEETING_KINDS, &self.kind)
    }
    /// 第一议题: a committee meeting must open with a study item.
    pub fn first_item_ok(&self) -> bool {
        self.kind != "committee_meeting" || self.first_kind == "study"
    }
    /// The minutes, cleaned again for showing with `|safe`.
    pub fn minutes_html(&self) -> String {
        platform::richtext::render(&self.minutes)
    }
}

const COLS: &str = "m.id, m.org_id, o.name AS org_name, m.unit_id, m.kind, m.title, m.held_on, m.start_time, m.place, \
    m.host_id, h.name AS host_name, m.recorder_id, r.name AS recorder_name, m.minutes, \
    (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id AND a.status <> 'absent') AS present, \
    (SELECT count(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS invited, \
    coalesce((SELECT g.kind FROM agenda_items g WHERE g.meeting_id = m.id ORDER BY g.position LIMIT 1), '') AS first_kind, m.version";
// `+m.org_id` keeps SQLite from starting at the organisations and reaching every meeting through
// meetings_org_day (then sorting them all for a page of ten): it walks meetings by day instead.
const FROM: &str = "FROM meetings m JOIN party_orgs o ON o.id = +m.org_id \
    LEFT JOIN people h ON h.id = m.host_id LEFT JOIN people r ON r.id = m.recorder_id";
pub const SORTS: &[(&str, &str)] = &[("held_on", "m.held_on"), ("org", "o.name")];

/// Filters: org, kind, from, to, first (=missing: committee meetings without the study item first).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Meeting>> {
    let user = ctx.user()?;
    let (org, kind, from, to) =
        (p.get_i64("org"), p.get("kind").to_string(), p.get("from").to_string(), p.get("to").to_string());
    let missing_first = p.get("first") == "missing";
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "m.held_on DESC".into();
    }
    Ok(fetch_page::<Meeting>(
        &ctx.state.db,
        COLS,
        "m.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "m.unit_id", None);
            if let Some(o) = org {
                q.push(" AND m.org_id = ").bind(o);
            }
            if !kind.is_empty() {
                q.push(" AND m.kind = ").bind(kind.clone());
            }
            if !from.is_empty() {
                q.push(" AND m.held_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND m.held_on <= ").bind(to.clone());
            }
            if missing_first {
                q.push(
                    " AND m.kind = 'committee_meeting' AND coalesce((SELECT g.kind FROM agenda_items g WHERE g.meeting_id = m.id \
                     ORDER BY g.position LIMIT 1), '') <> 'study'",
                );
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Meeting> {
    let select = format!("SELECT {COLS} {FROM}");
    platform::ledger::get_in_scope(ctx, &select, "m.id", id, "m.unit_id", None, "meeting").await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AgendaItem {
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub material_id: Option<i64>,
    pub material_title: Option<String>,
}

impl AgendaItem {
    pub fn kind_label(&self) -> &'static str {
        label(AGENDA_KINDS, &self.kind)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Attendance {
    pub person_id: i64,
    pub name: String,
    pub status: String,
    pub reason: String,
}

impl Attendance {
    pub fn status_label(&self) -> &'static str {
        label(ATTENDANCE, &self.status)
    }
}

pub async fn details(ctx: &Ctx, id: i64) -> AppResult<(Meeting, Vec<AgendaItem>, Vec<Attendance>)> {
    let m = get(ctx, id).await?;
    let agenda = sqlx::query_as(
        "SELECT g.position, g.kind, g.title, g.material_id, s.title AS material_title FROM agenda_items g \
         LEFT JOIN study_materials s ON s.id = g.material_id WHERE g.meeting_id = $1 ORDER BY g.position",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let attendance = sqlx::query_as(
        "SELECT a.person_id, p.name, a.status, a.reason FROM meeting_attendance a JOIN people p ON p.id = a.person_id \
         WHERE a.meeting_id = $1 ORDER BY a.status DESC, p.name LIMIT 2000",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    Ok((m, agenda, attendance))
}

/// Names and units of the given people within the caller's scope (for a form listing people who
/// are not, or no longer, under the chosen organisation).
pub async fn people_named(ctx: &Ctx, ids: &[i64]) -> AppResult<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id IN (");
    for (n, p) in ids.iter().take(2000).enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(*p);
    }
    q.push(") AND ");
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    q.push(" ORDER BY p.name");
    Ok(q.query_as::<(i64, String, String)>().fetch_all(&ctx.state.db.pool).await?)
}

/// What a meeting form posts: fields, `agenda_kind_N`/`agenda_title_N`/`agenda_material_N`, and
/// `att_<person id>` = present / late / absent with `reason_<person id>`.
pub struct MeetingInput {
    pub org_id: i64,
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub start_time: String,
    pub place: String,
    pub host_id: Option<i64>,
    pub recorder_id: Option<i64>,
    pub minutes: String,
    pub agenda: Vec<(String, String, Option<i64>)>,
    pub attendance: Vec<(i64, String, String)>,
    /// The version an edit started from (absent on create).
    pub version: Option<i64>,
}

pub const AGENDA_ROWS: usize = 8;

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<MeetingInput> {
    let mut c = FormCheck::new();
    let org_id = f.get("org_id").trim().parse::<i64>().ok();
    if org_id.is_none() {
        c.add("org_id", "请选择党组织");
    }
    let kind = c.choice("kind", "会议类型", &f.get("kind"), MEETING_KINDS);
    let title = c.text("title", "会议名称", &f.get("title"), 100, true);
    let held = c.date("held_on", "会议日期", &f.get("held_on"), true);
    if held.is_some_and(|d| d > today) {
        c.add("held_on", "会议日期不能晚于今天：这里记录已召开的会议");
    }
    let start_time = c.text("start_time", "开始时间", &f.get("start_time"), 5, false);
    if !start_time.is_empty() && start_time.parse::<jiff::civil::Time>().is_err() {
        c.add("start_time", "开始时间格式应为 09:30");
    }
    let place = c.text("place", "地点", &f.get("place"), 60, false);
    let minutes = c.rich_text("minutes", "会议记录", &f.get("minutes"), 100_000, false);
    let mut agenda = Vec::new();
    for i in 1..=AGENDA_ROWS {
        let t = f.get(&format!("agenda_title_{i}"));
        if t.trim().is_empty() {
            continue;
        }
        let title = c.text(&format!("agenda_title_{i}"), "议题", &t, 200, true);
        let k = c.choice(&format!("agenda_kind_{i}"), "议题类型", &f.get(&format!("agenda_kind_{i}")), AGENDA_KINDS);
        agenda.push((k, title, f.get(&format!("agenda_material_{i}")).trim().parse().ok()));
    }
    if agenda.is_empty() {
        c.add("agenda", "请至少填写一个议题");
    }
    let mut attendance = Vec::new();
    for (person, status) in f.prefixed("att_") {
        let Ok(pid) = person.parse::<i64>() else { continue };
        if !ATTENDANCE.iter().any(|(s, _)| *s == status) {
            continue;
        }
        let reason = c.text(&format!("reason_{pid}"), "缺席原因", &f.get(&format!("reason_{pid}")), 100, false);
        if status == "absent" && reason.is_empty() {
            c.add("attendance", "缺席人员须填写缺席原因");
        }
        attendance.push((pid, status, reason));
    }
    if attendance.is_empty() {
        c.add("attendance", "请登记参会人员");
    }
    c.finish()?;
    Ok(MeetingInput {
        org_id: org_id.unwrap_or_default(),
        kind,
        title,
        held_on: held.map(|d| d.to_string()).unwrap_or_default(),
        start_time,
        place,
        host_id: f.get("host_id").trim().parse().ok(),
        recorder_id: f.get("recorder_id").trim().parse().ok(),
        minutes,
        agenda,
        attendance,
        version: f.get("version").trim().parse().ok(),
    })
}

/// Checks what a meeting refers to: the organisation (its kind holds this kind of meeting, it
/// still existed that day), and that every attendee, the host and the recorder are people of the
/// organisation's own prison and in the caller's scope, and the materials exist.
async fn check_refs(ctx: &Ctx, i: &MeetingInput) -> AppResult<org::orgs::service::Org> {
    let org =
        org::orgs::service::get(ctx, i.org_id).await.map_err(|_| AppError::field("org_id", "请选择有效的党组织"))?;
    if org.dissolved_on.as_deref().is_some_and(|d| d <= i.held_on.as_str()) {
        return Err(AppError::field("org_id", "该党组织已撤销"));
    }
    if !held_by(&i.kind).contains(&org.kind.as_str()) {
        return Err(AppError::field("kind", format!("{}不召开{}", org.kind_label(), label(MEETING_KINDS, &i.kind))));
    }
    let prison: Option<i64> = sqlx::query_scalar("SELECT prison_id FROM units WHERE id = $1")
        .bind(org.unit_id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    let mut people: Vec<i64> = i.attendance.iter().map(|(p, ..)| *p).collect();
    people.extend(i.host_id);
    people.extend(i.recorder_id);
    people.sort_unstable();
    people.dedup();
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id IN (");
    for (n, p) in people.iter().enumerate() {
        if n > 0 {
            q.push(", ");
        }
        q.bind(*p);
    }
    q.push(") AND u.prison_id = ").bind(prison.unwrap_or(-1)).push(" AND ");
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    let found: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
    if found != people.len() as i64 {
        return Err(AppError::field("attendance", "参会人员须为本监狱、在您管理范围内的人员"));
    }
    for (_, _, material) in &i.agenda {
        if let Some(m) = material {
            crate::materials::get(ctx, *m).await.map_err(|_| AppError::field("agenda", "所选学习材料不存在"))?;
        }
    }
    Ok(org)
}

/// The agenda in order and the attendance, written fresh for a new or edited meeting.
async fn write_children(tx: &mut platform::db::Tx, id: i64, i: &MeetingInput) -> AppResult<()> {
    for (n, (kind, title, material)) in i.agenda.iter().enumerate() {
        sqlx::query(
            "INSERT INTO agenda_items (meeting_id, position, kind, title, material_id) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(id)
        .bind(n as i64 + 1)
        .bind(kind)
        .bind(title)
        .bind(*material)
        .execute(&mut **tx)
        .await?;
    }
    for (person, status, reason) in &i.attendance {
        sqlx::query("INSERT INTO meeting_attendance (meeting_id, person_id, status, reason) VALUES ($1,$2,$3,$4)")
            .bind(id)
            .bind(*person)
            .bind(status)
            .bind(reason)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Saves a meeting with its agenda and attendance in one transaction.
pub async fn create(ctx: &Ctx, i: &MeetingInput) -> AppResult<i64> {
    let org = check_refs(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO meetings (org_id, unit_id, kind, title, held_on, start_time, place, host_id, recorder_id, minutes, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id",
    )
    .bind(org.id)
    .bind(org.unit_id)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.start_time)
    .bind(&i.place)
    .bind(i.host_id)
    .bind(i.recorder_id)
    .bind(&i.minutes)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_children(&mut tx, id, i).await?;
    let detail = format!("{} {} {}", org.name, label(MEETING_KINDS, &i.kind), i.held_on);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "meeting", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an edit: the fields, and the agenda and attendance replaced as a whole, all or nothing;
/// someone else's edit in between is refused by the version.
pub async fn update(ctx: &Ctx, id: i64, i: &MeetingInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let org = check_refs(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE meetings SET org_id = $1, unit_id = $2, kind = $3, title = $4, held_on = $5, start_time = $6, place = $7, \
         host_id = $8, recorder_id = $9, minutes = $10, version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13",
    )
    .bind(org.id)
    .bind(org.unit_id)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.start_time)
    .bind(&i.place)
    .bind(i.host_id)
    .bind(i.recorder_id)
    .bind(&i.minutes)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    sqlx::query("DELETE FROM agenda_items WHERE meeting_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM meeting_attendance WHERE meeting_id = $1").bind(id).execute(&mut *tx).await?;
    write_children(&mut tx, id, i).await?;
    let detail = format!(
        "{} {} {} → {} {} {}",
        before.org_name,
        before.kind_label(),
        before.held_on,
        org.name,
        label(MEETING_KINDS, &i.kind),
        i.held_on
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "meeting", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let m = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM meetings WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {} {}", m.org_name, m.kind_label(), m.held_on);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "meeting", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct MeetingAttachments;

impl AttachmentOwner for MeetingAttachments {
    fn view_perm(&self) -> &'static str {
        crate::STUDY_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        crate::STUDY_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/study/meetings/{owner_id}")
    }
}

pub struct MeetingsThisMonth;

impl CardSource for MeetingsThisMonth {
    fn card<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Option<(String, String, String)>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(crate::STUDY_VIEW) {
                return Ok(None);
            }
            let today = platform::clock::today(&ctx.state.clock);
            let first = today.first_of_month().to_string();
            let mut q = Sql::new("SELECT count(*) FROM meetings m WHERE m.held_on >= ");
            q.bind(first.clone()).push(" AND ");
            user.scope.push_condition(&mut q, "m.unit_id", None);
            let n: i64 = q.fetch_fresh_scalar(&ctx.state.db).await?;
            Ok(Some(("本月会议".into(), n.to_string(), format!("/study/meetings?from={first}"))))
        })
    }
}
