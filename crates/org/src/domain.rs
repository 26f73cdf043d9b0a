//! The code lists of this area, each (code, Chinese label), in ladder order where order matters
//! (GLOSSARY.md "Domain facts"): comparisons like "四级高级警长以上" use the position.

pub use platform::codes::{Codes, code_of, label};

pub const PERSON_KINDS: Codes = &[("officer", "民警"), ("worker", "职工")];
pub const GENDERS: Codes = &[("male", "男"), ("female", "女")];

/// 执法勤务警员职务等级, lowest first.
pub const POLICE_RANKS: Codes = &[
    ("", "无"),
    ("constable_2", "二级警员"),
    ("constable_1", "一级警员"),
    ("sergeant_4", "四级警长"),
    ("sergeant_3", "三级警长"),
    ("sergeant_2", "二级警长"),
    ("sergeant_1", "一级警长"),
    ("senior_4", "四级高级警长"),
    ("senior_3", "三级高级警长"),
    ("senior_2", "二级高级警长"),
    ("senior_1", "一级高级警长"),
];

/// 领导职务, lowest first ("" = none).
pub const LEADERSHIP_LEVELS: Codes = &[
    ("", "无"),
    ("staff", "科员"),
    ("deputy_section", "副科"),
    ("section", "正科"),
    ("deputy_division", "副处"),
    ("division", "正处"),
];

pub const PARTY_STATUSES: Codes =
    &[("full", "正式党员"), ("probationary", "预备党员"), ("activist", "入党积极分子"), ("masses", "群众")];

pub const EMPLOYMENT: Codes = &[("active", "在职"), ("retired", "退休"), ("transferred", "调离"), ("left", "离职")];

pub const ORG_KINDS: Codes = &[
    ("committee", "党委"),
    ("discipline_committee", "纪委"),
    ("general_branch", "党总支"),
    ("branch", "党支部"),
    ("party_group", "党小组"),
];

pub const OFFICER_POSTS: Codes = &[("secretary", "书记"), ("deputy_secretary", "副书记"), ("member", "委员")];

pub const ELECTION_KINDS: Codes = &[("term", "换届选举"), ("by_election", "补选")];

pub const CHANGE_KINDS: Codes = &[
    ("appointment", "任职"),
    ("removal", "免职"),
    ("post_exchange", "岗位交流"),
    ("level_change", "职务调整"),
    ("rank_promotion", "职级晋升"),
    ("transfer", "调动"),
];

/// Position on a ladder (POLICE_RANKS, LEADERSHIP_LEVELS); unknown codes rank lowest.
pub fn rank_of(codes: Codes, code: &str) -> usize {
    codes.iter().position(|(c, _)| *c == code).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladders_compare_as_the_glossary_says() {
        assert!(rank_of(POLICE_RANKS, "senior_4") > rank_of(POLICE_RANKS, "sergeant_1"));
        assert!(rank_of(POLICE_RANKS, "senior_1") > rank_of(POLICE_RANKS, "senior_4"));
        assert!(rank_of(LEADERSHIP_LEVELS, "section") > rank_of(LEADERSHIP_LEVELS, "deputy_section"));
        assert_eq!(code_of(POLICE_RANKS, "四级高级警长"), Some("senior_4"));
        assert_eq!(code_of(LEADERSHIP_LEVELS, "正科"), Some("section"));
        assert_eq!(code_of(PARTY_STATUSES, "党员"), None);
    }
}
