//! Role rules and queries. Administrator roles keep their fixed scope and may only hold their own
//! permissions; business roles may never hold an administrator's permission.

use platform::audit::Event;
use platform::perm::{self, admin_kind_of, scope_name};
use platform::web::FormCheck;
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

pub const SCOPES: &[&str] = &["all", "custom", "unit", "unit_and_below", "self"];

#[derive(Clone, Debug, Default, Serialize, sqlx::FromRow)]
pub struct Role {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub admin_kind: Option<String>,
    pub data_scope: String,
    pub builtin: i64,
    pub description: String,
    pub version: i64,
    #[sqlx(skip)]
    pub permissions: Vec<String>,
    #[sqlx(skip)]
    pub units: Vec<i64>,
}

impl Role {
    pub fn scope_name(&self) -> &'static str {
        scope_name(&self.data_scope)
    }

    /// Whether this role may hold `perm` (三员分立).
    pub fn may_hold(&self, perm: &str) -> bool {
        match self.admin_kind.as_deref().and_then(admin_kind_of) {
            Some(k) => k.allowed().contains(&perm),
            None => !perm::ADMIN_ONLY.contains(&perm),
        }
    }
}

pub async fn all_roles(ctx: &Ctx) -> AppResult<Vec<Role>> {
    let mut roles: Vec<Role> = sqlx::query_as(
        "SELECT id, code, name, admin_kind, data_scope, builtin, description, version FROM roles ORDER BY id LIMIT 500",
    )
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let perms: Vec<(i64, String)> =
        sqlx::query_as("SELECT role_id, permission FROM role_permissions ORDER BY permission")
            .fetch_all(&ctx.state.db.pool)
            .await?;
    let units: Vec<(i64, i64)> = sqlx::query_as("SELECT role_id, unit_id FROM role_units ORDER BY unit_id")
        .fetch_all(&ctx.state.db.pool)
        .await?;
    let (mut perms, mut units) = (platform::db::by_owner(perms), platform::db::by_owner(units));
    for r in roles.iter_mut() {
        r.permissions = perms.remove(&r.id).unwrap_or_default();
        r.units = units.remove(&r.id).unwrap_or_default();
    }
    Ok(roles)
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Role> {
    all_roles(ctx).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)
}

/// What a role form posted, before checking.
#[derive(Default)]
pub struct RoleInput {
    pub code: String,
    pub name: String,
    pub description: String,
    pub data_scope: String,
    pub permissions: Vec<String>,
    pub units: Vec<i64>,
    pub version: i64,
}

/// Checks the input against the role it would change (a fresh business role when creating).
pub async fn check(ctx: &Ctx, role: &Role, input: &RoleInput, creating: bool) -> AppResult<RoleInput> {
    let mut f = FormCheck::new();
    let code = if creating { f.code("code", "角色编码", &input.code, 32) } else { role.code.clone() };
    let name = f.text("name", "角色名称", &input.name, 30, true);
    let description = f.text("description", "说明", &input.description, 200, false);
    let known: Vec<&str> = ctx.state.registry.permissions.iter().map(|p| p.code).collect();
    if let Some(bad) = input.permissions.iter().find(|p| !known.contains(&p.as_str()) || !role.may_hold(p)) {
        f.add("permissions", format!("权限“{bad}”不能授予此角色（三员分立）"));
    }
    let scope = if role.admin_kind.is_some() { role.data_scope.clone() } else { input.data_scope.clone() };
    if !SCOPES.contains(&scope.as_str()) {
        f.add("data_scope", "请选择有效的数据范围");
    }
    let mut units = Vec::new();
    if scope == "custom" {
        let visible = crate::units::service::tree(ctx).await?;
        for u in &input.units {
            if visible.iter().any(|v| v.id == *u) {
                units.push(*u);
            } else {
                f.add("units", "所选单位不存在或不在您的管理范围内");
            }
        }
        if units.is_empty() {
            f.add("units", "自定义数据范围须至少选择一个单位");
        }
    }
    f.finish()?;
    Ok(RoleInput {
        code,
        name,
        description,
        data_scope: scope,
        permissions: input.permissions.clone(),
        units,
        version: input.version,
    })
}

async fn write_grants(tx: &mut platform::db::Tx, id: i64, input: &RoleInput) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM role_permissions WHERE role_id = $1").bind(id).execute(&mut **tx).await?;
    for p in &input.permissions {
        sqlx::query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)")
            .bind(id)
            .bind(p)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("DELETE FROM role_units WHERE role_id = $1").bind(id).execute(&mut **tx).await?;
    for u in &input.units {
        sqlx::query("INSERT INTO role_units (role_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*u)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn detail(input: &RoleInput) -> String {
    format!(
        "{}：数据范围 {}，权限 [{}]，单位 {:?}",
        input.code,
        input.data_scope,
        input.permissions.join(","),
        input.units
    )
}

/// A new business role (administrator roles are built in and cannot be created).
pub async fn create(ctx: &Ctx, input: &RoleInput) -> AppResult<i64> {
    let input = check(ctx, &Role::default(), input, true).await?;
    let mut tx = ctx.state.db.begin().await?;
    let exists: i64 =
        sqlx::query_scalar("SELECT count(*) FROM roles WHERE code = $1").bind(&input.code).fetch_one(&mut *tx).await?;
    if exists > 0 {
        return Err(AppError::field("code", "角色编码已存在"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO roles (code, name, data_scope, description) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&input.code)
    .bind(&input.name)
    .bind(&input.data_scope)
    .bind(&input.description)
    .fetch_one(&mut *tx)
    .await?;
    write_grants(&mut tx, id, &input).await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("role_change", "role", id).detail(format!("新增 {}", detail(&input))))
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &Ctx, id: i64, input: &RoleInput) -> AppResult<()> {
    let role = get(ctx, id).await?;
    let input = check(ctx, &role, input, false).await?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE roles SET name = $1, description = $2, data_scope = $3, version = version + 1 WHERE id = $4 AND version = $5",
    )
    .bind(&input.name)
    .bind(&input.description)
    .bind(&input.data_scope)
    .bind(id)
    .bind(input.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    write_grants(&mut tx, id, &input).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("role_change", "role", id).detail(detail(&input))).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a role that is not built in and that no account holds.
pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let role = get(ctx, id).await?;
    if role.builtin != 0 {
        return Err(AppError::Conflict("内置角色不能删除".into()));
    }
    let mut tx = ctx.state.db.begin().await?;
    let holders: i64 =
        sqlx::query_scalar("SELECT count(*) FROM user_roles WHERE role_id = $1").bind(id).fetch_one(&mut *tx).await?;
    if holders > 0 {
        return Err(AppError::Conflict(format!("还有 {holders} 个账号持有角色“{}”，不能删除", role.name)));
    }
    sqlx::query("DELETE FROM roles WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("role_change", "role", id).detail(format!("删除 {}", role.code)))
        .await?;
    tx.commit().await?;
    Ok(())
}
