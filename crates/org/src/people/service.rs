//! People (民警/职工): every query, scoped on the person's unit (and, for scope "self", on the
//! person's own account). ID numbers are sealed with SM4; lists only ever see the masked form.

use super::input::PersonInput;
use crate::domain::*;
use platform::audit::Event;
use platform::db::{Sql, Tx, like_contains};
use platform::ledger::expect_one_updated;
use platform::web::{ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx, crypto};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number_masked: String,
    pub police_number: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub post: String,
    pub police_rank: String,
    pub leadership_level: String,
    pub party_status: String,
    pub party_join_date: Option<String>,
    pub branch_id: Option<i64>,
    pub branch_name: Option<String>,
    #[serde(serialize_with = "masked_phone")]
    pub phone: String,
    pub employment_status: String,
    pub user_id: Option<i64>,
    pub version: i64,
}

fn masked_phone<S: serde::Serializer>(p: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&system::accounts::service::mask_phone(p))
}

impl Person {
    pub fn kind_label(&self) -> &'static str {
        label(PERSON_KINDS, &self.kind)
    }
    pub fn gender_label(&self) -> &'static str {
        label(GENDERS, &self.gender)
    }
    pub fn rank_label(&self) -> &'static str {
        label(POLICE_RANKS, &self.police_rank)
    }
    pub fn level_label(&self) -> &'static str {
        label(LEADERSHIP_LEVELS, &self.leadership_level)
    }
    pub fn party_label(&self) -> &'static str {
        label(PARTY_STATUSES, &self.party_status)
    }
    pub fn employment_label(&self) -> &'static str {
        label(EMPLOYMENT, &self.employment_status)
    }
    pub fn masked_phone(&self) -> String {
        system::accounts::service::mask_phone(&self.phone)
    }
}

const COLS: &str = "p.id, p.kind, p.name, p.gender, p.birth_date, p.id_number_masked, p.police_number, p.unit_id, \
    n.name AS unit_name, p.post, p.police_rank, p.leadership_level, p.party_status, p.party_join_date, p.branch_id, \
    o.name AS branch_name, p.phone, p.employment_status, p.user_id, p.version";
const FROM: &str = "FROM people p JOIN units n ON n.id = p.unit_id LEFT JOIN party_orgs o ON o.id = p.branch_id";

pub const SORTS: &[(&str, &str)] = &[
    ("unit", "n.sort_order"),
    ("name", "p.name"),
    ("police_number", "p.police_number"),
    ("birth_date", "p.birth_date"),
];

/// The `party_status` filter value for 正式 and 预备 members together.
pub const MEMBERS: &str = "member";

/// Filters: keyword (name or police number), kind, party_status (one status, or [`MEMBERS`] for
/// 正式 and 预备 together: the Party members every count means), rank, level, employment, unit
/// (with its subtree), org (the organisation and every organisation under it).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Person>> {
    let user = ctx.user()?;
    let unit_path = match p.get_i64("unit") {
        Some(id) => Some(system::units::service::get(ctx, id).await?.path),
        None => None,
    };
    let org_path = match p.get_i64("org") {
        Some(id) => Some(crate::orgs::service::get(ctx, id).await?.path),
        None => None,
    };
    let kw = p.get("keyword").to_string();
    // `member` is 正式 and 预备 together, not one status.
    let members = p.get("party_status") == MEMBERS;
    let exact: Vec<(&str, String)> = [
        ("p.kind", "kind"),
        ("p.party_status", "party_status"),
        ("p.police_rank", "police_rank"),
        ("p.leadership_level", "leadership_level"),
        ("p.employment_status", "employment_status"),
    ]
    .iter()
    .filter(|(_, k)| !(p.get(k).is_empty() || (members && *k == "party_status")))
    .map(|(col, k)| (*col, p.get(k).to_string()))
    .collect();
    let page = fetch_page::<Person>(
        &ctx.state.db,
        COLS,
        "p.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "p.unit_id", Some("p.user_id"));
            if !kw.is_empty() {
                let like = like_contains(&kw);
                q.push(" AND (p.name LIKE ")
                    .bind(like.clone())
                    .push(" ESCAPE '\\' OR p.police_number LIKE ")
                    .bind(like)
                    .push(" ESCAPE '\\')");
            }
            for (col, v) in &exact {
                q.push(" AND ").push(col).push(" = ").bind(v.clone());
            }
            if members {
                q.push(" AND p.party_status IN ('full', 'probationary')");
            }
            if let Some(path) = &unit_path {
                q.push(" AND ");
                platform::scope::push_under(q, "n.path", path);
            }
            if let Some(path) = &org_path {
                q.push(" AND p.branch_id IN (SELECT id FROM party_orgs WHERE ");
                platform::scope::push_under(q, "path", path);
                q.push(")");
            }
        },
        p,
    )
    .await?;
    Ok(page)
}

/// One person in the caller's scope; otherwise NotFound, audited.
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Person> {
    let select = format!("SELECT {COLS} {FROM}");
    platform::ledger::get_in_scope(ctx, &select, "p.id", id, "p.unit_id", Some("p.user_id"), "person").await
}

/// The full ID number, for those allowed to see it; every view is audited.
pub async fn reveal_id_number(ctx: &Ctx, id: i64) -> AppResult<String> {
    if !ctx.can(crate::PERSON_ID_VIEW) {
        return Err(AppError::Forbidden);
    }
    let p = get(ctx, id).await?;
    let sealed: String = sqlx::query_scalar("SELECT id_number_sealed FROM people WHERE id = $1")
        .bind(id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    if sealed.is_empty() {
        return Ok(String::new());
    }
    let plain = crypto::open(&ctx.state.keys.field, &sealed).map_err(|e| anyhow::anyhow!("person {id}: {e}"))?;
    ctx.state
        .audit_alone(
            &ctx.actor(),
            Event::ok("view_sensitive", "person", id).detail(format!("查看 {} 的身份证号", p.name)),
        )
        .await?;
    Ok(plain)
}

/// Is the row `id` of `table` (a unit or an organisation) inside the caller's scope? Read in
/// `tx`, and never audited: a roster import checks thousands of rows inside one transaction.
async fn in_scope(ctx: &Ctx, tx: &mut Tx, table: &str, id: i64, active_org: bool) -> AppResult<bool> {
    let user = ctx.user()?;
    let (sql, col) = match table {
        "units" => ("SELECT count(*) FROM units WHERE id = ", "id"),
        _ => ("SELECT count(*) FROM party_orgs WHERE id = ", "unit_id"),
    };
    let mut q = Sql::new(sql);
    q.bind(id).push(" AND ");
    user.scope.push_condition(&mut q, col, None);
    if active_org {
        q.push(" AND dissolved_on IS NULL AND kind = 'branch'");
    }
    let n: i64 = q.query_scalar().fetch_one(&mut **tx).await?;
    Ok(n == 1)
}

/// Checks what only the database can tell: the unit and branch are in scope, numbers are unique.
async fn check_refs(ctx: &Ctx, tx: &mut Tx, i: &PersonInput, id: Option<i64>) -> AppResult<()> {
    let mut errors = platform::error::FieldErrors::new();
    if !in_scope(ctx, tx, "units", i.unit_id, false).await? {
        errors.insert("unit_id".into(), "请选择有效的所在单位".into());
    }
    if let Some(u) = i.user_id {
        let mut q = Sql::new("SELECT count(*) FROM users WHERE id = ");
        q.bind(u).push(" AND ");
        ctx.user()?.scope.push_condition(&mut q, "unit_id", None);
        let found: i64 = q.query_scalar().fetch_one(&mut **tx).await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM people WHERE user_id = $1").bind(u).fetch_optional(&mut **tx).await?;
        if found == 0 {
            errors.insert("user_id".into(), "请选择有效的账号".into());
        } else if taken.is_some_and(|t| Some(t) != id) {
            errors.insert("user_id".into(), "该账号已关联其他人员".into());
        }
    }
    if let Some(b) = i.branch_id
        && !in_scope(ctx, tx, "party_orgs", b, true).await?
    {
        errors.insert("branch_id".into(), "请选择有效的党支部（须为未撤销的党支部）".into());
    }
    errors.extend(duplicates(ctx, tx, i.police_number.as_deref(), i.id_number.as_deref(), id).await?);
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// Field errors for a police number or ID number that another person already has. Also used by
/// the roster import on rows with other errors, so a row's every problem is reported at once.
pub async fn duplicates(
    ctx: &Ctx,
    tx: &mut Tx,
    police_number: Option<&str>,
    id_number: Option<&str>,
    id: Option<i64>,
) -> AppResult<platform::error::FieldErrors> {
    let mut errors = platform::error::FieldErrors::new();
    if let Some(n) = police_number.filter(|n| !n.is_empty()) {
        let dup: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE police_number = $1")
            .bind(n)
            .fetch_optional(&mut **tx)
            .await?;
        if dup.is_some_and(|d| Some(d) != id) {
            errors.insert("police_number".into(), "警号已存在".into());
        }
    }
    if let Some(n) = id_number.filter(|n| !n.is_empty()) {
        let idx = crypto::blind_index(&ctx.state.keys.field, n);
        let dup: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id_number_index = $1")
            .bind(idx)
            .fetch_optional(&mut **tx)
            .await?;
        if dup.is_some_and(|d| Some(d) != id) {
            errors.insert("id_number".into(), "身份证号已在花名册中".into());
        }
    }
    Ok(errors)
}

/// Inserts a checked person in `tx` (used by the form, the API, the roster import and the demo).
pub async fn insert(ctx: &Ctx, tx: &mut Tx, i: &PersonInput) -> AppResult<i64> {
    check_refs(ctx, tx, i, None).await?;
    let key = &ctx.state.keys.field;
    let (sealed, index, masked) = match &i.id_number {
        Some(n) => (crypto::seal(key, n), Some(crypto::blind_index(key, n)), platform::idcard::mask(n)),
        None => (String::new(), None, String::new()),
    };
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO people (kind, name, gender, birth_date, id_number_sealed, id_number_index, id_number_masked, police_number, \
         unit_id, post, police_rank, leadership_level, party_status, party_join_date, branch_id, phone, employment_status, \
         created_at, updated_at, user_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$18,$19) RETURNING id",
    )
    .bind(i.kind)
    .bind(&i.name)
    .bind(i.gender)
    .bind(&i.birth_date)
    .bind(sealed)
    .bind(index)
    .bind(masked)
    .bind(i.police_number.clone())
    .bind(i.unit_id)
    .bind(&i.post)
    .bind(i.police_rank)
    .bind(i.leadership_level)
    .bind(i.party_status)
    .bind(i.party_join_date.clone())
    .bind(i.branch_id)
    .bind(&i.phone)
    .bind(i.employment_status)
    .bind(now)
    .bind(i.user_id)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(b) = i.branch_id {
        let from = i.party_join_date.clone().unwrap_or_else(|| platform::clock::today(&ctx.state.clock).to_string());
        open_membership(tx, id, b, &from).await?;
    }
    index_person(tx, id, i).await?;
    Ok(id)
}

/// What the full-text search finds a person by: the name, the police number and the post.
pub const SEARCH_SOURCE: &str =
    "SELECT id, unit_id, name, coalesce(police_number, '') || ' ' || coalesce(post, '') FROM people";

/// Indexes a person for the full-text search (what [`SEARCH_SOURCE`] reads).
pub async fn index(
    tx: &mut Tx,
    id: i64,
    unit_id: i64,
    name: &str,
    police_number: Option<&str>,
    post: &str,
) -> Result<(), sqlx::Error> {
    platform::search::index(tx, "person", id, unit_id, name, &format!("{} {post}", police_number.unwrap_or(""))).await
}

async fn index_person(tx: &mut Tx, id: i64, i: &PersonInput) -> Result<(), sqlx::Error> {
    index(tx, id, i.unit_id, &i.name, i.police_number.as_deref(), &i.post).await
}

async fn open_membership(tx: &mut Tx, person: i64, org: i64, from: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO branch_memberships (person_id, org_id, from_date) VALUES ($1, $2, $3)")
        .bind(person)
        .bind(org)
        .bind(from)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn create(ctx: &Ctx, i: &PersonInput) -> AppResult<i64> {
    let mut tx = ctx.state.db.begin().await?;
    let id = insert(ctx, &mut tx, i).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "person", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves an edit; a new branch closes the old membership and opens the new one.
pub async fn update(ctx: &Ctx, id: i64, i: &PersonInput) -> AppResult<()> {
    let current = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    check_refs(ctx, &mut tx, i, Some(id)).await?;
    let n = sqlx::query(
        "UPDATE people SET kind = $1, name = $2, gender = $3, birth_date = $4, police_number = $5, unit_id = $6, post = $7, \
         police_rank = $8, leadership_level = $9, party_status = $10, party_join_date = $11, branch_id = $12, phone = $13, \
         employment_status = $14, version = version + 1, updated_at = $15, user_id = $18 WHERE id = $16 AND version = $17",
    )
    .bind(i.kind)
    .bind(&i.name)
    .bind(i.gender)
    .bind(&i.birth_date)
    .bind(i.police_number.clone())
    .bind(i.unit_id)
    .bind(&i.post)
    .bind(i.police_rank)
    .bind(i.leadership_level)
    .bind(i.party_status)
    .bind(i.party_join_date.clone())
    .bind(i.branch_id)
    .bind(&i.phone)
    .bind(i.employment_status)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .bind(i.user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    index_person(&mut tx, id, i).await?;
    if let Some(n) = &i.id_number {
        let key = &ctx.state.keys.field;
        sqlx::query(
            "UPDATE people SET id_number_sealed = $1, id_number_index = $2, id_number_masked = $3 WHERE id = $4",
        )
        .bind(crypto::seal(key, n))
        .bind(crypto::blind_index(key, n))
        .bind(platform::idcard::mask(n))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    if current.branch_id != i.branch_id {
        let today = platform::clock::today(&ctx.state.clock).to_string();
        sqlx::query("UPDATE branch_memberships SET to_date = $1 WHERE person_id = $2 AND to_date IS NULL")
            .bind(&today)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(b) = i.branch_id {
            open_membership(&mut tx, id, b, &today).await?;
        }
    }
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "person", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(())
}

/// (org name, from, to) for the profile.
pub async fn memberships(ctx: &Ctx, id: i64) -> AppResult<Vec<(String, String, Option<String>)>> {
    get(ctx, id).await?;
    Ok(sqlx::query_as(
        "SELECT o.name, m.from_date, m.to_date FROM branch_memberships m JOIN party_orgs o ON o.id = m.org_id \
         WHERE m.person_id = $1 ORDER BY m.from_date DESC, m.id DESC LIMIT 100",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}
