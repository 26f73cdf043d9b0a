//! 党纪法规知识测试: the question bank with batch import, papers (fixed or drawn by rules), exams
//! for a set of people within a window, timed sittings with answers saved as the person goes and
//! closed at the server's deadline, automatic marking and results.

pub mod demo;
pub mod domain;
pub mod exams;
pub mod figures;
pub mod papers;
pub mod questions;
pub mod sitting;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};

pub const EXAM_VIEW: &str = "exam:view";
pub const EXAM_EDIT: &str = "exam:edit";
pub const EXAM_SIT: &str = "exam:sit";

const PERMISSIONS: &[Permission] = &[
    Permission { code: EXAM_VIEW, name: "查看题库、试卷、考试与成绩", group: "清廉建设" },
    Permission { code: EXAM_EDIT, name: "维护题库、组卷、发布考试", group: "清廉建设" },
    Permission { code: EXAM_SIT, name: "参加考试（我的考试）", group: "清廉建设" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", EXAM_VIEW),
    ("party_office", EXAM_VIEW),
    ("party_office", EXAM_EDIT),
    ("discipline", EXAM_VIEW),
    ("discipline", EXAM_EDIT),
    ("unit_clerk", EXAM_VIEW),
    ("leader", EXAM_SIT),
    ("party_office", EXAM_SIT),
    ("discipline", EXAM_SIT),
    ("unit_clerk", EXAM_SIT),
    ("officer", EXAM_SIT),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "清廉建设", title: "知识测试", href: "/exams", need: EXAM_VIEW },
    MenuItem { group: "清廉建设", title: "题库", href: "/exams/questions", need: EXAM_EDIT },
    MenuItem { group: "清廉建设", title: "我的考试", href: "/exams/my", need: EXAM_SIT },
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 7000,
        name: "exams: questions, papers, exams, candidates, attempts, answers",
        sql: MigrationSql::Portable(include_str!("../migrations/7000_exams.sql")),
    },
    Migration {
        version: 7001,
        name: "exams: open sittings by deadline",
        sql: MigrationSql::Portable(include_str!("../migrations/7001_open_attempts_index.sql")),
    },
];

pub fn area() -> Area {
    Area {
        code: "exams",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| {
            let r = questions::routes(r);
            let r = papers::routes(r);
            let r = sitting::routes(r);
            exams::routes(r)
        },
        todos: || vec![std::sync::Arc::new(sitting::ExamTodos)],
        attachment_owners: Vec::new,
        cards: Vec::new,
        search: &[],
        figures: figures::catalogue,
        profile: || vec![std::sync::Arc::new(sitting::ExamResults)],
        ledgers: Vec::new,
    }
}
