//! 重点罪犯 (labelled 秘密): prisoner number, name, prison area, category, risk level, control
//! measures, responsible officer and the next review date; each review is kept as history and
//! moves the record on (keep, adjust, delist). Read with `keyprisoner:view` and clearance only,
//! every list, view and refusal audited; never indexed for search; no other ledger names them.

use crate::domain::*;
use crate::restricted::{self, push_visible};
use crate::shared::{
    JsonBody, callers_prison, check_prison_people, json_pairs, past_date, prison_of, prison_people, unit_in_scope,
};
use crate::{KEYPRISONER_EDIT, KEYPRISONER_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use office::Cell;
use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::expect_one_updated;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(KEYPRISONER_VIEW), Need::Perm(KEYPRISONER_EDIT));
    r.get("/safety/key_prisoners", view, "重点罪犯（涉密）", list_page)
        .get("/safety/key_prisoners/export", view, "导出重点罪犯（涉密）", export)
        .get("/safety/key_prisoners/new", edit, "登记重点罪犯页", new_page)
        .post("/safety/key_prisoners", edit, "登记重点罪犯", create_page)
        .get("/safety/key_prisoners/{id}", view, "重点罪犯详情（含复核记录）", view_page)
        .get("/safety/key_prisoners/{id}/edit", edit, "修改重点罪犯页", edit_page)
        .post("/safety/key_prisoners/{id}", edit, "修改重点罪犯", update_page)
        .post("/safety/key_prisoners/{id}/reviews", edit, "登记重点罪犯复核", review_page)
        .get("/api/v1/key_prisoners", view, "重点罪犯列表（unit, category, risk_level, status, due, q）", api_list)
        .post(
            "/api/v1/key_prisoners",
            edit,
            "登记重点罪犯（unit_id, prisoner_no, name, category, risk_level, control_measures, officer_id, listed_on, review_on）",
            api_create,
        )
        .get("/api/v1/key_prisoners/{id}", view, "重点罪犯详情（含复核记录）", api_get)
        .put("/api/v1/key_prisoners/{id}", edit, "修改重点罪犯（另加 version）", api_update)
        .post(
            "/api/v1/key_prisoners/{id}/reviews",
            edit,
            "登记复核（reviewed_on, reviewer_id, conclusion, risk_after, control_measures, note, next_review_on）",
            api_review,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct KeyPrisoner {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub label: i64,
    pub prisoner_no: String,
    pub name: String,
    pub category: String,
    pub risk_level: String,
    pub control_measures: String,
    pub officer_id: i64,
    pub officer_name: String,
    pub listed_on: String,
    pub review_on: String,
    pub status: String,
    pub delisted_on: Option<String>,
    /// 1 when an active record's review date has passed (derived in the query).
    pub review_due: i64,
    pub version: i64,
}

impl KeyPrisoner {
    pub fn category_label(&self) -> &'static str {
        label(PRISONER_CATEGORIES, &self.category)
    }
    pub fn risk_label(&self) -> &'static str {
        label(RISK_LEVELS, &self.risk_level)
    }
    pub fn risk_tag(&self) -> &'static str {
        match self.risk_level.as_str() {
            "high" => "red",
            "medium" => "orange",
            _ => "blue",
        }
    }
    pub fn active(&self) -> bool {
        self.status == "active"
    }
}

fn cols(today: jiff::civil::Date) -> String {
    format!(
        "k.id, k.unit_id, u.name AS unit_name, k.label, k.prisoner_no, k.name, k.category, k.risk_level, k.control_measures, \
         k.officer_id, o.name AS officer_name, k.listed_on, k.review_on, k.status, k.delisted_on, \
         (CASE WHEN k.status = 'active' AND k.review_on < '{today}' THEN 1 ELSE 0 END) AS review_due, k.version"
    )
}
const FROM: &str = "FROM key_prisoners k JOIN units u ON u.id = k.unit_id JOIN people o ON o.id = k.officer_id";
const SORTS: &[(&str, &str)] = &[
    ("risk", "CASE k.risk_level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END"),
    ("review_on", "k.review_on"),
    ("prisoner_no", "k.prisoner_no"),
    ("unit", "u.sort_order"),
];

/// Filters: unit, category, risk_level, status (active | delisted), due (=1: review date passed),
/// q (number or name).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<KeyPrisoner>> {
    let user = restricted::reader(ctx).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let (category, risk, status, text) = (
        p.get("category").to_string(),
        p.get("risk_level").to_string(),
        p.get("status").to_string(),
        p.get("q").to_string(),
    );
    let (unit, due) = (p.get_i64("unit"), p.get("due") == "1");
    let page = fetch_page::<KeyPrisoner>(
        &ctx.state.db,
        &cols(today),
        "k.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_visible(q, user, "k.unit_id", "k.label");
            for (col, v) in [("k.category", &category), ("k.risk_level", &risk), ("k.status", &status)] {
                if !v.is_empty() {
                    q.push(" AND ").push(col).push(" = ").bind(v.clone());
                }
            }
            if let Some(u) = unit {
                q.push(" AND k.unit_id = ").bind(u);
            }
            if due {
                q.push(" AND k.status = 'active' AND k.review_on < ").bind(today.to_string());
            }
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (k.prisoner_no LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR k.name LIKE ");
                q.bind(like).push(" ESCAPE '\\')");
            }
        },
        p,
    )
    .await?;
    restricted::audit_list(ctx, &p.query_with(&[])).await?;
    Ok(page)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<KeyPrisoner> {
    let today = platform::clock::today(&ctx.state.clock);
    restricted::get_one(ctx, &format!("SELECT {} {FROM}", cols(today)), id, "").await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Review {
    pub id: i64,
    pub reviewed_on: String,
    pub reviewer_name: String,
    pub conclusion: String,
    pub risk_before: String,
    pub risk_after: String,
    pub control_measures: String,
    pub note: String,
    pub next_review_on: Option<String>,
}

impl Review {
    pub fn conclusion_label(&self) -> &'static str {
        label(REVIEW_CONCLUSIONS, &self.conclusion)
    }
    pub fn before_label(&self) -> &'static str {
        label(RISK_LEVELS, &self.risk_before)
    }
    pub fn after_label(&self) -> &'static str {
        label(RISK_LEVELS, &self.risk_after)
    }
}

/// The reviews of a record already read (and audited) through `get`.
async fn reviews(ctx: &Ctx, id: i64) -> AppResult<Vec<Review>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.reviewed_on, p.name AS reviewer_name, r.conclusion, r.risk_before, r.risk_after, r.control_measures, \
         r.note, r.next_review_on FROM key_prisoner_reviews r JOIN people p ON p.id = r.reviewer_id \
         WHERE r.key_prisoner_id = $1 ORDER BY r.reviewed_on DESC, r.id DESC LIMIT 500",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

pub struct KeyPrisonerInput {
    pub unit_id: Option<i64>,
    pub prisoner_no: String,
    pub name: String,
    pub category: String,
    pub risk_level: String,
    pub control_measures: String,
    pub officer_id: Option<i64>,
    pub listed_on: String,
    pub review_on: String,
    pub version: Option<i64>,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<KeyPrisonerInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "监区", &f.get("unit_id"));
    let prisoner_no = c.code("prisoner_no", "罪犯编号", &f.get("prisoner_no"), 20);
    let name = c.text("name", "姓名", &f.get("name"), 20, true);
    let category = c.choice("category", "类别", &f.get("category"), PRISONER_CATEGORIES);
    let risk_level = c.choice("risk_level", "风险等级", &f.get("risk_level"), RISK_LEVELS);
    let control_measures = c.long_text("control_measures", "管控措施", &f.get("control_measures"), 2000, true);
    let officer_id = c.opt_id("officer_id", "责任民警", &f.get("officer_id"));
    if officer_id.is_none() && !c.errors.contains_key("officer_id") {
        c.add("officer_id", "请选择责任民警");
    }
    let listed = past_date(&mut c, f, "listed_on", "列管日期", true, today);
    let review = c.date("review_on", "复核日期", &f.get("review_on"), true);
    if let (Some(l), Some(r)) = (listed, review)
        && r <= l
    {
        c.add("review_on", "复核日期须晚于列管日期");
    }
    c.finish()?;
    Ok(KeyPrisonerInput {
        unit_id,
        prisoner_no,
        name,
        category,
        risk_level,
        control_measures,
        officer_id,
        listed_on: listed.map(|d| d.to_string()).unwrap_or_default(),
        review_on: review.map(|d| d.to_string()).unwrap_or_default(),
        version: f.get("version").trim().parse().ok(),
    })
}

/// The prison area in scope, and the responsible officer a person of its prison.
async fn check(ctx: &Ctx, i: &KeyPrisonerInput) -> AppResult<i64> {
    let (unit, _) = unit_in_scope(ctx, i.unit_id, "unit_id").await?;
    let prison = prison_of(ctx, unit).await?;
    let officer = i.officer_id.unwrap_or_default();
    check_prison_people(ctx, prison, &[officer], "officer_id", "责任民警须为本监狱的在职民警").await?;
    Ok(unit)
}

pub async fn create(ctx: &Ctx, i: &KeyPrisonerInput) -> AppResult<i64> {
    restricted::reader(ctx).await?;
    let unit = check(ctx, i).await?;
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let taken: i64 = sqlx::query_scalar("SELECT count(*) FROM key_prisoners WHERE prisoner_no = $1")
        .bind(&i.prisoner_no)
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Err(AppError::field("prisoner_no", "该罪犯编号已在台账中（已撤销列管的请在原记录上复核）"));
    }
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO key_prisoners (unit_id, label, prisoner_no, name, category, risk_level, control_measures, officer_id, \
         listed_on, review_on, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id",
    )
    .bind(unit)
    .bind(KEY_PRISONER_LABEL)
    .bind(&i.prisoner_no)
    .bind(&i.name)
    .bind(&i.category)
    .bind(&i.risk_level)
    .bind(&i.control_measures)
    .bind(i.officer_id.unwrap_or_default())
    .bind(&i.listed_on)
    .bind(&i.review_on)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "key_prisoner", id).detail(i.prisoner_no.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, i: &KeyPrisonerInput) -> AppResult<()> {
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let unit = check(ctx, i).await?;
    let mut tx = ctx.state.db.begin().await?;
    let taken: i64 = sqlx::query_scalar("SELECT count(*) FROM key_prisoners WHERE prisoner_no = $1 AND id <> $2")
        .bind(&i.prisoner_no)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Err(AppError::field("prisoner_no", "该罪犯编号已在台账中"));
    }
    let n = sqlx::query(
        "UPDATE key_prisoners SET unit_id = $1, prisoner_no = $2, name = $3, category = $4, risk_level = $5, control_measures = $6, \
         officer_id = $7, listed_on = $8, review_on = $9, version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12",
    )
    .bind(unit)
    .bind(&i.prisoner_no)
    .bind(&i.name)
    .bind(&i.category)
    .bind(&i.risk_level)
    .bind(&i.control_measures)
    .bind(i.officer_id.unwrap_or_default())
    .bind(&i.listed_on)
    .bind(&i.review_on)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "key_prisoner", id).detail(before.prisoner_no)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct ReviewInput {
    pub reviewed_on: jiff::civil::Date,
    pub reviewer_id: i64,
    pub conclusion: String,
    pub risk_after: String,
    pub control_measures: String,
    pub note: String,
    pub next_review_on: Option<String>,
}

pub fn parse_review(f: &FormPairs, today: jiff::civil::Date) -> AppResult<ReviewInput> {
    let mut c = FormCheck::new();
    let reviewed = past_date(&mut c, f, "reviewed_on", "复核日期", true, today);
    let reviewer = c.opt_id("reviewer_id", "复核人", &f.get("reviewer_id"));
    if reviewer.is_none() && !c.errors.contains_key("reviewer_id") {
        c.add("reviewer_id", "请选择复核人");
    }
    let conclusion = c.choice("conclusion", "复核结论", &f.get("conclusion"), REVIEW_CONCLUSIONS);
    let risk_after = c.choice("risk_after", "复核后风险等级", &f.get("risk_after"), RISK_LEVELS);
    let control_measures = c.long_text("control_measures", "管控措施", &f.get("control_measures"), 2000, false);
    let note = c.long_text("note", "复核意见", &f.get("note"), 2000, true);
    let next = c.date("next_review_on", "下次复核日期", &f.get("next_review_on"), conclusion != "delist");
    if let (Some(r), Some(n)) = (reviewed, next)
        && n <= r
    {
        c.add("next_review_on", "下次复核日期须晚于本次复核日期");
    }
    c.finish()?;
    Ok(ReviewInput {
        reviewed_on: reviewed.unwrap_or(today),
        reviewer_id: reviewer.unwrap_or_default(),
        conclusion: conclusion.clone(),
        risk_after,
        control_measures,
        note,
        next_review_on: if conclusion == "delist" { None } else { next.map(|d| d.to_string()) },
    })
}

/// Records a review and moves the record on: the new risk level and measures, the next review
/// date, or delisting.
pub async fn add_review(ctx: &Ctx, id: i64, i: &ReviewInput) -> AppResult<i64> {
    let k = get(ctx, id).await?;
    if !k.active() {
        return Err(AppError::BadRequest("已撤销列管的罪犯不再复核".into()));
    }
    if i.reviewed_on.to_string() < k.listed_on {
        return Err(AppError::field("reviewed_on", "复核日期不能早于列管日期"));
    }
    if i.conclusion == "keep" && i.risk_after != k.risk_level {
        return Err(AppError::field("risk_after", "继续列管不改变风险等级；调整等级请选择“调整等级或措施”"));
    }
    let prison = prison_of(ctx, k.unit_id).await?;
    check_prison_people(ctx, prison, &[i.reviewer_id], "reviewer_id", "复核人须为本监狱的在职人员").await?;
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let rid: i64 = sqlx::query_scalar(
        "INSERT INTO key_prisoner_reviews (key_prisoner_id, reviewed_on, reviewer_id, conclusion, risk_before, risk_after, \
         control_measures, note, next_review_on, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id",
    )
    .bind(id)
    .bind(i.reviewed_on.to_string())
    .bind(i.reviewer_id)
    .bind(&i.conclusion)
    .bind(&k.risk_level)
    .bind(&i.risk_after)
    .bind(&i.control_measures)
    .bind(&i.note)
    .bind(i.next_review_on.clone())
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let measures = if i.control_measures.is_empty() { k.control_measures.clone() } else { i.control_measures.clone() };
    let delist = i.conclusion == "delist";
    let n = sqlx::query(
        "UPDATE key_prisoners SET risk_level = $1, control_measures = $2, review_on = $3, status = $4, delisted_on = $5, \
         version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
    )
    .bind(&i.risk_after)
    .bind(measures)
    .bind(i.next_review_on.clone().unwrap_or(k.review_on.clone()))
    .bind(if delist { "delisted" } else { "active" })
    .bind(delist.then(|| i.reviewed_on.to_string()))
    .bind(now)
    .bind(id)
    .bind(k.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    let detail = format!("{} {}", k.prisoner_no, label(REVIEW_CONCLUSIONS, &i.conclusion));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("review", "key_prisoner", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(rid)
}

/// A record's files: only someone who may read the record (permission, scope and clearance).
pub struct KeyPrisonerAttachments;

impl AttachmentOwner for KeyPrisonerAttachments {
    fn view_perm(&self) -> &'static str {
        KEYPRISONER_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        KEYPRISONER_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/safety/key_prisoners/{owner_id}")
    }
    fn labelled(&self) -> bool {
        true
    }
}

/// For whoever works the register: records whose review is due within a week or overdue. The
/// to-do names the prison area only, never the prisoner.
pub struct ReviewTodos;

impl TodoSource for ReviewTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(KEYPRISONER_EDIT) || !user.can(KEYPRISONER_VIEW) {
                return Ok(Vec::new());
            }
            let today = platform::clock::today(&ctx.state.clock);
            let mut q = Sql::new(
                "SELECT k.id, u.name, k.review_on FROM key_prisoners k JOIN units u ON u.id = k.unit_id WHERE k.status = 'active' AND k.review_on <= ",
            );
            q.bind(today.saturating_add(7.days()).to_string()).push(" AND ");
            push_visible(&mut q, user, "k.unit_id", "k.label");
            q.push(" ORDER BY k.review_on, k.id LIMIT 50");
            let rows: Vec<(i64, String, String)> = q.fetch_fresh(&ctx.state.db).await?;
            Ok(rows
                .into_iter()
                .map(|(id, unit, due)| Todo {
                    title: format!("重点罪犯复核：{unit}"),
                    detail: format!("复核日期 {due}"),
                    level: if due < today.to_string() { "overdue" } else { "due_soon" },
                    due: Some(due),
                    href: format!("/safety/key_prisoners/{id}"),
                    source: "安保维稳",
                })
                .collect())
        })
    }
}

#[derive(Template)]
#[template(path = "key_prisoners_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<KeyPrisoner>,
    offset: i64,
    pager: Pager,
    export_q: String,
    categories: Codes,
    risks: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/safety/key_prisoners", "重点罪犯", &[("安保维稳", ""), ("重点罪犯", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        categories: PRISONER_CATEGORIES,
        risks: RISK_LEVELS,
        can_edit: ctx.can(KEYPRISONER_EDIT),
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers =
        ["罪犯编号", "姓名", "监区", "类别", "风险等级", "管控措施", "责任民警", "列管日期", "复核日期", "状态"];
    platform::ledger::export_list(
        &ctx,
        "重点罪犯",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p)),
        |k| {
            vec![
                Cell::from(k.prisoner_no.clone()),
                Cell::from(k.name.clone()),
                Cell::from(k.unit_name.clone()),
                Cell::from(k.category_label()),
                Cell::from(k.risk_label()),
                Cell::from(k.control_measures.clone()),
                Cell::from(k.officer_name.clone()),
                Cell::from(k.listed_on.clone()),
                Cell::from(k.review_on.clone()),
                Cell::from(if k.active() { "在册" } else { "已撤销" }),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "key_prisoner_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    officers: Vec<(i64, String)>,
    categories: Codes,
    risks: Codes,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改重点罪犯" } else { "登记重点罪犯" };
    let frame = Frame::new(
        ctx,
        title,
        "/safety/key_prisoners",
        &[("安保维稳", ""), ("重点罪犯", "/safety/key_prisoners"), (title, "")],
    );
    let units = crate::shared::departments(ctx).await?;
    let officers = prison_people(ctx, callers_prison(ctx).await?).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(FormPage { frame, id, f, errors, units, officers, categories: PRISONER_CATEGORIES, risks: RISK_LEVELS }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    restricted::reader(&ctx).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let pairs = vec![
        ("unit_id".to_string(), ctx.user()?.unit_id.to_string()),
        ("listed_on".to_string(), today.to_string()),
        ("review_on".to_string(), today.saturating_add(1.month()).to_string()),
        ("risk_level".to_string(), "medium".to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/safety/key_prisoners/{id}"), "重点罪犯已登记")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let k = get(&ctx, id).await?;
    let f = FormPairs::from(vec![
        ("unit_id".into(), k.unit_id.to_string()),
        ("prisoner_no".into(), k.prisoner_no),
        ("name".into(), k.name),
        ("category".into(), k.category),
        ("risk_level".into(), k.risk_level),
        ("control_measures".into(), k.control_measures),
        ("officer_id".into(), k.officer_id.to_string()),
        ("listed_on".into(), k.listed_on),
        ("review_on".into(), k.review_on),
        ("version".into(), k.version.to_string()),
    ]);
    form(&ctx, Some(id), f, FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/safety/key_prisoners/{id}"), "重点罪犯已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "key_prisoner_view.html")]
struct ViewPage {
    frame: Frame,
    k: KeyPrisoner,
    reviews: Vec<Review>,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
    reviewers: Vec<(i64, String)>,
    conclusions: Codes,
    risks: Codes,
    f: FormPairs,
    errors: FieldErrors,
}

async fn view(ctx: &Ctx, k: KeyPrisoner, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let reviews = reviews(ctx, k.id).await?;
    let files = platform::attachments::list_for(ctx, "key_prisoner", k.id).await?;
    let can_edit = ctx.can(KEYPRISONER_EDIT);
    let reviewers = if can_edit { prison_people(ctx, prison_of(ctx, k.unit_id).await?).await? } else { Vec::new() };
    let frame = Frame::new(
        ctx,
        "重点罪犯详情",
        "/safety/key_prisoners",
        &[("安保维稳", ""), ("重点罪犯", "/safety/key_prisoners"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(ViewPage {
            frame,
            k,
            reviews,
            files,
            can_edit,
            reviewers,
            conclusions: REVIEW_CONCLUSIONS,
            risks: RISK_LEVELS,
            f,
            errors,
        }),
    )
        .into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let k = get(&ctx, id).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let f = FormPairs::from(vec![
        ("reviewed_on".to_string(), today.to_string()),
        ("conclusion".to_string(), "keep".to_string()),
        ("risk_after".to_string(), k.risk_level.clone()),
        ("next_review_on".to_string(), today.saturating_add(1.month()).to_string()),
    ]);
    view(&ctx, k, f, FieldErrors::new()).await
}

async fn review_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse_review(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => add_review(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(redirect_with_flash(&format!("/safety/key_prisoners/{id}"), "复核已登记")),
        Err(AppError::Validation(errors)) => {
            let k = get(&ctx, id).await?;
            view(&ctx, k, f, errors).await
        }
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let k = get(&ctx, id).await?;
    let reviews = reviews(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "key_prisoner": k, "reviews": reviews })).into_response())
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

async fn api_review(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = parse_review(&json_pairs(b)?, platform::clock::today(&ctx.state.clock))?;
    let rid = add_review(&ctx, id, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": rid }))).into_response())
}
