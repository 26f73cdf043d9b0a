//! Party organisations: a tree with history (founded and dissolved dates are kept, never deleted
//! once they have members or elections). Scoped on the unit the organisation belongs to.

use crate::domain::*;
use platform::audit::Event;
use platform::db::{Sql, Tx, like_contains};
use platform::ledger::expect_one_updated;
use platform::web::{FormCheck, ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Org {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub founded_on: String,
    pub dissolved_on: Option<String>,
    pub term_years: i64,
    pub sort_order: i64,
    pub description: String,
    pub version: i64,
    pub members: i64,
}

impl Org {
    pub fn kind_label(&self) -> &'static str {
        label(ORG_KINDS, &self.kind)
    }
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
    pub fn active(&self) -> bool {
        self.dissolved_on.is_none()
    }
}

const COLS: &str = "o.id, o.parent_id, o.code, o.name, o.kind, o.path, o.unit_id, n.name AS unit_name, o.founded_on, \
    o.dissolved_on, o.term_years, o.sort_order, o.description, o.version, \
    (SELECT count(*) FROM people p WHERE p.branch_id = o.id AND p.party_status IN ('full', 'probationary')) AS members";
const FROM: &str = "FROM party_orgs o JOIN units n ON n.id = o.unit_id";
pub const SORTS: &[(&str, &str)] =
    &[("path", "o.path"), ("name", "o.name"), ("founded_on", "o.founded_on"), ("code", "o.code")];

/// Filters: name, kind, status (active / dissolved), founded_from / founded_to, parent (subtree).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Org>> {
    let user = ctx.user()?;
    let parent = match p.get_i64("parent") {
        Some(id) => Some(get(ctx, id).await?.path),
        None => None,
    };
    let (name, kind, status) = (p.get("name").to_string(), p.get("kind").to_string(), p.get("status").to_string());
    let (from, to) = (p.get("founded_from").to_string(), p.get("founded_to").to_string());
    Ok(fetch_page::<Org>(
        &ctx.state.db,
        COLS,
        "o.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "o.unit_id", None);
            if !name.is_empty() {
                q.push(" AND o.name LIKE ").bind(like_contains(&name)).push(" ESCAPE '\\'");
            }
            if !kind.is_empty() {
                q.push(" AND o.kind = ").bind(kind.clone());
            }
            match status.as_str() {
                "active" => {
                    q.push(" AND o.dissolved_on IS NULL");
                }
                "dissolved" => {
                    q.push(" AND o.dissolved_on IS NOT NULL");
                }
                _ => {}
            }
            if !from.is_empty() {
                q.push(" AND o.founded_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND o.founded_on <= ").bind(to.clone());
            }
            if let Some(path) = &parent {
                q.push(" AND ");
                platform::scope::push_under(q, "o.path", path);
            }
        },
        p,
    )
    .await?)
}

/// Every organisation the user can see, in tree order (parents first, then by sort order).
pub async fn tree(ctx: &Ctx, active_only: bool) -> AppResult<Vec<Org>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" ").push(FROM).push(" WHERE ");
    user.scope.push_condition(&mut q, "o.unit_id", None);
    if active_only {
        q.push(" AND o.dissolved_on IS NULL");
    }
    q.push(" ORDER BY o.path LIMIT 5000");
    let mut orgs = q.fetch_fresh::<Org>(&ctx.state.db).await?;
    // Paths sort "/1/10/" before "/1/2/": order by each level's sort_order, then id, instead.
    let keys: std::collections::HashMap<i64, (i64, i64)> = orgs.iter().map(|o| (o.id, (o.sort_order, o.id))).collect();
    let key = |o: &Org| -> Vec<(i64, i64)> {
        o.path
            .split('/')
            .filter_map(|s| s.parse::<i64>().ok())
            .map(|id| keys.get(&id).copied().unwrap_or((0, id)))
            .collect()
    };
    orgs.sort_by_key(|o| key(o));
    Ok(orgs)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Org> {
    let select = format!("SELECT {COLS} {FROM}");
    platform::ledger::get_in_scope(ctx, &select, "o.id", id, "o.unit_id", None, "party_org").await
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgForm {
    pub parent_id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub unit_id: String,
    pub founded_on: String,
    pub dissolved_on: String,
    pub term_years: String,
    pub sort_order: String,
    pub description: String,
    pub version: String,
}

pub struct OrgInput {
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub unit_id: i64,
    pub founded_on: String,
    pub dissolved_on: Option<String>,
    pub term_years: i64,
    pub sort_order: i64,
    pub description: String,
    pub version: Option<i64>,
}

impl OrgForm {
    pub fn check(&self) -> AppResult<OrgInput> {
        let mut f = FormCheck::new();
        let code = f.code("code", "组织编码", &self.code, 32);
        let name = f.text("name", "组织名称", &self.name, 60, true);
        let kind = match code_of(ORG_KINDS, &self.kind) {
            Some(k) => k,
            None => {
                f.add("kind", "请选择有效的组织类型");
                ""
            }
        };
        let unit_id = self.unit_id.trim().parse().ok();
        if unit_id.is_none() {
            f.add("unit_id", "请选择所属单位");
        }
        let founded = f.date("founded_on", "成立日期", &self.founded_on, true);
        let dissolved = f.date("dissolved_on", "撤销日期", &self.dissolved_on, false);
        if let (Some(a), Some(b)) = (founded, dissolved)
            && b < a
        {
            f.add("dissolved_on", "撤销日期不能早于成立日期");
        }
        let term_years = if self.term_years.trim().is_empty() {
            3
        } else {
            f.int("term_years", "任期（年）", &self.term_years, 1, 5)
        };
        let sort_order = f.int("sort_order", "排序", &self.sort_order, 0, 99_999);
        let description = f.long_text("description", "说明", &self.description, 1000, false);
        f.finish()?;
        Ok(OrgInput {
            parent_id: self.parent_id.trim().parse().ok(),
            code,
            name,
            kind,
            unit_id: unit_id.unwrap_or_default(),
            founded_on: founded.map(|d| d.to_string()).unwrap_or_default(),
            dissolved_on: dissolved.map(|d| d.to_string()),
            term_years,
            sort_order,
            description,
            version: self.version.trim().parse().ok(),
        })
    }
}

/// A committee or discipline committee stands at the top of a prison; everything else below one.
fn parent_fits(kind: &str, parent: Option<&Org>) -> Result<(), &'static str> {
    match (kind, parent.map(|p| p.kind.as_str())) {
        ("committee", None) | ("discipline_committee", None | Some("committee")) => Ok(()),
        ("general_branch", Some("committee")) => Ok(()),
        ("branch", Some("committee" | "general_branch")) => Ok(()),
        ("party_group", Some("branch")) => Ok(()),
        ("committee", _) => Err("党委应为顶层组织"),
        ("party_group", _) => Err("党小组须隶属于党支部"),
        _ => Err("上级组织不符合层级：党总支、党支部须隶属于党委（或党总支）"),
    }
}

/// Inserts in `tx` under an already authorised parent.
pub async fn insert(ctx: &Ctx, tx: &mut Tx, i: &OrgInput, parent: Option<&Org>) -> AppResult<i64> {
    parent_fits(i.kind, parent).map_err(|m| AppError::field("parent_id", m))?;
    let dup: i64 = sqlx::query_scalar("SELECT count(*) FROM party_orgs WHERE code = $1")
        .bind(&i.code)
        .fetch_one(&mut **tx)
        .await?;
    if dup > 0 {
        return Err(AppError::field("code", "组织编码已存在"));
    }
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO party_orgs (parent_id, code, name, kind, path, unit_id, founded_on, dissolved_on, term_years, sort_order, \
         description, created_at, updated_at) VALUES ($1,$2,$3,$4,'',$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
    )
    .bind(parent.map(|p| p.id))
    .bind(&i.code)
    .bind(&i.name)
    .bind(i.kind)
    .bind(i.unit_id)
    .bind(&i.founded_on)
    .bind(i.dissolved_on.clone())
    .bind(i.term_years)
    .bind(i.sort_order)
    .bind(&i.description)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let path = format!("{}{id}/", parent.map(|p| p.path.as_str()).unwrap_or("/"));
    sqlx::query("UPDATE party_orgs SET path = $1 WHERE id = $2").bind(path).bind(id).execute(&mut **tx).await?;
    sqlx::query("INSERT INTO party_org_units (org_id, unit_id) VALUES ($1, $2)")
        .bind(id)
        .bind(i.unit_id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

pub async fn create(ctx: &Ctx, i: &OrgInput) -> AppResult<i64> {
    system::units::service::get(ctx, i.unit_id)
        .await
        .map_err(|_| AppError::field("unit_id", "请选择有效的所属单位"))?;
    let parent = match i.parent_id {
        Some(pid) => Some(get(ctx, pid).await.map_err(|_| AppError::field("parent_id", "请选择有效的上级组织"))?),
        None => None,
    };
    let mut tx = ctx.state.db.begin().await?;
    let id = insert(ctx, &mut tx, i, parent.as_ref()).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "party_org", id).detail(i.name.clone())).await?;
    tx.commit().await?;
    Ok(id)
}

/// Edits name, dates, term and notes; the place in the tree and the kind stay as founded.
pub async fn update(ctx: &Ctx, id: i64, i: &OrgInput) -> AppResult<()> {
    let current = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    if i.dissolved_on.is_some() && current.dissolved_on.is_none() {
        let members: i64 =
            sqlx::query_scalar("SELECT count(*) FROM people WHERE branch_id = $1").bind(id).fetch_one(&mut *tx).await?;
        if members > 0 {
            return Err(AppError::field("dissolved_on", format!("尚有 {members} 名党员的组织关系在本组织，请先转出")));
        }
    }
    let n = sqlx::query(
        "UPDATE party_orgs SET name = $1, founded_on = $2, dissolved_on = $3, term_years = $4, sort_order = $5, description = $6, \
         version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(&i.name)
    .bind(&i.founded_on)
    .bind(i.dissolved_on.clone())
    .bind(i.term_years)
    .bind(i.sort_order)
    .bind(&i.description)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    ctx.state
        .audit(
            &mut tx,
            &ctx.actor(),
            Event::ok("update", "party_org", id).detail(format!("{} → {}", current.name, i.name)),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The units an organisation covers (a branch may span several departments), in tree order.
pub async fn covered_units(ctx: &Ctx, id: i64) -> AppResult<Vec<(i64, String)>> {
    get(ctx, id).await?;
    Ok(sqlx::query_as("SELECT u.id, u.name FROM party_org_units c JOIN units u ON u.id = c.unit_id WHERE c.org_id = $1 ORDER BY u.sort_order, u.id")
        .bind(id)
        .fetch_all(&ctx.state.db.pool)
        .await?)
}

/// Replaces the covered units; each must be inside the caller's scope, and there must be one.
pub async fn set_covered_units(ctx: &Ctx, id: i64, units: &[i64]) -> AppResult<()> {
    let org = get(ctx, id).await?;
    if units.is_empty() {
        return Err(AppError::field("units", "至少选择一个单位"));
    }
    let visible = system::units::service::tree(ctx).await?;
    if units.iter().any(|u| !visible.iter().any(|v| v.id == *u)) {
        return Err(AppError::field("units", "所选单位不存在或不在您的管理范围内"));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM party_org_units WHERE org_id = $1").bind(id).execute(&mut *tx).await?;
    for u in units {
        sqlx::query("INSERT INTO party_org_units (org_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*u)
            .execute(&mut *tx)
            .await?;
    }
    let detail = format!("{}：覆盖单位 {:?}", org.name, units);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "party_org", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}
