//! 入监封闭执勤: a rotation (轮次) with its period and place, and who was in from when to when.
//! Person-times (人次) are derived, never typed: the stretches of one person that overlap (share
//! a day) are one stay, however many rosters list them; a stay counts in the period it began.

use crate::domain::*;
use crate::shared::{
    JsonBody, check_prison_people, ids, json_pairs, people_of_unit, period_of, prison_of, unit_in_scope,
    units_for_picking,
};
use crate::{SAFETY_EDIT, SAFETY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use office::Cell;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::{expect_one_updated, get_in_scope};
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx, CurrentUser};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(SAFETY_VIEW), Need::Perm(SAFETY_EDIT));
    r.get("/safety/epidemic/rosters", view, "入监封闭执勤（轮次与人次）", list_page)
        .get("/safety/epidemic/rosters/export", view, "导出封闭执勤人员名单", export)
        .get("/safety/epidemic/rosters/new", edit, "新增执勤轮次页", new_page)
        .post("/safety/epidemic/rosters", edit, "新增执勤轮次", create_page)
        .get("/safety/epidemic/rosters/{id}", view, "执勤轮次详情（人员、计入人次）", view_page)
        .get("/safety/epidemic/rosters/{id}/edit", edit, "修改执勤轮次页", edit_page)
        .post("/safety/epidemic/rosters/{id}", edit, "修改执勤轮次", update_page)
        .post("/safety/epidemic/rosters/{id}/delete", edit, "删除执勤轮次", delete_page)
        .post(
            "/safety/epidemic/rosters/{id}/entries",
            edit,
            "登记执勤人员（choose=1 为按单位列出人员）",
            add_entries_page,
        )
        .post("/safety/epidemic/rosters/{id}/entries/{entry}/delete", edit, "删除执勤人员", delete_entry_page)
        .get("/api/v1/epidemic_rosters", view, "执勤轮次列表（year, from, to, q）", api_list)
        .get(
            "/api/v1/epidemic_rosters/person_times",
            view,
            "封闭执勤人次（year 或 from, to）及所计的每一次执勤",
            api_person_times,
        )
        .post(
            "/api/v1/epidemic_rosters",
            edit,
            "新增执勤轮次（unit_id, title, place, from_on, to_on, note）",
            api_create,
        )
        .get("/api/v1/epidemic_rosters/{id}", view, "执勤轮次详情（含人员）", api_get)
        .put("/api/v1/epidemic_rosters/{id}", edit, "修改执勤轮次（另加 version）", api_update)
        .delete("/api/v1/epidemic_rosters/{id}", edit, "删除执勤轮次（连同人员）", api_delete)
        .post(
            "/api/v1/epidemic_rosters/{id}/entries",
            edit,
            "登记执勤人员（person_ids[], from_on, to_on）",
            api_add_entries,
        )
        .delete("/api/v1/epidemic_rosters/{id}/entries/{entry}", edit, "删除执勤人员", api_delete_entry)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Roster {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub place: String,
    pub from_on: String,
    pub to_on: String,
    pub note: String,
    pub entries: i64,
    pub version: i64,
}

const COLS: &str = "r.id, r.unit_id, u.name AS unit_name, r.title, r.place, r.from_on, r.to_on, r.note, \
    (SELECT count(*) FROM epidemic_roster_entries e WHERE e.roster_id = r.id) AS entries, r.version";
const FROM: &str = "FROM epidemic_rosters r JOIN units u ON u.id = r.unit_id";
pub const SORTS: &[(&str, &str)] = &[("from_on", "r.from_on"), ("unit", "u.sort_order")];

/// Filters: year, from, to (the rotation's start), q (title, place).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Roster>> {
    let user = ctx.user()?;
    let (from, to, text) = (p.get("from").to_string(), p.get("to").to_string(), p.get("q").to_string());
    let year = year_of(p.get("year"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "r.from_on DESC".into();
    }
    Ok(fetch_page::<Roster>(
        &ctx.state.db,
        COLS,
        "r.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "r.unit_id", None);
            if let Some(y) = year {
                q.push(" AND r.from_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND r.from_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND r.from_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND r.from_on <= ").bind(to.clone());
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (r.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR r.place LIKE ");
                q.bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Roster> {
    let select = format!("SELECT {COLS} {FROM}");
    get_in_scope(ctx, &select, "r.id", id, "r.unit_id", None, "epidemic_roster").await
}

/// The visible entries with, for each, the end of the same person's earlier overlapping
/// stretches (`prev_end`): an entry starting after it begins a new stay. Gaps and islands with a
/// window function, the same on both databases; dates are `YYYY-MM-DD` text, so they order as dates.
fn push_entries_with_prev_end(q: &mut Sql, user: &CurrentUser, to: &str) {
    q.push(
        "SELECT e.id, e.roster_id, e.person_id, e.from_on, e.to_on, p.name, pu.name AS unit_name, r.title, \
         max(e.to_on) OVER (PARTITION BY e.person_id ORDER BY e.from_on, e.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end \
         FROM epidemic_roster_entries e JOIN epidemic_rosters r ON r.id = e.roster_id JOIN people p ON p.id = e.person_id \
         JOIN units pu ON pu.id = p.unit_id WHERE ",
    );
    user.scope.push_condition(q, "r.unit_id", None);
    q.push(" AND e.from_on <= ").bind(to.to_string());
}

/// One person-time: the entry that began a stay (later overlapping entries of the same person
/// belong to it).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Stay {
    pub id: i64,
    pub roster_id: i64,
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub from_on: String,
    pub title: String,
}

/// The stays that began between `from` and `to`, in the caller's scope: their number is the
/// person-times.
pub async fn stays(ctx: &Ctx, from: &str, to: &str) -> AppResult<Vec<Stay>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT x.id, x.roster_id, x.person_id, x.name, x.unit_name, x.from_on, x.title FROM (");
    push_entries_with_prev_end(&mut q, user, to);
    q.push(") x WHERE (x.prev_end IS NULL OR x.from_on > x.prev_end) AND x.from_on >= ").bind(from.to_string());
    q.push(" ORDER BY x.from_on, x.id LIMIT 200000");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub from_on: String,
    pub to_on: String,
    /// 1 when this entry begins a stay (counted as a person-time); 0 when it overlaps an earlier
    /// stretch of the same person.
    pub counted: i64,
}

/// A roster's entries, each marked whether it counts as a person-time.
pub async fn entries(ctx: &Ctx, roster: &Roster) -> AppResult<Vec<Entry>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT x.id, x.person_id, x.name, x.unit_name, x.from_on, x.to_on, \
         CASE WHEN x.prev_end IS NULL OR x.from_on > x.prev_end THEN 1 ELSE 0 END AS counted FROM (",
    );
    push_entries_with_prev_end(&mut q, user, &roster.to_on);
    q.push(" AND e.person_id IN (SELECT person_id FROM epidemic_roster_entries WHERE roster_id = ").bind(roster.id);
    q.push(")) x WHERE x.roster_id = ").bind(roster.id);
    q.push(" ORDER BY x.unit_name, x.name, x.from_on, x.id LIMIT 5000");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

pub struct RosterInput {
    pub unit_id: Option<i64>,
    pub title: String,
    pub place: String,
    pub from_on: String,
    pub to_on: String,
    pub note: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs) -> AppResult<RosterInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "组织单位", &f.get("unit_id"));
    let title = c.text("title", "轮次名称", &f.get("title"), 100, true);
    let place = c.text("place", "执勤地点", &f.get("place"), 100, false);
    let from = c.date("from_on", "开始日期", &f.get("from_on"), true);
    let to = c.date("to_on", "结束日期", &f.get("to_on"), true);
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        c.add("to_on", "结束日期不能早于开始日期");
    }
    let note = c.long_text("note", "备注", &f.get("note"), 1000, false);
    c.finish()?;
    Ok(RosterInput {
        unit_id,
        title,
        place,
        from_on: from.map(|d| d.to_string()).unwrap_or_default(),
        to_on: to.map(|d| d.to_string()).unwrap_or_default(),
        note,
        version: f.get("version").trim().parse().ok(),
    })
}

pub async fn create(ctx: &Ctx, i: &RosterInput) -> AppResult<i64> {
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO epidemic_rosters (unit_id, title, place, from_on, to_on, note, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(unit)
    .bind(&i.title)
    .bind(&i.place)
    .bind(&i.from_on)
    .bind(&i.to_on)
    .bind(&i.note)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "epidemic_roster", id).detail(i.title.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &RosterInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    let mut tx = ctx.state.db.begin().await?;
    let outside: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM epidemic_roster_entries WHERE roster_id = $1 AND (from_on < $2 OR to_on > $3)",
    )
    .bind(id)
    .bind(&i.from_on)
    .bind(&i.to_on)
    .fetch_one(&mut *tx)
    .await?;
    if outside > 0 {
        return Err(AppError::field(
            "from_on",
            format!("有 {outside} 名执勤人员的执勤日期不在新的起止日期内，请先调整人员"),
        ));
    }
    let n = sqlx::query(
        "UPDATE epidemic_rosters SET unit_id = $1, title = $2, place = $3, from_on = $4, to_on = $5, note = $6, version = version + 1, \
         updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(unit)
    .bind(&i.title)
    .bind(&i.place)
    .bind(&i.from_on)
    .bind(&i.to_on)
    .bind(&i.note)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "epidemic_roster", id).detail(i.title.clone())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let r = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM epidemic_rosters WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{}（{} 人）", r.title, r.entries);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "epidemic_roster", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct EntriesInput {
    pub person_ids: Vec<i64>,
    pub from_on: String,
    pub to_on: String,
}

pub fn parse_entries(f: &FormPairs) -> AppResult<EntriesInput> {
    let mut c = FormCheck::new();
    let person_ids = ids(&mut c, f, "person_ids", "执勤人员", 2000);
    if person_ids.is_empty() && !c.errors.contains_key("person_ids") {
        c.add("person_ids", "请选择执勤人员");
    }
    let from = c.date("from_on", "进入日期", &f.get("from_on"), true);
    let to = c.date("to_on", "撤出日期", &f.get("to_on"), true);
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        c.add("to_on", "撤出日期不能早于进入日期");
    }
    c.finish()?;
    Ok(EntriesInput {
        person_ids,
        from_on: from.map(|d| d.to_string()).unwrap_or_default(),
        to_on: to.map(|d| d.to_string()).unwrap_or_default(),
    })
}

/// Adds people to a roster for a stretch within its period. A person already listed for exactly
/// these dates is not added twice.
pub async fn add_entries(ctx: &Ctx, id: i64, i: &EntriesInput) -> AppResult<usize> {
    let r = get(ctx, id).await?;
    if i.from_on < r.from_on || i.to_on > r.to_on {
        return Err(AppError::field("from_on", format!("执勤日期须在本轮 {} 至 {} 之内", r.from_on, r.to_on)));
    }
    let prison = prison_of(ctx, r.unit_id).await?;
    check_prison_people(ctx, prison, &i.person_ids, "person_ids", "执勤人员须为本监狱的在职人员").await?;
    let mut tx = ctx.state.db.begin().await?;
    let mut added = 0;
    for p in &i.person_ids {
        let n = sqlx::query(
            "INSERT INTO epidemic_roster_entries (roster_id, person_id, from_on, to_on) SELECT $1, $2, $3, $4 \
             WHERE NOT EXISTS (SELECT 1 FROM epidemic_roster_entries WHERE roster_id = $1 AND person_id = $2 AND from_on = $3 AND to_on = $4)",
        )
        .bind(id)
        .bind(*p)
        .bind(&i.from_on)
        .bind(&i.to_on)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        added += n as usize;
    }
    let detail = format!("{}：{} 人，{} 至 {}", r.title, added, i.from_on, i.to_on);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "epidemic_roster", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(added)
}

pub async fn delete_entry(ctx: &Ctx, id: i64, entry: i64) -> AppResult<()> {
    let r = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query("DELETE FROM epidemic_roster_entries WHERE id = $1 AND roster_id = $2")
        .bind(entry)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    let detail = format!("{}：删除执勤人员记录 {entry}", r.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "epidemic_roster", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "rosters_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Roster>,
    offset: i64,
    pager: Pager,
    export_q: String,
    year: i16,
    person_times: usize,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let year = year_of(p.get("year")).unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year());
    let person_times = stays(&ctx, &format!("{year}-01-01"), &format!("{year}-12-31")).await?.len();
    let ListScreen { frame, pager, offset, export_q } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/safety/epidemic/rosters",
        "入监封闭执勤",
        &[("安保维稳", ""), ("入监封闭执勤", "")],
    );
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        year,
        person_times,
        can_edit: ctx.can(SAFETY_EDIT),
    })
    .into_response())
}

/// Every entry of the filtered rotations, whether it counted as a person-time.
pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let page = list(&ctx, &p).await?;
    let mut rows = Vec::new();
    for r in page.items.iter().take(500) {
        for e in entries(&ctx, r).await? {
            rows.push(vec![
                Cell::from(r.title.clone()),
                Cell::from(r.place.clone()),
                Cell::from(e.name),
                Cell::from(e.unit_name),
                Cell::from(e.from_on),
                Cell::from(e.to_on),
                Cell::from(if e.counted == 1 { "是" } else { "否（与本人其他执勤时段重叠）" }),
            ]);
        }
    }
    let headers = ["轮次", "执勤地点", "姓名", "单位", "进入日期", "撤出日期", "计入人次"];
    platform::ledger::export_xlsx(&ctx, "封闭执勤人员", &headers, rows, &filters).await
}

#[derive(Template)]
#[template(path = "roster_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改执勤轮次" } else { "新增执勤轮次" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/epidemic/rosters",
        &[("安保维稳", ""), ("入监封闭执勤", "/safety/epidemic/rosters"), (title, "")],
    );
    let units = crate::shared::departments(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, id, f, errors, units })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock);
    let pairs = vec![
        ("unit_id".to_string(), ctx.user()?.unit_id.to_string()),
        ("from_on".to_string(), today.to_string()),
        ("to_on".to_string(), today.saturating_add(13.days()).to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/safety/epidemic/rosters/{id}"), "执勤轮次已新增，请登记执勤人员")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("unit_id".to_string(), r.unit_id.to_string()),
        ("title".to_string(), r.title),
        ("place".to_string(), r.place),
        ("from_on".to_string(), r.from_on),
        ("to_on".to_string(), r.to_on),
        ("note".to_string(), r.note),
        ("version".to_string(), r.version.to_string()),
    ]);
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/epidemic/rosters/{id}"), "执勤轮次已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "roster_view.html")]
struct ViewPage {
    frame: Frame,
    r: Roster,
    rows: Vec<Entry>,
    counted: usize,
    can_edit: bool,
    pick_units: Vec<(i64, String, i64)>,
    people: Vec<(i64, String, String)>,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let r = get(ctx, id).await?;
    let rows = entries(ctx, &r).await?;
    let counted = rows.iter().filter(|e| e.counted == 1).count();
    let can_edit = ctx.can(SAFETY_EDIT);
    let people = match f.get("pick_unit").trim().parse::<i64>() {
        Ok(u) if can_edit => people_of_unit(ctx, u).await?,
        _ => Vec::new(),
    };
    let pick_units = if can_edit { units_for_picking(ctx).await? } else { Vec::new() };
    let frame = Frame::new(
        ctx,
        &r.title,
        "/safety/epidemic/rosters",
        &[("安保维稳", ""), ("入监封闭执勤", "/safety/epidemic/rosters"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(ViewPage { frame, r, rows, counted, can_edit, pick_units, people, f, errors })).into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = get(&ctx, id).await?;
    let f = FormPairs::from(vec![("from_on".to_string(), r.from_on), ("to_on".to_string(), r.to_on)]);
    view(&ctx, id, f, FieldErrors::new()).await
}

async fn add_entries_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    if f.get("choose") == "1" {
        return view(&ctx, id, f, FieldErrors::new()).await;
    }
    let res = match parse_entries(&f) {
        Ok(i) => add_entries(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(n) => Ok(redirect_with_flash(&format!("/safety/epidemic/rosters/{id}"), &format!("已登记 {n} 名执勤人员"))),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_entry_page(ctx: Ctx, Path((id, entry)): Path<(i64, i64)>) -> AppResult<Response> {
    delete_entry(&ctx, id, entry).await?;
    Ok(redirect_with_flash(&format!("/safety/epidemic/rosters/{id}"), "已删除"))
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/safety/epidemic/rosters", "执勤轮次已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_person_times(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (from, to) = period_of(&ctx, &q.0)?;
    let items = stays(&ctx, &from, &to).await?;
    Ok(Json(serde_json::json!({ "from": from, "to": to, "person_times": items.len(), "items": items })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = get(&ctx, id).await?;
    let rows = entries(&ctx, &r).await?;
    let counted = rows.iter().filter(|e| e.counted == 1).count();
    Ok(Json(serde_json::json!({ "roster": r, "entries": rows, "person_times": counted })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?)?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse(&json_pairs(b)?)?;
    update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_add_entries(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse_entries(&json_pairs(b)?)?;
    let added = add_entries(&ctx, id, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "added": added }))).into_response())
}

async fn api_delete_entry(ctx: Ctx, Path((id, entry)): Path<(i64, i64)>) -> AppResult<Response> {
    delete_entry(&ctx, id, entry).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
