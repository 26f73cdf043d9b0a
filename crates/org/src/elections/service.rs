//! Congresses (党代会) and elections (换届/补选): who was elected to which post, for which term,
//! and the reminders before a term runs out.

use crate::domain::*;
use platform::audit::Event;
use platform::db::Sql;
use platform::web::{FormCheck, ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Election {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub unit_id: i64,
    pub congress_id: Option<i64>,
    pub kind: String,
    pub held_on: String,
    pub term_years: i64,
    pub term_end: String,
    pub notes: String,
    pub officers: i64,
}

impl Election {
    pub fn kind_label(&self) -> &'static str {
        label(ELECTION_KINDS, &self.kind)
    }
}

const COLS: &str = "e.id, e.org_id, o.name AS org_name, e.unit_id, e.congress_id, e.kind, e.held_on, e.term_years, e.term_end, e.notes, \
    (SELECT count(*) FROM org_officers f WHERE f.election_id = e.id) AS officers";
pub const SORTS: &[(&str, &str)] = &[("held_on", "e.held_on"), ("term_end", "e.term_end")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Election>> {
    let user = ctx.user()?;
    let org = p.get_i64("org");
    let (kind, from, to) = (p.get("kind").to_string(), p.get("from").to_string(), p.get("to").to_string());
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "e.held_on DESC".into();
    }
    Ok(fetch_page::<Election>(
        &ctx.state.db,
        COLS,
        "e.id",
        |q: &mut Sql| {
            q.push("FROM elections e JOIN party_orgs o ON o.id = e.org_id WHERE ");
            user.scope.push_condition(q, "e.unit_id", None);
            if let Some(o) = org {
                q.push(" AND e.org_id = ").bind(o);
            }
            if !kind.is_empty() {
                q.push(" AND e.kind = ").bind(kind.clone());
            }
            if !from.is_empty() {
                q.push(" AND e.held_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND e.held_on <= ").bind(to.clone());
            }
        },
        &p,
    )
    .await?)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Officer {
    pub id: i64,
    pub org_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub post: String,
    pub term_start: String,
    pub term_end: String,
    pub ended_on: Option<String>,
}

impl Officer {
    pub fn post_label(&self) -> &'static str {
        label(OFFICER_POSTS, &self.post)
    }
}

/// The officers of an organisation (current first), for its page.
pub async fn officers(ctx: &Ctx, org_id: i64) -> AppResult<Vec<Officer>> {
    crate::orgs::service::get(ctx, org_id).await?;
    Ok(sqlx::query_as(
        "SELECT f.id, f.org_id, f.person_id, p.name AS person_name, f.post, f.term_start, f.term_end, f.ended_on \
         FROM org_officers f JOIN people p ON p.id = f.person_id WHERE f.org_id = $1 \
         ORDER BY (f.ended_on IS NULL) DESC, f.term_start DESC, f.post, f.id LIMIT 200",
    )
    .bind(org_id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ElectionForm {
    pub org_id: String,
    pub kind: String,
    pub held_on: String,
    pub term_years: String,
    pub notes: String,
    /// The congress that held the election (committee and discipline committee elections).
    pub congress_id: String,
    /// "post:person_id" per elected officer, e.g. "secretary:12".
    pub officers: Vec<String>,
}

/// Records an election. A term election ends the previous officers' terms; a by-election fills
/// posts for the rest of the current term.
pub async fn create(ctx: &Ctx, form: &ElectionForm) -> AppResult<i64> {
    let mut f = FormCheck::new();
    let org_id: Option<i64> = form.org_id.trim().parse().ok();
    let kind = code_of(ELECTION_KINDS, &form.kind).unwrap_or_else(|| {
        f.add("kind", "请选择选举类型");
        ""
    });
    let held = f.date("held_on", "选举日期", &form.held_on, true);
    let notes = f.long_text("notes", "说明", &form.notes, 1000, false);
    let org = match org_id {
        Some(id) => crate::orgs::service::get(ctx, id).await.ok(),
        None => None,
    };
    if org.is_none() {
        f.add("org_id", "请选择党组织");
    }
    let term_years = if form.term_years.trim().is_empty() {
        org.as_ref().map(|o| o.term_years).unwrap_or(3)
    } else {
        f.int("term_years", "任期（年）", &form.term_years, 1, 5)
    };
    let congress: Option<i64> = match form.congress_id.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(c) if crate::elections::congress::list(ctx).await?.iter().any(|x| x.id == c) => Some(c),
            _ => {
                f.add("congress_id", "请选择有效的党代会");
                None
            }
        },
    };
    let mut elected = Vec::new();
    for o in &form.officers {
        let Some((post, pid)) = o.split_once(':') else { continue };
        match (code_of(OFFICER_POSTS, post), pid.trim().parse::<i64>()) {
            (Some(post), Ok(pid)) => elected.push((post, pid)),
            _ => f.add("officers", "当选人员的职务或人员无效"),
        }
    }
    if elected.is_empty() {
        f.add("officers", "请至少填写一名当选人员");
    }
    if elected.iter().filter(|(p, _)| *p == "secretary").count() > 1 {
        f.add("officers", "书记只能有一名");
    }
    f.finish()?;
    let (Some(org), Some(held)) = (org, held) else { return Err(AppError::NotFound) };
    if org.dissolved_on.is_some() {
        return Err(AppError::field("org_id", "该党组织已撤销"));
    }
    let mut people = Vec::new();
    for (_, pid) in &elected {
        let p = crate::people::service::get(ctx, *pid)
            .await
            .map_err(|_| AppError::field("officers", "当选人员不存在或不在您的管理范围内"))?;
        if !matches!(p.party_status.as_str(), "full") {
            return Err(AppError::field("officers", format!("{} 不是正式党员，不能当选", p.name)));
        }
        people.push(p);
    }
    let held_s = held.to_string();
    let current_end: Option<String> = sqlx::query_scalar(
        "SELECT term_end FROM elections WHERE org_id = $1 AND kind = 'term' AND held_on <= $2 ORDER BY held_on DESC LIMIT 1",
    )
    .bind(org.id)
    .bind(&held_s)
    .fetch_optional(&ctx.state.db.pool)
    .await?;
    let term_end = match (kind, current_end) {
        ("by_election", Some(end)) => end,
        ("by_election", None) => return Err(AppError::field("kind", "该组织尚无换届记录，请先录入换届选举")),
        _ => held.saturating_add(jiff::Span::new().years(term_years)).to_string(),
    };
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO elections (org_id, unit_id, kind, held_on, term_years, term_end, notes, congress_id, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$9,$8,$8) RETURNING id",
    )
    .bind(org.id)
    .bind(org.unit_id)
    .bind(kind)
    .bind(&held_s)
    .bind(term_years)
    .bind(&term_end)
    .bind(&notes)
    .bind(now)
    .bind(congress)
    .fetch_one(&mut *tx)
    .await?;
    if kind == "term" {
        sqlx::query("UPDATE org_officers SET ended_on = $1 WHERE org_id = $2 AND ended_on IS NULL")
            .bind(&held_s)
            .bind(org.id)
            .execute(&mut *tx)
            .await?;
    } else {
        for (post, pid) in &elected {
            sqlx::query("UPDATE org_officers SET ended_on = $1 WHERE org_id = $2 AND ended_on IS NULL AND (person_id = $3 OR (post = 'secretary' AND $4 = 'secretary'))")
                .bind(&held_s)
                .bind(org.id)
                .bind(*pid)
                .bind(*post)
                .execute(&mut *tx)
                .await?;
        }
    }
    for (post, pid) in &elected {
        sqlx::query("INSERT INTO org_officers (org_id, person_id, election_id, post, term_start, term_end) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(org.id)
            .bind(*pid)
            .bind(id)
            .bind(*post)
            .bind(&held_s)
            .bind(&term_end)
            .execute(&mut *tx)
            .await?;
    }
    let names: Vec<String> = people.iter().map(|p| p.name.clone()).collect();
    let detail = format!("{} {}：{}", org.name, label(ELECTION_KINDS, kind), names.join("、"));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "election", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// (org id, org name, term end) of active organisations whose current term ends by `until`.
pub async fn terms_ending(ctx: &Ctx, until: &str) -> AppResult<Vec<(i64, String, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT o.id, o.name, e.term_end FROM party_orgs o JOIN elections e ON e.org_id = o.id AND e.kind = 'term' \
         AND e.held_on = (SELECT max(e2.held_on) FROM elections e2 WHERE e2.org_id = o.id AND e2.kind = 'term') \
         WHERE o.dissolved_on IS NULL AND e.term_end <= ",
    );
    q.bind(until.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "o.unit_id", None);
    q.push(" ORDER BY e.term_end, o.id LIMIT 500");
    Ok(q.fetch_fresh(&ctx.state.db).await?)
}
