//! Sessions live in the database (several `gangju` processes can share one PostgreSQL). The
//! browser holds a 256-bit random id; the table holds only its SM3 digest.

use crate::context::{CurrentUser, SessionKind};
use crate::db::Sql;
use crate::perm::admin_kind_of;
use crate::scope::Scope;
use crate::state::AppState;
use sm3::{Digest, Sm3};
use std::collections::BTreeSet;

pub fn digest(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Creates a session and returns (token, csrf token).
pub async fn create(
    state: &AppState,
    tx: &mut crate::db::Tx,
    user_id: i64,
    kind: SessionKind,
    addr: &str,
) -> Result<(String, String), sqlx::Error> {
    let token = random_token();
    let csrf = random_token();
    let now = state.clock.now_ms();
    sqlx::query("INSERT INTO sessions (id_hash, user_id, kind, csrf, created_at, last_seen_at, addr) VALUES ($1,$2,$3,$4,$5,$5,$6)")
        .bind(digest(&token))
        .bind(user_id)
        .bind(if kind == SessionKind::Web { "web" } else { "api" })
        .bind(&csrf)
        .bind(now)
        .bind(addr)
        .execute(&mut **tx)
        .await?;
    Ok((token, csrf))
}

pub async fn delete(state: &AppState, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(digest(token)).execute(&state.db.pool).await?;
    Ok(())
}

/// Ends every session of a user (disabled, password changed, roles changed).
pub async fn delete_for_user(tx: &mut crate::db::Tx, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    kind: String,
    csrf: String,
    created_at: i64,
    last_seen_at: i64,
    generation: i64,
    changes: i64,
}

/// Users loaded for requests, kept while the auth generation (moved by triggers on every change
/// to accounts, roles, permissions, custom units and the unit tree, in any process) and the policy
/// read are unchanged, and for a minute at most (a password's age moves with the clock).
#[derive(Default)]
pub struct UserCache(std::sync::Mutex<std::collections::HashMap<i64, Cached>>);

struct Cached {
    generation: i64,
    policy_stamp: i64,
    loaded: std::time::Instant,
    user: CurrentUser,
}

const USER_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
const USER_CACHE_MAX: usize = 10_000;

impl UserCache {
    fn get(&self, id: i64, generation: i64, policy_stamp: i64) -> Option<CurrentUser> {
        let map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&id)
            .filter(|c| {
                c.generation == generation && c.policy_stamp == policy_stamp && c.loaded.elapsed() < USER_CACHE_TTL
            })
            .map(|c| c.user.clone())
    }

    fn put(&self, id: i64, generation: i64, policy_stamp: i64, user: &CurrentUser) {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= USER_CACHE_MAX {
            map.clear();
        }
        let loaded = std::time::Instant::now();
        map.insert(id, Cached { generation, policy_stamp, loaded, user: user.clone() });
    }
}

/// Absolute expiry of a session created at `created_at`.
pub fn expires_at(state: &AppState, created_at: i64) -> i64 {
    created_at + state.policy().absolute_hours * 3_600_000
}

/// Looks a session up, ends it when idle or too old, and loads its user.
pub async fn resolve(state: &AppState, token: &str, want: SessionKind) -> anyhow::Result<Option<CurrentUser>> {
    let hash = digest(token);
    let row: Option<SessionRow> = sqlx::query_as(
        // With the tables' change sum (crate::db::fresh).
        "SELECT s.user_id, s.kind, s.csrf, s.created_at, s.last_seen_at, g.n AS generation, \
         (SELECT CAST(COALESCE(sum(n), 0) AS BIGINT) FROM table_changes) AS changes \
         FROM sessions s CROSS JOIN auth_generation g WHERE s.id_hash = $1 AND g.id = 1",
    )
    .bind(&hash)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let kind = if row.kind == "web" { SessionKind::Web } else { SessionKind::Api };
    if kind != want {
        return Ok(None);
    }
    // The generation was read with the session, before the user: what is loaded is at least as
    // new as the generation it is kept under.
    let stamp = state.policy_checked_ms.load(std::sync::atomic::Ordering::Relaxed);
    let mut user = match state.user_cache.get(row.user_id, row.generation, stamp) {
        Some(u) => u,
        None => {
            let Some(u) = load_user(state, row.user_id).await? else {
                return Ok(None);
            };
            state.user_cache.put(row.user_id, row.generation, stamp, &u);
            u
        }
    };
    let now = state.clock.now_ms();
    let idle = if user.admin.is_some() { state.policy().admin_idle_minutes } else { state.policy().idle_minutes };
    if now - row.last_seen_at > idle * 60_000 || now >= expires_at(state, row.created_at) {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(&hash).execute(&state.db.pool).await?;
        return Ok(None);
    }
    // Touch at most once a minute: a write per request would cost more than it tells. A touch that
    // cannot be written (a full disk) does not stop the user reading.
    if now - row.last_seen_at > 60_000
        && let Err(e) = sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(&hash)
            .execute(&state.db.pool)
            .await
    {
        tracing::warn!(error = %e, "session not touched");
    }
    user.session_kind = kind;
    user.csrf = row.csrf;
    user.changes = row.changes;
    Ok(Some(user))
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    unit_id: i64,
    status: String,
    clearance: i64,
    must_change_password: i64,
    second_factor_bound: i64,
    password_never_expires: i64,
    password_changed_at: i64,
    unit_name: String,
    unit_path: String,
    prison_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: i64,
    code: String,
    name: String,
    admin_kind: Option<String>,
    data_scope: String,
}

/// Loads an active user with roles, permissions and data scope. Disabled users load as None.
pub async fn load_user(state: &AppState, user_id: i64) -> anyhow::Result<Option<CurrentUser>> {
    let db = &state.db.pool;
    let u: Option<UserRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.unit_id, u.status, u.clearance, u.must_change_password, \
         CASE WHEN u.totp_secret = '' THEN 0 ELSE 1 END AS second_factor_bound, u.password_never_expires, u.password_changed_at, n.name AS unit_name, n.path AS unit_path, n.prison_id \
         FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    let Some(u) = u.filter(|u| u.status == "active") else {
        return Ok(None);
    };
    let roles: Vec<RoleRow> = sqlx::query_as(
        "SELECT r.id, r.code, r.name, r.admin_kind, r.data_scope FROM roles r \
         JOIN user_roles ur ON ur.role_id = r.id WHERE ur.user_id = $1 ORDER BY r.id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    let perms: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT rp.permission FROM role_permissions rp JOIN user_roles ur ON ur.role_id = rp.role_id WHERE ur.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    let home = home_path(state, &u).await?;
    let mut scope = Scope::default();
    for r in &roles {
        match r.data_scope.as_str() {
            "all" => scope.subtrees.push(home.clone()),
            "unit_and_below" => scope.subtrees.push(u.unit_path.clone()),
            "unit" => scope.units.push(u.unit_id),
            "self" => scope.own_user = Some(u.id),
            "custom" => {
                // Chosen units, but never outside the user's own prison.
                let ids: Vec<(i64,)> = sqlx::query_as(
                    "SELECT ru.unit_id FROM role_units ru JOIN units n ON n.id = ru.unit_id WHERE ru.role_id = $1 AND n.path LIKE $2",
                )
                .bind(r.id)
                .bind(format!("{home}%"))
                .fetch_all(db)
                .await?;
                scope.units.extend(ids.into_iter().map(|(i,)| i));
            }
            _ => {}
        }
    }
    if !scope.subtrees.is_empty() {
        let mut q = Sql::new("SELECT count(*) FROM units WHERE NOT (");
        for (i, p) in scope.subtrees.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            crate::scope::push_under(&mut q, "path", p);
        }
        q.push(")");
        scope.whole_tree = q.query_scalar::<i64>().fetch_one(db).await? == 0;
    }
    let now = state.clock.now_ms();
    let expired = u.password_never_expires == 0
        && state.policy().password_expiry_days > 0
        && now - u.password_changed_at > state.policy().password_expiry_days * 86_400_000;
    Ok(Some(CurrentUser {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        unit_id: u.unit_id,
        unit_name: u.unit_name,
        unit_path: u.unit_path,
        prison_id: u.prison_id,
        admin: roles.iter().find_map(|r| r.admin_kind.as_deref().and_then(admin_kind_of)),
        roles: roles.iter().map(|r| r.code.clone()).collect(),
        role_names: roles.iter().map(|r| r.name.clone()).collect(),
        perms: perms.into_iter().map(|(p,)| p).collect::<BTreeSet<_>>(),
        scope,
        clearance: u.clearance,
        must_change_password: u.must_change_password != 0 || expired,
        must_bind_second_factor: state.policy().second_factor && u.second_factor_bound == 0,
        session_kind: SessionKind::Web,
        csrf: String::new(),
        changes: 0,
    }))
}

/// "All" means the user's own prison; for a user at the bureau, the bureau and all its prisons.
async fn home_path(state: &AppState, u: &UserRow) -> anyhow::Result<String> {
    match u.prison_id {
        Some(pid) => {
            Ok(sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(pid).fetch_one(&state.db.pool).await?)
        }
        None => {
            // The root of the user's tree: the first segment of the path.
            let root = u.unit_path.trim_start_matches('/').split('/').next().unwrap_or_default();
            Ok(format!("/{root}/"))
        }
    }
}
