//! 安全检查: an inspection of a kind (the special production-safety checks, the six custody keys,
//! the ideology front), by a unit, of a place or another unit, on a date, by inspectors; its
//! checklist is the kind's template copied when it is made, each item answered 符合 / 存在问题 /
//! 不适用. Hazards found are registered from the inspection and tracked in `hazards`.

use crate::domain::*;
use crate::shared::{
    JsonBody, callers_prison, check_prison_people, ids, json_pairs, past_date, period_of, prison_departments,
    prison_of, prison_people, unit_in_scope,
};
use crate::{SAFETY_EDIT, SAFETY_VIEW};
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
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::registry::BoxFuture;
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
    r.get("/safety/inspections", view, "安全检查（含按类别统计）", list_page)
        .get("/safety/inspections/export", view, "导出安全检查", export)
        .get("/safety/inspections/new", edit, "登记安全检查页（kind）", new_page)
        .post("/safety/inspections", edit, "登记安全检查（choose=1 为按类别载入检查项目）", create_page)
        .get("/safety/inspections/{id}", view, "安全检查详情（含检查结果和发现的隐患）", view_page)
        .get("/safety/inspections/{id}/edit", edit, "修改安全检查页", edit_page)
        .post("/safety/inspections/{id}", edit, "修改安全检查", update_page)
        .post("/safety/inspections/{id}/delete", edit, "删除安全检查（未登记隐患的）", delete_page)
        .post("/safety/inspections/{id}/hazards", edit, "登记检查发现的隐患", crate::hazards::add_from_inspection_page)
        .get("/api/v1/inspections", view, "安全检查列表（kind, group, year, from, to, unit, q）", api_list)
        .get(
            "/api/v1/inspections/by_kind",
            view,
            "按检查类别统计（year 或 from, to）：检查次数、问题项、隐患",
            api_by_kind,
        )
        .post(
            "/api/v1/inspections",
            edit,
            "登记安全检查（unit_id, target_unit_id, kind, inspected_on, place, summary, inspector_ids[], \
             results: [{position, result, note}]，position 为该类别启用检查项目的顺序号，从 1 起）",
            api_create,
        )
        .get("/api/v1/inspections/{id}", view, "安全检查详情（含检查结果和隐患）", api_get)
        .put(
            "/api/v1/inspections/{id}",
            edit,
            "修改安全检查（另加 version；检查项目不变，结果按 position 填写）",
            api_update,
        )
        .delete("/api/v1/inspections/{id}", edit, "删除安全检查（未登记隐患的）", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Inspection {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub target_unit_id: Option<i64>,
    pub target_name: Option<String>,
    pub kind: String,
    pub inspected_on: String,
    pub place: String,
    pub summary: String,
    pub inspectors: String,
    pub items: i64,
    pub problems: i64,
    pub hazards: i64,
    pub hazards_closed: i64,
    pub version: i64,
}

impl Inspection {
    pub fn kind_label(&self) -> &'static str {
        label(INSPECTION_KINDS, &self.kind)
    }
    pub fn group(&self) -> &'static str {
        kind_group(&self.kind)
    }
}

const COLS: &str = "i.id, i.unit_id, u.name AS unit_name, i.target_unit_id, t.name AS target_name, i.kind, i.inspected_on, i.place, \
    i.summary, coalesce((SELECT string_agg(p.name, '、') FROM inspection_inspectors x JOIN people p ON p.id = x.person_id \
    WHERE x.inspection_id = i.id), '') AS inspectors, \
    (SELECT count(*) FROM inspection_results r WHERE r.inspection_id = i.id) AS items, \
    (SELECT count(*) FROM inspection_results r WHERE r.inspection_id = i.id AND r.result = 'problem') AS problems, \
    (SELECT count(*) FROM hazards h WHERE h.inspection_id = i.id) AS hazards, \
    (SELECT count(*) FROM hazards h WHERE h.inspection_id = i.id AND h.status = 'closed') AS hazards_closed, i.version";
const FROM: &str = "FROM inspections i JOIN units u ON u.id = i.unit_id LEFT JOIN units t ON t.id = i.target_unit_id";
pub const SORTS: &[(&str, &str)] = &[("inspected_on", "i.inspected_on"), ("kind", "i.kind"), ("unit", "u.sort_order")];

/// The organising unit or the inspected unit in scope.
pub fn push_scope(q: &mut Sql, user: &CurrentUser) {
    q.push("(");
    user.scope.push_condition(q, "i.unit_id", None);
    q.push(" OR (i.target_unit_id IS NOT NULL AND ");
    user.scope.push_condition(q, "i.target_unit_id", None);
    q.push("))");
}

/// Filters: kind, group (production | custody | ideology), year, from, to, unit (organising or
/// inspected), q (place, summary).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Inspection>> {
    let user = ctx.user()?;
    let (kind, group, from, to, text) = (
        p.get("kind").to_string(),
        p.get("group").to_string(),
        p.get("from").to_string(),
        p.get("to").to_string(),
        p.get("q").to_string(),
    );
    let (year, unit) = (year_of(p.get("year")), p.get_i64("unit"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "i.inspected_on DESC".into();
    }
    Ok(fetch_page::<Inspection>(
        &ctx.state.db,
        COLS,
        "i.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_scope(q, user);
            if !kind.is_empty() {
                q.push(" AND i.kind = ").bind(kind.clone());
            }
            if let Some(g) = group_sql(&group, "i.kind") {
                q.push(" AND ").push(&g);
            }
            if let Some(y) = year {
                q.push(" AND i.inspected_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND i.inspected_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND i.inspected_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND i.inspected_on <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND (i.unit_id = ").bind(u).push(" OR i.target_unit_id = ").bind(u).push(")");
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (i.place LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR i.summary LIKE ");
                q.bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

/// One inspection in the caller's scope (a miss is audited and answered NotFound).
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Inspection> {
    let user = ctx.user()?;
    let mut q = Sql::new(&format!("SELECT {COLS} {FROM} WHERE i.id = "));
    q.bind(id).push(" AND ");
    push_scope(&mut q, user);
    match q.query_as::<Inspection>().fetch_optional(&ctx.state.db.pool).await? {
        Some(i) => Ok(i),
        None => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "inspection", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ResultRow {
    pub position: i64,
    pub item: String,
    pub result: String,
    pub note: String,
}

impl ResultRow {
    pub fn result_label(&self) -> &'static str {
        label(CHECK_RESULTS, &self.result)
    }
    pub fn result_tag(&self) -> &'static str {
        match self.result.as_str() {
            "ok" => "green",
            "problem" => "red",
            _ => "grey",
        }
    }
}

pub async fn results(ctx: &Ctx, id: i64) -> AppResult<Vec<ResultRow>> {
    Ok(sqlx::query_as(
        "SELECT position, item, result, note FROM inspection_results WHERE inspection_id = $1 ORDER BY position LIMIT 500",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

async fn inspector_ids(ctx: &Ctx, id: i64) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT person_id FROM inspection_inspectors WHERE inspection_id = $1 ORDER BY person_id")
        .bind(id)
        .fetch_all(&ctx.state.db.pool)
        .await?)
}

/// Inspections of each kind in a period, with the items found wanting and the hazards found and
/// signed off (by `to`).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct KindRow {
    pub kind: String,
    pub inspections: i64,
    pub problems: i64,
    pub hazards: i64,
    pub closed: i64,
}

impl KindRow {
    pub fn kind_label(&self) -> &'static str {
        label(INSPECTION_KINDS, &self.kind)
    }
    pub fn group(&self) -> &'static str {
        kind_group(&self.kind)
    }
}

pub async fn by_kind(ctx: &Ctx, from: &str, to: &str) -> AppResult<Vec<KindRow>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT i.kind, count(*) AS inspections, \
         CAST(coalesce(sum((SELECT count(*) FROM inspection_results r WHERE r.inspection_id = i.id AND r.result = 'problem')), 0) AS BIGINT) AS problems, \
         CAST(coalesce(sum((SELECT count(*) FROM hazards h WHERE h.inspection_id = i.id)), 0) AS BIGINT) AS hazards, \
         CAST(coalesce(sum((SELECT count(*) FROM hazards h WHERE h.inspection_id = i.id AND h.status = 'closed' AND h.closed_on <= ",
    );
    q.bind(to.to_string()).push(")), 0) AS BIGINT) AS closed FROM inspections i WHERE i.inspected_on >= ");
    q.bind(from.to_string()).push(" AND i.inspected_on <= ").bind(to.to_string()).push(" AND ");
    push_scope(&mut q, user);
    q.push(" GROUP BY i.kind");
    let rows: Vec<KindRow> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    Ok(INSPECTION_KINDS
        .iter()
        .map(|(k, _)| {
            rows.iter().find(|r| r.kind == *k).cloned().unwrap_or(KindRow {
                kind: k.to_string(),
                inspections: 0,
                problems: 0,
                hazards: 0,
                closed: 0,
            })
        })
        .collect())
}

pub struct InspectionInput {
    pub unit_id: Option<i64>,
    pub target_unit_id: Option<i64>,
    pub kind: String,
    pub inspected_on: String,
    pub place: String,
    pub summary: String,
    pub inspector_ids: Vec<i64>,
    /// (position, result, note) for positions 1..
    pub results: Vec<(i64, String, String)>,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<InspectionInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "检查单位", &f.get("unit_id"));
    let target_unit_id = c.opt_id("target_unit_id", "被检查单位", &f.get("target_unit_id"));
    let kind = c.choice("kind", "检查类别", &f.get("kind"), INSPECTION_KINDS);
    let day = past_date(&mut c, f, "inspected_on", "检查日期", true, today);
    let place = c.text("place", "检查地点", &f.get("place"), 100, true);
    let summary = c.long_text("summary", "检查情况", &f.get("summary"), 4000, false);
    let inspector_ids = ids(&mut c, f, "inspector_ids", "检查人员", 50);
    if inspector_ids.is_empty() && !c.errors.contains_key("inspector_ids") {
        c.add("inspector_ids", "请选择检查人员");
    }
    let mut results: Vec<(i64, String, String)> = Vec::new();
    for (pos, result) in f.prefixed("res_") {
        let Ok(pos) = pos.trim().parse::<i64>() else {
            c.add("results", "检查项目序号有误");
            continue;
        };
        if results.iter().any(|(p, ..)| *p == pos) {
            continue;
        }
        let result = result.trim().to_string();
        if !CHECK_RESULTS.iter().any(|(r, _)| *r == result) {
            c.add("results", "每个检查项目须选择符合、存在问题或不适用");
            continue;
        }
        let note = c.text("results", "说明", &f.get(&format!("note_{pos}")), 200, false);
        if result == "problem" && note.is_empty() {
            c.add("results", "存在问题的检查项目须填写问题说明");
        }
        results.push((pos, result, note));
    }
    results.sort_by_key(|r| r.0);
    c.finish()?;
    Ok(InspectionInput {
        unit_id,
        target_unit_id,
        kind,
        inspected_on: day.map(|d| d.to_string()).unwrap_or_default(),
        place,
        summary,
        inspector_ids,
        results,
        version: f.get("version").trim().parse().ok(),
    })
}

/// Every position 1..=n answered, and nothing else.
fn check_complete(results: &[(i64, String, String)], n: usize) -> AppResult<()> {
    if n == 0 {
        return Err(AppError::field("kind", "该类别尚未设置检查项目，请先在“检查项目模板”中维护"));
    }
    let positions: Vec<i64> = results.iter().map(|r| r.0).collect();
    if positions != (1..=n as i64).collect::<Vec<_>>() {
        return Err(AppError::field("results", format!("请逐项填写全部 {n} 个检查项目的检查结果")));
    }
    Ok(())
}

/// The organising unit in scope; the inspected unit a department of the same prison; the
/// inspectors people of that prison.
async fn check_refs(ctx: &Ctx, i: &InspectionInput) -> AppResult<i64> {
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    let prison = prison_of(ctx, unit).await?;
    if let Some(t) = i.target_unit_id {
        let ok: i64 =
            sqlx::query_scalar("SELECT count(*) FROM units WHERE id = $1 AND prison_id = $2 AND kind = 'department'")
                .bind(t)
                .bind(prison)
                .fetch_one(&ctx.state.db.pool)
                .await?;
        if ok == 0 {
            return Err(AppError::field("target_unit_id", "被检查单位须为本监狱的部门"));
        }
    }
    check_prison_people(ctx, prison, &i.inspector_ids, "inspector_ids", "检查人员须为本监狱的在职人员").await?;
    Ok(unit)
}

async fn write_inspectors(tx: &mut Tx, id: i64, people: &[i64]) -> AppResult<()> {
    sqlx::query("DELETE FROM inspection_inspectors WHERE inspection_id = $1").bind(id).execute(&mut **tx).await?;
    for p in people {
        sqlx::query("INSERT INTO inspection_inspectors (inspection_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*p)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Creates an inspection whose checklist is the kind's active template items, in order.
pub async fn create(ctx: &Ctx, i: &InspectionInput) -> AppResult<i64> {
    let unit = check_refs(ctx, i).await?;
    let items = crate::templates::items(ctx, &i.kind, false).await?;
    check_complete(&i.results, items.len())?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inspections (unit_id, target_unit_id, kind, inspected_on, place, summary, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(unit)
    .bind(i.target_unit_id)
    .bind(&i.kind)
    .bind(&i.inspected_on)
    .bind(&i.place)
    .bind(&i.summary)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for ((pos, result, note), item) in i.results.iter().zip(&items) {
        sqlx::query(
            "INSERT INTO inspection_results (inspection_id, position, item, result, note) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(id)
        .bind(*pos)
        .bind(&item.item)
        .bind(result)
        .bind(note)
        .execute(&mut *tx)
        .await?;
    }
    write_inspectors(&mut tx, id, &i.inspector_ids).await?;
    let detail = format!("{} {} {}", i.inspected_on, label(INSPECTION_KINDS, &i.kind), i.place);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "inspection", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The kind and the checklist's items stay; the answers, people, date and place may change.
pub async fn update(ctx: &Ctx, id: i64, i: &InspectionInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    if i.kind != before.kind {
        return Err(AppError::field("kind", "检查类别登记后不能修改"));
    }
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check_refs(ctx, i).await?;
    check_complete(&i.results, before.items as usize)?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE inspections SET unit_id = $1, target_unit_id = $2, inspected_on = $3, place = $4, summary = $5, version = version + 1, \
         updated_at = $6 WHERE id = $7 AND version = $8",
    )
    .bind(unit)
    .bind(i.target_unit_id)
    .bind(&i.inspected_on)
    .bind(&i.place)
    .bind(&i.summary)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    for (pos, result, note) in &i.results {
        sqlx::query("UPDATE inspection_results SET result = $1, note = $2 WHERE inspection_id = $3 AND position = $4")
            .bind(result)
            .bind(note)
            .bind(id)
            .bind(*pos)
            .execute(&mut *tx)
            .await?;
    }
    write_inspectors(&mut tx, id, &i.inspector_ids).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "inspection", id).detail(before.inspected_on)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let i = get(ctx, id).await?;
    if i.hazards > 0 {
        return Err(AppError::Conflict("该检查已登记隐患，不能删除".into()));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM inspections WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {}", i.inspected_on, i.kind_label());
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "inspection", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct InspectionAttachments;

impl AttachmentOwner for InspectionAttachments {
    fn view_perm(&self) -> &'static str {
        SAFETY_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        SAFETY_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/safety/inspections/{owner_id}")
    }
}

#[derive(Template)]
#[template(path = "inspections_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Inspection>,
    offset: i64,
    pager: Pager,
    export_q: String,
    kinds: Codes,
    groups: Codes,
    year: i16,
    summary: Vec<KindRow>,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let year = year_of(p.get("year")).unwrap_or_else(|| platform::clock::today(&ctx.state.clock).year());
    let summary = by_kind(&ctx, &format!("{year}-01-01"), &format!("{year}-12-31")).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/safety/inspections", "安全检查", &[("安保维稳", ""), ("安全检查", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        kinds: INSPECTION_KINDS,
        groups: KIND_GROUPS,
        year,
        summary,
        can_edit: ctx.can(SAFETY_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = [
        "检查日期",
        "类别",
        "检查类别",
        "检查单位",
        "被检查单位",
        "检查地点",
        "检查人员",
        "检查项目数",
        "存在问题项",
        "发现隐患",
        "已销号",
        "检查情况",
    ];
    platform::ledger::export_list(
        &ctx,
        "安全检查",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |i| {
            vec![
                Cell::from(i.inspected_on.clone()),
                Cell::from(i.group()),
                Cell::from(i.kind_label()),
                Cell::from(i.unit_name.clone()),
                Cell::from(i.target_name.clone().unwrap_or_default()),
                Cell::from(i.place.clone()),
                Cell::from(i.inspectors.clone()),
                Cell::Int(i.items),
                Cell::Int(i.problems),
                Cell::Int(i.hazards),
                Cell::Int(i.hazards_closed),
                Cell::from(i.summary.clone()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "inspection_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    depts: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    kinds: Codes,
    results: Codes,
    /// (position, item) of the checklist being filled.
    items: Vec<(i64, String)>,
    today: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改安全检查" } else { "登记安全检查" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/inspections",
        &[("安保维稳", ""), ("安全检查", "/safety/inspections"), (title, "")],
    );
    let items: Vec<(i64, String)> = match id {
        Some(id) => results(ctx, id).await?.into_iter().map(|r| (r.position, r.item)).collect(),
        None => crate::templates::items(ctx, &f.get("kind"), false)
            .await?
            .into_iter()
            .enumerate()
            .map(|(n, i)| (n as i64 + 1, i.item))
            .collect(),
    };
    let prison = callers_prison(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units: crate::shared::departments(ctx).await?,
            depts: prison_departments(ctx, prison).await?,
            people: prison_people(ctx, prison).await?,
            kinds: INSPECTION_KINDS,
            results: CHECK_RESULTS,
            items,
            today: platform::clock::today(&ctx.state.clock).to_string(),
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let kind = q
        .get("kind")
        .filter(|k| INSPECTION_KINDS.iter().any(|(c, _)| c == k))
        .cloned()
        .unwrap_or_else(|| "fire".into());
    let pairs = vec![
        ("unit_id".to_string(), ctx.user()?.unit_id.to_string()),
        ("kind".to_string(), kind),
        ("inspected_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
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
        Ok(id) => Ok(redirect_with_flash(&format!("/safety/inspections/{id}"), "检查已登记，可登记发现的隐患")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let i = get(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), i.unit_id.to_string()),
        ("target_unit_id".to_string(), i.target_unit_id.map(|t| t.to_string()).unwrap_or_default()),
        ("kind".to_string(), i.kind.clone()),
        ("inspected_on".to_string(), i.inspected_on.clone()),
        ("place".to_string(), i.place.clone()),
        ("summary".to_string(), i.summary.clone()),
        ("version".to_string(), i.version.to_string()),
    ];
    pairs.extend(inspector_ids(&ctx, id).await?.into_iter().map(|p| ("inspector_ids".to_string(), p.to_string())));
    for r in results(&ctx, id).await? {
        pairs.push((format!("res_{}", r.position), r.result));
        pairs.push((format!("note_{}", r.position), r.note));
    }
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/inspections/{id}"), "检查已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "inspection_view.html")]
struct ViewPage {
    frame: Frame,
    i: Inspection,
    results: Vec<ResultRow>,
    hazards: Vec<crate::hazards::Hazard>,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
    can_add: bool,
    depts: Vec<(i64, String)>,
    levels: Codes,
    f: FormPairs,
    errors: FieldErrors,
}

/// The inspection's page, with the form for a hazard found (re-shown with its errors).
pub async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let i = get(ctx, id).await?;
    let results = results(ctx, id).await?;
    let hazards = crate::hazards::of_inspection(ctx, id).await?;
    let files = platform::attachments::list_for(ctx, "inspection", id).await?;
    let can_add = crate::hazards::may_register(ctx, &i).await?;
    let depts = if can_add { prison_departments(ctx, prison_of(ctx, i.unit_id).await?).await? } else { Vec::new() };
    let frame = Frame::new(
        ctx,
        &format!("{}检查 {}", i.kind_label(), i.inspected_on),
        "/safety/inspections",
        &[("安保维稳", ""), ("安全检查", "/safety/inspections"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(ViewPage {
            frame,
            i,
            results,
            hazards,
            files,
            can_edit: ctx.can(SAFETY_EDIT),
            can_add,
            depts,
            levels: HAZARD_LEVELS,
            f,
            errors,
        }),
    )
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let i = get(&ctx, id).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let f = FormPairs::from(vec![
        ("place".to_string(), i.place.clone()),
        ("level".to_string(), "general".to_string()),
        ("unit_id".to_string(), i.target_unit_id.unwrap_or(i.unit_id).to_string()),
        ("deadline".to_string(), today.saturating_add(jiff::ToSpan::days(15)).to_string()),
    ]);
    view(&ctx, id, f, FieldErrors::new()).await
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/safety/inspections", "检查已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_by_kind(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (from, to) = period_of(&ctx, &q.0)?;
    let items = by_kind(&ctx, &from, &to).await?;
    Ok(Json(serde_json::json!({ "from": from, "to": to, "items": items })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let i = get(&ctx, id).await?;
    let results = results(&ctx, id).await?;
    let hazards = crate::hazards::of_inspection(&ctx, id).await?;
    let inspectors = inspector_ids(&ctx, id).await?;
    Ok(Json(
        serde_json::json!({ "inspection": i, "results": results, "hazards": hazards, "inspector_ids": inspectors }),
    )
    .into_response())
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
