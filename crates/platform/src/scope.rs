//! Data scope (数据范围), computed per request from the unit tree and the user's roles, and applied
//! inside the query: never by filtering rows after loading, never from a cache.

use crate::db::Sql;
use crate::{AppError, AppResult, Ctx};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Unit paths whose whole subtree is visible ("/1/4/" covers 4 and everything below it).
    pub subtrees: Vec<String>,
    /// Single units (custom scope, own unit).
    pub units: Vec<i64>,
    /// Records owned by this user (scope "self").
    pub own_user: Option<i64>,
    /// The subtrees hold every unit there is (a province bureau's or a prison's only tree): the
    /// condition is then "has a unit", which the database answers from any index instead of
    /// testing each row against every unit (a bureau's home page counted 36,000 people in 11
    /// ms through the unit index; 1 ms with this and the party-status index). Set when the user
    /// is loaded, which happens again whenever the unit tree changes.
    pub whole_tree: bool,
}

/// `{col} LIKE '/1/4/%'`: the rows whose tree path (a unit's or a Party organisation's) is at or
/// under `path`. A path (digits and slashes, made by us) is written into the text rather than
/// bound: SQLite plans a LIKE against a bound value anew at every execution (the value could
/// change the plan), which made parsing and planning a large share of every scoped query; with
/// the text, each connection prepares the statement once and keeps it. Anything else is bound.
pub fn push_under(sql: &mut Sql, col: &str, path: &str) {
    if !path.is_empty() && path.bytes().all(|b| b.is_ascii_digit() || b == b'/') {
        sql.push(&format!("{col} LIKE '{path}%'"));
    } else {
        sql.push(col).push(" LIKE ").bind(format!("{path}%"));
    }
}

/// The caller's context with its data scope narrowed to one unit's subtree (never widened): a unit
/// outside the caller's scope is not found.
pub async fn narrowed(ctx: &Ctx, unit: i64) -> AppResult<Ctx> {
    let user = ctx.user()?;
    let path: Option<String> = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(unit)
        .fetch_optional(&ctx.state.db.pool)
        .await?;
    let path = path.ok_or(AppError::NotFound)?;
    let s = &user.scope;
    let scope = if s.subtrees.iter().any(|p| path.starts_with(p.as_str())) {
        Scope { subtrees: vec![path], ..Scope::default() }
    } else {
        let mut units = Vec::new();
        for u in &s.units {
            let p: Option<String> = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
                .bind(*u)
                .fetch_optional(&ctx.state.db.pool)
                .await?;
            if p.is_some_and(|p| p.starts_with(path.as_str())) {
                units.push(*u);
            }
        }
        Scope {
            subtrees: s.subtrees.iter().filter(|p| p.starts_with(path.as_str())).cloned().collect(),
            units,
            own_user: None,
            whole_tree: false,
        }
    };
    if scope.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut u = (*user).clone();
    u.scope = scope;
    Ok(Ctx { user: Some(Arc::new(u)), ..ctx.clone() })
}

/// The most units a picker offers.
const PICKER_UNITS: usize = 500;

/// Units in the caller's scope, for a unit picker: (id, name, depth below the highest of them),
/// in tree order. A scope of more units than a picker can hold (a province's, some 900) offers
/// its upper levels whole — the bureau and every prison — rather than the first units in tree
/// order, which left the later prisons out.
pub async fn units_for_picking(ctx: &Ctx) -> AppResult<Vec<(i64, String, i64)>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT u.id, u.name, u.path FROM units u WHERE ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.push(" ORDER BY u.path, u.sort_order LIMIT 20000");
    let rows: Vec<(i64, String, String)> = q.fetch_fresh(&ctx.state.db).await?;
    let top = rows.iter().map(|r| r.2.matches('/').count()).min().unwrap_or(0);
    let units = rows.into_iter().map(|(id, name, path)| (id, name, (path.matches('/').count() - top) as i64)).collect();
    Ok(upper_levels(units, PICKER_UNITS))
}

/// The units (in tree order, with their depths) of the deepest levels that together fit in
/// `max`; the top level always.
fn upper_levels(units: Vec<(i64, String, i64)>, max: usize) -> Vec<(i64, String, i64)> {
    if units.len() <= max {
        return units;
    }
    let mut per_depth = std::collections::BTreeMap::<i64, usize>::new();
    for u in &units {
        *per_depth.entry(u.2).or_default() += 1;
    }
    let (mut keep, mut sum) = (0, 0);
    for (depth, n) in per_depth {
        sum += n;
        if sum > max && depth > 0 {
            break;
        }
        keep = depth;
    }
    units.into_iter().filter(|u| u.2 <= keep).collect()
}

impl Scope {
    pub fn is_empty(&self) -> bool {
        self.subtrees.is_empty() && self.units.is_empty() && self.own_user.is_none()
    }

    /// Appends `(… visible …)` for a row whose unit is in `unit_col` and owner (if any) in `owner_col`.
    pub fn push_condition(&self, sql: &mut Sql, unit_col: &str, owner_col: Option<&str>) {
        let mut parts = 0;
        sql.push("(");
        if self.whole_tree {
            // Every unit column references units(id): not null is in the tree. The unary plus
            // keeps SQLite from reading a unit index for a condition that holds for every row
            // (it then sorted a bureau's 217,000 meetings instead of walking them by date).
            sql.push("+").push(unit_col).push(" IS NOT NULL");
            parts += 1;
        } else if !self.subtrees.is_empty() {
            sql.push_in_select(unit_col, |sql| {
                sql.push("SELECT id FROM units WHERE ");
                for (i, p) in self.subtrees.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    push_under(sql, "path", p);
                }
            });
            parts += 1;
        }
        if !self.units.is_empty() && !self.whole_tree {
            if parts > 0 {
                sql.push(" OR ");
            }
            sql.push(unit_col).push(" IN (");
            for (i, u) in self.units.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(*u);
            }
            sql.push(")");
            parts += 1;
        }
        if let (Some(uid), Some(col)) = (self.own_user, owner_col) {
            if parts > 0 {
                sql.push(" OR ");
            }
            sql.push(col).push(" = ").bind(uid);
            parts += 1;
        }
        if parts == 0 {
            sql.push("1 = 0");
        }
        sql.push(")");
    }

    /// Whether a unit, given its tree path and id, is inside the scope (for records being created).
    pub fn covers_unit(&self, unit_id: i64, unit_path: &str) -> bool {
        self.units.contains(&unit_id) || self.subtrees.iter().any(|p| unit_path.starts_with(p.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picker_too_small_for_the_tree_offers_its_upper_levels_whole() {
        // A bureau, three prisons, four departments each: 16 units.
        let mut units = vec![(1, "监狱管理局".to_string(), 0)];
        for p in 0..3 {
            units.push((10 + p, format!("第{p}监狱"), 1));
            for d in 0..4 {
                units.push((100 + p * 10 + d, format!("部门{d}"), 2));
            }
        }
        assert_eq!(upper_levels(units.clone(), 16).len(), 16, "what fits is offered whole");
        let shallow = upper_levels(units.clone(), 10);
        assert_eq!(shallow.iter().map(|u| u.0).collect::<Vec<_>>(), vec![1, 10, 11, 12], "every prison, no department");
        assert_eq!(upper_levels(units, 0).len(), 1, "the top level always");
    }

    #[test]
    fn a_tree_path_is_written_and_anything_else_bound() {
        let mut q = Sql::new("SELECT id FROM units WHERE ");
        push_under(&mut q, "path", "/1/24/");
        assert_eq!(q.text(), "SELECT id FROM units WHERE path LIKE '/1/24/%'");
        let mut q = Sql::new("");
        push_under(&mut q, "n.path", "/1/' OR 1=1 --");
        assert!(!q.text().contains('\''), "{}", q.text());
        let mut q = Sql::new("");
        push_under(&mut q, "path", "");
        assert!(!q.text().contains("'%'"), "an empty path is bound, never a match-all literal");
    }

    #[test]
    fn the_whole_tree_is_any_unit_and_still_the_own_records() {
        let whole = Scope { subtrees: vec!["/1/".into()], units: vec![7], own_user: Some(3), whole_tree: true };
        let mut q = Sql::new("");
        whole.push_condition(&mut q, "x.unit_id", Some("x.owner"));
        assert_eq!(q.text(), "(+x.unit_id IS NOT NULL OR x.owner = $1)");
        let part = Scope { whole_tree: false, ..whole };
        let mut q = Sql::new("");
        part.push_condition(&mut q, "x.unit_id", None);
        assert_eq!(q.text(), "(x.unit_id IN (SELECT id FROM units WHERE path LIKE '/1/%') OR x.unit_id IN ($1))");
    }
}
