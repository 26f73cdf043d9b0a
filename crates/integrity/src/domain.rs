//! The code lists of 清廉建设 (GLOSSARY.md; seed §三), and the security label of the two sensitive
//! ledgers.

pub use platform::codes::{Codes, label};

/// 五个一 first, then the other kinds the seed names.
pub const ACTIVITY_KINDS: Codes = &[
    ("responsibility_card", "发放监督责任一张卡"),
    ("practice_book", "汇编纪委工作实务一本书"),
    ("integrity_lecture", "上好廉政教育一堂课"),
    ("publicity_front", "打造廉政宣传一阵地"),
    ("special_campaign", "开展一个廉政专项活动"),
    ("monthly_warning", "每月一警"),
    ("integrity_reminder", "廉政提醒"),
    ("warning_film", "观看警示教育片"),
    ("warning_day", "警示教育日"),
    ("column_article", "“清风驿站”专栏"),
    ("education_month", "警示教育月"),
    ("other", "其他"),
];

/// The five of 五个一.
pub const FIVE_ONES: &[&str] =
    &["responsibility_card", "practice_book", "integrity_lecture", "publicity_front", "special_campaign"];

pub const TALK_KINDS: Codes = &[
    ("reminder", "廉政提醒谈话"),
    ("admonishment", "诫勉谈话"),
    ("warning", "警示谈话"),
    ("heart_to_heart", "谈心谈话"),
    ("other", "其他"),
];

pub const RISK_LEVELS: Codes = &[("high", "高"), ("medium", "中"), ("low", "低")];

pub const CASE_CATEGORIES: Codes = &[
    ("poor_implementation", "贯彻落实决策部署不力（不作为、乱作为、慢作为）"),
    ("eight_rules", "违反中央八项规定精神"),
    ("prison_rules", "违反监狱管理制度规定、危害安全稳定"),
    ("interfering_justice", "违反干预司法“三个规定”"),
    ("lax_management", "管警治警不严、履职不到位"),
    ("business", "项目、资产、采购、经营方面违规违纪"),
    ("other", "其他"),
];

pub const HANDLINGS: Codes = &[
    ("talk_reminder", "谈话提醒"),
    ("criticism", "批评教育"),
    ("self_examination", "责令检查"),
    ("admonishment", "诫勉"),
    ("org_adjustment", "组织调整"),
    ("party_discipline", "党纪处分"),
    ("government_sanction", "政务处分"),
    ("other", "其他"),
];

pub const CASE_STATUSES: Codes = &[("investigating", "核查中"), ("decided", "已作出处理"), ("closed", "已办结")];

/// The clearance a reader of integrity talks and accountability cases needs (秘密).
pub const RESTRICTED: i64 = 2;
