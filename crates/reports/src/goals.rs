//! 目标体系: goal frameworks as a tree — framework (省局“八大工程”, 本监“1425”工作目标, “六大建设”)
//! → goals → indicators. An indicator is measured by a figure of the catalogue against a target
//! (不低于 / 不高于); it may name a compliance rule of 学习与会议, and measures of 主体责任 link to it.
//! Its value for a year is the figure computed for that year in the reader's scope, so it is
//! traceable like every figure; it is red when its target is missed, a linked measure is overdue
//! or its rule has missed periods.
//!
//! A node belongs to a unit (the prison, or the bureau for the bureau's frameworks). It is read
//! where its unit is in the reader's scope or is above the reader's own unit (a prison reads the
//! bureau's 八大工程), and changed only where its unit is in the editor's scope.

use crate::FIGURE_VIEW;
use crate::catalogue::{Ask, compute_value};
use crate::svg;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use platform::audit::Event;
use platform::codes::{Codes, label};
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::figures::FigureArgs;
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::{FormCheck, Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub const GOAL_EDIT: &str = "goal:edit";

pub const KINDS: Codes = &[("framework", "目标体系"), ("goal", "目标"), ("indicator", "指标")];
pub const COMPARISONS: Codes = &[("at_least", "不低于"), ("at_most", "不高于")];

/// How deep a tree may go (framework = 1).
const MAX_DEPTH: usize = 5;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(FIGURE_VIEW), Need::Perm(GOAL_EDIT));
    r.get("/goals", view, "目标体系（year）", tree_page)
        .get("/goals/export", view, "导出目标体系及指标完成情况", export)
        .get("/goals/new", edit, "新增目标页（parent）", new_page)
        .post("/goals", edit, "新增目标体系、目标或指标", create_page)
        .get("/goals/{id}", view, "目标或指标详情（year）", node_page)
        .get("/goals/{id}/edit", edit, "修改目标页", edit_page)
        .post("/goals/{id}", edit, "修改目标", update_page)
        .post("/goals/{id}/delete", edit, "删除目标", delete_page)
        .post("/goals/{id}/measures", edit, "关联督办事项", link_page)
        .post("/goals/{id}/measures/{measure}/delete", edit, "取消关联督办事项", unlink_page)
        .get("/api/v1/goals", view, "目标体系及各指标本年度数值（year）", api_tree)
        .post(
            "/api/v1/goals",
            edit,
            "新增目标（parent_id, kind, name, description, sort_order, figure_key, target, comparison, rule_code）",
            api_create,
        )
        .get("/api/v1/goals/{id}", view, "目标详情、历年趋势与关联事项（year）", api_get)
        .put("/api/v1/goals/{id}", edit, "修改目标（另加 version）", api_update)
        .delete("/api/v1/goals/{id}", edit, "删除目标（须无下级）", api_delete)
        .post("/api/v1/goals/{id}/measures", edit, "关联督办事项（measure_id）", api_link)
        .delete("/api/v1/goals/{id}/measures/{measure}", edit, "取消关联督办事项", api_unlink)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Node {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub sort_order: i64,
    pub figure_key: Option<String>,
    pub target: Option<i64>,
    pub comparison: String,
    pub rule_code: Option<String>,
    pub version: i64,
}

impl Node {
    pub fn kind_label(&self) -> &'static str {
        label(KINDS, &self.kind)
    }
    pub fn target_text(&self) -> String {
        match self.target {
            Some(t) => format!("{}{t}", label(COMPARISONS, &self.comparison)),
            None => String::new(),
        }
    }
}

const COLS: &str = "g.id, g.unit_id, u.name AS unit_name, g.parent_id, g.kind, g.name, g.description, g.sort_order, \
                    g.figure_key, g.target, g.comparison, g.rule_code, g.version";

/// Readable: the node's unit is in scope, or is the reader's own unit or above it.
fn push_readable(q: &mut Sql, ctx: &Ctx) -> AppResult<()> {
    let user = ctx.user()?;
    q.push("(");
    user.scope.push_condition(q, "g.unit_id", None);
    q.push(" OR ").bind(user.unit_path.clone()).push(" LIKE (u.path || '%'))");
    Ok(())
}

async fn nodes(ctx: &Ctx) -> AppResult<Vec<Node>> {
    let mut q = Sql::new(&format!("SELECT {COLS} FROM goal_nodes g JOIN units u ON u.id = g.unit_id WHERE "));
    push_readable(&mut q, ctx)?;
    q.push(" ORDER BY g.sort_order, g.id");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Node> {
    let mut q = Sql::new(&format!("SELECT {COLS} FROM goal_nodes g JOIN units u ON u.id = g.unit_id WHERE g.id = "));
    q.bind(id).push(" AND ");
    push_readable(&mut q, ctx)?;
    q.query_as().fetch_optional(&ctx.state.db.pool).await?.ok_or(AppError::NotFound)
}

/// A node the caller may change: readable, and its unit in the caller's scope.
async fn editable(ctx: &Ctx, id: i64) -> AppResult<Node> {
    let n = get(ctx, id).await?;
    if !may_edit(ctx, &n).await? {
        return Err(AppError::Forbidden);
    }
    Ok(n)
}

async fn may_edit(ctx: &Ctx, n: &Node) -> AppResult<bool> {
    Ok(editable_units(ctx, &[n.unit_id]).await?.contains(&n.unit_id))
}

/// Which of these units the caller may change goals of: with the right, those in scope.
async fn editable_units(ctx: &Ctx, units: &[i64]) -> AppResult<std::collections::HashSet<i64>> {
    let user = ctx.user()?;
    if !ctx.can(GOAL_EDIT) || units.is_empty() {
        return Ok(Default::default());
    }
    let mut q = Sql::new("SELECT g.id FROM units g WHERE g.id IN (");
    q.push_ids(units.iter().copied()).push(") AND ");
    user.scope.push_condition(&mut q, "g.id", None);
    Ok(q.query_scalar().fetch_all(&ctx.state.db.pool).await?.into_iter().collect())
}

/// The year asked for (default this year) as a period: 1 January to 31 December, or to today
/// for this year. A future year is refused.
pub fn year_period(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<(i16, Date, Date)> {
    let today = platform::clock::today(&ctx.state.clock);
    let year = match q.get("year").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => today.year(),
        Some(v) => match v.parse::<i16>() {
            Ok(y) if (2000..=today.year()).contains(&y) => y,
            _ => return Err(AppError::BadRequest(format!("年度须为 2000 至 {} 之间的年份", today.year()))),
        },
    };
    Ok((year, Date::new(year, 1, 1).unwrap_or(today), Date::new(year, 12, 31).unwrap_or(today).min(today)))
}

/// An indicator's state for a period.
#[derive(Clone, Debug, Serialize)]
pub struct Reading {
    pub figure_name: String,
    /// None: no figure, or one the reader may not see.
    pub value: Option<i64>,
    pub value_text: String,
    pub value_href: String,
    pub status: &'static str,
    pub tag: &'static str,
    pub measures: i64,
    pub overdue_measures: i64,
    pub rule_name: String,
    pub rule_missed: Option<i64>,
    pub rule_href: String,
    pub red: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub node: Node,
    pub depth: usize,
    pub has_children: bool,
    pub reading: Option<Reading>,
    /// Whether the reader may change this node (its unit is in the reader's scope).
    pub editable: bool,
}

fn figure_href(key: &str, from: Date, to: Date) -> String {
    format!("/reports/figures/{key}?from={from}&to={to}")
}

/// Linked measures per indicator: (count, overdue at `at`), in the reader's scope.
async fn measure_counts(ctx: &Ctx, ids: &[i64], at: Date) -> AppResult<HashMap<i64, (i64, i64)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let user = ctx.user()?;
    let mut q = Sql::new(&format!(
        "SELECT l.indicator_id, count(*), CAST(coalesce(sum({}), 0) AS BIGINT) FROM measure_goal_links l \
         JOIN measures m ON m.id = l.measure_id WHERE l.indicator_id IN (",
        supervision::measures::service::overdue_expr(at)
    ));
    q.push_ids(ids.iter().copied()).push(") AND ");
    supervision::measures::service::push_scope(&mut q, &user.scope);
    q.push(" GROUP BY l.indicator_id");
    let rows: Vec<(i64, i64, i64)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    Ok(rows.into_iter().map(|(id, n, o)| (id, (n, o))).collect())
}

/// Reads every indicator among `nodes` for the period; rules are read once each.
async fn readings(ctx: &Ctx, nodes: &[Node], from: Date, to: Date) -> AppResult<HashMap<i64, Reading>> {
    let today = platform::clock::today(&ctx.state.clock);
    let indicators: Vec<&Node> = nodes.iter().filter(|n| n.kind == "indicator").collect();
    let ids: Vec<i64> = indicators.iter().map(|n| n.id).collect();
    let counts = measure_counts(ctx, &ids, to).await?;
    let mut rules: HashMap<String, (String, Option<i64>)> = HashMap::new();
    let mut out = HashMap::new();
    let ask = Ask { args: FigureArgs { from, to }, unit: None };
    for n in indicators {
        let (mut figure_name, mut value, mut value_text, mut value_href) =
            (String::new(), None, String::new(), String::new());
        if let Some(key) = &n.figure_key {
            match ctx.state.registry.figure(key) {
                Some(def) if ctx.can(def.need) => {
                    let (v, _) = compute_value(ctx, &def, &ask).await?;
                    figure_name = def.name.to_string();
                    value = Some(v);
                    value_text = format!("{v}{}", def.unit);
                    value_href = figure_href(key, from, to);
                }
                Some(def) => {
                    figure_name = def.name.to_string();
                    value_text = "（无权查看）".into();
                }
                None => {
                    figure_name = key.clone();
                    value_text = "（指标已不存在）".into();
                }
            }
        }
        let (rule_name, rule_missed, rule_href) = match &n.rule_code {
            Some(code) => {
                if !rules.contains_key(code) {
                    let read = if ctx.can(study::STUDY_VIEW) {
                        match study::rules::service::rule(ctx, code).await {
                            Ok(r) => {
                                let missed = study::figures::compliance_missed(ctx, code, from, to).await?.value;
                                (r.name, Some(missed))
                            }
                            Err(AppError::NotFound) => (format!("{code}（规则已不存在）"), None),
                            Err(e) => return Err(e),
                        }
                    } else {
                        (code.clone(), None)
                    };
                    rules.insert(code.clone(), read);
                }
                let (name, missed) = rules[code].clone();
                (name, missed, format!("/study/compliance?rule={code}&year={}", from.year()))
            }
            None => (String::new(), None, String::new()),
        };
        let (measures, overdue_measures) = counts.get(&n.id).copied().unwrap_or((0, 0));
        let (status, tag) = match (value, n.target) {
            (Some(v), Some(t)) => {
                let met = if n.comparison == "at_most" { v <= t } else { v >= t };
                match (met, to < today) {
                    (true, _) => ("达标", "green"),
                    (false, true) => ("未达标", "red"),
                    (false, false) => ("尚未达到", "orange"),
                }
            }
            _ => ("—", "gray"),
        };
        let red = tag == "red" || overdue_measures > 0 || rule_missed.is_some_and(|m| m > 0);
        out.insert(
            n.id,
            Reading {
                figure_name,
                value,
                value_text,
                value_href,
                status,
                tag,
                measures,
                overdue_measures,
                rule_name,
                rule_missed,
                rule_href,
                red,
            },
        );
    }
    Ok(out)
}

/// The visible nodes in tree order (children under their parent, by order), each with its depth;
/// a node whose parent the reader cannot see starts a tree of its own.
fn tree_order(nodes: Vec<Node>) -> Vec<(Node, usize, bool)> {
    let ids: std::collections::HashSet<i64> = nodes.iter().map(|n| n.id).collect();
    let mut children: HashMap<Option<i64>, Vec<Node>> = HashMap::new();
    for n in nodes {
        let parent = n.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(n);
    }
    let mut out = Vec::new();
    fn walk(
        parent: Option<i64>,
        depth: usize,
        children: &mut HashMap<Option<i64>, Vec<Node>>,
        out: &mut Vec<(Node, usize, bool)>,
    ) {
        let Some(list) = children.remove(&parent) else { return };
        for n in list {
            let id = n.id;
            let has = children.contains_key(&Some(id));
            out.push((n, depth, has));
            walk(Some(id), depth + 1, children, out);
        }
    }
    walk(None, 0, &mut children, &mut out);
    out
}

pub async fn tree(ctx: &Ctx, from: Date, to: Date) -> AppResult<Vec<Row>> {
    let all = nodes(ctx).await?;
    let mut read = readings(ctx, &all, from, to).await?;
    let mut units: Vec<i64> = all.iter().map(|n| n.unit_id).collect();
    units.sort_unstable();
    units.dedup();
    let editable = editable_units(ctx, &units).await?;
    Ok(tree_order(all)
        .into_iter()
        .map(|(node, depth, has_children)| {
            let reading = read.remove(&node.id);
            let editable = editable.contains(&node.unit_id);
            Row { node, depth, has_children, reading, editable }
        })
        .collect())
}

// ---- input ------------------------------------------------------------------------------------

#[derive(Debug)]
pub struct NodeInput {
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub sort_order: i64,
    pub figure_key: Option<String>,
    pub target: Option<i64>,
    pub comparison: String,
    pub rule_code: Option<String>,
    pub version: Option<i64>,
}

pub fn parse(ctx: &Ctx, f: &FormPairs) -> AppResult<NodeInput> {
    let mut c = FormCheck::new();
    let parent_id = match f.get("parent_id").trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                c.add("parent_id", "请选择有效的上级目标");
                None
            }
        },
    };
    let kind = c.choice("kind", "类别", &f.get("kind"), KINDS);
    let name = c.text("name", "名称", &f.get("name"), 100, true);
    let description = c.text("description", "说明", &f.get("description"), 1000, false);
    let sort_order = if f.get("sort_order").trim().is_empty() {
        0
    } else {
        c.int("sort_order", "排序", &f.get("sort_order"), 0, 9999)
    };
    let indicator = kind == "indicator";
    let key = f.get("figure_key").trim().to_string();
    let figure_key = if !indicator || key.is_empty() {
        None
    } else if ctx.state.registry.figure(&key).is_none() {
        c.add("figure_key", format!("指标目录中没有“{key}”"));
        None
    } else {
        Some(key)
    };
    if indicator && figure_key.is_none() && f.get("figure_key").trim().is_empty() {
        c.add("figure_key", "请选择用于计算的指标");
    }
    let target = if indicator && !f.get("target").trim().is_empty() {
        Some(c.int("target", "目标值", &f.get("target"), 0, 1_000_000_000))
    } else {
        None
    };
    let comparison = if f.get("comparison").trim().is_empty() {
        "at_least".to_string()
    } else {
        c.choice("comparison", "达标条件", &f.get("comparison"), COMPARISONS)
    };
    let rule = f.get("rule_code").trim().to_string();
    let rule_code = if indicator && !rule.is_empty() { Some(rule) } else { None };
    if rule_code.as_ref().is_some_and(|r| r.chars().count() > 60) {
        c.add("rule_code", "制度规则无效");
    }
    c.finish()?;
    Ok(NodeInput {
        parent_id,
        kind,
        name,
        description,
        sort_order,
        figure_key,
        target,
        comparison,
        rule_code,
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check_rule(ctx: &Ctx, i: &NodeInput) -> AppResult<()> {
    if let Some(code) = &i.rule_code {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM compliance_rules WHERE code = $1")
            .bind(code)
            .fetch_one(&ctx.state.db.pool)
            .await?;
        if n == 0 {
            return Err(AppError::field("rule_code", format!("没有编码为“{code}”的制度规则")));
        }
    }
    Ok(())
}

/// Depth of a node counted from its framework (= 1).
async fn depth_of(ctx: &Ctx, id: i64) -> AppResult<usize> {
    let mut depth = 1;
    let mut at = Some(id);
    while let Some(cur) = at {
        let parent: Option<Option<i64>> = sqlx::query_scalar("SELECT parent_id FROM goal_nodes WHERE id = $1")
            .bind(cur)
            .fetch_optional(&ctx.state.db.pool)
            .await?;
        at = parent.flatten();
        if at.is_some() {
            depth += 1;
        }
        if depth > MAX_DEPTH + 1 {
            break;
        }
    }
    Ok(depth)
}

pub async fn create(ctx: &Ctx, i: &NodeInput) -> AppResult<i64> {
    let user = ctx.user()?;
    let unit = match i.parent_id {
        None => {
            if i.kind != "framework" {
                return Err(AppError::field("kind", "顶层只能是目标体系，目标和指标须有上级"));
            }
            user.prison_id.unwrap_or(user.unit_id)
        }
        Some(p) => {
            let parent = match editable(ctx, p).await {
                Ok(n) => n,
                Err(AppError::NotFound | AppError::Forbidden) => {
                    return Err(AppError::field("parent_id", "上级目标不存在或不在您的管理范围内"));
                }
                Err(e) => return Err(e),
            };
            if parent.kind == "indicator" {
                return Err(AppError::field("parent_id", "指标下不能再设下级"));
            }
            if i.kind == "framework" {
                return Err(AppError::field("kind", "目标体系只能在顶层"));
            }
            if depth_of(ctx, p).await? >= MAX_DEPTH {
                return Err(AppError::field("parent_id", format!("目标体系最多 {MAX_DEPTH} 级")));
            }
            parent.unit_id
        }
    };
    check_rule(ctx, i).await?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO goal_nodes (unit_id, parent_id, kind, name, description, sort_order, figure_key, target, comparison, rule_code, \
         created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id",
    )
    .bind(unit)
    .bind(i.parent_id)
    .bind(&i.kind)
    .bind(&i.name)
    .bind(&i.description)
    .bind(i.sort_order)
    .bind(&i.figure_key)
    .bind(i.target)
    .bind(&i.comparison)
    .bind(&i.rule_code)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{} {}", label(KINDS, &i.kind), i.name);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "goal", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a node's text, order, figure, target and rule; its kind and place stay.
pub async fn update(ctx: &Ctx, id: i64, i: &NodeInput) -> AppResult<()> {
    let n = editable(ctx, id).await?;
    if i.kind != n.kind {
        return Err(AppError::field("kind", "类别不能修改，请删除后重新新增"));
    }
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    check_rule(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE goal_nodes SET name = $1, description = $2, sort_order = $3, figure_key = $4, target = $5, comparison = $6, \
         rule_code = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(&i.name)
    .bind(&i.description)
    .bind(i.sort_order)
    .bind(&i.figure_key)
    .bind(i.target)
    .bind(&i.comparison)
    .bind(&i.rule_code)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(changed)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "goal", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let n = editable(ctx, id).await?;
    let children: i64 = sqlx::query_scalar("SELECT count(*) FROM goal_nodes WHERE parent_id = $1")
        .bind(id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if children > 0 {
        return Err(AppError::Conflict(format!("“{}”下还有 {children} 个目标或指标，请先删除下级", n.name)));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM measure_goal_links WHERE indicator_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM goal_nodes WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "goal", id).detail(n.name)).await?;
    tx.commit().await?;
    Ok(())
}

/// Links a measure the caller can see to an indicator the caller may change.
pub async fn link(ctx: &Ctx, id: i64, measure: Option<i64>) -> AppResult<()> {
    let n = editable(ctx, id).await?;
    if n.kind != "indicator" {
        return Err(AppError::field("measure_id", "只有指标可以关联督办事项"));
    }
    let measure = measure.ok_or_else(|| AppError::field("measure_id", "请选择要关联的督办事项"))?;
    let m = match supervision::measures::service::get(ctx, measure).await {
        Ok(m) => m,
        Err(AppError::NotFound) => return Err(AppError::field("measure_id", "督办事项不存在或不在您的管理范围内")),
        Err(e) => return Err(e),
    };
    let mut tx = ctx.state.db.begin().await?;
    let exists: i64 =
        sqlx::query_scalar("SELECT count(*) FROM measure_goal_links WHERE measure_id = $1 AND indicator_id = $2")
            .bind(measure)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if exists > 0 {
        return Err(AppError::field("measure_id", "该督办事项已关联到本指标"));
    }
    sqlx::query("INSERT INTO measure_goal_links (measure_id, indicator_id) VALUES ($1, $2)")
        .bind(measure)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let detail = format!("{} ← {}", n.name, m.content.chars().take(40).collect::<String>());
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("link_measure", "goal", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unlink(ctx: &Ctx, id: i64, measure: i64) -> AppResult<()> {
    let n = editable(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let gone = sqlx::query("DELETE FROM measure_goal_links WHERE measure_id = $1 AND indicator_id = $2")
        .bind(measure)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(AppError::NotFound);
    }
    let detail = format!("{} 取消关联督办事项 {measure}", n.name);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("unlink_measure", "goal", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

// ---- one node: trend and linked measures -------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct TrendPoint {
    pub year: i16,
    pub value: Option<i64>,
    pub href: String,
}

/// The indicator's value in each of the five years up to `year` (each year whole, this year so far).
async fn trend(ctx: &Ctx, n: &Node, year: i16) -> AppResult<Vec<TrendPoint>> {
    let today = platform::clock::today(&ctx.state.clock);
    let Some(def) = n.figure_key.as_deref().and_then(|k| ctx.state.registry.figure(k)).filter(|d| ctx.can(d.need))
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for y in (year - 4)..=year {
        let (from, to) = (Date::new(y, 1, 1).unwrap_or(today), Date::new(y, 12, 31).unwrap_or(today).min(today));
        let (v, _) = compute_value(ctx, &def, &Ask { args: FigureArgs { from, to }, unit: None }).await?;
        out.push(TrendPoint { year: y, value: Some(v), href: figure_href(def.key, from, to) });
    }
    Ok(out)
}

async fn linked_measures(ctx: &Ctx, id: i64, at: Date) -> AppResult<Vec<supervision::measures::service::Measure>> {
    let mut raw = BTreeMap::new();
    raw.insert("goal".to_string(), id.to_string());
    raw.insert("at".to_string(), at.to_string());
    raw.insert("per_page".to_string(), "100".to_string());
    let p = ListParams::parse(raw, supervision::measures::service::SORTS, true);
    Ok(supervision::measures::service::list(ctx, &p).await?.items)
}

/// Measures of the node's year the caller sees and could link: (id, "序号 内容").
async fn linkable(ctx: &Ctx, id: i64, year: i16) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT m.id, m.number, m.content FROM measures m WHERE m.year = ");
    q.bind(year as i64)
        .push(" AND NOT EXISTS (SELECT 1 FROM measure_goal_links l WHERE l.measure_id = m.id AND l.indicator_id = ")
        .bind(id)
        .push(") AND ");
    supervision::measures::service::push_scope(&mut q, &user.scope);
    q.push(" ORDER BY m.plan_id, m.rectification_id, m.number LIMIT 500");
    let rows: Vec<(i64, i64, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, no, content)| (id, format!("{no}. {}", content.chars().take(50).collect::<String>())))
        .collect())
}

/// The chain of ancestors, framework first, that the reader can see.
async fn ancestors(ctx: &Ctx, n: &Node) -> AppResult<Vec<(i64, String)>> {
    let mut out = Vec::new();
    let mut at = n.parent_id;
    while let Some(p) = at {
        if out.len() > MAX_DEPTH {
            break;
        }
        match get(ctx, p).await {
            Ok(parent) => {
                at = parent.parent_id;
                out.push((parent.id, parent.name));
            }
            Err(AppError::NotFound) => break,
            Err(e) => return Err(e),
        }
    }
    out.reverse();
    Ok(out)
}

// ---- pages ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "goals.html")]
struct TreePage {
    frame: Frame,
    rows: Vec<Row>,
    year: i16,
    years: Vec<i16>,
    from: String,
    to: String,
    can_edit: bool,
    red: usize,
}

/// The years a page offers: this one and the five before it, newest first.
pub(crate) fn years(ctx: &Ctx) -> Vec<i16> {
    let y = platform::clock::today(&ctx.state.clock).year();
    ((y - 5)..=y).rev().collect()
}

async fn tree_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (year, from, to) = year_period(&ctx, &q.0)?;
    let rows = tree(&ctx, from, to).await?;
    let red = rows.iter().filter(|r| r.reading.as_ref().is_some_and(|x| x.red)).count();
    let frame = Frame::new(&ctx, "目标体系", "/goals", &[("目标与报告", ""), ("目标体系", "")]);
    Ok(Html(TreePage {
        frame,
        rows,
        year,
        years: years(&ctx),
        from: from.to_string(),
        to: to.to_string(),
        can_edit: ctx.can(GOAL_EDIT),
        red,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (year, from, to) = year_period(&ctx, &q.0)?;
    let rows = tree(&ctx, from, to).await?;
    let cells = rows
        .iter()
        .map(|r| {
            use office::Cell;
            let x = r.reading.as_ref();
            vec![
                Cell::from(format!("{}{}", "　".repeat(r.depth * 2), r.node.name)),
                Cell::from(r.node.kind_label()),
                Cell::from(r.node.unit_name.clone()),
                Cell::from(x.map(|x| x.figure_name.clone()).unwrap_or_default()),
                Cell::from(r.node.target_text()),
                Cell::from(x.map(|x| x.value_text.clone()).unwrap_or_default()),
                Cell::from(x.map(|x| x.status).unwrap_or_default()),
                Cell::from(x.map(|x| format!("{}（逾期 {}）", x.measures, x.overdue_measures)).unwrap_or_default()),
                Cell::from(
                    x.filter(|x| !x.rule_name.is_empty())
                        .map(|x| format!("{}：未落实 {} 个周期", x.rule_name, x.rule_missed.unwrap_or(0)))
                        .unwrap_or_default(),
                ),
            ]
        })
        .collect();
    let headers = ["名称", "类别", "所属单位", "计算指标", "目标值", "本年度数值", "状态", "关联督办事项", "关联制度"];
    let filters = format!("year={year}（{from} 至 {to}）");
    platform::ledger::export_xlsx(&ctx, "目标体系", &headers, cells, &filters).await
}

#[derive(Template)]
#[template(path = "goal.html")]
struct NodePage {
    frame: Frame,
    n: Node,
    path: Vec<(i64, String)>,
    year: i16,
    years: Vec<i16>,
    reading: Option<Reading>,
    chart: String,
    children: Vec<Row>,
    measures: Vec<supervision::measures::service::Measure>,
    linkable: Vec<(i64, String)>,
    can_edit: bool,
    link_error: String,
}

async fn node_view(ctx: &Ctx, id: i64, q: &BTreeMap<String, String>, link_error: String) -> AppResult<Response> {
    let n = get(ctx, id).await?;
    let (year, from, to) = year_period(ctx, q)?;
    let mut reading = readings(ctx, std::slice::from_ref(&n), from, to).await?.remove(&id);
    let points: Vec<svg::Point> = trend(ctx, &n, year)
        .await?
        .into_iter()
        .filter_map(|p| p.value.map(|v| svg::Point { label: format!("{}年", p.year), value: v, href: p.href }))
        .collect();
    let chart = if points.is_empty() {
        String::new()
    } else {
        svg::line(&format!("{}近五年趋势", n.name), &points, n.target, 560, 180)
    };
    let children: Vec<Row> = {
        let all = nodes(ctx).await?;
        let kids: Vec<Node> = all.into_iter().filter(|c| c.parent_id == Some(id)).collect();
        let mut read = readings(ctx, &kids, from, to).await?;
        kids.into_iter()
            .map(|node| {
                let reading = read.remove(&node.id);
                Row { node, depth: 0, has_children: false, reading, editable: false }
            })
            .collect()
    };
    let can_edit = may_edit(ctx, &n).await?;
    let (measures, linkable) = if n.kind == "indicator" {
        let linkable = if can_edit { linkable(ctx, id, year).await? } else { Vec::new() };
        (linked_measures(ctx, id, to).await?, linkable)
    } else {
        (Vec::new(), Vec::new())
    };
    if let Some(r) = reading.as_mut()
        && r.value.is_none()
        && n.figure_key.is_none()
    {
        r.value_text = "—".into();
    }
    let path = ancestors(ctx, &n).await?;
    let frame = Frame::new(ctx, &n.name, "/goals", &[("目标与报告", ""), ("目标体系", "/goals"), (&n.name, "")]);
    Ok(Html(NodePage {
        frame,
        n,
        path,
        year,
        years: years(ctx),
        reading,
        chart,
        children,
        measures,
        linkable,
        can_edit,
        link_error,
    })
    .into_response())
}

async fn node_page(ctx: Ctx, Path(id): Path<i64>, q: Q) -> AppResult<Response> {
    node_view(&ctx, id, &q.0, String::new()).await
}

#[derive(Template)]
#[template(path = "goal_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    parent: Option<Node>,
    f: FormPairs,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    comparisons: Codes,
    figures: Vec<(&'static str, String)>,
    rules: Vec<(String, String)>,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let parent = match f.get("parent_id").trim().parse::<i64>() {
        Ok(p) => get(ctx, p).await.ok(),
        Err(_) => None,
    };
    let kinds: Vec<(&str, &str)> = match (id, &parent) {
        (Some(_), _) => KINDS.iter().copied().filter(|k| k.0 == f.get("kind")).collect(),
        (None, None) => vec![KINDS[0]],
        (None, Some(_)) => KINDS[1..].to_vec(),
    };
    let title = match (id, &parent) {
        (Some(_), _) => "修改目标".to_string(),
        (None, None) => "新增目标体系".to_string(),
        (None, Some(p)) => format!("在“{}”下新增", p.name),
    };
    let frame = Frame::new(ctx, &title, "/goals", &[("目标与报告", ""), ("目标体系", "/goals"), (&title, "")]);
    let figures = ctx
        .state
        .registry
        .figures
        .iter()
        .filter(|d| ctx.can(d.need))
        .map(|d| (d.key, format!("{}（{}）", d.name, d.unit)))
        .collect();
    let rules = study::rules::service::rules(ctx).await?.into_iter().map(|r| (r.code, r.name)).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, id, parent, f, errors, kinds, comparisons: COMPARISONS, figures, rules }))
        .into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let parent = q.get("parent").cloned().unwrap_or_default();
    let kind = if parent.is_empty() { "framework" } else { "indicator" };
    let f = FormPairs::from(vec![
        ("parent_id".to_string(), parent),
        ("kind".to_string(), q.get("kind").cloned().unwrap_or_else(|| kind.to_string())),
        ("comparison".to_string(), "at_least".to_string()),
    ]);
    form(&ctx, None, f, FieldErrors::new()).await
}

fn back_to(parent: Option<i64>, id: i64) -> String {
    match parent {
        Some(p) => format!("/goals/{p}"),
        None => format!("/goals/{id}"),
    }
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&ctx, &f) {
        Ok(i) => create(&ctx, &i).await.map(|id| (id, i.parent_id)),
        Err(e) => Err(e),
    };
    match res {
        Ok((id, parent)) => Ok(redirect_with_flash(&back_to(parent, id), "已新增")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let n = editable(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("parent_id".to_string(), n.parent_id.map(|p| p.to_string()).unwrap_or_default()),
        ("kind".to_string(), n.kind),
        ("name".to_string(), n.name),
        ("description".to_string(), n.description),
        ("sort_order".to_string(), n.sort_order.to_string()),
        ("figure_key".to_string(), n.figure_key.unwrap_or_default()),
        ("target".to_string(), n.target.map(|t| t.to_string()).unwrap_or_default()),
        ("comparison".to_string(), n.comparison),
        ("rule_code".to_string(), n.rule_code.unwrap_or_default()),
        ("version".to_string(), n.version.to_string()),
    ]);
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&ctx, &f) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/goals/{id}"), "已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let n = get(&ctx, id).await?;
    delete(&ctx, id).await?;
    let back = n.parent_id.map(|p| format!("/goals/{p}")).unwrap_or_else(|| "/goals".into());
    Ok(redirect_with_flash(&back, "已删除"))
}

fn measure_of(f: &FormPairs) -> AppResult<Option<i64>> {
    match f.get("measure_id").trim() {
        "" => Ok(None),
        v => v.parse::<i64>().map(Some).map_err(|_| AppError::field("measure_id", "请选择有效的督办事项")),
    }
}

async fn link_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match measure_of(&f) {
        Ok(m) => link(&ctx, id, m).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/goals/{id}"), "已关联督办事项")),
        Err(AppError::Validation(errors)) => {
            let msg = errors.values().cloned().collect::<Vec<_>>().join("；");
            let mut r = node_view(&ctx, id, &BTreeMap::new(), msg).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

async fn unlink_page(ctx: Ctx, Path((id, measure)): Path<(i64, i64)>) -> AppResult<Response> {
    unlink(&ctx, id, measure).await?;
    Ok(redirect_with_flash(&format!("/goals/{id}"), "已取消关联"))
}

// ---- API --------------------------------------------------------------------------------------

async fn api_tree(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (year, from, to) = year_period(&ctx, &q.0)?;
    let items = tree(&ctx, from, to).await?;
    Ok(Json(serde_json::json!({"year": year, "from": from.to_string(), "to": to.to_string(),
        "total": items.len(), "items": items}))
    .into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>, q: Q) -> AppResult<Response> {
    let n = get(&ctx, id).await?;
    let (year, from, to) = year_period(&ctx, &q.0)?;
    let reading = readings(&ctx, std::slice::from_ref(&n), from, to).await?.remove(&id);
    let trend = trend(&ctx, &n, year).await?;
    let measures: Vec<serde_json::Value> = if n.kind == "indicator" {
        linked_measures(&ctx, id, to)
            .await?
            .into_iter()
            .map(|m| {
                serde_json::json!({"id": m.id, "content": m.content, "status": m.status, "overdue": m.overdue == 1,
                "lead_unit": m.lead_unit_name, "deadline": m.deadline})
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Json(serde_json::json!({"node": n, "year": year, "reading": reading, "trend": trend, "measures": measures}))
        .into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let i = parse(&ctx, &f)?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": id}))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let i = parse(&ctx, &f)?;
    update(&ctx, id, &i).await?;
    Ok(Json(serde_json::json!({"id": id})).into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_link(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    link(&ctx, id, measure_of(&f)?).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn api_unlink(ctx: Ctx, Path((id, measure)): Path<(i64, i64)>) -> AppResult<Response> {
    unlink(&ctx, id, measure).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
