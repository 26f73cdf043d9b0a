//! 应急演练 (岗位练兵): drills of a kind (防逃、消防、防暴 …) with their scenario, date and place,
//! the units and people taking part, the evaluation, and the problems found. The first problem
//! opens a rectification batch of 主体责任 (source 其他, "××演练发现问题整改") that the drill links
//! to; its problems are then tracked, reported and signed off on the 督办看板 like any other.

use crate::domain::*;
use crate::shared::{
    Pickable, check_people, departments, json_pairs, listed_people, orgs_for_picking, prison_departments, prison_of,
    unit_in_scope, units_for_picking,
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
use supervision::measures::service as ms;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(TRAINING_VIEW), Need::Perm(TRAINING_EDIT));
    r.get("/training/drills", view, "应急演练（含按类别统计）", list_page)
        .get("/training/drills/export", view, "导出应急演练", export)
        .get("/training/drills/new", edit, "登记应急演练页", new_page)
        .post("/training/drills", edit, "登记应急演练（choose=1 为按单位或党组织列出人员）", create_page)
        .get("/training/drills/{id}", view, "应急演练详情（含参演人员、发现问题与整改）", view_page)
        .get("/training/drills/{id}/edit", edit, "修改应急演练页", edit_page)
        .post("/training/drills/{id}", edit, "修改应急演练", update_page)
        .post("/training/drills/{id}/delete", edit, "删除应急演练", delete_page)
        .post("/training/drills/{id}/problems", edit, "登记演练发现的问题（转入整改）", problem_page)
        .get("/api/v1/drills", view, "应急演练列表（kind, year, from, to, unit, q）", api_list)
        .get("/api/v1/drills/by_kind", view, "按演练类别统计（year 或 from, to）：次数、发现问题、已销号", api_by_kind)
        .post(
            "/api/v1/drills",
            edit,
            "登记应急演练（unit_id, kind, title, scenario, held_on, place, commander, rating, evaluation, unit_ids[], \
             people: [{person_id, role}]）",
            api_create,
        )
        .get("/api/v1/drills/{id}", view, "应急演练详情（含参演单位、人员、发现问题）", api_get)
        .put("/api/v1/drills/{id}", edit, "修改应急演练（与登记相同的字段，另加 version；参演单位与人员整体替换）", api_update)
        .delete("/api/v1/drills/{id}", edit, "删除应急演练（已有整改问题的不能删除）", api_delete)
        .post(
            "/api/v1/drills/{id}/problems",
            edit,
            "登记演练发现的问题（problem, content, lead_unit_id, partner_ids[], deadline, leader_id；首个问题另需 approver_id）",
            api_problem,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Drill {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub title: String,
    pub scenario: String,
    pub held_on: String,
    pub place: String,
    pub commander: String,
    pub rating: String,
    pub evaluation: String,
    pub rectification_id: Option<i64>,
    pub people: i64,
    pub problems: i64,
    pub closed: i64,
    pub version: i64,
}

impl Drill {
    pub fn kind_label(&self) -> &'static str {
        label(DRILL_KINDS, &self.kind)
    }
    pub fn rating_label(&self) -> &'static str {
        label(DRILL_RATINGS, &self.rating)
    }
    pub fn rating_tag(&self) -> &'static str {
        match self.rating.as_str() {
            "excellent" | "good" => "green",
            "pass" => "blue",
            "fail" => "red",
            _ => "grey",
        }
    }
}

const COLS: &str = "d.id, d.unit_id, u.name AS unit_name, d.kind, d.title, d.scenario, d.held_on, d.place, d.commander, \
    d.rating, d.evaluation, d.rectification_id, (SELECT count(*) FROM drill_people x WHERE x.drill_id = d.id) AS people, \
    (SELECT count(*) FROM measures m WHERE m.rectification_id = d.rectification_id) AS problems, \
    (SELECT count(*) FROM measures m WHERE m.rectification_id = d.rectification_id AND m.status = 'done') AS closed, d.version";
const FROM: &str = "FROM drills d JOIN units u ON u.id = d.unit_id";
pub const SORTS: &[(&str, &str)] =
    &[("held_on", "d.held_on"), ("kind", "d.kind"), ("unit", "u.sort_order"), ("rating", "d.rating")];

/// Filters: kind, year, from, to, unit (organising or taking part), q (title, scenario, place),
/// problems (1 = with problems found).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Drill>> {
    let user = ctx.user()?;
    let (kind, from, to, text) =
        (p.get("kind").to_string(), p.get("from").to_string(), p.get("to").to_string(), p.get("q").to_string());
    let (year, unit, problems) = (year_of(p.get("year")), p.get_i64("unit"), p.get("problems") == "1");
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "d.held_on DESC".into();
    }
    Ok(fetch_page::<Drill>(
        &ctx.state.db,
        COLS,
        "d.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "d.unit_id", None);
            if !kind.is_empty() {
                q.push(" AND d.kind = ").bind(kind.clone());
            }
            if let Some(y) = year {
                q.push(" AND d.held_on >= ").bind(format!("{y}-01-01"));
                q.push(" AND d.held_on <= ").bind(format!("{y}-12-31"));
            }
            if !from.is_empty() {
                q.push(" AND d.held_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND d.held_on <= ").bind(to.clone());
            }
            if let Some(u) = unit {
                q.push(" AND (d.unit_id = ").bind(u);
                q.push(" OR EXISTS (SELECT 1 FROM drill_units du WHERE du.drill_id = d.id AND du.unit_id = ").bind(u);
                q.push("))");
            }
            if problems {
                q.push(" AND d.rectification_id IS NOT NULL");
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (d.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR d.scenario LIKE ");
                q.bind(like.clone()).push(" ESCAPE '\\' OR d.place LIKE ").bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

/// One drill in the caller's scope (a miss is audited and answered NotFound).
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Drill> {
    let select = format!("SELECT {COLS} {FROM}");
    get_in_scope(ctx, &select, "d.id", id, "d.unit_id", None, "drill").await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Participant {
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub role: String,
}

impl Participant {
    pub fn role_label(&self) -> &'static str {
        label(DRILL_ROLES, &self.role)
    }
}

/// The units (id, name) and people taking part.
pub async fn taking_part(ctx: &Ctx, id: i64) -> AppResult<(Vec<(i64, String)>, Vec<Participant>)> {
    let units = sqlx::query_as(
        "SELECT u.id, u.name FROM drill_units du JOIN units u ON u.id = du.unit_id WHERE du.drill_id = $1 ORDER BY u.sort_order, u.id",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let people = sqlx::query_as(
        "SELECT x.person_id, p.name, u.name AS unit_name, x.role FROM drill_people x JOIN people p ON p.id = x.person_id \
         JOIN units u ON u.id = p.unit_id WHERE x.drill_id = $1 \
         ORDER BY CASE x.role WHEN 'commander' THEN 0 WHEN 'participant' THEN 1 ELSE 2 END, u.sort_order, p.name LIMIT 5000",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    Ok((units, people))
}

/// The problems found (the measures of the drill's batch), for the drill's page.
pub async fn problems(ctx: &Ctx, d: &Drill) -> AppResult<Vec<ms::Measure>> {
    let Some(batch) = d.rectification_id else { return Ok(Vec::new()) };
    let mut raw = BTreeMap::new();
    raw.insert("rect".to_string(), batch.to_string());
    raw.insert("sort".to_string(), "number".to_string());
    raw.insert("per_page".to_string(), "200".to_string());
    Ok(ms::list(ctx, &ListParams::parse(raw, ms::SORTS, true)).await?.items)
}

/// A kind of drill with what was held of it in a period.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct KindRow {
    pub kind: String,
    pub drills: i64,
    pub problems: i64,
    pub closed: i64,
}

impl KindRow {
    pub fn kind_label(&self) -> &'static str {
        label(DRILL_KINDS, &self.kind)
    }
}

/// Drills by kind between two dates, in the caller's scope, with the problems they found and
/// those signed off by `to`.
pub async fn by_kind(ctx: &Ctx, from: &str, to: &str) -> AppResult<Vec<KindRow>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT d.kind, count(DISTINCT d.id) AS drills, count(m.id) AS problems, \
         sum(CASE WHEN m.status = 'done' AND m.done_on <= ",
    );
    q.bind(to.to_string()).push(
        " THEN 1 ELSE 0 END) AS closed FROM drills d LEFT JOIN measures m ON m.rectification_id = d.rectification_id \
         WHERE d.held_on >= ",
    );
    q.bind(from.to_string()).push(" AND d.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "d.unit_id", None);
    q.push(" GROUP BY d.kind");
    let rows: Vec<KindRow> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    Ok(DRILL_KINDS
        .iter()
        .map(|(k, _)| {
            rows.iter().find(|r| r.kind == *k).cloned().unwrap_or(KindRow {
                kind: k.to_string(),
                drills: 0,
                problems: 0,
                closed: 0,
            })
        })
        .collect())
}

/// What the drill form (and the API) posts; people as `role_<person id>`.
#[derive(Clone)]
pub struct DrillInput {
    pub unit_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub scenario: String,
    pub held_on: String,
    pub place: String,
    pub commander: String,
    pub rating: String,
    pub evaluation: String,
    pub unit_ids: Vec<i64>,
    pub people: Vec<(i64, String)>,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<DrillInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "组织部门", &f.get("unit_id"));
    let kind = c.choice("kind", "演练类别", &f.get("kind"), DRILL_KINDS);
    let title = c.text("title", "演练名称", &f.get("title"), 200, true);
    let scenario = c.long_text("scenario", "演练情景", &f.get("scenario"), 4000, true);
    let held = c.date("held_on", "演练日期", &f.get("held_on"), true);
    if held.is_some_and(|d| d > today) {
        c.add("held_on", "演练日期不能晚于今天：这里登记已组织的演练");
    }
    let place = c.text("place", "地点", &f.get("place"), 100, false);
    let commander = c.text("commander", "总指挥", &f.get("commander"), 50, false);
    let rating = c.choice("rating", "评估等次", &f.get("rating"), DRILL_RATINGS);
    let evaluation = c.long_text("evaluation", "演练评估", &f.get("evaluation"), 4000, false);
    if !rating.is_empty() && evaluation.is_empty() {
        c.add("evaluation", "评定等次的须填写演练评估");
    }
    let mut unit_ids = Vec::new();
    for raw in f.all("unit_ids", 200) {
        match raw.trim().parse::<i64>() {
            Ok(u) if !unit_ids.contains(&u) => unit_ids.push(u),
            Ok(_) => {}
            Err(_) => c.add("unit_ids", "请选择有效的参演单位"),
        }
    }
    let mut people = Vec::new();
    for (person, role) in f.prefixed("role_") {
        let Ok(pid) = person.trim().parse::<i64>() else {
            c.add("people", "参演人员编号有误");
            continue;
        };
        let role = role.trim().to_string();
        if role == "none" || role.is_empty() || people.iter().any(|(p, _)| *p == pid) {
            continue;
        }
        if !DRILL_ROLES.iter().any(|(r, _)| *r == role) {
            c.add("people", "参演人员的分工只能是参演、指挥或评估观摩");
            continue;
        }
        people.push((pid, role));
    }
    if unit_ids.is_empty() && people.is_empty() {
        c.add("unit_ids", "请选择参演单位或登记参演人员");
    }
    c.finish()?;
    Ok(DrillInput {
        unit_id,
        kind,
        title,
        scenario,
        held_on: held.map(|d| d.to_string()).unwrap_or_default(),
        place,
        commander,
        rating,
        evaluation,
        unit_ids,
        people,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The organising unit (in scope), the participating units (departments of its prison) and the
/// people (in scope).
async fn check_refs(ctx: &Ctx, i: &DrillInput) -> AppResult<(i64, String)> {
    let unit = unit_in_scope(ctx, i.unit_id).await?;
    let prison = prison_of(ctx, unit.0).await?;
    if !i.unit_ids.is_empty() {
        let mut q = Sql::new("SELECT count(*) FROM units WHERE kind = 'department' AND prison_id = ");
        q.bind(prison).push(" AND id IN (");
        for (n, u) in i.unit_ids.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.bind(*u);
        }
        q.push(")");
        let n: i64 = q.query_scalar().fetch_one(&ctx.state.db.pool).await?;
        if n != i.unit_ids.len() as i64 {
            return Err(AppError::field("unit_ids", "参演单位须为本监狱的部门"));
        }
    }
    let people: Vec<i64> = i.people.iter().map(|p| p.0).collect();
    check_people(ctx, &people, "people", "参演人员须为您管理范围内的人员").await?;
    Ok(unit)
}

async fn write_children(tx: &mut Tx, id: i64, i: &DrillInput) -> AppResult<()> {
    for u in &i.unit_ids {
        sqlx::query("INSERT INTO drill_units (drill_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*u)
            .execute(&mut **tx)
            .await?;
    }
    for (p, role) in &i.people {
        sqlx::query("INSERT INTO drill_people (drill_id, person_id, role) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(*p)
            .bind(role)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn create(ctx: &Ctx, i: &DrillInput) -> AppResult<i64> {
    let (unit, unit_name) = check_refs(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO drills (unit_id, kind, title, scenario, held_on, place, commander, rating, evaluation, created_by, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
    )
    .bind(unit)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.scenario)
    .bind(&i.held_on)
    .bind(&i.place)
    .bind(&i.commander)
    .bind(&i.rating)
    .bind(&i.evaluation)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_children(&mut tx, id, i).await?;
    let detail = format!(
        "{unit_name} {}演练 {} {}（{} 个单位，{} 人）",
        label(DRILL_KINDS, &i.kind),
        i.held_on,
        i.title,
        i.unit_ids.len(),
        i.people.len()
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "drill", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an edit (units and people replaced as a whole); refused on a stale version.
pub async fn update(ctx: &Ctx, id: i64, i: &DrillInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut input = i.clone();
    input.unit_id = i.unit_id.or(Some(before.unit_id));
    let (unit, unit_name) = check_refs(ctx, &input).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE drills SET unit_id = $1, kind = $2, title = $3, scenario = $4, held_on = $5, place = $6, commander = $7, \
         rating = $8, evaluation = $9, version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12",
    )
    .bind(unit)
    .bind(&i.kind)
    .bind(&i.title)
    .bind(&i.scenario)
    .bind(&i.held_on)
    .bind(&i.place)
    .bind(&i.commander)
    .bind(&i.rating)
    .bind(&i.evaluation)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    sqlx::query("DELETE FROM drill_units WHERE drill_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM drill_people WHERE drill_id = $1").bind(id).execute(&mut *tx).await?;
    write_children(&mut tx, id, i).await?;
    let detail = format!(
        "{} {}演练 {} {} → {unit_name} {}演练 {} {}，评估：{}",
        before.unit_name,
        before.kind_label(),
        before.held_on,
        before.title,
        label(DRILL_KINDS, &i.kind),
        i.held_on,
        i.title,
        label(DRILL_RATINGS, &i.rating)
    );
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "drill", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// A drill whose problems are under rectification stays (its batch points back to it).
pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let d = get(ctx, id).await?;
    if d.rectification_id.is_some() {
        return Err(AppError::Conflict("该演练发现的问题已转入整改，不能删除".into()));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM drill_units WHERE drill_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM drill_people WHERE drill_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM drills WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} {}演练 {} {}", d.unit_name, d.kind_label(), d.held_on, d.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "drill", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the caller may open and fill the rectification batch of a drill: batches belong to
/// the prison, so the caller's scope must cover the drill's prison.
pub async fn can_rectify(ctx: &Ctx, d: &Drill) -> AppResult<bool> {
    let user = ctx.user()?;
    if !user.can(TRAINING_EDIT) || user.prison_id.is_none() {
        return Ok(false);
    }
    let prison = prison_of(ctx, d.unit_id).await?;
    if user.prison_id != Some(prison) {
        return Ok(false);
    }
    let path: String =
        sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(prison).fetch_one(&ctx.state.db.pool).await?;
    Ok(user.scope.covers_unit(prison, &path))
}

/// Records a problem found by the drill: checked first, then the drill's batch is opened (the
/// first time, with the approver given) and linked, and the problem added to it with its
/// rectification, lead department and deadline. Returns the measure's id.
pub async fn add_problem(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<i64> {
    let d = get(ctx, id).await?;
    if !can_rectify(ctx, &d).await? {
        return Err(AppError::Forbidden);
    }
    let held: jiff::civil::Date =
        d.held_on.parse().map_err(|_| AppError::Internal(anyhow::anyhow!("drill {id}: bad date {}", d.held_on)))?;
    let next: i64 = match d.rectification_id {
        Some(b) => {
            sqlx::query_scalar("SELECT coalesce(max(number), 0) + 1 FROM measures WHERE rectification_id = $1")
                .bind(b)
                .fetch_one(&ctx.state.db.pool)
                .await?
        }
        None => 1,
    };
    let mut pairs: Vec<(String, String)> = ["problem", "content", "leader_id", "lead_unit_id", "deadline"]
        .iter()
        .map(|k| (k.to_string(), f.get(k)))
        .collect();
    pairs.extend(f.all("partner_ids", 50).into_iter().map(|p| ("partner_ids".to_string(), p)));
    pairs.push(("number".to_string(), next.to_string()));
    let pairs = FormPairs::from(pairs);
    // The same checks the batch page makes, before anything is opened.
    let mut errors = match supervision::plans::parse_measure(&pairs, held.year()) {
        Ok(_) => FieldErrors::new(),
        Err(AppError::Validation(e)) => e,
        Err(e) => return Err(e),
    };
    if f.get("problem").trim().is_empty() {
        errors.insert("problem".into(), "请输入发现的问题".into());
    }
    let approver = f.get("approver_id").trim().parse::<i64>().ok();
    if d.rectification_id.is_none() && approver.is_none() {
        errors.insert("approver_id".into(), "首次登记问题须选择审核销号人".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let batch = match (d.rectification_id, approver) {
        (Some(b), _) => b,
        (None, Some(approver)) => {
            let title = format!("{}发现问题整改", d.title);
            let b = supervision::rectifications::open_batch(ctx, "other", &title, held, approver).await?;
            let mut tx = ctx.state.db.begin().await?;
            let n = sqlx::query(
                "UPDATE drills SET rectification_id = $1, version = version + 1, updated_at = $2 \
                 WHERE id = $3 AND rectification_id IS NULL",
            )
            .bind(b)
            .bind(ctx.state.clock.now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            expect_one_updated(n)?;
            let detail = format!("{} 发现问题转入整改批次“{title}”", d.title);
            ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "drill", id).detail(detail)).await?;
            tx.commit().await?;
            b
        }
        (None, None) => return Err(AppError::field("approver_id", "首次登记问题须选择审核销号人")),
    };
    supervision::rectifications::add_problem(ctx, batch, &pairs).await
}

pub struct DrillAttachments;

impl AttachmentOwner for DrillAttachments {
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
        format!("/training/drills/{owner_id}")
    }
}

#[derive(Template)]
#[template(path = "drills_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Drill>,
    offset: i64,
    pager: Pager,
    kinds: Codes,
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
        ListScreen::new(&ctx, &p, &page, "/training/drills", "应急演练", &[("教育培训", ""), ("应急演练", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: DRILL_KINDS,
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
        "日期",
        "类别",
        "演练名称",
        "组织部门",
        "地点",
        "总指挥",
        "参演人数",
        "演练情景",
        "评估等次",
        "演练评估",
        "发现问题",
        "已销号",
    ];
    platform::ledger::export_list(
        &ctx,
        "应急演练",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |d| {
            vec![
                Cell::from(d.held_on.clone()),
                Cell::from(d.kind_label()),
                Cell::from(d.title.clone()),
                Cell::from(d.unit_name.clone()),
                Cell::from(d.place.clone()),
                Cell::from(d.commander.clone()),
                Cell::Int(d.people),
                Cell::from(d.scenario.clone()),
                Cell::from(d.rating_label()),
                Cell::from(d.evaluation.clone()),
                Cell::Int(d.problems),
                Cell::Int(d.closed),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "drill_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    depts: Vec<(i64, String)>,
    kinds: Codes,
    ratings: Codes,
    roles: Codes,
    pick_units: Vec<(i64, String, i64)>,
    pick_orgs: Vec<(i64, String)>,
    people: Vec<Pickable>,
    today: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改应急演练" } else { "登记应急演练" };
    let frame =
        Frame::new(ctx, title, "/training/drills", &[("教育培训", ""), ("应急演练", "/training/drills"), (title, "")]);
    let people = listed_people(ctx, &f, "role_").await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let units = departments(ctx).await?;
    let prison = match f.get("unit_id").trim().parse::<i64>() {
        // A unit that does not exist (a tampered form) lists no departments; the save refused it.
        Ok(u) => match prison_of(ctx, u).await {
            Ok(p) => Some(p),
            Err(AppError::Validation(_)) => None,
            Err(e) => return Err(e),
        },
        Err(_) => None,
    };
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            units,
            depts: prison_departments(ctx, prison).await?,
            kinds: DRILL_KINDS,
            ratings: DRILL_RATINGS,
            roles: DRILL_ROLES,
            pick_units: units_for_picking(ctx).await?,
            pick_orgs: orgs_for_picking(ctx).await?,
            people,
            today: platform::clock::today(&ctx.state.clock).to_string(),
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let user = ctx.user()?;
    let pairs = vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("kind".to_string(), q.get("kind").cloned().unwrap_or_else(|| "escape".into())),
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
        Ok(id) => Ok(redirect_with_flash(&format!("/training/drills/{id}"), "演练已登记，可登记发现的问题并上传附件")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let d = get(&ctx, id).await?;
    let (units, people) = taking_part(&ctx, id).await?;
    let mut pairs = vec![
        ("unit_id".to_string(), d.unit_id.to_string()),
        ("kind".to_string(), d.kind.clone()),
        ("title".to_string(), d.title.clone()),
        ("scenario".to_string(), d.scenario.clone()),
        ("held_on".to_string(), d.held_on.clone()),
        ("place".to_string(), d.place.clone()),
        ("commander".to_string(), d.commander.clone()),
        ("rating".to_string(), d.rating.clone()),
        ("evaluation".to_string(), d.evaluation.clone()),
        ("version".to_string(), d.version.to_string()),
    ];
    pairs.extend(units.iter().map(|(u, _)| ("unit_ids".to_string(), u.to_string())));
    pairs.extend(people.iter().map(|p| (format!("role_{}", p.person_id), p.role.clone())));
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
        Ok(()) => Ok(redirect_with_flash(&format!("/training/drills/{id}"), "演练已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "drill_view.html")]
struct ViewPage {
    frame: Frame,
    d: Drill,
    units: Vec<(i64, String)>,
    people: Vec<Participant>,
    rows: Vec<ms::Measure>,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
    can_rectify: bool,
    leaders: Vec<(i64, String)>,
    depts: Vec<(i64, String)>,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let d = get(ctx, id).await?;
    let (units, people) = taking_part(ctx, id).await?;
    let rows = problems(ctx, &d).await?;
    let files = platform::attachments::list_for(ctx, "drill", id).await?;
    let can_rectify = can_rectify(ctx, &d).await?;
    let (leaders, depts) = if can_rectify {
        (supervision::plans::leaders(ctx).await?, prison_departments(ctx, None).await?)
    } else {
        Default::default()
    };
    let frame = Frame::new(
        ctx,
        &d.title,
        "/training/drills",
        &[("教育培训", ""), ("应急演练", "/training/drills"), ("演练详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(ViewPage {
            frame,
            d,
            units,
            people,
            rows,
            files,
            can_edit: ctx.can(TRAINING_EDIT),
            can_rectify,
            leaders,
            depts,
            f,
            errors,
        }),
    )
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new()).await
}

async fn problem_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match add_problem(&ctx, id, &f).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/training/drills/{id}"), "问题已登记，转入整改督办")),
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/training/drills", "演练已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_by_kind(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (from, to) = crate::trainings::period_of(&ctx, &q.0)?;
    let items = by_kind(&ctx, &from, &to).await?;
    Ok(Json(serde_json::json!({ "from": from, "to": to, "items": items })).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let d = get(&ctx, id).await?;
    let (units, people) = taking_part(&ctx, id).await?;
    let rows = problems(&ctx, &d).await?;
    let files = platform::attachments::list_for(&ctx, "drill", id).await?;
    let units: Vec<_> = units.into_iter().map(|(id, name)| serde_json::json!({"id": id, "name": name})).collect();
    Ok(Json(
        serde_json::json!({ "drill": d, "units": units, "people": people, "problems": rows, "attachments": files }),
    )
    .into_response())
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

async fn api_problem(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = json_pairs(b)?;
    let mid = add_problem(&ctx, id, &f).await?;
    let batch = get(&ctx, id).await?.rectification_id;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": mid, "rectification_id": batch }))).into_response())
}
