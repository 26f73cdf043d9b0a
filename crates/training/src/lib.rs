//! 教育培训、岗位练兵、普法: the training catalogue, training sessions with attendance and 学时
//! (each person's training record), drills with the units and people taking part and the problems
//! found (rectified through 主体责任's batches), and legal education: the year's plan with its
//! items and deadlines, activities by form and by law with attendance.

pub mod demo;
pub mod domain;
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

const MENU: &[MenuItem] =
    &[MenuItem { group: "教育培训", title: "培训记录", href: "/training/sessions", need: TRAINING_VIEW }];

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
        routes: trainings::routes,
        todos: Vec::new,
        attachment_owners: || {
            vec![(
                "training",
                Arc::new(trainings::TrainingAttachments) as Arc<dyn platform::attachments::AttachmentOwner>,
            )]
        },
        cards: Vec::new,
        search: &[],
        figures: Vec::new,
    }
}
