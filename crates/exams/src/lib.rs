//! 党纪法规知识测试: the question bank with batch import, papers (fixed or drawn by rules), exams
//! for a set of people within a window, timed sittings with answers saved as the person goes and
//! closed at the server's deadline, automatic marking and results.

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};

pub const EXAM_VIEW: &str = "exam:view";
pub const EXAM_EDIT: &str = "exam:edit";

const PERMISSIONS: &[Permission] = &[
    Permission { code: EXAM_VIEW, name: "查看题库、试卷、考试与成绩", group: "清廉建设" },
    Permission { code: EXAM_EDIT, name: "维护题库、组卷、发布考试", group: "清廉建设" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", EXAM_VIEW),
    ("party_office", EXAM_VIEW),
    ("party_office", EXAM_EDIT),
    ("discipline", EXAM_VIEW),
    ("discipline", EXAM_EDIT),
    ("unit_clerk", EXAM_VIEW),
];

const MENU: &[MenuItem] = &[];

const MIGRATIONS: &[Migration] = &[Migration {
    version: 7000,
    name: "exams: questions, papers, exams, candidates, attempts, answers",
    sql: MigrationSql::Portable(include_str!("../migrations/7000_exams.sql")),
}];

pub fn area() -> Area {
    Area {
        code: "exams",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| r,
        todos: Vec::new,
        attachment_owners: Vec::new,
        cards: Vec::new,
        search: &[],
        figures: Vec::new,
    }
}

pub mod demo {
    use platform::{AppResult, Ctx};

    /// Demo: a question bank, a closed exam with results and an open one (being written).
    pub async fn seed(_ctx: &Ctx, _today: jiff::civil::Date) -> AppResult<()> {
        Ok(())
    }
}
