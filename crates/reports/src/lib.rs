//! 目标与报告: the figure catalogue. Every area declares its figures (`FigureDef`); this area lists
//! them, computes one for a period and a unit, and lists exactly the records behind its value.

pub mod archive;
pub mod catalogue;
pub mod dashboard;
pub mod demo;
pub mod goals;
pub mod svg;
pub mod template;
pub mod work_report;

use platform::db::{Migration, MigrationSql};
use platform::perm::Permission;
use platform::registry::{Area, MenuItem};

pub const FIGURE_VIEW: &str = "figure:view";
pub const REPORT_EDIT: &str = "report:edit";

const PERMISSIONS: &[Permission] = &[
    Permission {
        code: FIGURE_VIEW, name: "查看指标目录、数据来源与工作报告", group: "目标与报告"
    },
    Permission { code: REPORT_EDIT, name: "维护工作报告模板", group: "目标与报告" },
    Permission {
        code: archive::ARCHIVE_EXPORT, name: "生成年度台账归档（巡察）", group: "目标与报告"
    },
    Permission { code: goals::GOAL_EDIT, name: "维护目标体系与指标", group: "目标与报告" },
];

const GRANTS: &[(&str, &str)] = &[
    ("leader", FIGURE_VIEW),
    ("party_office", FIGURE_VIEW),
    ("party_office", REPORT_EDIT),
    ("party_office", goals::GOAL_EDIT),
    ("party_office", archive::ARCHIVE_EXPORT),
    ("leader", archive::ARCHIVE_EXPORT),
    ("discipline", archive::ARCHIVE_EXPORT),
    ("discipline", FIGURE_VIEW),
    ("unit_clerk", FIGURE_VIEW),
];

const MENU: &[MenuItem] = &[
    MenuItem { group: "目标与报告", title: "领导看板", href: "/dashboard", need: FIGURE_VIEW },
    MenuItem { group: "目标与报告", title: "目标体系", href: "/goals", need: FIGURE_VIEW },
    MenuItem { group: "目标与报告", title: "指标目录", href: "/reports/figures", need: FIGURE_VIEW },
    MenuItem { group: "目标与报告", title: "工作报告", href: "/reports/work", need: FIGURE_VIEW },
    MenuItem {
        group: "目标与报告", title: "年度台账归档", href: "/reports/archive", need: archive::ARCHIVE_EXPORT
    },
];

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 11000,
        name: "reports: work-report templates",
        sql: MigrationSql::Portable(include_str!("../migrations/11000_reports.sql")),
    },
    Migration {
        version: 11001,
        name: "reports: goal frameworks",
        sql: MigrationSql::Portable(include_str!("../migrations/11001_goals.sql")),
    },
];

pub fn area() -> Area {
    Area {
        code: "reports",
        migrations: MIGRATIONS,
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: |r| archive::routes(dashboard::routes(goals::routes(work_report::routes(catalogue::routes(r))))),
        todos: Vec::new,
        attachment_owners: Vec::new,
        cards: Vec::new,
        search: &[],
        figures: Vec::new,
        profile: Vec::new,
        ledgers,
    }
}

/// This area's ledgers in the year's archive.
fn ledgers() -> Vec<platform::registry::LedgerDef> {
    use platform::registry::{LedgerDef, LedgerPeriod};
    vec![LedgerDef {
        name: "目标体系及指标完成情况",
        path: "/goals/export",
        period: LedgerPeriod::Year,
        export: |c, q| Box::pin(goals::export(c, axum::extract::Query(q))),
    }]
}
