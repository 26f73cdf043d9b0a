//! 清廉建设: integrity activities (五个一, 每月一警 …) and warning education (#4's meetings and
//! attendance, checked by a monthly rule), case compilations (#4's warning-case materials), the
//! integrity-risk register, and the labelled ledgers of integrity talks and accountability cases,
//! readable only with the discipline permission and enough clearance, every view audited.

pub mod activities;
pub mod cases;
pub mod compilations;
pub mod demo;
pub mod domain;
pub mod figures;
pub mod restricted;
pub mod risks;
pub mod talks;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};
use std::sync::Arc;

pub const INTEGRITY_VIEW: &str = "integrity:view";
pub const INTEGRITY_EDIT: &str = "integrity:edit";
pub const DISCIPLINE_VIEW: &str = "discipline:view";
pub const DISCIPLINE_EDIT: &str = "discipline:edit";

const PERMISSIONS: &[Permission] = &[
    Permission {
        code: INTEGRITY_VIEW, name: "查看清廉活动、案例汇编与廉政风险点", group: "清廉建设"
    },
    Permission {
        code: INTEGRITY_EDIT, name: "登记清廉活动、案例汇编与廉政风险点", group: "清廉建设"
    },
    Permission {
        code: DISCIPLINE_VIEW, name: "查看廉政谈话与问责案件（另需密级）", group: "清廉建设"
    },
    Permission { code: DISCIPLINE_EDIT, name: "登记廉政谈话与问责案件", group: "清廉建设" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", INTEGRITY_VIEW),
    ("party_office", INTEGRITY_VIEW),
    ("party_office", INTEGRITY_EDIT),
    ("discipline", INTEGRITY_VIEW),
    ("discipline", INTEGRITY_EDIT),
    ("discipline", DISCIPLINE_VIEW),
    ("discipline", DISCIPLINE_EDIT),
    ("unit_clerk", INTEGRITY_VIEW),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "清廉建设", title: "清廉活动", href: "/integrity/activities", need: INTEGRITY_VIEW },
    MenuItem { group: "清廉建设", title: "警示教育", href: "/integrity/warnings", need: INTEGRITY_VIEW },
    MenuItem { group: "清廉建设", title: "案例汇编", href: "/integrity/compilations", need: INTEGRITY_VIEW },
    MenuItem { group: "清廉建设", title: "廉政风险点", href: "/integrity/risks", need: INTEGRITY_VIEW },
    MenuItem { group: "清廉建设", title: "廉政谈话", href: "/integrity/talks", need: DISCIPLINE_VIEW },
    MenuItem { group: "清廉建设", title: "问责案件", href: "/integrity/cases", need: DISCIPLINE_VIEW },
];

const MIGRATIONS: &[Migration] = &[Migration {
    version: 6000,
    name: "integrity: activities, compilations, risks, talks, cases, monthly warning rule",
    sql: MigrationSql::Portable(include_str!("../migrations/6000_integrity.sql")),
}];

pub fn area() -> Area {
    Area {
        code: "integrity",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = activities::routes(r);
            let r = compilations::routes(r);
            let r = risks::routes(r);
            let r = talks::routes(r);
            let r = cases::routes(r);
            talks::warning_routes(r)
        },
        todos: || vec![Arc::new(risks::RiskTodos), Arc::new(talks::KeyPostTodos)],
        attachment_owners: || {
            vec![
                (
                    "integrity_activity",
                    Arc::new(activities::ActivityAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
                (
                    "accountability_case",
                    Arc::new(cases::CaseAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
            ]
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
            name: "清廉活动",
            path: "/integrity/activities/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(activities::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "廉政谈话（涉密）",
            path: "/integrity/talks/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(talks::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "廉政风险点",
            path: "/integrity/risks/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(risks::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "问责案件（涉密）",
            path: "/integrity/cases/export",
            period: LedgerPeriod::Register,
            export: |c, q| Box::pin(cases::export(c, axum::extract::Query(q))),
        },
    ]
}
