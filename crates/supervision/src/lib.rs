//! 主体责任与督办: yearly task plans and their measures, inspection-feedback rectification (the
//! same measures, signed off by the batch's approver), responsibility letters with their
//! signatories, and major-matter requests and reports with their trail.

pub mod demo;
pub mod domain;
pub mod figures;
pub mod letters;
pub mod matters;
pub mod measures;
pub mod plans;
pub mod rectifications;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};
use std::sync::Arc;

pub const SUP_VIEW: &str = "sup:view";
pub const SUP_EDIT: &str = "sup:edit";
pub const SUP_REPORT: &str = "sup:report";
pub const MATTER_SUBMIT: &str = "matter:submit";
pub const MATTER_REVIEW: &str = "matter:review";

const PERMISSIONS: &[Permission] = &[
    Permission {
        code: SUP_VIEW, name: "查看任务安排、督办事项、责任书与整改", group: "主体责任"
    },
    Permission { code: SUP_EDIT, name: "制定任务安排、整改台账与责任书", group: "主体责任" },
    Permission { code: SUP_REPORT, name: "报告督办事项进展、报请销号", group: "主体责任" },
    Permission { code: MATTER_SUBMIT, name: "报送重大事项请示报告", group: "主体责任" },
    Permission { code: MATTER_REVIEW, name: "审阅、批复重大事项请示报告", group: "主体责任" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", SUP_VIEW),
    ("leader", MATTER_REVIEW),
    ("party_office", SUP_VIEW),
    ("party_office", SUP_EDIT),
    ("party_office", SUP_REPORT),
    ("party_office", MATTER_SUBMIT),
    ("party_office", MATTER_REVIEW),
    ("discipline", SUP_VIEW),
    ("discipline", SUP_REPORT),
    ("discipline", MATTER_SUBMIT),
    ("unit_clerk", SUP_VIEW),
    ("unit_clerk", SUP_REPORT),
    ("unit_clerk", MATTER_SUBMIT),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "主体责任", title: "督办看板", href: "/supervision/measures", need: SUP_VIEW },
    MenuItem { group: "主体责任", title: "任务安排", href: "/supervision/plans", need: SUP_VIEW },
    MenuItem { group: "主体责任", title: "巡察整改", href: "/supervision/rectifications", need: SUP_VIEW },
    MenuItem { group: "主体责任", title: "责任书", href: "/supervision/letters", need: SUP_VIEW },
    MenuItem { group: "主体责任", title: "重大事项报告", href: "/supervision/matters", need: SUP_VIEW },
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 5000,
        name: "supervision: plans, rectifications, measures, progress, letters, major matters",
        sql: MigrationSql::Portable(include_str!("../migrations/5000_supervision.sql")),
    },
    Migration {
        version: 5001,
        name: "supervision: measures by status",
        sql: MigrationSql::Portable(include_str!("../migrations/5001_measure_status_index.sql")),
    },
    Migration {
        version: 5002,
        name: "supervision: open and yearly measures with what their deadlines need",
        sql: MigrationSql::Portable(include_str!("../migrations/5002_open_measures_index.sql")),
    },
    Migration {
        version: 5003,
        name: "supervision: a department's measures of a year (PostgreSQL)",
        sql: MigrationSql::PerBackend {
            sqlite: include_str!("../migrations/5003_measures_lead_year_sqlite.sql"),
            postgres: include_str!("../migrations/5003_measures_lead_year_postgres.sql"),
        },
    },
    Migration {
        version: 5004,
        name: "supervision: measures' dates compared bytewise, overdue indexes with the id (PostgreSQL)",
        sql: MigrationSql::PerBackend {
            sqlite: include_str!("../migrations/5004_measures_dates_sqlite.sql"),
            postgres: include_str!("../migrations/5004_measures_dates_postgres.sql"),
        },
    },
];

pub fn area() -> Area {
    Area {
        code: "supervision",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = measures::routes(r);
            let r = plans::routes(r);
            let r = rectifications::routes(r);
            let r = letters::routes(r);
            matters::routes(r)
        },
        todos: || {
            vec![Arc::new(measures::MeasureTodos), Arc::new(letters::LetterTodos), Arc::new(matters::MatterTodos)]
        },
        attachment_owners: || {
            vec![
                (
                    "measure_progress",
                    Arc::new(measures::ProgressAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
                (
                    "major_matter",
                    Arc::new(matters::MatterAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
            ]
        },
        cards: || vec![Arc::new(measures::OverdueCard)],
        search: &[],
        figures: figures::catalogue,
        profile: Vec::new,
        ledgers,
    }
}

/// This area's ledgers in the year's archive.
fn ledgers() -> Vec<platform::registry::LedgerDef> {
    use platform::registry::{LedgerDef, LedgerPeriod};
    vec![LedgerDef {
        name: "督办事项（工作措施与整改问题）",
        path: "/supervision/measures/export",
        period: LedgerPeriod::Year,
        export: |c, q| Box::pin(measures::export(c, axum::extract::Query(q))),
    }]
}
