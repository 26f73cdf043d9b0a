//! What each area contributes to the whole: migrations, permissions and grants, menu entries,
//! routes and to-do sources. `gangju` lists the areas; nothing else is wired by hand.

use crate::attachments::AttachmentOwner;
use crate::context::Ctx;
use crate::db::Migration;
use crate::error::AppResult;
use crate::perm::Permission;
use crate::routes::{RouteMeta, Routes};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Menu groups in the order of CAPABILITIES.md; an area's entries go under one of them.
pub const MENU_GROUPS: &[&str] =
    &["组织与队伍", "学习教育", "主体责任", "清廉建设", "教育培训", "安保维稳", "目标与报告", "系统管理"];

#[derive(Clone, Copy, Debug)]
pub struct MenuItem {
    pub group: &'static str,
    pub title: &'static str,
    pub href: &'static str,
    pub need: &'static str,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Todo {
    pub title: String,
    pub detail: String,
    /// YYYY-MM-DD, when there is one; the list is sorted soonest first.
    pub due: Option<String>,
    pub href: String,
    /// "overdue", "due_soon" or "missing".
    pub level: &'static str,
    pub source: &'static str,
}

/// A source of to-dos: overdue items, items due soon, or things missing (a study not held).
pub trait TodoSource: Send + Sync {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>>;
}

/// A summary card on the home page: (title, value, link), or None when the user may not see it.
pub trait CardSource: Send + Sync {
    fn card<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Option<(String, String, String)>>>;
}

/// A section another area adds to a person's profile (training record, exam results …): a small
/// table and a link to the full record. `None` when the caller may not see it.
#[derive(Clone, Debug, Default)]
pub struct ProfileBlock {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub more: Option<(String, String)>,
}

pub trait ProfileSource: Send + Sync {
    /// Called only after the person has been read inside the caller's scope.
    fn block<'a>(&'a self, ctx: &'a Ctx, person_id: i64) -> BoxFuture<'a, AppResult<Option<ProfileBlock>>>;
}

/// A record kind whose text is searchable: hits are shown only to users who may view the kind.
#[derive(Clone, Copy, Debug)]
pub struct SearchKind {
    pub kind: &'static str,
    pub name: &'static str,
    pub need: &'static str,
    /// The record's page is `{href}{record_id}`.
    pub href: &'static str,
    /// Every record of the kind as `(record_id, unit_id, title, body)`, as its service indexes
    /// them: read to make the kind's index anew when the way it is made changes
    /// ([`crate::search::index_anew_if_made_otherwise`]). None: nothing indexes the kind.
    pub source: Option<&'static str>,
}

/// How a year is asked of a ledger's export for the year's archive (巡察台账).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerPeriod {
    /// `year=YYYY`
    Year,
    /// `from=YYYY-01-01&to=YYYY-12-31`
    Range,
    /// The register as it stands (the roster, the risk points in force …).
    Register,
}

pub type LedgerExportFn =
    fn(Ctx, std::collections::BTreeMap<String, String>) -> BoxFuture<'static, AppResult<axum::response::Response>>;

/// A ledger the year's archive exports: its name, its export route (whose permission applies),
/// how the export takes the year, and the export itself — the handler the list page's 导出 button
/// calls, so the archive holds exactly what the reader could export by hand (scope, labels and
/// clearance).
#[derive(Clone, Copy)]
pub struct LedgerDef {
    pub name: &'static str,
    pub path: &'static str,
    pub period: LedgerPeriod,
    pub export: LedgerExportFn,
}

impl std::fmt::Debug for LedgerDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerDef").field("name", &self.name).finish()
    }
}

/// A record kind that owns attachments, by its `owner_type` code.
pub type OwnerEntry = (&'static str, Arc<dyn AttachmentOwner>);

pub struct Area {
    pub code: &'static str,
    pub migrations: &'static [Migration],
    pub permissions: &'static [Permission],
    /// (built-in role code, permission): offered once to the built-in role.
    pub grants: &'static [(&'static str, &'static str)],
    pub menu: &'static [MenuItem],
    pub routes: fn(Routes) -> Routes,
    pub todos: fn() -> Vec<Arc<dyn TodoSource>>,
    pub attachment_owners: fn() -> Vec<OwnerEntry>,
    pub cards: fn() -> Vec<Arc<dyn CardSource>>,
    pub search: &'static [SearchKind],
    /// Entries of the figure catalogue.
    pub figures: fn() -> Vec<crate::figures::FigureDef>,
    /// Sections of a person's profile.
    pub profile: fn() -> Vec<Arc<dyn ProfileSource>>,
    /// The ledgers of the year's archive.
    pub ledgers: fn() -> Vec<LedgerDef>,
}

#[derive(Default)]
pub struct Registry {
    pub menu: Vec<MenuItem>,
    pub permissions: Vec<Permission>,
    pub grants: Vec<(&'static str, &'static str)>,
    pub todos: Vec<Arc<dyn TodoSource>>,
    pub routes: Vec<RouteMeta>,
    pub attachment_owners: crate::attachments::Owners,
    pub cards: Vec<Arc<dyn CardSource>>,
    pub search: Vec<SearchKind>,
    pub figures: Vec<crate::figures::FigureDef>,
    pub profile: Vec<Arc<dyn ProfileSource>>,
    pub ledgers: Vec<LedgerDef>,
}

impl Registry {
    pub fn from_areas(areas: &[Area], routes: Vec<RouteMeta>) -> Self {
        let mut r = Registry { routes, ..Default::default() };
        for a in areas {
            r.menu.extend_from_slice(a.menu);
            r.permissions.extend_from_slice(a.permissions);
            r.grants.extend_from_slice(a.grants);
            r.todos.extend((a.todos)());
            r.attachment_owners.extend((a.attachment_owners)());
            r.cards.extend((a.cards)());
            r.search.extend_from_slice(a.search);
            r.figures.extend((a.figures)());
            r.profile.extend((a.profile)());
            r.ledgers.extend((a.ledgers)());
        }
        r
    }

    pub fn migrations(areas: &[Area]) -> Vec<&[Migration]> {
        areas.iter().map(|a| a.migrations).collect()
    }

    /// The catalogue's entry for a figure key.
    pub fn figure(&self, key: &str) -> Option<crate::figures::FigureDef> {
        self.figures.iter().find(|d| d.key == key).copied()
    }

    pub fn permission_name(&self, code: &str) -> &'static str {
        self.permissions.iter().find(|p| p.code == code).map(|p| p.name).unwrap_or("未知权限")
    }
}
