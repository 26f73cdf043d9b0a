//! 普法活动 (table `legal_education`): activities by form (案例普法、漫画普法、答题普法 …) and by the
//! laws they cover (宪法、民法典、反有组织犯罪法、安全生产法 …), each of a unit, optionally for an
//! item of the year's plan, an 答题 activity optionally the exam (#7) people sat; audience,
//! attendance and materials; the by-law and by-form summary of a year.

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
use platform::db::{Sql, Tx, like_contains};
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
    r.get("/training/legal/activities", view, "普法活动（含按法律、按形式统计）", list_page)
        .get("/training/legal/activities/export", view, "导出普法活动", export)
        .get("/training/legal/activities/new", edit, "登记普法活动页", new_page)
        .post("/training/legal/activities", edit, "登记普法活动（choose=1 为按单位或党组织列出人员）", create_page)
        .get("/training/legal/activities/{id}", view, "普法活动详情（含出勤与附件）", view_page)
        .get("/training/legal/activities/{id}/edit", edit, "修改普法活动页", edit_page)
        .post("/training/legal/activities/{id}", edit, "修改普法活动", update_page)
        .post("/training/legal/activities/{id}/delete", edit, "删除普法活动", delete_page)
        .get(
            "/api/v1/legal_education",
            view,
            "普法活动列表（form, law, year, from, to, unit, item, plan, q）",
            api_list,
        )
        .get("/api/v1/legal_education/summary", view, "按法律、按形式统计普法活动（year 或 from, to）", api_summary)
        .post(
            "/api/v1/legal_education",
            edit,
            "登记普法活动（unit_id, form, laws[], title, held_on, place, organiser, audience, participants, exam_id, \
             plan_item_id, content, attendance: [{person_id, status, reason}]）",
            api_create,
        )
        .get("/api/v1/legal_education/{id}", view, "普法活动详情（含出勤与附件）", api_get)
        .put(
            "/api/v1/legal_education/{id}",
            edit,
            "修改普法活动（与登记相同的字段，另加 version；出勤整体替换）",
            api_update,
        )
        .delete("/api/v1/legal_education/{id}", edit, "删除普法活动", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub plan_item_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub plan_item: Option<String>,
    pub form: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub organiser: String,
    pub audience: String,
    pub participants: i64,
    pub exam_id: Option<i64>,
    pub exam_title: Option<String>,
    pub content: String,
    pub present: i64,
    pub invited: i64,
    pub version: i64,
    /// The laws covered (set after loading).
    #[sqlx(skip)]
    pub laws: Vec<String>,
}

impl Activity {
    pub fn form_label(&self) -> &'static str {
        label(LEGAL_FORMS, &self.form)
    }
    pub fn law_labels(&self) -> String {
        self.laws.iter().map(|l| label(LAWS, l)).collect::<Vec<_>>().join("、")
    }
    pub fn content_html(&self) -> String {
        platform::richtext::render(&self.content)
    }
}

const COLS: &str = "e.id, e.unit_id, u.name AS unit_name, e.plan_item_id, i.plan_id, \
    CASE WHEN i.id IS NULL THEN NULL ELSE CAST(lp.year AS TEXT) || '年 第' || CAST(i.number AS TEXT) || '项：' || i.content END AS plan_item, \
    e.form, e.title, e.held_on, e.place, e.organiser, e.audience, e.participants, e.exam_id, x.title AS exam_title, e.content, \
    (SELECT count(*) FROM legal_education_attendance a WHERE a.activity_id = e.id AND a.status <> 'absent') AS present, \
    (SELECT count(*) FROM legal_education_attendance a WHERE a.activity_id = e.id) AS invited, e.version";
const FROM: &str = "FROM legal_education e JOIN units u ON u.id = e.unit_id \
    LEFT JOIN legal_plan_items i ON i.id = e.plan_item_id LEFT JOIN legal_plans lp ON lp.id = i.plan_id \
    LEFT JOIN exams x ON x.id = e.exam_id";
pub const SORTS: &[(&str, &str)] =
    &[("held_on", "e.held_on"), ("form", "e.form"), ("participants", "e.participants"), ("unit", "u.sort_order")];

async fn with_laws(ctx: &Ctx, mut rows: Vec<Activity>) -> AppResult<Vec<Activity>> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let mut q = Sql::new("SELECT activity_id, law FROM legal_education_laws WHERE activity_id IN (");
    q.push_ids(rows.iter().map(|a| a.id));
    q.push(")");
    let laws: Vec<(i64, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    for a in &mut rows {
        a.laws = LAWS
            .iter()
            .filter(|(code, _)| laws.iter().any(|(id, l)| *id == a.id && l == code))
            .map(|(code, _)| code.to_string())
            .collect();
    }
    Ok(rows)
}

/// Filters: form, law, year, from, to, unit, item (plan item), plan, q (title, organiser,
/// audience).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Activity>> {
    let user = ctx.user()?;
    let (form, law, from, to, text) = (
        p.get("form").to_string(),
        p.get("law").to_string(),
        p.get("from").to_string(),
        p.get("to").to_string(),
        p.get("q").to_string(),
    );
    let (year, unit, item, plan) = (year_of(p.get("year")), p.get_i64("unit"), p.get_i64("item"), p.get_i64("plan"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "e.held_on DESC".into();
    }
    let page = fetch_page::<Activity>(
        &ctx.state.db,
        COLS,
        "e.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "e.unit_id", None);
            if !form.is_empty() {
                q.push(" AND e.form = ").bind(form.clone());
            }
            if !law.is_empty() {
                q.push(" AND EXISTS (SELECT 1 FROM legal_education_laws l WHERE l.activity_id = e.id AND l.law = ");
                q.bind(law.clone()).push(")");
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
            if let Some(u) = unit {
                q.push(" AND e.unit_id = ").bind(u);
            }
            if let Some(i) = item {
                q.push(" AND e.plan_item_id = ").bind(i);
            }
            if let Some(pl) = plan {
                q.push(" AND i.plan_id = ").bind(pl);
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (e.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR e.organiser LIKE ");
                q.bind(like.clone()).push(" ESCAPE '\\' OR e.audience LIKE ").bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?;
    let items = with_laws(ctx, page.items).await?;
    Ok(Paged { items, total: page.total, page: page.page, per_page: page.per_page })
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Activity> {
    let select = format!("SELECT {COLS} {FROM}");
    let a: Activity = get_in_scope(ctx, &select, "e.id", id, "e.unit_id", None, "legal_education").await?;
    with_laws(ctx, vec![a]).await?.into_iter().next().ok_or(AppError::NotFound)
}

/// A law or form with how many activities (in the caller's scope) covered it in a period.
#[derive(Clone, Debug, Serialize)]
pub struct CountRow {
    pub code: &'static str,
    pub label: &'static str,
    pub activities: i64,
}

/// Activities by law and by form between two dates.
pub async fn summary(ctx: &Ctx, from: &str, to: &str) -> AppResult<(Vec<CountRow>, Vec<CountRow>)> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT l.law, count(*) FROM legal_education_laws l JOIN legal_education e ON e.id = l.activity_id WHERE e.held_on >= ",
    );
    q.bind(from.to_string()).push(" AND e.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "e.unit_id", None);
    q.push(" GROUP BY l.law");
    let by_law: Vec<(String, i64)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let mut q = Sql::new("SELECT e.form, count(*) FROM legal_education e WHERE e.held_on >= ");
    q.bind(from.to_string()).push(" AND e.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "e.unit_id", None);
    q.push(" GROUP BY e.form");
    let by_form: Vec<(String, i64)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let rows = |codes: Codes, counts: &[(String, i64)]| {
        codes
            .iter()
            .map(|(code, label)| CountRow {
                code,
                label,
                activities: counts.iter().find(|(c, _)| c == code).map(|(_, n)| *n).unwrap_or(0),
            })
            .collect::<Vec<_>>()
    };
    Ok((rows(LAWS, &by_law), rows(LEGAL_FORMS, &by_form)))
}

#[derive(Clone)]
pub struct ActivityInput {
    pub unit_id: Option<i64>,
    pub form: String,
    pub laws: Vec<String>,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub organiser: String,
    pub audience: String,
    pub participants: i64,
    pub exam_id: Option<i64>,
    pub plan_item_id: Option<i64>,
    pub content: String,
    pub attendance: Vec<(i64, String, String)>,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<ActivityInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "主办部门", &f.get("unit_id"));
    let form = c.choice("form", "普法形式", &f.get("form"), LEGAL_FORMS);
    let mut laws: Vec<String> = Vec::new();
    for l in f.all("laws", 20) {
        let l = l.trim().to_string();
        if !LAWS.iter().any(|(code, _)| *code == l) {
            c.add("laws", "请选择有效的法律");
        } else if !laws.contains(&l) {
            laws.push(l);
        }
    }
    if laws.is_empty() && !c.errors.contains_key("laws") {
        c.add("laws", "请至少选择一部宣传的法律");
    }
    let title = c.text("title", "活动名称", &f.get("title"), 200, true);
    let held = c.date("held_on", "活动日期", &f.get("held_on"), true);
    if held.is_some_and(|d| d > today) {
        c.add("held_on", "活动日期不能晚于今天：这里登记已开展的活动");
    }
    let place = c.text("place", "地点", &f.get("place"), 100, false);
    let organiser = c.text("organiser", "组织者", &f.get("organiser"), 100, false);
    let audience = c.text("audience", "参加对象", &f.get("audience"), 200, false);
    let participants = c.int("participants", "参加人数", &f.get("participants"), 0, 100_000);
    let exam_id = c.opt_id("exam_id", "考试", &f.get("exam_id"));
    if exam_id.is_some() && form != "quiz" {
        c.add("exam_id", "只有答题普法可以关联考试");
    }
    let plan_item_id = c.opt_id("plan_item_id", "计划事项", &f.get("plan_item_id"));
    let content = c.rich_text("content", "活动内容", &f.get("content"), 100_000, false);
    let attendance = parse_attendance(&mut c, f);
    c.finish()?;
    // With attendance taken, the number taking part is the number who attended.
    let present = attendance.iter().filter(|a| a.1 != "absent").count() as i64;
    Ok(ActivityInput {
        unit_id,
        form,
        laws,
        title,
        held_on: held.map(|d| d.to_string()).unwrap_or_default(),
        place,
        organiser,
        audience,
        participants: if attendance.is_empty() { participants } else { present },
        exam_id,
        plan_item_id,
        content,
        attendance,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The unit (in scope), the exam (one the caller's scope holds), the plan item (visible) and the
/// attendees (in scope).
async fn check_refs(ctx: &Ctx, i: &ActivityInput) -> AppResult<(i64, String)> {
    let unit = unit_in_scope(ctx, i.unit_id).await?;
    let user = ctx.user()?;
    if let Some(x) = i.exam_id {
        let mut q = Sql::new("SELECT count(*) FROM exams x WHERE x.id = ");
        q.bind(x).push(" AND ");
        user.scope.push_condition(&mut q, "x.unit_id", None);
        let n: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
        if n == 0 {
            return Err(AppError::field("exam_id", "请选择您管理范围内已发布的考试"));
        }
    }
    if let Some(item) = i.plan_item_id {
        crate::legal_plans::get_item(ctx, item)
            .await
            .map_err(|_| AppError::field("plan_item_id", "请选择您可见的普法计划事项"))?;
    }
    let people: Vec<i64> = i.attendance.iter().map(|a| a.0).collect();
    check_people(ctx, &people, "attendance", "参加人员须为您管理范围内的人员").await?;
    Ok(unit)
}

async fn write_children(tx: &mut Tx, id: i64, i: &ActivityInput) -> AppResult<()> {
    for l in &i.laws {
        sqlx::query("INSERT INTO legal_education_laws (activity_id, law) VALUES ($1, $2)")
            .bind(id)
            .bind(l)
            .execute(&mut **tx)
            .await?;
    }
    write_attendance(tx, "legal_education_attendance", "activity_id", id, &i.attendance).await
}

fn law_names(laws: &[String]) -> String {
    laws.iter().map(|l| label(LAWS, l)).collect::<Vec<_>>().join("、")
}

pub async fn create(ctx: &Ctx, i: &ActivityInput) -> AppResult<i64> {
    let (unit, unit_name) = check_refs(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO legal_education (unit_id, plan_item_id, form, title, held_on, place, organiser, audience, participants, \
         exam_id, content, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id",
    )
    .bind(unit)
    .bind(i.plan_item_id)
    .bind(&i.form)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.place)
    .bind(&i.organiser)
    .bind(&i.audience)
    .bind(i.participants)
    .bind(i.exam_id)
    .bind(&i.content)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_children(&mut tx, id, i).await?;
    let detail =
        format!("{unit_name} {} {} {}（{}）", label(LEGAL_FORMS, &i.form), i.held_on, i.title, law_names(&i.laws));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "legal_education", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &ActivityInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut input = i.clone();
    input.unit_id = i.unit_id.or(Some(before.unit_id));
    let (unit, unit_name) = check_refs(ctx, &input).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE legal_education SET unit_id = $1, plan_item_id = $2, form = $3, title = $4, held_on = $5, place = $6, \
         organiser = $7, audience = $8, participants = $9, exam_id = $10, content = $11, version = version + 1, updated_at = $12 \
         WHERE id = $13 AND version = $14",
    )
    .bind(unit)
    .bind(i.plan_item_id)
    .bind(&i.form)
    .bind(&i.title)
    .bind(&i.held_on)
    .bind(&i.place)
    .bind(&i.organiser)
    .bind(&i.audience)
    .bind(i.participants)
    .bind(i.exam_id)
    .bind(&i.content)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    sqlx::query("DELETE FROM legal_education_laws WHERE activity_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM legal_education_attendance WHERE activity_id = $1").bind(id).execute(&mut *tx).await?;
    write_children(&mut tx, id, i).await?;
    let detail = format!(
        "{} {} {} {}（{}）→ {unit_name} {} {} {}（{}）",
        before.unit_name,
        before.form_label(),
        before.held_on,
        before.title,
        before.law_labels(),
        label(LEGAL_FORMS, &i.form),
        i.held_on,
        i.title,
        law_names(&i.laws)
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "legal_education", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let a = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM legal_education_laws WHERE activity_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM legal_education_attendance WHERE activity_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM legal_education WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {} {} {}", a.unit_name, a.form_label(), a.held_on, a.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "legal_education", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct ActivityAttachments;

impl AttachmentOwner for ActivityAttachments {
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
        format!("/training/legal/activities/{owner_id}")
    }
}

/// Exams in the caller's scope, latest first, for linking an 答题普法 activity: (id, title).
async fn exams_for_linking(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT x.id, x.title FROM exams x WHERE ");
    user.scope.push_condition(&mut q, "x.unit_id", None);
    q.push(" ORDER BY x.opens_at DESC, x.id DESC LIMIT 100");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

#[derive(Template)]
#[template(path = "legal_activities_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Activity>,
    offset: i64,
    pager: Pager,
    forms: Codes,
    laws: Codes,
    year: i16,
    by_law: Vec<CountRow>,
    by_form: Vec<CountRow>,
    can_edit: bool,
    export_q: String,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let year = year_of(p.get("year")).unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year());
    let (by_law, by_form) = summary(&ctx, &format!("{year}-01-01"), &format!("{year}-12-31")).await?;
    let ListScreen { frame, pager, offset, export_q } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/training/legal/activities",
        "普法活动",
        &[("教育培训", ""), ("普法活动", "")],
    );
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        forms: LEGAL_FORMS,
        laws: LAWS,
        year,
        by_law,
        by_form,
        can_edit: ctx.can(TRAINING_EDIT),
        export_q,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = [
        "日期",
        "形式",
        "法律",
        "活动名称",
        "主办部门",
        "组织者",
        "参加对象",
        "参加人数",
        "计划事项",
        "关联考试",
        "活动内容",
    ];
    platform::ledger::export_list(
        &ctx,
        "普法活动",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |a| {
            vec![
                Cell::from(a.held_on.clone()),
                Cell::from(a.form_label()),
                Cell::from(a.law_labels()),
                Cell::from(a.title.clone()),
                Cell::from(a.unit_name.clone()),
                Cell::from(a.organiser.clone()),
                Cell::from(a.audience.clone()),
                Cell::Int(a.participants),
                Cell::from(a.plan_item.clone()),
                Cell::from(a.exam_title.clone()),
                Cell::from(platform::richtext::to_text(&a.content)),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "legal_activity_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    forms: Codes,
    laws: Codes,
    exams: Vec<(i64, String)>,
    items: Vec<(i64, String)>,
    pick_units: Vec<(i64, String, i64)>,
    pick_orgs: Vec<(i64, String)>,
    people: Vec<Pickable>,
    today: String,
    content: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改普法活动" } else { "登记普法活动" };
    let frame = Frame::new(
        ctx,
        title,
        "/training/legal/activities",
        &[("教育培训", ""), ("普法活动", "/training/legal/activities"), (title, "")],
    );
    let people = listed_people(ctx, &f, "att_").await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let content = platform::richtext::clean(&f.get("content"));
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units: departments(ctx).await?,
            forms: LEGAL_FORMS,
            laws: LAWS,
            exams: exams_for_linking(ctx).await?,
            items: crate::legal_plans::items_for_linking(ctx).await?,
            pick_units: units_for_picking(ctx).await?,
            pick_orgs: orgs_for_picking(ctx).await?,
            people,
            today: platform::clock::today(&ctx.state.clock).to_string(),
            content,
        }),
    )
        .into_response())
}

/// `form`, `law` and `item` in the query preset the form.
async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let user = ctx.user()?;
    let mut pairs = vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("form".to_string(), q.get("form").cloned().unwrap_or_else(|| "case".into())),
        ("held_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
        ("plan_item_id".to_string(), q.get("item").cloned().unwrap_or_default()),
        ("participants".to_string(), "0".to_string()),
    ];
    if let Some(l) = q.get("law") {
        pairs.push(("laws".to_string(), l.clone()));
    }
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
        Ok(id) => Ok(redirect_with_flash(&format!("/training/legal/activities/{id}"), "普法活动已登记，可上传附件")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = get(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), a.unit_id.to_string()),
        ("form".to_string(), a.form.clone()),
        ("title".to_string(), a.title.clone()),
        ("held_on".to_string(), a.held_on.clone()),
        ("place".to_string(), a.place.clone()),
        ("organiser".to_string(), a.organiser.clone()),
        ("audience".to_string(), a.audience.clone()),
        ("participants".to_string(), a.participants.to_string()),
        ("exam_id".to_string(), a.exam_id.map(|x| x.to_string()).unwrap_or_default()),
        ("plan_item_id".to_string(), a.plan_item_id.map(|x| x.to_string()).unwrap_or_default()),
        ("content".to_string(), a.content_html()),
        ("version".to_string(), a.version.to_string()),
    ];
    pairs.extend(a.laws.iter().map(|l| ("laws".to_string(), l.clone())));
    for x in attendees(&ctx, "legal_education_attendance", "activity_id", id).await? {
        pairs.push((format!("att_{}", x.person_id), x.status.clone()));
        pairs.push((format!("reason_{}", x.person_id), x.reason.clone()));
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
        Ok(()) => Ok(redirect_with_flash(&format!("/training/legal/activities/{id}"), "普法活动已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "legal_activity_view.html")]
struct ViewPage {
    frame: Frame,
    a: Activity,
    attendance: Vec<Attendee>,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = get(&ctx, id).await?;
    let attendance = attendees(&ctx, "legal_education_attendance", "activity_id", id).await?;
    let files = platform::attachments::list_for(&ctx, "legal_education", id).await?;
    let frame = Frame::new(
        &ctx,
        &a.title,
        "/training/legal/activities",
        &[("教育培训", ""), ("普法活动", "/training/legal/activities"), ("活动详情", "")],
    );
    Ok(Html(ViewPage { frame, a, attendance, files, can_edit: ctx.can(TRAINING_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/training/legal/activities", "普法活动已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_summary(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (from, to) = crate::trainings::period_of(&ctx, &q.0)?;
    let (by_law, by_form) = summary(&ctx, &from, &to).await?;
    Ok(Json(serde_json::json!({ "from": from, "to": to, "by_law": by_law, "by_form": by_form })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = get(&ctx, id).await?;
    let attendance = attendees(&ctx, "legal_education_attendance", "activity_id", id).await?;
    let files = platform::attachments::list_for(&ctx, "legal_education", id).await?;
    Ok(Json(serde_json::json!({ "activity": a, "attendance": attendance, "attachments": files })).into_response())
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
