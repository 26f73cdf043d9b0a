//! Unit rules and every unit query. Data scope is applied in each query on the unit's own id.

use platform::attachments::AttachmentOwner;
use platform::audit::Event;
use platform::db::{Sql, Tx, like_contains};
use platform::ledger::expect_one_updated;
use platform::registry::{BoxFuture, CardSource};
use platform::web::{FormCheck, ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

pub const KINDS: &[(&str, &str)] = &[("bureau", "省局"), ("prison", "监狱"), ("department", "科室/监区")];

pub fn kind_name(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n).unwrap_or("未知")
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub prison_id: Option<i64>,
    pub sort_order: i64,
    pub phone: String,
    pub description: String,
    pub version: i64,
}

impl Unit {
    pub fn kind_name(&self) -> &'static str {
        kind_name(&self.kind)
    }
    /// Depth in the whole tree (0 for a bureau at the top).
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
}

const COLS: &str = "id, parent_id, code, name, kind, path, prison_id, sort_order, phone, description, version";

pub const SORTS: &[(&str, &str)] =
    &[("sort_order", "sort_order"), ("code", "code"), ("name", "name"), ("path", "path")];

/// The filtered, scoped, paged list. Filters: name, code, kind, parent (with include_sub=1).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Unit>> {
    let user = ctx.user()?;
    let parent = match p.get_i64("parent") {
        Some(id) => Some(get(ctx, id).await?),
        None => None,
    };
    let include_sub = p.get("include_sub") != "0";
    let (name, code, kind) = (p.get("name").to_string(), p.get("code").to_string(), p.get("kind").to_string());
    let page = fetch_page::<Unit>(
        &ctx.state.db,
        COLS,
        "id",
        |q: &mut Sql| {
            q.push("FROM units WHERE ");
            user.scope.push_condition(q, "id", None);
            if !name.is_empty() {
                q.push(" AND name LIKE ").bind(like_contains(&name)).push(" ESCAPE '\\'");
            }
            if !code.is_empty() {
                q.push(" AND code LIKE ").bind(like_contains(&code)).push(" ESCAPE '\\'");
            }
            if !kind.is_empty() {
                q.push(" AND kind = ").bind(kind.clone());
            }
            if let Some(par) = &parent {
                if include_sub {
                    q.push(" AND ");
                    platform::scope::push_under(q, "path", &par.path);
                } else {
                    q.push(" AND (parent_id = ").bind(par.id).push(" OR id = ").bind(par.id).push(")");
                }
            }
        },
        p,
    )
    .await?;
    Ok(page)
}

/// Every unit the user can see, in tree order, for the tree pane and unit pickers (bounded).
pub async fn tree(ctx: &Ctx) -> AppResult<Vec<Unit>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM units WHERE ");
    user.scope.push_condition(&mut q, "id", None);
    q.push(" ORDER BY sort_order, id LIMIT 5000");
    Ok(in_tree_order(q.query_as::<Unit>().fetch_all(&ctx.state.db.pool).await?))
}

/// Parents before children, siblings by their sort order: the order a tree is read in.
fn in_tree_order(mut units: Vec<Unit>) -> Vec<Unit> {
    units.sort_by_key(|u| (u.sort_order, u.id));
    let ids: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let mut children: std::collections::HashMap<Option<i64>, Vec<usize>> = std::collections::HashMap::new();
    for (i, u) in units.iter().enumerate() {
        // A unit whose parent is outside the scope is a root of what this user sees.
        let parent = u.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(i);
    }
    let mut out = Vec::with_capacity(units.len());
    let mut stack: Vec<usize> = children.get(&None).map(|v| v.iter().rev().copied().collect()).unwrap_or_default();
    while let Some(i) = stack.pop() {
        if let Some(kids) = children.get(&Some(units[i].id)) {
            stack.extend(kids.iter().rev());
        }
        out.push(units[i].clone());
    }
    out
}

/// One unit in the caller's scope; outside it the answer is NotFound, and the attempt is audited.
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Unit> {
    let select = format!("SELECT {COLS} FROM units");
    platform::ledger::get_in_scope(ctx, &select, "id", id, "id", None, "unit").await
}

pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<Unit>, sqlx::Error> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM units WHERE code = ").bind(code.to_string());
    q.query_as::<Unit>().fetch_optional(&mut **tx).await
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct UnitInput {
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub version: Option<i64>,
}

/// Checks the fields; returns the cleaned input or the field errors.
pub fn check(input: &UnitInput, creating: bool) -> AppResult<UnitInput> {
    let mut f = FormCheck::new();
    let code = if creating { f.code("code", "单位编码", &input.code, 32) } else { input.code.clone() };
    let name = f.text("name", "单位名称", &input.name, 60, true);
    let kind = if creating { f.choice("kind", "单位类型", &input.kind, KINDS) } else { input.kind.clone() };
    let sort = input.sort_order.unwrap_or(0);
    if !(0..=99_999).contains(&sort) {
        f.add("sort_order", "排序须在 0 到 99999 之间");
    }
    let phone = f.text("phone", "联系电话", &input.phone, 30, false);
    if !phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ') {
        f.add("phone", "联系电话只能包含数字和 -");
    }
    let description = f.long_text("description", "职责简介", &input.description, 1000, false);
    f.finish()?;
    Ok(UnitInput {
        parent_id: input.parent_id,
        code,
        name,
        kind,
        sort_order: Some(sort),
        phone,
        description,
        version: input.version,
    })
}

/// Where a unit of `kind` may stand in the tree.
fn parent_fits(kind: &str, parent: Option<&Unit>) -> Result<(), &'static str> {
    match (kind, parent.map(|p| p.kind.as_str())) {
        ("bureau", None | Some("bureau")) => Ok(()),
        ("prison", None | Some("bureau")) => Ok(()),
        ("department", Some("prison" | "department")) => Ok(()),
        ("bureau", _) => Err("省局只能位于顶层或另一省局之下"),
        ("prison", _) => Err("监狱只能位于省局之下"),
        _ => Err("科室/监区须位于监狱或另一科室之下"),
    }
}

/// Creates a unit under `parent` (already authorised by the caller) in `tx`.
pub async fn create_unit(tx: &mut Tx, input: &UnitInput, parent: Option<&Unit>, now: i64) -> AppResult<i64> {
    parent_fits(&input.kind, parent).map_err(|m| AppError::field("parent_id", m))?;
    if by_code(tx, &input.code).await?.is_some() {
        return Err(AppError::field("code", "单位编码已存在"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (parent_id, code, name, kind, path, sort_order, phone, description, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,'',$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(parent.map(|p| p.id))
    .bind(&input.code)
    .bind(&input.name)
    .bind(&input.kind)
    .bind(input.sort_order.unwrap_or(0))
    .bind(&input.phone)
    .bind(&input.description)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let path = format!("{}{id}/", parent.map(|p| p.path.as_str()).unwrap_or("/"));
    let prison = if input.kind == "prison" { Some(id) } else { parent.and_then(|p| p.prison_id) };
    sqlx::query("UPDATE units SET path = $1, prison_id = $2 WHERE id = $3")
        .bind(path)
        .bind(prison)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    platform::search::index(tx, "unit", id, id, &input.name, &input.description).await?;
    Ok(id)
}

/// Creates a unit from a page or the API: the parent must be inside the caller's scope.
pub async fn create(ctx: &Ctx, input: &UnitInput) -> AppResult<i64> {
    let input = check(input, true)?;
    let parent = match input.parent_id {
        Some(pid) => Some(get(ctx, pid).await.map_err(|_| AppError::field("parent_id", "请选择有效的上级单位"))?),
        None => return Err(AppError::field("parent_id", "请选择上级单位")),
    };
    let mut tx = ctx.state.db.begin().await?;
    let id = create_unit(&mut tx, &input, parent.as_ref(), ctx.state.clock.now_ms()).await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "unit", id).detail(format!("{} {}", input.code, input.name)))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a unit's editable fields if nobody saved it since `version` was read.
pub async fn update(ctx: &Ctx, id: i64, input: &UnitInput) -> AppResult<()> {
    let current = get(ctx, id).await?;
    let input = check(&UnitInput { code: current.code.clone(), kind: current.kind.clone(), ..input.clone() }, false)?;
    let version = input.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE units SET name = $1, sort_order = $2, phone = $3, description = $4, version = version + 1, updated_at = $5 \
         WHERE id = $6 AND version = $7",
    )
    .bind(&input.name)
    .bind(input.sort_order.unwrap_or(0))
    .bind(&input.phone)
    .bind(&input.description)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one_updated(n)?;
    platform::search::index(&mut tx, "unit", id, id, &input.name, &input.description).await?;
    let detail = format!("{} → {}", current.name, input.name);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "unit", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes units that have no sub-units, accounts or attachments; all or none.
pub async fn delete(ctx: &Ctx, ids: &[i64]) -> AppResult<usize> {
    let mut units = Vec::new();
    for id in ids {
        units.push(get(ctx, *id).await?);
    }
    let mut tx = ctx.state.db.begin().await?;
    for u in &units {
        let children: i64 = sqlx::query_scalar("SELECT count(*) FROM units WHERE parent_id = $1")
            .bind(u.id)
            .fetch_one(&mut *tx)
            .await?;
        let users: i64 =
            sqlx::query_scalar("SELECT count(*) FROM users WHERE unit_id = $1").bind(u.id).fetch_one(&mut *tx).await?;
        let files: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments WHERE unit_id = $1")
            .bind(u.id)
            .fetch_one(&mut *tx)
            .await?;
        if children + users + files > 0 {
            return Err(AppError::Conflict(format!(
                "“{}”下还有 {children} 个下级单位、{users} 个账号、{files} 个附件，不能删除",
                u.name
            )));
        }
        sqlx::query("DELETE FROM units WHERE id = $1").bind(u.id).execute(&mut *tx).await?;
        platform::search::remove(&mut tx, "unit", u.id).await?;
        ctx.state
            .audit(&mut tx, &ctx.actor(), Event::ok("delete", "unit", u.id).detail(format!("{} {}", u.code, u.name)))
            .await?;
    }
    tx.commit().await?;
    Ok(units.len())
}

pub struct UnitAttachments;

impl AttachmentOwner for UnitAttachments {
    fn view_perm(&self) -> &'static str {
        platform::perm::UNIT_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        platform::perm::UNIT_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(get(ctx, owner_id).await?.id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/system/units/{owner_id}")
    }
}

pub struct UnitCount;

impl CardSource for UnitCount {
    fn card<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Option<(String, String, String)>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(platform::perm::UNIT_VIEW) {
                return Ok(None);
            }
            let mut q = Sql::new("SELECT count(*) FROM units WHERE ");
            user.scope.push_condition(&mut q, "id", None);
            let n: i64 = q.fetch_fresh_scalar(&ctx.state.db).await?;
            Ok(Some(("单位数".into(), n.to_string(), "/system/units".into())))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>, kind: &str, sort: i64) -> Unit {
        Unit {
            id,
            parent_id: parent,
            code: format!("U{id}"),
            name: format!("单位{id}"),
            kind: kind.into(),
            path: String::new(),
            prison_id: None,
            sort_order: sort,
            phone: String::new(),
            description: String::new(),
            version: 1,
        }
    }

    #[test]
    fn the_tree_reads_parents_first_and_siblings_by_sort_order() {
        let flat = vec![
            unit(3, Some(2), "department", 2),
            unit(2, Some(1), "prison", 1),
            unit(4, Some(2), "department", 1),
            unit(1, None, "bureau", 0),
            unit(5, Some(4), "department", 0),
        ];
        let order: Vec<i64> = in_tree_order(flat).iter().map(|u| u.id).collect();
        assert_eq!(order, vec![1, 2, 4, 5, 3]);
    }

    #[test]
    fn each_kind_stands_where_it_belongs() {
        let bureau = unit(1, None, "bureau", 0);
        let prison = unit(2, Some(1), "prison", 0);
        assert!(parent_fits("prison", Some(&bureau)).is_ok());
        assert!(parent_fits("department", Some(&prison)).is_ok());
        assert!(parent_fits("department", Some(&bureau)).is_err());
        assert!(parent_fits("prison", Some(&prison)).is_err());
        assert!(parent_fits("department", None).is_err());
    }
}
