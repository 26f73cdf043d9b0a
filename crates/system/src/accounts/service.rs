//! Account rules and queries. Accounts are never deleted (the audit log names them): they are
//! disabled. No account may hold an administrator role together with any other role.

use platform::audit::Event;
use platform::auth::{password, session};
use platform::db::{Sql, Tx, like_contains};
use platform::ledger::expect_one_updated;
use platform::perm::admin_kind_of;
use platform::web::{FormCheck, ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub status: String,
    /// Masked whenever it is serialised: lists and the API never carry a full number.
    #[serde(serialize_with = "ser_masked")]
    pub phone: String,
    pub clearance: i64,
    pub locked_until: i64,
    pub last_login_at: Option<i64>,
    pub version: i64,
    /// 1 when a second factor (动态口令) is bound.
    pub second_factor: i64,
    #[sqlx(skip)]
    pub roles: Vec<String>,
}

impl Account {
    pub fn masked_phone(&self) -> String {
        mask_phone(&self.phone)
    }
}

fn ser_masked<S: serde::Serializer>(p: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&mask_phone(p))
}

/// 13812345678 -> 138****5678: lists never show a full phone number.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (&chars[..3], &chars[chars.len() - 4..]);
    format!("{}{}{}", head.iter().collect::<String>(), "*".repeat(chars.len() - 7), tail.iter().collect::<String>())
}

const COLS: &str = "u.id, u.username, u.display_name, u.unit_id, n.name AS unit_name, u.status, u.phone, u.clearance, u.locked_until, u.last_login_at, u.version, \
                    CASE WHEN u.totp_secret = '' THEN 0 ELSE 1 END AS second_factor";
pub const SORTS: &[(&str, &str)] = &[
    ("username", "u.username"),
    ("display_name", "u.display_name"),
    ("unit", "n.path"),
    ("last_login", "u.last_login_at"),
];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Account>> {
    let user = ctx.user()?;
    let (kw, status) = (p.get("keyword").to_string(), p.get("status").to_string());
    let unit_path = match p.get_i64("unit") {
        Some(id) => Some(crate::units::service::get(ctx, id).await?.path),
        None => None,
    };
    let mut page = fetch_page::<Account>(
        &ctx.state.db,
        COLS,
        "u.id",
        |q: &mut Sql| {
            q.push("FROM users u JOIN units n ON n.id = u.unit_id WHERE ");
            user.scope.push_condition(q, "u.unit_id", Some("u.id"));
            if !kw.is_empty() {
                let like = like_contains(&kw);
                q.push(" AND (u.username LIKE ")
                    .bind(like.clone())
                    .push(" ESCAPE '\\' OR u.display_name LIKE ")
                    .bind(like)
                    .push(" ESCAPE '\\')");
            }
            if !status.is_empty() {
                q.push(" AND u.status = ").bind(status.clone());
            }
            if let Some(path) = &unit_path {
                q.push(" AND ");
                platform::scope::push_under(q, "n.path", path);
            }
        },
        p,
    )
    .await?;
    attach_roles(ctx, &mut page.items).await?;
    Ok(page)
}

/// One query for the roles of a whole page of accounts.
async fn attach_roles(ctx: &Ctx, items: &mut [Account]) -> AppResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        "SELECT ur.user_id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id IN (",
    );
    q.push_ids(items.iter().map(|a| a.id));
    q.push(") ORDER BY r.id");
    let rows: Vec<(i64, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let mut by = platform::db::by_owner(rows);
    for a in items.iter_mut() {
        a.roles = by.remove(&a.id).unwrap_or_default();
    }
    Ok(())
}

pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Account> {
    let select = format!("SELECT {COLS} FROM users u JOIN units n ON n.id = u.unit_id");
    let a: Account =
        platform::ledger::get_in_scope(ctx, &select, "u.id", id, "u.unit_id", Some("u.id"), "user").await?;
    let mut v = vec![a];
    attach_roles(ctx, &mut v).await?;
    Ok(v.remove(0))
}

/// Refuses any set of roles that breaks the three-administrator separation.
pub async fn check_roles(tx: &mut Tx, codes: &[String]) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    let mut admins = 0;
    for c in codes {
        let row: Option<(i64, Option<String>)> = sqlx::query_as("SELECT id, admin_kind FROM roles WHERE code = $1")
            .bind(c)
            .fetch_optional(&mut **tx)
            .await?;
        let (id, kind) = row.ok_or_else(|| AppError::field("roles", format!("角色“{c}”不存在")))?;
        if kind.as_deref().and_then(admin_kind_of).is_some() {
            admins += 1;
        }
        ids.push(id);
    }
    if admins > 1 {
        return Err(AppError::field("roles", "三员分立：一个账号不能同时担任两个管理员角色"));
    }
    if admins == 1 && codes.len() > 1 {
        return Err(AppError::field("roles", "三员分立：管理员账号不能再兼任其他角色"));
    }
    Ok(ids)
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub roles: Vec<String>,
    pub phone: String,
    /// None: a one-time password is made, and must be changed at first login.
    pub password: Option<String>,
    pub never_expires: bool,
}

pub fn check_username(f: &mut FormCheck, raw: &str) -> String {
    let v = f.text("username", "用户名", raw, 32, true);
    if !v.is_empty()
        && (v.chars().count() < 3 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        f.add("username", "用户名为 3–32 位字母、数字、_ . -");
    }
    v
}

/// Creates an account in `tx` and returns (id, the one-time password when one was made).
pub async fn create_user(tx: &mut Tx, u: &NewUser, unit_name: &str, now: i64) -> AppResult<(i64, Option<String>)> {
    let role_ids = check_roles(tx, &u.roles).await?;
    let (pw, one_time) = match &u.password {
        Some(p) => {
            if let Some(m) = password::check_policy(p, &u.username, unit_name) {
                return Err(AppError::field("password", m));
            }
            (p.clone(), None)
        }
        None => {
            let p = password::one_time();
            (p.clone(), Some(p))
        }
    };
    let exists: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE username = $1")
        .bind(&u.username)
        .fetch_one(&mut **tx)
        .await?;
    if exists > 0 {
        return Err(AppError::field("username", "用户名已存在"));
    }
    let hash = password::hash(pw).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, unit_id, password_hash, password_changed_at, must_change_password, \
         password_never_expires, phone, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$5,$5) RETURNING id",
    )
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(u.unit_id)
    .bind(hash)
    .bind(now)
    .bind(i64::from(one_time.is_some()))
    .bind(i64::from(u.never_expires))
    .bind(&u.phone)
    .fetch_one(&mut **tx)
    .await?;
    for rid in role_ids {
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)")
            .bind(id)
            .bind(rid)
            .execute(&mut **tx)
            .await?;
    }
    Ok((id, one_time))
}

pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub unit_id: Option<i64>,
    pub phone: String,
    pub version: Option<i64>,
}

fn check_input(i: &AccountInput, creating: bool) -> AppResult<AccountInput> {
    let mut f = FormCheck::new();
    let username = if creating { check_username(&mut f, &i.username) } else { i.username.clone() };
    let display_name = f.text("display_name", "姓名", &i.display_name, 30, true);
    let phone = f.mobile("phone", "手机号", &i.phone);
    if i.unit_id.is_none() {
        f.add("unit_id", "请选择所属单位");
    }
    f.finish()?;
    Ok(AccountInput { username, display_name, unit_id: i.unit_id, phone, version: i.version })
}

/// Creates an account from a page or the API (no roles: the security administrator grants them).
pub async fn create(ctx: &Ctx, i: &AccountInput) -> AppResult<(i64, String)> {
    let i = check_input(i, true)?;
    let unit = crate::units::service::get(ctx, i.unit_id.unwrap_or_default())
        .await
        .map_err(|_| AppError::field("unit_id", "请选择有效的所属单位"))?;
    let nu = NewUser {
        username: i.username.clone(),
        display_name: i.display_name,
        unit_id: unit.id,
        roles: Vec::new(),
        phone: i.phone,
        password: None,
        never_expires: false,
    };
    let mut tx = ctx.state.db.begin().await?;
    let (id, pw) = create_user(&mut tx, &nu, &unit.name, ctx.state.clock.now_ms()).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "user", id).detail(i.username)).await?;
    tx.commit().await?;
    Ok((id, pw.unwrap_or_default()))
}

pub async fn update(ctx: &Ctx, id: i64, i: &AccountInput) -> AppResult<()> {
    let current = get(ctx, id).await?;
    // The masked number the list and the API show, sent back, means "unchanged".
    let phone = if i.phone == current.masked_phone() { current.phone.clone() } else { i.phone.clone() };
    let i = check_input(&AccountInput { username: current.username.clone(), phone, ..clone_input(i) }, false)?;
    let unit = crate::units::service::get(ctx, i.unit_id.unwrap_or_default())
        .await
        .map_err(|_| AppError::field("unit_id", "请选择有效的所属单位"))?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query("UPDATE users SET display_name = $1, unit_id = $2, phone = $3, version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6")
        .bind(&i.display_name)
        .bind(unit.id)
        .bind(&i.phone)
        .bind(ctx.state.clock.now_ms())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "user", id).detail(current.username)).await?;
    tx.commit().await?;
    Ok(())
}

fn clone_input(i: &AccountInput) -> AccountInput {
    AccountInput {
        username: i.username.clone(),
        display_name: i.display_name.clone(),
        unit_id: i.unit_id,
        phone: i.phone.clone(),
        version: i.version,
    }
}

/// A new one-time password; every session of the account ends.
pub async fn reset_password(ctx: &Ctx, id: i64) -> AppResult<String> {
    let a = get(ctx, id).await?;
    let pw = password::one_time();
    let hash = password::hash(pw.clone()).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 1, password_changed_at = $2, failed_count = 0, locked_until = 0, version = version + 1 WHERE id = $3")
        .bind(hash)
        .bind(ctx.state.clock.now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    session::delete_for_user(&mut tx, id).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("password_reset", "user", id).detail(a.username)).await?;
    tx.commit().await?;
    Ok(pw)
}

/// Removes the account's second factor (a lost token) and ends its sessions. `false` when none
/// was bound.
pub async fn reset_second_factor(ctx: &Ctx, id: i64) -> AppResult<bool> {
    let a = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let done = platform::auth::second_factor::reset(ctx, &mut tx, id, &a.username).await?;
    if done {
        session::delete_for_user(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(done)
}

pub async fn set_status(ctx: &Ctx, id: i64, active: bool) -> AppResult<()> {
    let a = get(ctx, id).await?;
    if ctx.user()?.id == id && !active {
        return Err(AppError::BadRequest("不能停用自己的账号".into()));
    }
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("UPDATE users SET status = $1, version = version + 1 WHERE id = $2")
        .bind(if active { "active" } else { "disabled" })
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !active {
        session::delete_for_user(&mut tx, id).await?;
    }
    let ev = if active { "enable" } else { "disable" };
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok(ev, "user", id).detail(a.username)).await?;
    tx.commit().await?;
    Ok(())
}

/// The security administrator's grant: roles and clearance. Separation is checked again here.
pub async fn grant(ctx: &Ctx, id: i64, roles: &[String], clearance: i64) -> AppResult<()> {
    let a = get(ctx, id).await?;
    if !(0..=3).contains(&clearance) {
        return Err(AppError::field("clearance", "密级须为 0–3"));
    }
    let mut tx = ctx.state.db.begin().await?;
    let ids = check_roles(&mut tx, roles).await?;
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    for rid in ids {
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)")
            .bind(id)
            .bind(rid)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE users SET clearance = $1, version = version + 1 WHERE id = $2")
        .bind(clearance)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let detail = format!("{}：角色 [{}]，密级 {clearance}", a.username, roles.join(","));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("grant", "user", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::mask_phone;

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0571-88886666"), "057******6666");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone(""), "");
    }
}
