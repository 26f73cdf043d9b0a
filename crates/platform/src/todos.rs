//! The platform's own to-do source: the user's password is about to expire.

use crate::context::Ctx;
use crate::db::Sql;
use crate::error::AppResult;
use crate::registry::{BoxFuture, Todo, TodoSource};

pub struct PasswordExpiry;

impl TodoSource for PasswordExpiry {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let u = ctx.user()?;
            let days = ctx.state.policy().password_expiry_days;
            if days <= 0 {
                return Ok(Vec::new());
            }
            let mut q = Sql::new("SELECT password_changed_at, password_never_expires FROM users WHERE id = ");
            q.bind(u.id);
            let Some(row) = q.fetch_fresh::<(i64, i64)>(&ctx.state.db).await?.into_iter().next() else {
                return Ok(Vec::new());
            };
            let expires = row.0 + days * 86_400_000;
            let left = (expires - ctx.state.clock.now_ms()) / 86_400_000;
            if row.1 != 0 || left > 7 {
                return Ok(Vec::new());
            }
            let due = jiff::Timestamp::from_millisecond(expires)
                .map(|t| crate::clock::SHANGHAI.to_datetime(t).date().to_string())
                .ok();
            Ok(vec![Todo {
                title: "修改登录密码".into(),
                detail: format!("密码将在 {} 天后过期", left.max(0)),
                due,
                href: "/password".into(),
                level: "due_soon",
                source: "系统",
            }])
        })
    }
}
