//! 系统管理: the unit tree, accounts, roles and the audit log. Proves the platform's ledger
//! mechanism on the records every other area depends on.

pub mod accounts;
pub mod audit_log;
pub mod roles;
pub mod security;
pub mod units;

use platform::perm::{self, Need};
use platform::registry::{Area, MenuItem};
use platform::routes::Routes;
use std::sync::Arc;

const MENU: &[MenuItem] = &[
    MenuItem { group: "系统管理", title: "单位管理", href: "/system/units", need: perm::UNIT_VIEW },
    MenuItem { group: "系统管理", title: "账号管理", href: "/system/users", need: perm::USER_VIEW },
    MenuItem { group: "系统管理", title: "角色权限", href: "/system/roles", need: perm::ROLE_VIEW },
    MenuItem { group: "系统管理", title: "安全策略", href: "/system/security", need: perm::SECURITY_EDIT },
    MenuItem { group: "系统管理", title: "审计日志", href: "/system/audit", need: perm::AUDIT_VIEW },
];

pub fn area() -> Area {
    Area {
        code: "system",
        migrations: &[],
        permissions: &[],
        grants: &[],
        menu: MENU,
        routes,
        todos: || vec![Arc::new(accounts::LockedAccounts)],
        attachment_owners: || {
            vec![("unit", Arc::new(units::UnitAttachments) as Arc<dyn platform::attachments::AttachmentOwner>)]
        },
        cards: || vec![Arc::new(units::UnitCount)],
        search: &[platform::registry::SearchKind {
            kind: "unit",
            name: "单位",
            need: perm::UNIT_VIEW,
            href: "/system/units/",
            source: Some("SELECT id, id, name, coalesce(description, '') FROM units"),
        }],
        figures: Vec::new,
        profile: Vec::new,
        ledgers: Vec::new,
    }
}

fn routes(r: Routes) -> Routes {
    let r = units::routes(r);
    let r = accounts::routes(r);
    let r = roles::routes(r);
    let r = audit_log::routes(r);
    let r = security::routes(r);
    r.get("/api/v1/permissions", Need::Perm(perm::ROLE_VIEW), "权限目录", roles::api_permissions)
}
