//! 教育培训、岗位练兵、普法: the training catalogue, training sessions with attendance and 学时
//! (each person's training record), drills with the units and people taking part and the problems
//! found (rectified through 主体责任's batches), and legal education: the year's plan with its
//! items and deadlines, activities by form and by law with attendance.

pub mod demo;
pub mod domain;
pub mod drills;
pub mod figures;
pub mod kinds;
pub mod legal_activities;
pub mod legal_plans;
pub mod people;
pub mod shared;
pub mod trainings;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};
use std::sync::Arc;

pub const TRAINING_VIEW: &str = "training:view";
pub const TRAINING_EDIT: &str = "training:edit";
pub const TRAINING_KINDS: &str = "training:kinds";

const PERMISSIONS: &[Permission] = &[
    Permission { code: TRAINING_VIEW, name: "查看培训、演练与普法台账", group: "教育培训" },
    Permission { code: TRAINING_EDIT, name: "登记培训、演练与普法活动", group: "教育培训" },
    Permission { code: TRAINING_KINDS, name: "维护培训类别目录", group: "教育培训" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", TRAINING_VIEW),
    ("party_office", TRAINING_VIEW),
    ("party_office", TRAINING_EDIT),
    ("party_office", TRAINING_KINDS),
    ("discipline", TRAINING_VIEW),
    ("unit_clerk", TRAINING_VIEW),
    ("unit_clerk", TRAINING_EDIT),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "教育培训", title: "培训记录", href: "/training/sessions", need: TRAINING_VIEW },
    MenuItem { group: "教育培训", title: "学时统计", href: "/training/hours", need: TRAINING_VIEW },
    MenuItem { group: "教育培训", title: "应急演练", href: "/training/drills", need: TRAINING_VIEW },
    MenuItem { group: "教育培训", title: "普法计划", href: "/training/legal/plans", need: TRAINING_VIEW },
    MenuItem { group: "教育培训", title: "普法活动", href: "/training/legal/activities", need: TRAINING_VIEW },
    MenuItem { group: "教育培训", title: "培训类别", href: "/training/kinds", need: TRAINING_VIEW },
];

const MIGRATIONS: &[Migration] = &[Migration {
    version: 8000,
    name: "training: catalogue, sessions and attendance, drills, legal-education plans and activities",
    sql: MigrationSql::Portable(include_str!("../migrations/8000_training.sql")),
}];

pub fn area() -> Area {
    Area {
        code: "training",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = trainings::routes(r);
            let r = people::routes(r);
            let r = drills::routes(r);
            let r = legal_plans::routes(r);
            let r = legal_activities::routes(r);
            kinds::routes(r)
        },
        todos: || vec![Arc::new(legal_plans::PlanItemTodos), Arc::new(people::UntrainedTodos)],
        attachment_owners: || {
            vec![
                (
                    "training",
                    Arc::new(trainings::TrainingAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
                ("drill", Arc::new(drills::DrillAttachments) as Arc<dyn platform::attachments::AttachmentOwner>),
                (
                    "legal_education",
                    Arc::new(legal_activities::ActivityAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
                ),
            ]
        },
        cards: Vec::new,
        search: &[],
        figures: figures::catalogue,
        profile: || vec![std::sync::Arc::new(people::TrainingRecord)],
        ledgers,
    }
}

/// This area's ledgers in the year's archive.
fn ledgers() -> Vec<platform::registry::LedgerDef> {
    use platform::registry::{LedgerDef, LedgerPeriod};
    vec![
        LedgerDef {
            name: "培训记录",
            path: "/training/sessions/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(trainings::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "学时统计",
            path: "/training/hours/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(people::hours_export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "应急演练",
            path: "/training/drills/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(drills::export(c, axum::extract::Query(q))),
        },
        LedgerDef {
            name: "普法活动",
            path: "/training/legal/activities/export",
            period: LedgerPeriod::Year,
            export: |c, q| Box::pin(legal_activities::export(c, axum::extract::Query(q))),
        },
    ]
}
