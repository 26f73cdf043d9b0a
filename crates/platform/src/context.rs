//! Who is asking: the logged-in user with roles, permissions and data scope, resolved per request.

use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::perm::AdminKind;
use crate::scope::Scope;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub prison_id: Option<i64>,
    pub roles: Vec<String>,
    pub role_names: Vec<String>,
    pub admin: Option<AdminKind>,
    pub perms: BTreeSet<String>,
    pub scope: Scope,
    pub clearance: i64,
    pub must_change_password: bool,
    /// The policy asks for a second factor and this account has none yet: it binds one first.
    pub must_bind_second_factor: bool,
    pub session_kind: SessionKind,
    pub csrf: String,
    /// The tables' change sum read with the session ([`crate::db::fresh`]).
    pub changes: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl CurrentUser {
    pub fn can(&self, perm: &str) -> bool {
        self.perms.contains(perm)
    }
}

/// Per-request context: always present (set by the auth layer), the user only when logged in.
#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    pub user: Option<Arc<CurrentUser>>,
    pub request_id: String,
    pub addr: String,
    pub is_api: bool,
    /// A message from the previous request's redirect (post/redirect/get).
    pub flash: Option<String>,
}

impl Ctx {
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_deref().ok_or(AppError::Unauthenticated)
    }

    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(u) => Actor {
                user_id: Some(u.id),
                username: u.username.clone(),
                role: u.roles.join(","),
                unit_id: Some(u.unit_id),
                addr: self.addr.clone(),
                request_id: self.request_id.clone(),
            },
            None => Actor { addr: self.addr.clone(), request_id: self.request_id.clone(), ..Actor::default() },
        }
    }

    pub fn can(&self, perm: &str) -> bool {
        self.user.as_ref().is_some_and(|u| u.can(perm))
    }

    /// The caller's own person record (人员档案), when the account is linked to one.
    pub async fn own_person(&self) -> AppResult<Option<i64>> {
        let mut q = crate::db::Sql::new("SELECT id FROM people WHERE user_id = ");
        q.bind(self.user()?.id);
        Ok(q.fetch_fresh::<(i64,)>(&self.state.db).await?.first().map(|r| r.0))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))
    }
}

impl Ctx {
    /// A command-line job run on behalf of an account: exactly that account's permissions, data
    /// scope and clearance (so a command exports no more than the person could by hand).
    pub fn as_account(state: AppState, user: CurrentUser, job: &str) -> Self {
        Ctx {
            state,
            user: Some(Arc::new(user)),
            request_id: format!("cli-{job}"),
            addr: "localhost".into(),
            is_api: true,
            flash: None,
        }
    }

    /// A context for work the program does by itself (demo data, command-line jobs): every unit in
    /// scope and the given permissions. Never built from a request.
    pub fn internal(state: AppState, name: &str, perms: &[&str]) -> Self {
        let user = CurrentUser {
            id: 0,
            username: name.to_string(),
            display_name: name.to_string(),
            unit_id: 0,
            unit_name: String::new(),
            unit_path: "/".into(),
            prison_id: None,
            roles: vec!["cli".into()],
            role_names: vec!["命令行".into()],
            admin: None,
            perms: perms.iter().map(|p| p.to_string()).collect(),
            scope: Scope { subtrees: vec!["/".into()], ..Scope::default() },
            clearance: 3,
            must_change_password: false,
            must_bind_second_factor: false,
            session_kind: SessionKind::Api,
            csrf: String::new(),
            changes: 0,
        };
        Ctx {
            state,
            user: Some(Arc::new(user)),
            request_id: "internal".into(),
            addr: "localhost".into(),
            is_api: true,
            flash: None,
        }
    }
}
