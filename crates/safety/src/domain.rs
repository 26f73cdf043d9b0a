//! The code lists of 安保维稳 (seed §五, GLOSSARY.md), the key-prisoner label, and the time limits
//! of the sentence-change stages.

pub use platform::codes::{Codes, label};

/// The clearance a reader of the key-prisoner register needs (秘密).
pub const KEY_PRISONER_LABEL: i64 = 2;

pub const PRISONER_CATEGORIES: Codes = &[
    ("sensitive", "敏感罪犯"),
    ("dangerous", "危险犯"),
    ("escape_risk", "有脱逃倾向"),
    ("suicide_risk", "有自杀自伤倾向"),
    ("violent", "有暴力倾向"),
    ("organised_crime", "涉黑涉恶"),
    ("mental_health", "心理危机"),
    ("illness", "重病罪犯"),
    ("other", "其他"),
];

pub const RISK_LEVELS: Codes = &[("high", "高"), ("medium", "中"), ("low", "低")];

pub const REVIEW_CONCLUSIONS: Codes = &[("keep", "继续列管"), ("adjust", "调整等级或措施"), ("delist", "撤销列管")];

pub const SENTENCE_KINDS: Codes = &[("commutation", "减刑"), ("parole", "假释"), ("medical_parole", "暂予监外执行")];

/// The stages in order (GLOSSARY.md): the prison area proposes, the review committee reviews, the
/// list is publicised within the prison, the prison's decision meeting, submitted to the court
/// (减刑、假释) or the approving authority (暂予监外执行), decided.
pub const STAGES: Codes = &[
    ("proposed", "监区提请"),
    ("reviewed", "评审委员会评审"),
    ("publicised", "狱内公示"),
    ("meeting", "监狱长办公会审议"),
    ("submitted", "提请裁定/报请批准"),
    ("decided", "裁定/决定"),
];

/// The date column of each stage, in the order of `STAGES`.
pub const STAGE_COLUMNS: &[&str] =
    &["proposed_on", "reviewed_on", "publicised_on", "meeting_on", "submitted_on", "decided_on"];

/// Days allowed from the previous stage to this one (the first stage has none): 评审 within 30
/// days of 提请; 公示 within 7 days of 评审; 公示 lasts 5 working days, so the decision meeting
/// within 15 days of 公示; submitted within 10 days of the meeting; the court decides a commutation
/// or parole within a month (30 days), the approving authority a medical parole within 15 working
/// days (21 days). Defaults read off the procedure rules; a stage later than this is late.
pub fn stage_limit(kind: &str, stage: usize) -> Option<i64> {
    match stage {
        1 => Some(30),
        2 => Some(7),
        3 => Some(15),
        4 => Some(10),
        5 => Some(if kind == "medical_parole" { 21 } else { 30 }),
        _ => None,
    }
}

pub const SENTENCE_RESULTS: Codes =
    &[("", "（未决定）"), ("granted", "准予"), ("partly", "部分准予"), ("rejected", "不予准许")];

/// Inspection kinds: the special production-safety checks (seed: 消防、燃气、用电、防汛、危险品、危化品、
/// 危旧房), the six custody keys (重点罪犯、重点制度、重点环节、重点部位、重点物品、重点时段), and the
/// ideology front (意识形态阵地).
pub const INSPECTION_KINDS: Codes = &[
    ("fire", "消防"),
    ("gas", "燃气"),
    ("electricity", "用电"),
    ("flood", "防汛"),
    ("dangerous_goods", "危险品"),
    ("hazardous_chemicals", "危化品"),
    ("dilapidated_buildings", "危旧房"),
    ("custody_prisoners", "重点罪犯"),
    ("custody_rules", "重点制度"),
    ("custody_links", "重点环节"),
    ("custody_places", "重点部位"),
    ("custody_items", "重点物品"),
    ("custody_periods", "重点时段"),
    ("ideology", "意识形态阵地"),
    ("other", "其他"),
];

/// The group an inspection kind belongs to.
pub fn kind_group(kind: &str) -> &'static str {
    if kind.starts_with("custody_") {
        "监管安全"
    } else if kind == "ideology" {
        "政治安全"
    } else if kind == "other" {
        "其他"
    } else {
        "生产安全"
    }
}

pub const KIND_GROUPS: Codes = &[("production", "生产安全"), ("custody", "监管安全"), ("ideology", "政治安全")];

/// SQL for an inspection-kind group filter (`col` is ours, never typed by a user).
pub fn group_sql(group: &str, col: &str) -> Option<String> {
    match group {
        "custody" => Some(format!("{col} LIKE 'custody\\_%' ESCAPE '\\'")),
        "ideology" => Some(format!("{col} = 'ideology'")),
        "production" => Some(format!(
            "{col} IN ('fire', 'gas', 'electricity', 'flood', 'dangerous_goods', 'hazardous_chemicals', 'dilapidated_buildings')"
        )),
        _ => None,
    }
}

pub const CHECK_RESULTS: Codes = &[("ok", "符合"), ("problem", "存在问题"), ("na", "不适用")];

pub const HAZARD_LEVELS: Codes = &[("general", "一般隐患"), ("major", "重大隐患")];

pub const HAZARD_STATUSES: Codes = &[("open", "待整改"), ("rectified", "待销号"), ("closed", "已销号")];

pub const EPIDEMIC_MEETING_KINDS: Codes = &[("analysis", "专题研判会"), ("deployment", "部署会"), ("other", "其他")];

pub const POPULATIONS: Codes = &[("officers", "民警"), ("workers", "职工"), ("prisoners", "罪犯")];

pub use study::domain::ATTENDANCE;

pub use platform::clock::year_of;

/// Whole percent, rounded down like every rate of the catalogue; None for an empty population.
pub fn percent_floor(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| part * 100 / whole)
}

/// Tenths of a percent, rounded down ("94.9"); None for an empty population.
pub fn percent_tenths_text(part: i64, whole: i64) -> Option<String> {
    (whole > 0).then(|| {
        let t = part * 1000 / whole;
        format!("{}.{}", t / 10, t % 10)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_down_and_an_empty_population_has_none() {
        assert_eq!(percent_floor(949, 1000), Some(94));
        assert_eq!(percent_floor(950, 1000), Some(95));
        assert_eq!(percent_floor(0, 0), None);
        assert_eq!(percent_tenths_text(9499, 10000).as_deref(), Some("94.9"));
        assert_eq!(percent_tenths_text(5, 5).as_deref(), Some("100.0"));
    }

    #[test]
    fn kinds_fall_into_their_groups() {
        assert_eq!(kind_group("custody_items"), "监管安全");
        assert_eq!(kind_group("gas"), "生产安全");
        assert_eq!(INSPECTION_KINDS.iter().filter(|(k, _)| k.starts_with("custody_")).count(), 6);
        assert_eq!(STAGES.len(), STAGE_COLUMNS.len());
    }
}
