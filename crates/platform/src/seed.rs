//! Built-in roles and their grants, kept in step with the code at every start. A grant is offered
//! to a built-in role once: if the security administrator later takes it away, it stays away.

use crate::db::Db;
use crate::perm::BUILTIN_ROLES;
use crate::registry::Registry;

pub async fn sync_roles(db: &Db, registry: &Registry) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for r in BUILTIN_ROLES {
        sqlx::query(
            "INSERT INTO roles (code, name, admin_kind, data_scope, builtin, description) VALUES ($1,$2,$3,$4,1,$5) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(r.code)
        .bind(r.name)
        .bind(r.admin.map(|a| a.code()))
        .bind(r.scope)
        .bind(r.description)
        .execute(&mut *tx)
        .await?;
    }
    for (role, perm) in &registry.grants {
        let fresh =
            sqlx::query("INSERT INTO builtin_grants (role_code, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(*role)
                .bind(*perm)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if fresh == 1 {
            sqlx::query(
                "INSERT INTO role_permissions (role_id, permission) SELECT id, $1 FROM roles WHERE code = $2 ON CONFLICT DO NOTHING",
            )
            .bind(*perm)
            .bind(*role)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
