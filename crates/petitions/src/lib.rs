//! 信访稳定 (seed §五 "坚决确保信访稳定"): the leading groups set up for special periods (reusable
//! for the next one), petitions through the four stages of handling as an enforced workflow —
//! 接报 → 应急启动 (when escalated) → 处置 → 消除后整理记录 — with every move on a trail, the reply
//! deadline of each kind and reopening; and the five measures: the duty roster of a special period
//! with swaps and gaps (值班), reception records (接访), risk screening rounds with their findings
//! (排查), mediation of cases (调处) and stability control of people and situations under watch
//! (稳控).
//!
//! Petitions, receptions and mediations are labelled ledgers (`petition:view` plus a clearance of
//! at least the record's label, 秘密 by default), every read audited; the petitioner's name, ID
//! number, phone and address and the case details are sealed with SM4 under the field key kept
//! outside the database. No built-in role is the 信访办: `petition:edit` is granted to the party
//! office, and the security administrator grants it (with clearance 2) to the petition office's
//! staff through a role of their own.

pub mod cases;
pub mod demo;
pub mod domain;
pub mod figures;
pub mod groups;
pub mod mediations;
pub mod periods;
pub mod receptions;
pub mod restricted;
pub mod screenings;
pub mod shared;
pub mod watches;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};
use std::sync::Arc;

pub const PETITION_VIEW: &str = "petition:view";
pub const PETITION_EDIT: &str = "petition:edit";
pub const STABILITY_VIEW: &str = "stability:view";
pub const STABILITY_EDIT: &str = "stability:edit";

const PERMISSIONS: &[Permission] = &[
    Permission {
        code: PETITION_VIEW, name: "查看信访件、接访与调处记录（另需密级）", group: "信访稳定"
    },
    Permission { code: PETITION_EDIT, name: "登记和办理信访件、接访与调处", group: "信访稳定" },
    Permission {
        code: STABILITY_VIEW, name: "查看维稳领导小组、值班、排查与稳控", group: "信访稳定"
    },
    Permission {
        code: STABILITY_EDIT, name: "维护维稳领导小组、值班、排查与稳控", group: "信访稳定"
    },
];

/// The party office keeps the petition ledgers until the security administrator gives the
/// petition office's staff a role with `petition:edit`; the leadership reads them; the prison
/// areas see the roster, screening findings and watches of their own units.
const GRANTS: &[(&str, &str)] = &[
    ("leader", PETITION_VIEW),
    ("leader", STABILITY_VIEW),
    ("party_office", PETITION_VIEW),
    ("party_office", PETITION_EDIT),
    ("party_office", STABILITY_VIEW),
    ("party_office", STABILITY_EDIT),
    ("unit_clerk", STABILITY_VIEW),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "安保维稳", title: "信访件", href: "/petitions/cases", need: PETITION_VIEW },
    MenuItem { group: "安保维稳", title: "接访记录", href: "/petitions/receptions", need: PETITION_VIEW },
    MenuItem { group: "安保维稳", title: "矛盾调处", href: "/petitions/mediations", need: PETITION_VIEW },
    MenuItem { group: "安保维稳", title: "信访统计", href: "/petitions/stats", need: PETITION_VIEW },
    MenuItem { group: "安保维稳", title: "维稳领导小组", href: "/petitions/groups", need: STABILITY_VIEW },
    MenuItem {
        group: "安保维稳", title: "特殊时期与值班", href: "/petitions/periods", need: STABILITY_VIEW
    },
    MenuItem { group: "安保维稳", title: "风险排查", href: "/petitions/screenings", need: STABILITY_VIEW },
    MenuItem { group: "安保维稳", title: "稳控对象", href: "/petitions/watches", need: STABILITY_VIEW },
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 10000,
        name: "petitions: leading groups, special periods and duty roster, petitions and their trail, receptions, mediations, screenings, watches",
        sql: MigrationSql::Portable(include_str!("../migrations/10000_petitions.sql")),
    },
    Migration {
        version: 10001,
        name: "petitions: open petitions by reply date",
        sql: MigrationSql::Portable(include_str!("../migrations/10001_open_petitions_index.sql")),
    },
];

pub fn area() -> Area {
    Area {
        code: "petitions",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = cases::routes(r);
            let r = mediations::routes(r);
            let r = receptions::routes(r);
            let r = groups::routes(r);
            let r = periods::routes(r);
            let r = screenings::routes(r);
            watches::routes(r)
        },
        todos: || vec![Arc::new(cases::ReplyTodos), Arc::new(periods::RosterGapTodos), Arc::new(watches::ReviewTodos)],
        attachment_owners: || {
            vec![("petition", Arc::new(cases::PetitionAttachments) as Arc<dyn platform::attachments::AttachmentOwner>)]
        },
        cards: Vec::new,
        search: &[],
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
            name: "信访件",
            path: "/petitions/cases/export",
            period: LedgerPeriod::Range,
            export: |c, q| Box::pin(cases::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "接访记录",
            path: "/petitions/receptions/export",
            period: LedgerPeriod::Range,
            export: |c, q| Box::pin(receptions::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "调处记录",
            path: "/petitions/mediations/export",
            period: LedgerPeriod::Range,
            export: |c, q| Box::pin(mediations::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "矛盾纠纷排查发现的风险",
            path: "/petitions/screenings/export",
            period: LedgerPeriod::Register,
            export: |c, q| Box::pin(screenings::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "稳控对象",
            path: "/petitions/watches/export",
            period: LedgerPeriod::Register,
            export: |c, q| Box::pin(watches::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "信访维稳领导小组",
            path: "/petitions/groups/export",
            period: LedgerPeriod::Register,
            export: |c, q| Box::pin(groups::export(c, axum::extract::Query(q))),
        },
    ]
}
