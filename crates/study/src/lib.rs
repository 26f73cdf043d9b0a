//! 学习教育: meetings with attendance and agenda (the 第一议题 checked), the study-material
//! library, and compliance rules stored as data, checked week by week.

pub mod demo;
pub mod domain;
pub mod duties;
pub mod figures;
pub mod materials;
pub mod meetings;
pub mod rotation;
pub mod rules;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem, SearchKind};
use std::sync::Arc;

pub const STUDY_VIEW: &str = "study:view";
pub const STUDY_EDIT: &str = "study:edit";
pub const RULE_EDIT: &str = "rule:edit";

const PERMISSIONS: &[Permission] = &[
    Permission { code: STUDY_VIEW, name: "查看会议、学习材料与制度落实", group: "学习教育" },
    Permission { code: STUDY_EDIT, name: "录入会议与学习材料", group: "学习教育" },
    Permission { code: RULE_EDIT, name: "维护制度规则与免检时段", group: "学习教育" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", STUDY_VIEW),
    ("party_office", STUDY_VIEW),
    ("party_office", STUDY_EDIT),
    ("party_office", RULE_EDIT),
    ("discipline", STUDY_VIEW),
    ("unit_clerk", STUDY_VIEW),
    ("unit_clerk", STUDY_EDIT),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "学习教育", title: "会议记录", href: "/study/meetings", need: STUDY_VIEW },
    MenuItem { group: "学习教育", title: "学习材料", href: "/study/materials", need: STUDY_VIEW },
    MenuItem { group: "学习教育", title: "全员轮训", href: "/study/rotation", need: STUDY_VIEW },
    MenuItem { group: "学习教育", title: "五带头", href: "/study/duties", need: STUDY_VIEW },
    MenuItem { group: "学习教育", title: "制度落实", href: "/study/compliance", need: STUDY_VIEW },
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 4000,
        name: "study: materials, meetings, attendance, agenda, rules",
        sql: MigrationSql::Portable(include_str!("../migrations/4000_study.sql")),
    },
    Migration {
        version: 4001,
        name: "study: rotation training",
        sql: MigrationSql::Portable(include_str!("../migrations/4001_rotation.sql")),
    },
    Migration {
        version: 4002,
        name: "study: leadership duties",
        sql: MigrationSql::Portable(include_str!("../migrations/4002_duties.sql")),
    },
    Migration {
        version: 4003,
        name: "study: meetings by date",
        sql: MigrationSql::Portable(include_str!("../migrations/4003_meeting_day_index.sql")),
    },
    Migration {
        version: 4004,
        name: "study: meetings by date with their unit and organisation",
        sql: MigrationSql::Portable(include_str!("../migrations/4004_meeting_day_units.sql")),
    },
    Migration {
        version: 4005,
        name: "study: a unit's meetings by date (PostgreSQL)",
        sql: MigrationSql::PerBackend {
            sqlite: include_str!("../migrations/4005_meetings_unit_day_sqlite.sql"),
            postgres: include_str!("../migrations/4005_meetings_unit_day_postgres.sql"),
        },
    },
];

pub fn area() -> Area {
    Area {
        code: "study",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = materials::routes(r);
            let r = meetings::routes(r);
            let r = rotation::routes(r);
            let r = duties::routes(r);
            rules::routes(r)
        },
        todos: || vec![Arc::new(rules::SecretaryGaps)],
        attachment_owners: || {
            vec![(
                "meeting",
                Arc::new(meetings::service::MeetingAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
            )]
        },
        cards: || vec![Arc::new(meetings::service::MeetingsThisMonth)],
        search: &[SearchKind {
            kind: "study_material",
            name: "学习材料",
            need: STUDY_VIEW,
            href: "/study/materials/",
            source: Some(
                "SELECT id, unit_id, title, coalesce(speaker, '') || ' ' || coalesce(full_text, '') FROM study_materials",
            ),
        }],
        figures: figures::catalogue,
        profile: Vec::new,
        ledgers,
    }
}

/// This area's ledgers in the year's archive.
fn ledgers() -> Vec<platform::registry::LedgerDef> {
    use platform::registry::{LedgerDef, LedgerPeriod};
    vec![LedgerDef {
        name: "会议记录（三会一课）",
        path: "/study/meetings/export",
        period: LedgerPeriod::Range,
        export: |c, q| Box::pin(meetings::export(c, axum::extract::Query(q))),
    }]
}
