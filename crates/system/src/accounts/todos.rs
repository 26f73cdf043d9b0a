//! To-dos for account managers.

use platform::db::Sql;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::{AppResult, Ctx};

/// To-do for account managers: accounts locked right now.
pub struct LockedAccounts;

impl TodoSource for LockedAccounts {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let user = ctx.user()?;
            if !user.can(platform::perm::USER_EDIT) {
                return Ok(Vec::new());
            }
            let mut q = Sql::new("SELECT u.username, u.display_name FROM users u WHERE u.locked_until > ");
            q.bind(ctx.state.clock.now_ms()).push(" AND ");
            user.scope.push_condition(&mut q, "u.unit_id", Some("u.id"));
            q.push(" ORDER BY u.username LIMIT 20");
            let rows: Vec<(String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
            Ok(rows
                .into_iter()
                .map(|(un, dn)| Todo {
                    title: format!("账号 {dn}（{un}）已被锁定"),
                    detail: "连续输错密码被锁定；如属本人遗忘，可重置密码".into(),
                    due: None,
                    href: format!("/system/users?keyword={un}"),
                    level: "due_soon",
                    source: "账号管理",
                })
                .collect())
        })
    }
}
