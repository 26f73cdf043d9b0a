//! 党风廉政建设责任书: the prison's letter for a year, its signatories (every current branch
//! secretary and department head, listed when the letter is made, and anyone added by hand), and
//! who has signed on which day. The party office records paper signatures; a signatory may also
//! sign in person. A letter is seen by those whose scope holds its unit and by its signatories.

use crate::domain::*;
use crate::{SUP_EDIT, SUP_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::db::Sql;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx, CurrentUser};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    // Signing needs SUP_EDIT (recording a paper signature) or being the signatory: checked inside.
    let (view, edit) = (Need::Perm(SUP_VIEW), Need::Perm(SUP_EDIT));
    r.get("/supervision/letters", view, "责任书", list_page)
        .get("/supervision/letters/new", edit, "制定责任书页", new_page)
        .post("/supervision/letters", edit, "制定责任书", create_page)
        .get("/supervision/letters/{id}", view, "责任书详情与签订情况（signed=no 为未签名单）", view_page)
        .post("/supervision/letters/{id}/sign", view, "登记签订（本人签订，或登记纸质签字）", sign_page)
        .post("/supervision/letters/{id}/signatories", edit, "增加签订人", add_page)
        .post("/supervision/letters/{id}/delete", edit, "删除责任书", delete_page)
        .get("/api/v1/responsibility_letters", view, "责任书列表（year）", api_list)
        .post(
            "/api/v1/responsibility_letters",
            edit,
            "制定责任书（year, title, body），各党支部书记和部门主要负责人列为签订人",
            api_create,
        )
        .get("/api/v1/responsibility_letters/{id}", view, "责任书详情（含签订人，signed=no|yes）", api_get)
        .delete("/api/v1/responsibility_letters/{id}", edit, "删除责任书", api_delete)
        .post("/api/v1/responsibility_letters/{id}/sign", view, "登记签订（person_id, signed_on）", api_sign)
        .post("/api/v1/responsibility_letters/{id}/signatories", edit, "增加签订人（person_id, capacity）", api_add)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Letter {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_path: String,
    pub year: i64,
    pub title: String,
    pub body: String,
    pub signed: i64,
    pub total: i64,
    pub version: i64,
}

impl Letter {
    /// The text, cleaned again for showing with `|safe`.
    pub fn body_html(&self) -> String {
        platform::richtext::render(&self.body)
    }
    pub fn unsigned(&self) -> i64 {
        self.total - self.signed
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Signatory {
    pub person_id: i64,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub capacity: String,
    pub signed_on: Option<String>,
    /// 1 when this is the caller's own person.
    #[serde(skip)]
    pub mine: i64,
    /// 1 when the signatory's unit is inside the caller's scope.
    #[serde(skip)]
    pub in_scope: i64,
    /// Whether the caller may record this signature (set after loading).
    #[sqlx(skip)]
    #[serde(skip)]
    pub may_sign: bool,
}

impl Signatory {
    pub fn capacity_label(&self) -> &'static str {
        label(CAPACITIES, &self.capacity)
    }
}

const COLS: &str = "l.id, l.unit_id, u.name AS unit_name, u.path AS unit_path, l.year, l.title, l.body, \
    (SELECT count(*) FROM letter_signatories s WHERE s.letter_id = l.id AND s.signed_on IS NOT NULL) AS signed, \
    (SELECT count(*) FROM letter_signatories s WHERE s.letter_id = l.id) AS total, l.version";
const FROM: &str = "FROM responsibility_letters l JOIN units u ON u.id = l.unit_id";
pub const SORTS: &[(&str, &str)] = &[("year", "l.year"), ("title", "l.title")];

/// A letter is seen when its unit is in the caller's scope, or when the caller's own person is
/// one of its signatories.
fn push_visible(q: &mut Sql, user: &CurrentUser) {
    q.push("(");
    user.scope.push_condition(q, "l.unit_id", None);
    q.push(
        " OR EXISTS (SELECT 1 FROM letter_signatories s JOIN people p ON p.id = s.person_id \
         WHERE s.letter_id = l.id AND p.user_id = ",
    )
    .bind(user.id)
    .push("))");
}

/// Filter: year.
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Letter>> {
    let user = ctx.user()?;
    let year = p.get_i64("year");
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "l.year DESC".into();
    }
    Ok(fetch_page::<Letter>(
        &ctx.state.db,
        COLS,
        "l.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_visible(q, user);
            if let Some(y) = year {
                q.push(" AND l.year = ").bind(y);
            }
        },
        &p,
    )
    .await?)
}

/// The caller's own person on this letter's list of signatories, if any.
async fn own_signatory(ctx: &Ctx, id: i64) -> AppResult<Option<i64>> {
    let user = ctx.user()?;
    Ok(sqlx::query_scalar(
        "SELECT s.person_id FROM letter_signatories s JOIN people p ON p.id = s.person_id \
         WHERE s.letter_id = $1 AND p.user_id = $2",
    )
    .bind(id)
    .bind(user.id)
    .fetch_optional(&ctx.state.db.pool)
    .await?)
}

/// One letter the caller may see: in scope (the shared scoped get, which audits a miss), or as
/// one of its signatories.
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Letter> {
    let select = format!("SELECT {COLS} {FROM}");
    if own_signatory(ctx, id).await?.is_some() {
        let mut q = Sql::new(&select);
        q.push(" WHERE l.id = ").bind(id);
        return q.query_as::<Letter>().fetch_optional(&ctx.state.db.pool).await?.ok_or(AppError::NotFound);
    }
    platform::ledger::get_in_scope(ctx, &select, "l.id", id, "l.unit_id", None, "responsibility_letter").await
}

/// Changing a letter (its list, deleting it) needs its unit inside the caller's scope: being a
/// signatory is not enough.
async fn get_for_edit(ctx: &Ctx, id: i64) -> AppResult<Letter> {
    let select = format!("SELECT {COLS} {FROM}");
    platform::ledger::get_in_scope(ctx, &select, "l.id", id, "l.unit_id", None, "responsibility_letter").await
}

/// Signatories the caller sees: all of them when the letter's unit is in scope; otherwise those
/// of units in scope and the caller's own row. `signed` = "no" / "yes" filters.
pub async fn signatories(ctx: &Ctx, letter: &Letter, signed: &str, person: Option<i64>) -> AppResult<Vec<Signatory>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT s.person_id, p.name, s.unit_id, u.name AS unit_name, s.capacity, s.signed_on, CASE WHEN p.user_id = ",
    );
    q.bind(user.id).push(" THEN 1 ELSE 0 END AS mine, CASE WHEN ");
    user.scope.push_condition(&mut q, "s.unit_id", None);
    q.push(
        " THEN 1 ELSE 0 END AS in_scope FROM letter_signatories s JOIN people p ON p.id = s.person_id \
         JOIN units u ON u.id = s.unit_id WHERE s.letter_id = ",
    )
    .bind(letter.id);
    let whole = user.scope.covers_unit(letter.unit_id, &letter.unit_path);
    if !whole {
        q.push(" AND (");
        user.scope.push_condition(&mut q, "s.unit_id", None);
        q.push(" OR p.user_id = ").bind(user.id).push(")");
    }
    match signed {
        "no" => {
            q.push(" AND s.signed_on IS NULL");
        }
        "yes" => {
            q.push(" AND s.signed_on IS NOT NULL");
        }
        _ => {}
    }
    if let Some(pid) = person {
        q.push(" AND s.person_id = ").bind(pid);
    }
    q.push(
        " ORDER BY u.sort_order, u.id, CASE s.capacity WHEN 'branch_secretary' THEN 0 WHEN 'department_head' THEN 1 \
         ELSE 2 END, p.name, s.person_id LIMIT 2000",
    );
    let mut rows: Vec<Signatory> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let can_edit = user.can(SUP_EDIT);
    for s in &mut rows {
        s.may_sign = s.signed_on.is_none() && (s.mine == 1 || (can_edit && (whole || s.in_scope == 1)));
    }
    Ok(rows)
}

pub struct LetterInput {
    pub year: i64,
    pub title: String,
    pub body: String,
}

pub fn parse(f: &FormPairs, today: jiff::civil::Date) -> AppResult<LetterInput> {
    let mut c = FormCheck::new();
    let this_year = i64::from(today.year());
    let year = c.int("year", "年度", &f.get("year"), 2000, this_year + 1);
    if f.get("year").trim().is_empty() {
        c.add("year", "请输入年度");
    }
    let title = c.text("title", "标题", &f.get("title"), 100, true);
    let body = c.rich_text("body", "责任书内容", &f.get("body"), 100_000, false);
    c.finish()?;
    Ok(LetterInput { year, title, body })
}

/// (person, unit, capacity) of everyone who signs a new letter of `prison`: the secretary of every
/// branch not dissolved, then every active department's 主要负责人 not already listed.
async fn default_signatories(ctx: &Ctx, prison: i64) -> AppResult<Vec<(i64, i64, &'static str)>> {
    let secretaries: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT DISTINCT p.id, p.unit_id FROM org_officers f JOIN party_orgs o ON o.id = f.org_id \
         JOIN units ou ON ou.id = o.unit_id JOIN people p ON p.id = f.person_id \
         WHERE f.post = 'secretary' AND f.ended_on IS NULL AND o.kind = 'branch' AND o.dissolved_on IS NULL \
         AND ou.prison_id = $1 ORDER BY p.id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let heads: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.unit_id FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE p.employment_status = 'active' AND p.post = '主要负责人' AND u.kind = 'department' AND u.prison_id = $1 \
         ORDER BY u.sort_order, p.id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (list, capacity) in [(secretaries, "branch_secretary"), (heads, "department_head")] {
        for (person, unit) in list {
            if seen.insert(person) {
                out.push((person, unit, capacity));
            }
        }
    }
    Ok(out)
}

/// A new letter of the caller's prison, with its default signatories.
pub async fn create(ctx: &Ctx, i: &LetterInput) -> AppResult<i64> {
    let user = ctx.user()?;
    let prison = user.prison_id.ok_or_else(|| AppError::BadRequest("您的账号不属于某个监狱，不能制定责任书".into()))?;
    let path: String =
        sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(prison).fetch_one(&ctx.state.db.pool).await?;
    if !user.scope.covers_unit(prison, &path) {
        return Err(AppError::Forbidden);
    }
    insert(ctx, prison, i).await
}

async fn insert(ctx: &Ctx, prison: i64, i: &LetterInput) -> AppResult<i64> {
    let user = ctx.user()?;
    let people = default_signatories(ctx, prison).await?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO responsibility_letters (unit_id, year, title, body, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id",
    )
    .bind(prison)
    .bind(i.year)
    .bind(&i.title)
    .bind(&i.body)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (person, unit, capacity) in &people {
        sqlx::query("INSERT INTO letter_signatories (letter_id, person_id, unit_id, capacity) VALUES ($1,$2,$3,$4)")
            .bind(id)
            .bind(*person)
            .bind(*unit)
            .bind(*capacity)
            .execute(&mut *tx)
            .await?;
    }
    let detail = format!("{} 年度《{}》，签订人 {} 人", i.year, i.title, people.len());
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "responsibility_letter", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records that `person` signed on `on` (not after today): by the signatory, or by SUP_EDIT for
/// a signatory the caller can see. Signing twice is refused.
pub async fn sign(ctx: &Ctx, id: i64, person: &str, on: &str) -> AppResult<()> {
    let letter = get(ctx, id).await?;
    let mut c = FormCheck::new();
    let person = person.trim().parse::<i64>().ok();
    if person.is_none() {
        c.add("person_id", "请选择签订人");
    }
    let day = c.date("signed_on", "签订日期", on, true);
    if day.is_some_and(|d| d > platform::clock::today(&ctx.state.clock)) {
        c.add("signed_on", "签订日期不能晚于今天");
    }
    c.finish()?;
    let (Some(person), Some(day)) = (person, day) else {
        return Err(AppError::field("person_id", "请选择签订人"));
    };
    let Some(s) = signatories(ctx, &letter, "", Some(person)).await?.into_iter().next() else {
        return Err(AppError::field("person_id", "该人员不在本责任书的签订名单中"));
    };
    if let Some(d) = &s.signed_on {
        return Err(AppError::field("person_id", format!("{}已于 {d} 签订，无需重复登记", s.name)));
    }
    if !s.may_sign {
        let ev = Event::failed("access_denied", "responsibility_letter", id).detail(format!("登记 {} 的签订", s.name));
        ctx.state.audit_alone(&ctx.actor(), ev).await?;
        return Err(AppError::Forbidden);
    }
    let user = ctx.user()?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE letter_signatories SET signed_on = $1, recorded_by = $2 \
         WHERE letter_id = $3 AND person_id = $4 AND signed_on IS NULL",
    )
    .bind(day.to_string())
    .bind(user.id)
    .bind(id)
    .bind(person)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    let how = if s.mine == 1 { "本人签订" } else { "登记纸质签字" };
    let detail = format!("《{}》{}（{}）{} 签订，{how}", letter.title, s.name, s.unit_name, day);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "responsibility_letter", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds one signatory: an active person of the letter's prison, inside the caller's scope.
pub async fn add_signatory(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<()> {
    let letter = get_for_edit(ctx, id).await?;
    let mut c = FormCheck::new();
    let person = f.get("person_id").trim().parse::<i64>().ok();
    if person.is_none() {
        c.add("person_id", "请选择签订人");
    }
    let raw = f.get("capacity");
    let capacity = c.choice("capacity", "签订身份", if raw.trim().is_empty() { "other" } else { &raw }, CAPACITIES);
    c.finish()?;
    let person = person.unwrap_or_default();
    let user = ctx.user()?;
    let mut q =
        Sql::new("SELECT p.id, p.name, p.unit_id, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = ");
    q.bind(person)
        .push(" AND p.employment_status = 'active' AND u.prison_id = (SELECT prison_id FROM units WHERE id = ")
        .bind(letter.unit_id)
        .push(") AND ");
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    let Some((pid, name, unit, unit_name)) =
        q.query_as::<(i64, String, i64, String)>().fetch_optional(&ctx.state.db.pool).await?
    else {
        return Err(AppError::field("person_id", "请选择本监狱的在职人员"));
    };
    let listed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM letter_signatories WHERE letter_id = $1 AND person_id = $2")
            .bind(id)
            .bind(pid)
            .fetch_one(&ctx.state.db.pool)
            .await?;
    if listed > 0 {
        return Err(AppError::field("person_id", format!("{name}已在签订名单中")));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("INSERT INTO letter_signatories (letter_id, person_id, unit_id, capacity) VALUES ($1,$2,$3,$4)")
        .bind(id)
        .bind(pid)
        .bind(unit)
        .bind(&capacity)
        .execute(&mut *tx)
        .await?;
    let detail = format!("《{}》增加签订人 {name}（{unit_name}，{}）", letter.title, label(CAPACITIES, &capacity));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "responsibility_letter", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let letter = get_for_edit(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM responsibility_letters WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{} 年度《{}》（已签 {}/{}）", letter.year, letter.title, letter.signed, letter.total);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "responsibility_letter", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Active leaders (副科 and above) of the letter's prison, in the caller's scope, not yet listed:
/// offered for adding one (the API takes anyone active of the prison).
async fn candidates(ctx: &Ctx, letter: &Letter) -> AppResult<Vec<(i64, String, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE p.employment_status = 'active' AND p.leadership_level NOT IN ('', 'staff') \
         AND u.prison_id = (SELECT prison_id FROM units WHERE id = ",
    );
    q.bind(letter.unit_id)
        .push(") AND NOT EXISTS (SELECT 1 FROM letter_signatories s WHERE s.letter_id = ")
        .bind(letter.id)
        .push(" AND s.person_id = p.id) AND ");
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    q.push(" ORDER BY u.sort_order, u.id, p.name LIMIT 500");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// Signatory records (letter id, "姓名（单位）") of the year's letters, signed and due, that the
/// caller sees: all of a letter whose unit is in scope, else those of units in scope.
pub async fn signed_counts(ctx: &Ctx, year: i64) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT s.letter_id, p.name, u.name, s.signed_on FROM letter_signatories s \
         JOIN responsibility_letters l ON l.id = s.letter_id JOIN people p ON p.id = s.person_id \
         JOIN units u ON u.id = s.unit_id WHERE l.year = ",
    );
    q.bind(year).push(" AND (");
    user.scope.push_condition(&mut q, "l.unit_id", None);
    q.push(" OR ");
    user.scope.push_condition(&mut q, "s.unit_id", None);
    q.push(") ORDER BY s.letter_id, u.sort_order, u.id, p.name, s.person_id");
    let rows: Vec<(i64, String, String, Option<String>)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let mut signed = Vec::new();
    let mut due = Vec::new();
    for (letter, name, unit, on) in rows {
        let label = format!("{name}（{unit}）");
        if on.is_some() {
            signed.push((letter, label.clone()));
        }
        due.push((letter, label));
    }
    Ok((signed, due))
}

/// The caller's own unsigned letters; for SUP_EDIT, this year's letters in scope not yet signed by all.
pub struct LetterTodos;

impl TodoSource for LetterTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(SUP_VIEW) {
                return Ok(Vec::new());
            }
            let mut out = Vec::new();
            let mut q = Sql::new(
                "SELECT l.id, l.year, l.title FROM responsibility_letters l JOIN letter_signatories s ON s.letter_id = l.id \
                 JOIN people p ON p.id = s.person_id WHERE p.user_id = $1 AND s.signed_on IS NULL ORDER BY l.year DESC, l.id LIMIT 50",
            );
            q.value(user.id);
            let mine: Vec<(i64, i64, String)> = q.fetch_fresh(&ctx.state.db).await?;
            for (id, year, title) in mine {
                out.push(Todo {
                    title: format!("签订《{title}》"),
                    detail: format!("{year} 年度责任书，您尚未签订"),
                    due: None,
                    href: format!("/supervision/letters/{id}"),
                    level: "missing",
                    source: "责任书",
                });
            }
            if user.can(SUP_EDIT) {
                let year = i64::from(platform::clock::today(&ctx.state.clock).year());
                let mut q = Sql::new(
                    "SELECT l.id, l.title, (SELECT count(*) FROM letter_signatories s WHERE s.letter_id = l.id AND s.signed_on IS NULL) AS n \
                     FROM responsibility_letters l WHERE l.year = ",
                );
                q.bind(year).push(" AND ");
                user.scope.push_condition(&mut q, "l.unit_id", None);
                q.push(" ORDER BY l.id LIMIT 50");
                let rows: Vec<(i64, String, i64)> = q.fetch_fresh(&ctx.state.db).await?;
                for (id, title, n) in rows.into_iter().filter(|r| r.2 > 0) {
                    out.push(Todo {
                        title: format!("《{title}》{n} 人未签"),
                        detail: "责任书尚未全部签订，请督促或登记纸质签字".into(),
                        due: None,
                        href: format!("/supervision/letters/{id}?signed=no"),
                        level: "missing",
                        source: "责任书",
                    });
                }
            }
            Ok(out)
        })
    }
}

/// Demo: the year's letter (fictional text), signed by about 85% of its signatories.
pub async fn seed_demo(ctx: &Ctx, today: jiff::civil::Date) -> AppResult<()> {
    let prison: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&ctx.state.db.pool).await?;
    let year = today.year();
    let input = LetterInput {
        year: i64::from(year),
        title: format!("{year}年度党风廉政建设责任书（演示）"),
        body: "<h3>一、责任内容</h3><p>演示数据，均为虚构：落实全面从严治党主体责任，抓好本部门、本支部党风廉政建设。</p>\
               <ul><li>带头遵守廉洁自律各项规定。</li><li>对职责范围内的党风廉政建设负直接领导责任。</li>\
               <li>每季度向监狱党委报告履责情况。</li></ul><h3>二、考核</h3><p>年终对照本责任书考核，结果与评先评优挂钩。</p>"
            .into(),
    };
    let id = insert(ctx, prison, &input).await?;
    let people: Vec<(i64,)> =
        sqlx::query_as("SELECT person_id FROM letter_signatories WHERE letter_id = $1 ORDER BY person_id")
            .bind(id)
            .fetch_all(&ctx.state.db.pool)
            .await?;
    let first = jiff::civil::Date::new(year, 1, 1).unwrap_or(today);
    let mut tx = ctx.state.db.begin().await?;
    for (n, (person,)) in people.iter().enumerate() {
        // Every seventh signatory (about 15%) has not signed yet.
        if n % 7 == 3 {
            continue;
        }
        let day = first.saturating_add(jiff::Span::new().days(10 + (n as i64 % 20))).min(today);
        sqlx::query("UPDATE letter_signatories SET signed_on = $1 WHERE letter_id = $2 AND person_id = $3")
            .bind(day.to_string())
            .bind(id)
            .bind(*person)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "letters_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Letter>,
    offset: i64,
    pager: Pager,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/supervision/letters", "责任书", &[("主体责任", ""), ("责任书", "")]);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, can_edit: ctx.can(SUP_EDIT) }).into_response())
}

#[derive(Template)]
#[template(path = "letter_form.html")]
struct FormPage {
    frame: Frame,
    f: FormPairs,
    errors: FieldErrors,
    /// The text as the editor starts from it: cleaned, even when a rejected post is shown again.
    body: String,
}

fn form(ctx: &Ctx, f: FormPairs, errors: FieldErrors) -> Response {
    let title = "制定责任书";
    let frame = Frame::new(
        ctx,
        title,
        "/supervision/letters",
        &[("主体责任", ""), ("责任书", "/supervision/letters"), (title, "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = platform::richtext::clean(&f.get("body"));
    (status, Html(FormPage { frame, f, errors, body })).into_response()
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let year = platform::clock::today(&ctx.state.clock).year();
    let pairs =
        vec![("year".to_string(), year.to_string()), ("title".to_string(), format!("{year}年度党风廉政建设责任书"))];
    Ok(form(&ctx, FormPairs::from(pairs), FieldErrors::new()))
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/supervision/letters/{id}"), "责任书已制定，签订名单已生成")),
        Err(AppError::Validation(errors)) => Ok(form(&ctx, f, errors)),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "letter_view.html")]
struct ViewPage {
    frame: Frame,
    l: Letter,
    rows: Vec<Signatory>,
    /// "", "no" (未签名单) or "yes".
    signed: String,
    candidates: Vec<(i64, String, String)>,
    capacities: Codes,
    today: String,
    can_edit: bool,
    /// Why the last post was refused (nothing was saved).
    error: Option<String>,
}

/// The letter's page; with `error`, the refusal of a post shown over it (422).
async fn render_view(ctx: &Ctx, id: i64, signed: &str, error: Option<String>) -> AppResult<Response> {
    let l = get(ctx, id).await?;
    let signed = match signed {
        "no" => "no",
        "yes" => "yes",
        _ => "",
    };
    let rows = signatories(ctx, &l, signed, None).await?;
    let can_edit = ctx.can(SUP_EDIT) && ctx.user()?.scope.covers_unit(l.unit_id, &l.unit_path);
    let candidates = if can_edit { candidates(ctx, &l).await? } else { Vec::new() };
    let frame = Frame::new(
        ctx,
        &l.title,
        "/supervision/letters",
        &[("主体责任", ""), ("责任书", "/supervision/letters"), ("责任书详情", "")],
    );
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ViewPage {
        frame,
        l,
        rows,
        signed: signed.to_string(),
        candidates,
        capacities: CAPACITIES,
        today,
        can_edit,
        error,
    };
    Ok((status, Html(page)).into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>, q: Q) -> AppResult<Response> {
    render_view(&ctx, id, q.get("signed").map(String::as_str).unwrap_or(""), None).await
}

/// After a post: back to the letter, or the letter again with the reason it was refused.
async fn back(ctx: &Ctx, id: i64, res: AppResult<()>, done: &str) -> AppResult<Response> {
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/supervision/letters/{id}"), done)),
        Err(AppError::Validation(e)) => {
            render_view(ctx, id, "no", Some(e.into_values().collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(e),
    }
}

async fn sign_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = sign(&ctx, id, &f.get("person_id"), &f.get("signed_on")).await;
    back(&ctx, id, res, "签订已登记").await
}

async fn add_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = add_signatory(&ctx, id, &f).await;
    back(&ctx, id, res, "签订人已增加").await
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/supervision/letters", "责任书已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>, q: Q) -> AppResult<Response> {
    let l = get(&ctx, id).await?;
    let rows = signatories(&ctx, &l, q.get("signed").map(String::as_str).unwrap_or(""), None).await?;
    Ok(Json(serde_json::json!({ "letter": l, "signatories": rows })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = create(&ctx, &parse(&f, platform::clock::today(&ctx.state.clock))?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_sign(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    sign(&ctx, id, &f.get("person_id"), &f.get("signed_on")).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_add(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    add_signatory(&ctx, id, &f).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
