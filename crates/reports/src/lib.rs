//! 目标与报告: the figure catalogue. Every area declares its figures (`FigureDef`); this area lists
//! them, computes one for a period and a unit, and lists exactly the records behind its value.

pub mod catalogue;

use platform::perm::Permission;
use platform::registry::{Area, MenuItem};

pub const FIGURE_VIEW: &str = "figure:view";

const PERMISSIONS: &[Permission] =
    &[Permission { code: FIGURE_VIEW, name: "查看指标目录与数据来源", group: "目标与报告" }];

const GRANTS: &[(&str, &str)] =
    &[("leader", FIGURE_VIEW), ("party_office", FIGURE_VIEW), ("discipline", FIGURE_VIEW), ("unit_clerk", FIGURE_VIEW)];

const MENU: &[MenuItem] =
    &[MenuItem { group: "目标与报告", title: "指标目录", href: "/reports/figures", need: FIGURE_VIEW }];

pub fn area() -> Area {
    Area {
        code: "reports",
        migrations: &[],
        permissions: PERMISSIONS,
        grants: GRANTS,
        menu: MENU,
        routes: catalogue::routes,
        todos: Vec::new,
        attachment_owners: Vec::new,
        cards: Vec::new,
        search: &[],
        figures: Vec::new,
        profile: Vec::new,
    }
}
