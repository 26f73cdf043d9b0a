//! 组织与队伍: Party organisations with their history, people (民警/职工) with encrypted ID
//! numbers, congresses and elections with term reminders, personnel changes, roster import.

pub mod changes;
pub mod demo;
pub mod domain;
pub mod elections;
pub mod figures;
pub mod orgs;
pub mod people;
mod todos;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem, SearchKind};
use std::sync::Arc;

pub const ORG_VIEW: &str = "org:view";
pub const ORG_EDIT: &str = "org:edit";
pub const PERSON_VIEW: &str = "person:view";
pub const PERSON_EDIT: &str = "person:edit";
pub const PERSON_ID_VIEW: &str = "person:id_view";
pub const PERSONNEL_EDIT: &str = "personnel:edit";

const PERMISSIONS: &[Permission] = &[
    Permission { code: ORG_VIEW, name: "查看党组织与换届", group: "组织与队伍" },
    Permission { code: ORG_EDIT, name: "维护党组织、换届选举", group: "组织与队伍" },
    Permission { code: PERSON_VIEW, name: "查看人员花名册", group: "组织与队伍" },
    Permission { code: PERSON_EDIT, name: "维护人员信息、导入花名册", group: "组织与队伍" },
    Permission { code: PERSON_ID_VIEW, name: "查看完整身份证号（留痕）", group: "组织与队伍" },
    Permission { code: PERSONNEL_EDIT, name: "录入职务调整", group: "组织与队伍" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", ORG_VIEW),
    ("leader", PERSON_VIEW),
    ("party_office", ORG_VIEW),
    ("party_office", ORG_EDIT),
    ("party_office", PERSON_VIEW),
    ("party_office", PERSON_EDIT),
    ("party_office", PERSON_ID_VIEW),
    ("party_office", PERSONNEL_EDIT),
    ("discipline", ORG_VIEW),
    ("discipline", PERSON_VIEW),
    ("unit_clerk", ORG_VIEW),
    ("unit_clerk", PERSON_VIEW),
    ("unit_clerk", PERSON_EDIT),
    ("officer", PERSON_VIEW),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "组织与队伍", title: "党组织", href: "/org/orgs", need: ORG_VIEW },
    MenuItem { group: "组织与队伍", title: "人员花名册", href: "/org/people", need: PERSON_VIEW },
    MenuItem { group: "组织与队伍", title: "换届选举", href: "/org/elections", need: ORG_VIEW },
    MenuItem { group: "组织与队伍", title: "职务调整", href: "/org/changes", need: PERSON_VIEW },
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 3000,
        name: "org: party organisations, people, elections, changes",
        sql: MigrationSql::Portable(include_str!("../migrations/3000_org.sql")),
    },
    Migration {
        version: 3001,
        name: "org: Party members by status, unit and branch",
        sql: MigrationSql::Portable(include_str!("../migrations/3001_party_member_count_index.sql")),
    },
];

pub fn area() -> Area {
    Area {
        code: "org",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = orgs::routes(r);
            let r = people::routes(r);
            let r = elections::routes(r);
            changes::routes(r)
        },
        todos: || vec![Arc::new(todos::TermsEnding)],
        attachment_owners: Vec::new,
        cards: || vec![Arc::new(todos::MemberCount)],
        search: &[SearchKind {
            kind: "person",
            name: "人员",
            need: PERSON_VIEW,
            href: "/org/people/",
            source: Some(people::service::SEARCH_SOURCE),
        }],
        figures: figures::catalogue,
        profile: Vec::new,
        ledgers,
    }
}

/// This area's ledgers in the year's archive.
fn ledgers() -> Vec<platform::registry::LedgerDef> {
    use platform::registry::{LedgerDef, LedgerPeriod};
    vec![
        LedgerDef {
            name: "花名册",
            path: "/org/people/export",
            period: LedgerPeriod::Register,
            export: |c, q| Box::pin(people::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "党组织",
            path: "/org/orgs/export",
            period: LedgerPeriod::Register,
            export: |c, q| Box::pin(orgs::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "职务调整",
            path: "/org/changes/export",
            period: LedgerPeriod::Range,
            export: |c, q| Box::pin(changes::export(c, axum::extract::Query(q))),
        },
    ]
}
