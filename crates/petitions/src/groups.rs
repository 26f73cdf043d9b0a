//! 信访维稳工作领导小组: a leading group's name, purpose, term, the special period it serves, its
//! head, deputies and members with their duties, and the group's duties. A group is reusable: a
//! new group for another special period starts as a copy of an earlier one (成员沿用，按需调整).

use crate::domain::*;
use crate::{STABILITY_EDIT, STABILITY_VIEW, shared};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::audit::Event;
use platform::db::{Sql, Tx};
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

/// How many member rows the form offers.
pub const MEMBER_ROWS: usize = 30;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(STABILITY_VIEW), Need::Perm(STABILITY_EDIT));
    r.get("/petitions/groups", view, "维稳领导小组", list_page)
        .get("/petitions/groups/export", view, "导出领导小组", export)
        .get("/petitions/groups/new", edit, "新增领导小组页（copy=沿用某小组的成员）", new_page)
        .post("/petitions/groups", edit, "新增领导小组", create_page)
        .get("/petitions/groups/{id}", view, "领导小组详情", view_page)
        .get("/petitions/groups/{id}/edit", edit, "修改领导小组页", edit_page)
        .post("/petitions/groups/{id}", edit, "修改领导小组", update_page)
        .post("/petitions/groups/{id}/delete", edit, "删除领导小组", delete_page)
        .get("/api/v1/leading_groups", view, "领导小组列表", api_list)
        .post(
            "/api/v1/leading_groups",
            edit,
            "新增领导小组（name, purpose, period_id, starts_on, ends_on, doc_number, office, duties, members: [{person_id, role, duty}]）",
            api_create,
        )
        .get("/api/v1/leading_groups/{id}", view, "领导小组详情（含成员）", api_get)
        .put("/api/v1/leading_groups/{id}", edit, "修改领导小组（另加 version；成员整体替换）", api_update)
        .delete("/api/v1/leading_groups/{id}", edit, "删除领导小组", api_delete)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Group {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub name: String,
    pub purpose: String,
    pub period_id: Option<i64>,
    pub period_name: Option<String>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub doc_number: String,
    pub office: String,
    pub duties: String,
    pub copied_from: Option<i64>,
    pub members_count: i64,
    pub head_name: Option<String>,
    pub version: i64,
}

impl Group {
    pub fn term(&self) -> String {
        match &self.ends_on {
            Some(e) => format!("{} 至 {e}", self.starts_on),
            None => format!("{} 起", self.starts_on),
        }
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Member {
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub post: String,
    pub role: String,
    pub duty: String,
}

impl Member {
    pub fn role_label(&self) -> &'static str {
        label(MEMBER_ROLES, &self.role)
    }
}

const COLS: &str = "g.id, g.unit_id, u.name AS unit_name, g.name, g.purpose, g.period_id, s.name AS period_name, g.starts_on, \
    g.ends_on, g.doc_number, g.office, g.duties, g.copied_from, \
    (SELECT count(*) FROM leading_group_members m WHERE m.group_id = g.id) AS members_count, \
    (SELECT min(p.name) FROM leading_group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = g.id AND m.role = 'head') AS head_name, \
    g.version";
const FROM: &str =
    "FROM leading_groups g JOIN units u ON u.id = g.unit_id LEFT JOIN stability_periods s ON s.id = g.period_id";
const SORTS: &[(&str, &str)] = &[("starts_on", "g.starts_on"), ("name", "g.name")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Group>> {
    let user = ctx.user()?;
    let (q, period) = (p.get("q").to_string(), p.get_i64("period"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "g.starts_on DESC".into();
    }
    Ok(fetch_page::<Group>(
        &ctx.state.db,
        COLS,
        "g.id",
        |s: &mut Sql| {
            s.push(FROM).push(" WHERE ");
            user.scope.push_condition(s, "g.unit_id", None);
            if !q.is_empty() {
                s.push(" AND g.name LIKE ").bind(platform::db::like_contains(&q)).push(" ESCAPE '\\'");
            }
            if let Some(v) = period {
                s.push(" AND g.period_id = ").bind(v);
            }
        },
        &p,
    )
    .await?)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Group> {
    platform::ledger::get_in_scope(
        ctx,
        &format!("SELECT {COLS} {FROM}"),
        "g.id",
        id,
        "g.unit_id",
        None,
        "leading_group",
    )
    .await
}

pub async fn members(ctx: &Ctx, id: i64) -> AppResult<Vec<Member>> {
    Ok(sqlx::query_as(
        "SELECT m.person_id, p.name, u.name AS unit_name, p.post, m.role, m.duty FROM leading_group_members m \
         JOIN people p ON p.id = m.person_id JOIN units u ON u.id = p.unit_id WHERE m.group_id = $1 ORDER BY m.position",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

pub struct GroupInput {
    pub unit_id: Option<i64>,
    pub name: String,
    pub purpose: String,
    pub period_id: Option<i64>,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub doc_number: String,
    pub office: String,
    pub duties: String,
    /// (person, role, duty) in order.
    pub members: Vec<(i64, String, String)>,
    pub copied_from: Option<i64>,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs) -> AppResult<GroupInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "所属单位", &f.get("unit_id"));
    let name = c.text("name", "小组名称", &f.get("name"), 100, true);
    let purpose = c.long_text("purpose", "成立目的", &f.get("purpose"), 1000, false);
    let period_id = c.opt_id("period_id", "特殊时期", &f.get("period_id"));
    let starts = c.date("starts_on", "成立日期", &f.get("starts_on"), true);
    let ends = c.date("ends_on", "撤销日期", &f.get("ends_on"), false);
    if let (Some(s), Some(e)) = (starts, ends)
        && e < s
    {
        c.add("ends_on", "撤销日期不能早于成立日期");
    }
    let doc_number = c.text("doc_number", "发文字号", &f.get("doc_number"), 50, false);
    let office = c.text("office", "领导小组办公室", &f.get("office"), 200, false);
    let duties = c.long_text("duties", "工作职责", &f.get("duties"), 5000, false);
    let mut members: Vec<(i64, String, String)> = Vec::new();
    for n in 1..=MEMBER_ROWS {
        let raw = f.get(&format!("member_{n}"));
        if raw.trim().is_empty() {
            continue;
        }
        let Ok(person) = raw.trim().parse::<i64>() else {
            c.add(&format!("member_{n}"), "请选择有效的人员");
            continue;
        };
        let role = c.choice(&format!("role_{n}"), "职务", &f.get(&format!("role_{n}")), MEMBER_ROLES);
        let duty = c.text(&format!("duty_{n}"), "分工", &f.get(&format!("duty_{n}")), 200, false);
        if members.iter().any(|(p, ..)| *p == person) {
            c.add(&format!("member_{n}"), "同一人员不能重复列入");
            continue;
        }
        members.push((person, role, duty));
    }
    if members.is_empty() {
        c.add("members", "请至少列入一名成员（组长）");
    } else if !members.iter().any(|(_, r, _)| r == "head") {
        c.add("members", "请指定组长");
    }
    c.finish()?;
    Ok(GroupInput {
        unit_id,
        name,
        purpose,
        period_id,
        starts_on: starts.map(|d| d.to_string()).unwrap_or_default(),
        ends_on: ends.map(|d| d.to_string()),
        doc_number,
        office,
        duties,
        members,
        copied_from: f.get("copied_from").trim().parse().ok(),
        version: f.get("version").trim().parse().ok(),
    })
}

async fn check(ctx: &Ctx, i: &GroupInput) -> AppResult<i64> {
    let unit = shared::unit_in_scope(ctx, i.unit_id).await?;
    if let Some(p) = i.period_id
        && !shared::period_ok(ctx, p).await?
    {
        return Err(AppError::field("period_id", "请选择您管理范围内的特殊时期"));
    }
    for (k, (person, ..)) in i.members.iter().enumerate() {
        if !shared::person_ok(ctx, *person).await? {
            return Err(AppError::field(&format!("member_{}", k + 1), "成员须为本监狱在职人员"));
        }
    }
    Ok(unit)
}

async fn write_members(tx: &mut Tx, id: i64, members: &[(i64, String, String)]) -> AppResult<()> {
    sqlx::query("DELETE FROM leading_group_members WHERE group_id = $1").bind(id).execute(&mut **tx).await?;
    for (k, (person, role, duty)) in members.iter().enumerate() {
        sqlx::query(
            "INSERT INTO leading_group_members (group_id, person_id, role, duty, position) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(id)
        .bind(*person)
        .bind(role)
        .bind(duty)
        .bind(k as i64 + 1)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn create(ctx: &Ctx, i: &GroupInput) -> AppResult<i64> {
    let unit = check(ctx, i).await?;
    let copied_from = match i.copied_from {
        Some(c) => get(ctx, c).await.ok().map(|g| g.id),
        None => None,
    };
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO leading_groups (unit_id, name, purpose, period_id, starts_on, ends_on, doc_number, office, duties, copied_from, \
         created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id",
    )
    .bind(unit)
    .bind(&i.name)
    .bind(&i.purpose)
    .bind(i.period_id)
    .bind(&i.starts_on)
    .bind(i.ends_on.clone())
    .bind(&i.doc_number)
    .bind(&i.office)
    .bind(&i.duties)
    .bind(copied_from)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_members(&mut tx, id, &i.members).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "leading_group", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &GroupInput) -> AppResult<()> {
    get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE leading_groups SET unit_id = $1, name = $2, purpose = $3, period_id = $4, starts_on = $5, ends_on = $6, doc_number = $7, \
         office = $8, duties = $9, version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12",
    )
    .bind(unit)
    .bind(&i.name)
    .bind(&i.purpose)
    .bind(i.period_id)
    .bind(&i.starts_on)
    .bind(i.ends_on.clone())
    .bind(&i.doc_number)
    .bind(&i.office)
    .bind(&i.duties)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    write_members(&mut tx, id, &i.members).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "leading_group", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let g = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("UPDATE leading_groups SET copied_from = NULL WHERE copied_from = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM leading_groups WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "leading_group", id).detail(g.name)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "groups_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Group>,
    offset: i64,
    pager: Pager,
    export_q: String,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } = ListScreen::new(
        &ctx,
        &p,
        &page,
        "/petitions/groups",
        "维稳领导小组",
        &[("安保维稳", ""), ("维稳领导小组", "")],
    );
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, export_q, can_edit: ctx.can(STABILITY_EDIT) })
        .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let page = list(&ctx, &p).await?;
    let mut rows = Vec::new();
    for g in &page.items {
        let names = members(&ctx, g.id)
            .await?
            .iter()
            .map(|m| format!("{}（{}）", m.name, m.role_label()))
            .collect::<Vec<_>>()
            .join("、");
        rows.push(vec![
            Cell::from(g.name.clone()),
            Cell::from(g.term()),
            Cell::from(g.period_name.clone().unwrap_or_default()),
            Cell::from(g.doc_number.clone()),
            Cell::from(g.head_name.clone().unwrap_or_default()),
            Cell::from(names),
            Cell::from(g.purpose.clone()),
            Cell::from(g.duties.clone()),
        ]);
    }
    let headers = ["小组名称", "存续期间", "特殊时期", "发文字号", "组长", "成员", "成立目的", "工作职责"];
    platform::ledger::export_xlsx(&ctx, "维稳领导小组", &headers, rows, &filters).await
}

#[derive(Template)]
#[template(path = "group_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    periods: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    roles: Codes,
    rows: Vec<usize>,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改领导小组" } else { "新增领导小组" };
    let frame = Frame::new(
        ctx,
        title,
        "/petitions/groups",
        &[("安保维稳", ""), ("维稳领导小组", "/petitions/groups"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        frame,
        id,
        f,
        errors,
        units: shared::departments(ctx).await?,
        periods: shared::periods(ctx).await?,
        people: shared::prison_people(ctx, true).await?,
        roles: MEMBER_ROLES,
        rows: (1..=MEMBER_ROWS).collect(),
    };
    Ok((status, Html(page)).into_response())
}

fn pairs_of(g: &Group, members: &[Member]) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("unit_id".to_string(), g.unit_id.to_string()),
        ("name".to_string(), g.name.clone()),
        ("purpose".to_string(), g.purpose.clone()),
        ("period_id".to_string(), g.period_id.map(|x| x.to_string()).unwrap_or_default()),
        ("starts_on".to_string(), g.starts_on.clone()),
        ("ends_on".to_string(), g.ends_on.clone().unwrap_or_default()),
        ("doc_number".to_string(), g.doc_number.clone()),
        ("office".to_string(), g.office.clone()),
        ("duties".to_string(), g.duties.clone()),
        ("version".to_string(), g.version.to_string()),
    ];
    for (k, m) in members.iter().enumerate() {
        let n = k + 1;
        pairs.push((format!("member_{n}"), m.person_id.to_string()));
        pairs.push((format!("role_{n}"), m.role.clone()));
        pairs.push((format!("duty_{n}"), m.duty.clone()));
    }
    pairs
}

/// A new group, or (copy=ID) a new group starting from an earlier one's members and duties.
async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let copy = q.get("copy").and_then(|v| v.parse::<i64>().ok());
    let pairs = match copy {
        Some(c) => {
            let g = get(&ctx, c).await?;
            let m = members(&ctx, c).await?;
            let mut pairs: Vec<(String, String)> = pairs_of(&g, &m)
                .into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "version" | "period_id" | "ends_on" | "doc_number"))
                .collect();
            for (k, v) in pairs.iter_mut() {
                match k.as_str() {
                    "name" => *v = format!("{v}（沿用）"),
                    "starts_on" => *v = today.clone(),
                    _ => {}
                }
            }
            pairs.push(("copied_from".to_string(), c.to_string()));
            if let Some(p) = q.get("period") {
                pairs.push(("period_id".to_string(), p.clone()));
            }
            pairs
        }
        None => vec![
            ("unit_id".to_string(), user.unit_id.to_string()),
            ("starts_on".to_string(), today),
            ("period_id".to_string(), q.get("period").cloned().unwrap_or_default()),
            ("role_1".to_string(), "head".to_string()),
        ],
    };
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/petitions/groups/{id}"), "领导小组已成立")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let g = get(&ctx, id).await?;
    let m = members(&ctx, id).await?;
    form(&ctx, Some(id), FormPairs::from(pairs_of(&g, &m)), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/petitions/groups/{id}"), "领导小组已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "group_view.html")]
struct ViewPage {
    frame: Frame,
    g: Group,
    members: Vec<Member>,
    /// (id, name, founded on, relation in words).
    copies: Vec<(i64, String, String, &'static str)>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let g = get(&ctx, id).await?;
    let members = members(&ctx, id).await?;
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT g.id, g.name, g.starts_on FROM leading_groups g WHERE (g.copied_from = ");
    q.bind(id).push(" OR g.id = ").bind(g.copied_from.unwrap_or(-1)).push(") AND ");
    user.scope.push_condition(&mut q, "g.unit_id", None);
    q.push(" ORDER BY g.starts_on");
    let rows: Vec<(i64, String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let copies = rows
        .into_iter()
        .map(|(i, n, d)| {
            let relation = if Some(i) == g.copied_from { "本小组沿用自该小组" } else { "沿用本小组" };
            (i, n, d, relation)
        })
        .collect();
    let frame = Frame::new(
        &ctx,
        &g.name,
        "/petitions/groups",
        &[("安保维稳", ""), ("维稳领导小组", "/petitions/groups"), ("详情", "")],
    );
    Ok(Html(ViewPage { frame, g, members, copies, can_edit: ctx.can(STABILITY_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/petitions/groups", "领导小组已删除"))
}

/// The JSON body as the pairs the form posts: `members` becomes the numbered rows.
fn json_pairs(b: JsonBody) -> AppResult<FormPairs> {
    let Json(v) = b.map_err(|_| AppError::BadRequest("请求体须为 JSON 对象".into()))?;
    if !v.is_object() {
        return Err(AppError::BadRequest("请求体须为 JSON 对象".into()));
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut pairs = Vec::new();
    for k in [
        "unit_id",
        "name",
        "purpose",
        "period_id",
        "starts_on",
        "ends_on",
        "doc_number",
        "office",
        "duties",
        "copied_from",
        "version",
    ] {
        pairs.push((k.to_string(), v.get(k).map(text).unwrap_or_default()));
    }
    for (k, m) in v.get("members").and_then(|a| a.as_array()).into_iter().flatten().take(MEMBER_ROWS).enumerate() {
        let n = k + 1;
        pairs.push((format!("member_{n}"), m.get("person_id").map(text).unwrap_or_default()));
        pairs.push((format!("role_{n}"), m.get("role").map(text).unwrap_or_default()));
        pairs.push((format!("duty_{n}"), m.get("duty").map(text).unwrap_or_default()));
    }
    Ok(FormPairs::from(pairs))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let g = get(&ctx, id).await?;
    let members = members(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "group": g, "members": members })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let id = create(&ctx, &parse(&json_pairs(b)?)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    update(&ctx, id, &parse(&json_pairs(b)?)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
