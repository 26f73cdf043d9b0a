//! 安保维稳（五安全一稳定）: the labelled key-prisoner register (read only with `keyprisoner:view`
//! and clearance, every read audited), sentence changes (减假暂) with their stages and timeliness,
//! inspections as checklists (the special production-safety checks, the six custody keys and the
//! ideology front) and the hazards they find through to sign-off, epidemic prevention (meetings,
//! closed-duty rosters, vaccination counts), and the must-never-happen incidents with the days
//! since the last of each kind.
//!
//! Who sees what: there is no built-in prison-administration role. The security administrator
//! makes one (e.g. 狱政管理) with `keyprisoner:view` / `keyprisoner:edit` and gives its holders a
//! clearance of at least 2 (秘密); the leadership holds `keyprisoner:view`. The other ledgers are
//! `safety:view` / `safety:edit`, within the data scope.

pub mod demo;
pub mod domain;
pub mod epidemic_meetings;
pub mod figures;
pub mod hazards;
pub mod incidents;
pub mod inspections;
pub mod key_prisoners;
pub mod restricted;
pub mod rosters;
pub mod sentence_changes;
pub mod shared;
pub mod templates;
pub mod vaccinations;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};
use std::sync::Arc;

pub const KEYPRISONER_VIEW: &str = "keyprisoner:view";
pub const KEYPRISONER_EDIT: &str = "keyprisoner:edit";
pub const SAFETY_VIEW: &str = "safety:view";
pub const SAFETY_EDIT: &str = "safety:edit";
pub const SAFETY_CONFIG: &str = "safety:config";

const PERMISSIONS: &[Permission] = &[
    Permission {
        code: KEYPRISONER_VIEW,
        name: "查看重点罪犯台账（另需密级；由安全管理员授予狱政管理等角色）",
        group: "安保维稳",
    },
    Permission { code: KEYPRISONER_EDIT, name: "登记、复核重点罪犯", group: "安保维稳" },
    Permission {
        code: SAFETY_VIEW, name: "查看减假暂、安全检查与隐患、疫情防控、重大事件台账", group: "安保维稳"
    },
    Permission {
        code: SAFETY_EDIT, name: "登记减假暂、安全检查与隐患、疫情防控、重大事件", group: "安保维稳"
    },
    Permission { code: SAFETY_CONFIG, name: "维护检查项目模板与重大事件类别", group: "安保维稳" },
];

/// No built-in role works the key-prisoner register: the leadership reads it; the security
/// administrator grants `keyprisoner:*` to the prison-administration role it sets up.
const GRANTS: &[(&str, &str)] = &[
    ("leader", KEYPRISONER_VIEW),
    ("leader", SAFETY_VIEW),
    ("party_office", SAFETY_VIEW),
    ("party_office", SAFETY_EDIT),
    ("party_office", SAFETY_CONFIG),
    ("unit_clerk", SAFETY_VIEW),
    ("unit_clerk", SAFETY_EDIT),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "安保维稳", title: "重点罪犯", href: "/safety/key_prisoners", need: KEYPRISONER_VIEW },
    MenuItem { group: "安保维稳", title: "减假暂案件", href: "/safety/sentence_changes", need: SAFETY_VIEW },
    MenuItem { group: "安保维稳", title: "安全检查", href: "/safety/inspections", need: SAFETY_VIEW },
    MenuItem { group: "安保维稳", title: "隐患整改", href: "/safety/hazards", need: SAFETY_VIEW },
    MenuItem {
        group: "安保维稳", title: "疫情防控会议", href: "/safety/epidemic/meetings", need: SAFETY_VIEW
    },
    MenuItem { group: "安保维稳", title: "封闭执勤", href: "/safety/epidemic/rosters", need: SAFETY_VIEW },
    MenuItem { group: "安保维稳", title: "疫苗接种", href: "/safety/epidemic/vaccinations", need: SAFETY_VIEW },
    MenuItem { group: "安保维稳", title: "六个绝对不能发生", href: "/safety/incidents", need: SAFETY_VIEW },
    MenuItem { group: "安保维稳", title: "检查项目模板", href: "/safety/check_items", need: SAFETY_VIEW },
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 9000,
        name: "safety: key prisoners, sentence changes, inspections and hazards, epidemic, critical incidents",
        sql: MigrationSql::Portable(include_str!("../migrations/9000_safety.sql")),
    },
    Migration {
        version: 9001,
        name: "safety: open hazards by deadline",
        sql: MigrationSql::Portable(include_str!("../migrations/9001_open_hazards_index.sql")),
    },
    Migration {
        version: 9002,
        name: "safety: open hazards with their units",
        sql: MigrationSql::Portable(include_str!("../migrations/9002_open_hazards_units.sql")),
    },
    Migration {
        version: 9003,
        name: "safety: hazards by the day found and the day signed off",
        sql: MigrationSql::Portable(include_str!("../migrations/9003_hazards_by_day.sql")),
    },
];

pub fn area() -> Area {
    Area {
        code: "safety",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = key_prisoners::routes(r);
            let r = sentence_changes::routes(r);
            let r = templates::routes(r);
            let r = inspections::routes(r);
            let r = hazards::routes(r);
            let r = epidemic_meetings::routes(r);
            let r = rosters::routes(r);
            let r = vaccinations::routes(r);
            incidents::routes(r)
        },
        todos: || {
            vec![
                Arc::new(hazards::HazardTodos),
                Arc::new(key_prisoners::ReviewTodos),
                Arc::new(sentence_changes::LateStageTodos),
            ]
        },
        attachment_owners: || {
            vec![
                (
                    "key_prisoner",
                    Arc::new(key_prisoners::KeyPrisonerAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
                (
                    "inspection",
                    Arc::new(inspections::InspectionAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
                ("hazard", Arc::new(hazards::HazardAttachments) as Arc<dyn platform::attachments::AttachmentOwner>),
                (
                    "critical_incident",
                    Arc::new(incidents::IncidentAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
            ]
        },
        cards: || vec![Arc::new(hazards::OpenHazardsCard), Arc::new(incidents::SafeDaysCard)],
        // Nothing here is indexed for search: the key-prisoner register least of all.
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
            name: "疫情防控会议",
            path: "/safety/epidemic/meetings/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(epidemic_meetings::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "入监封闭执勤",
            path: "/safety/epidemic/rosters/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(rosters::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "疫苗接种统计",
            path: "/safety/epidemic/vaccinations/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(vaccinations::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "减刑假释暂予监外执行案件",
            path: "/safety/sentence_changes/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(sentence_changes::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "重点罪犯（涉密）",
            path: "/safety/key_prisoners/export",
            period: LedgerPeriod::Register,
            export: |c, q| Box::pin(key_prisoners::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "安全检查",
            path: "/safety/inspections/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(inspections::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "隐患整改",
            path: "/safety/hazards/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(hazards::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "重大事件登记",
            path: "/safety/incidents/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(incidents::export(c, axum::extract::Query(q))),
        },
    ]
}
