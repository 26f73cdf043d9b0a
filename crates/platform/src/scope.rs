//! Data scope (数据范围), computed per request from the unit tree and the user's roles, and applied
//! inside the query: never by filtering rows after loading, never from a cache.

use crate::db::Sql;

#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Unit paths whose whole subtree is visible ("/1/4/" covers 4 and everything below it).
    pub subtrees: Vec<String>,
    /// Single units (custom scope, own unit).
    pub units: Vec<i64>,
    /// Records owned by this user (scope "self").
    pub own_user: Option<i64>,
}

impl Scope {
    pub fn is_empty(&self) -> bool {
        self.subtrees.is_empty() && self.units.is_empty() && self.own_user.is_none()
    }

    /// Appends `(… visible …)` for a row whose unit is in `unit_col` and owner (if any) in `owner_col`.
    pub fn push_condition(&self, sql: &mut Sql, unit_col: &str, owner_col: Option<&str>) {
        let mut parts = 0;
        sql.push("(");
        if !self.subtrees.is_empty() {
            sql.push(unit_col).push(" IN (SELECT id FROM units WHERE ");
            for (i, p) in self.subtrees.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push("path LIKE ").bind(format!("{p}%"));
            }
            sql.push(")");
            parts += 1;
        }
        if !self.units.is_empty() {
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
