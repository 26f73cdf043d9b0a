//! Meeting kinds (GLOSSARY.md), which organisations hold them, and the built-in rules of the
//! branch work regulations (支部工作条例) and the seed's "每周一次" study cadence.

pub use platform::codes::{Codes, label};

pub const MEETING_KINDS: Codes = &[
    ("committee_meeting", "党委会"),
    ("central_group_study", "党委中心组学习"),
    ("branch_study", "支部跟进学习"),
    ("branch_assembly", "支部党员大会"),
    ("branch_committee_meeting", "支部委员会"),
    ("group_meeting", "党小组会"),
    ("party_lecture", "党课"),
    ("themed_party_day", "主题党日"),
    ("democratic_life_meeting", "民主生活会"),
    ("org_life_meeting", "组织生活会"),
    ("themed_seminar", "专题研讨"),
    ("warning_education", "警示教育"),
];

pub const AGENDA_KINDS: Codes =
    &[("study", "学习"), ("decision", "研究决定"), ("report", "听取汇报"), ("discussion", "讨论"), ("other", "其他")];
pub const MATERIAL_KINDS: Codes = &[
    ("speech", "重要讲话"),
    ("document", "文件精神"),
    ("book", "原著原文"),
    ("warning_case", "警示案例"),
    ("other", "其他"),
];
pub const ATTENDANCE: Codes = &[("present", "出席"), ("late", "迟到"), ("absent", "缺席")];
pub const PERIODS: Codes = &[("week", "每周"), ("month", "每月"), ("quarter", "每季度"), ("year", "每年")];

/// Which kinds of organisation hold a kind of meeting.
pub fn held_by(meeting_kind: &str) -> &'static [&'static str] {
    match meeting_kind {
        "committee_meeting" | "central_group_study" | "democratic_life_meeting" => &["committee"],
        "group_meeting" => &["party_group"],
        "party_lecture" | "themed_seminar" | "warning_education" => {
            &["committee", "discipline_committee", "general_branch", "branch"]
        }
        _ => &["general_branch", "branch"],
    }
}
