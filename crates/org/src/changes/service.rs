//! Personnel changes (职务调整): each records the person's state before and after; saving one
//! moves the person to the new state, so history is never lost and the roster stays current.

use crate::domain::*;
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::web::{FormCheck, ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Change {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub unit_id: i64,
    pub kind: String,
    pub effective_on: String,
    pub doc_number: String,
    pub before_post: String,
    pub after_post: String,
    pub before_level: String,
    pub after_level: String,
    pub before_rank: String,
    pub after_rank: String,
    pub before_unit_id: Option<i64>,
    pub after_unit_id: Option<i64>,
    pub before_unit: Option<String>,
    pub after_unit: Option<String>,
    pub reason: String,
}

impl Change {
    pub fn kind_label(&self) -> &'static str {
        label(CHANGE_KINDS, &self.kind)
    }
    pub fn before_level_label(&self) -> &'static str {
        label(LEADERSHIP_LEVELS, &self.before_level)
    }
    pub fn after_level_label(&self) -> &'static str {
        label(LEADERSHIP_LEVELS, &self.after_level)
    }
    pub fn before_rank_label(&self) -> &'static str {
        label(POLICE_RANKS, &self.before_rank)
    }
    pub fn after_rank_label(&self) -> &'static str {
        label(POLICE_RANKS, &self.after_rank)
    }
}

pub const COLS: &str = "c.id, c.person_id, p.name AS person_name, c.unit_id, c.kind, c.effective_on, c.doc_number, c.before_post, \
    c.after_post, c.before_level, c.after_level, c.before_rank, c.after_rank, c.before_unit_id, c.after_unit_id, \
    bu.name AS before_unit, au.name AS after_unit, c.reason";
pub const FROM: &str = "FROM personnel_changes c JOIN people p ON p.id = c.person_id \
    LEFT JOIN units bu ON bu.id = c.before_unit_id LEFT JOIN units au ON au.id = c.after_unit_id";
pub const SORTS: &[(&str, &str)] = &[("effective_on", "c.effective_on"), ("person", "p.name")];

/// Filters: keyword (name), kind, from / to (effective date), person, before_level.
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Change>> {
    let user = ctx.user()?;
    let kw = p.get("keyword").to_string();
    let exact: Vec<(&str, String)> = [("c.kind", "kind"), ("c.before_level", "before_level")]
        .iter()
        .filter(|(_, k)| !p.get(k).is_empty())
        .map(|(c, k)| (*c, p.get(k).to_string()))
        .collect();
    let (from, to, person) = (p.get("from").to_string(), p.get("to").to_string(), p.get_i64("person"));
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "c.effective_on DESC".into();
    }
    Ok(fetch_page::<Change>(
        &ctx.state.db,
        COLS,
        "c.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "c.unit_id", Some("p.user_id"));
            if !kw.is_empty() {
                q.push(" AND p.name LIKE ").bind(like_contains(&kw)).push(" ESCAPE '\\'");
            }
            for (col, v) in &exact {
                q.push(" AND ").push(col).push(" = ").bind(v.clone());
            }
            if !from.is_empty() {
                q.push(" AND c.effective_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND c.effective_on <= ").bind(to.clone());
            }
            if let Some(pid) = person {
                q.push(" AND c.person_id = ").bind(pid);
            }
        },
        &p,
    )
    .await?)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    pub person_id: String,
    pub kind: String,
    pub effective_on: String,
    pub doc_number: String,
    pub after_post: String,
    pub after_level: String,
    pub after_rank: String,
    pub after_unit_id: String,
    pub reason: String,
}

/// Records a change and moves the person to the new state, in one transaction.
pub async fn create(ctx: &Ctx, form: &ChangeForm) -> AppResult<i64> {
    let mut f = FormCheck::new();
    let kind = code_of(CHANGE_KINDS, &form.kind).unwrap_or_else(|| {
        f.add("kind", "请选择调整类型");
        ""
    });
    let date = f.date("effective_on", "生效日期", &form.effective_on, true);
    let doc = f.text("doc_number", "文号", &form.doc_number, 60, false);
    let reason = f.long_text("reason", "事由", &form.reason, 500, false);
    let after_post = f.text("after_post", "调整后岗位", &form.after_post, 40, false);
    let code_or = |f: &mut FormCheck, field: &str, name: &str, v: &str, codes: Codes| -> Option<&'static str> {
        if v.trim().is_empty() {
            return None;
        }
        let c = code_of(codes, v);
        if c.is_none() {
            f.add(field, format!("请选择有效的{name}"));
        }
        c
    };
    let after_level = code_or(&mut f, "after_level", "调整后领导职务", &form.after_level, LEADERSHIP_LEVELS);
    let after_rank = code_or(&mut f, "after_rank", "调整后职务等级", &form.after_rank, POLICE_RANKS);
    let person = match form.person_id.trim().parse::<i64>() {
        Ok(id) => crate::people::service::get(ctx, id).await.ok(),
        Err(_) => None,
    };
    if person.is_none() {
        f.add("person_id", "请选择人员");
    }
    let after_unit = match form.after_unit_id.trim().parse::<i64>() {
        Ok(id) => match system::units::service::get(ctx, id).await {
            Ok(u) => Some(u.id),
            Err(_) => {
                f.add("after_unit_id", "请选择有效的调入单位");
                None
            }
        },
        Err(_) => None,
    };
    if kind == "transfer" && after_unit.is_none() {
        f.add("after_unit_id", "调动须选择调入单位");
    }
    if kind == "removal" && after_level.is_some_and(|l| !l.is_empty()) {
        f.add("after_level", "免职后不再担任领导职务，请留空");
    }
    f.finish()?;
    let (Some(p), Some(date)) = (person, date) else { return Err(AppError::NotFound) };
    // What the person becomes: unchanged fields stay; a removal ends the leadership post.
    let new_post = if after_post.is_empty() { p.post.clone() } else { after_post };
    let new_level = if kind == "removal" { "" } else { after_level.unwrap_or(&p.leadership_level) };
    let new_rank = after_rank.unwrap_or(&p.police_rank);
    let new_unit = after_unit.unwrap_or(p.unit_id);
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO personnel_changes (person_id, unit_id, kind, effective_on, doc_number, before_post, after_post, before_level, \
         after_level, before_rank, after_rank, before_unit_id, after_unit_id, reason, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id",
    )
    .bind(p.id)
    .bind(p.unit_id)
    .bind(kind)
    .bind(date.to_string())
    .bind(&doc)
    .bind(&p.post)
    .bind(&new_post)
    .bind(&p.leadership_level)
    .bind(new_level.to_string())
    .bind(&p.police_rank)
    .bind(new_rank.to_string())
    .bind(p.unit_id)
    .bind(new_unit)
    .bind(&reason)
    .bind(ctx.user()?.id)
    .bind(ctx.state.clock.now_ms())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE people SET post = $1, leadership_level = $2, police_rank = $3, unit_id = $4, version = version + 1, updated_at = $5 WHERE id = $6")
        .bind(&new_post)
        .bind(new_level.to_string())
        .bind(new_rank.to_string())
        .bind(new_unit)
        .bind(ctx.state.clock.now_ms())
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    let detail = format!("{}：{} {}", p.name, label(CHANGE_KINDS, kind), doc);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "personnel_change", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Undoes a person's most recent change (a mistaken entry): the person returns to the state
/// recorded before it. Older changes cannot be deleted: later ones were built on them.
pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" ").push(FROM).push(" WHERE c.id = ").bind(id).push(" AND ");
    user.scope.push_condition(&mut q, "c.unit_id", None);
    let Some(c) = q.query_as::<Change>().fetch_optional(&ctx.state.db.pool).await? else {
        ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "personnel_change", id)).await?;
        return Err(AppError::NotFound);
    };
    let mut tx = ctx.state.db.begin().await?;
    let latest: i64 = sqlx::query_scalar("SELECT max(id) FROM personnel_changes WHERE person_id = $1")
        .bind(c.person_id)
        .fetch_one(&mut *tx)
        .await?;
    if latest != id {
        return Err(AppError::Conflict("只能撤销该人员最近的一次调整".into()));
    }
    sqlx::query("UPDATE people SET post = $1, leadership_level = $2, police_rank = $3, unit_id = $4, version = version + 1 WHERE id = $5")
        .bind(&c.before_post)
        .bind(&c.before_level)
        .bind(&c.before_rank)
        .bind(c.before_unit_id.unwrap_or(c.unit_id))
        .bind(c.person_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM personnel_changes WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state
        .audit(
            &mut tx,
            &ctx.actor(),
            Event::ok("delete", "personnel_change", id).detail(format!("撤销 {} 的{}", c.person_name, c.kind_label())),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
