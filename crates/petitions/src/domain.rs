//! The code lists of 信访稳定 (seed §五: the four stages of handling and the five measures 值班、
//! 接访、排查、调处、稳控), the reply deadline of each kind of petition, and the security label of
//! the labelled ledgers.

pub use platform::codes::{Codes, label};

/// The clearance a reader of petitions, receptions and mediations needs (秘密), the default label.
pub const RESTRICTED: i64 = 2;

/// How a petition came in.
pub const CHANNELS: Codes = &[
    ("visit", "来访"),
    ("letter", "来信"),
    ("phone", "来电"),
    ("online", "网上信访"),
    ("referred", "上级转交"),
    ("mailbox", "监狱长信箱"),
];

/// The kinds of petition a prison receives, with the reply deadline in days from receipt
/// (《信访工作条例》: 一般 60 日内办结; urgent matters sooner).
pub const KINDS: &[(&str, &str, i64)] = &[
    ("sentence_change", "减刑、假释、暂予监外执行", 60),
    ("custody", "狱政管理与罪犯权益", 30),
    ("medical", "罪犯医疗与生活卫生", 15),
    ("contact", "会见、通信与亲情电话", 15),
    ("police_conduct", "民警执法与作风", 30),
    ("collective", "集体访、突发信访事件", 15),
    ("consultation", "政策咨询与意见建议", 15),
    ("other", "其他诉求", 60),
];

/// The kinds as a code list (for selects and `label`).
pub const KIND_CODES: Codes = &[
    ("sentence_change", "减刑、假释、暂予监外执行"),
    ("custody", "狱政管理与罪犯权益"),
    ("medical", "罪犯医疗与生活卫生"),
    ("contact", "会见、通信与亲情电话"),
    ("police_conduct", "民警执法与作风"),
    ("collective", "集体访、突发信访事件"),
    ("consultation", "政策咨询与意见建议"),
    ("other", "其他诉求"),
];

/// Days allowed for the reply to a petition of this kind (60 for an unknown kind).
pub fn reply_days(kind: &str) -> i64 {
    KINDS.iter().find(|(c, ..)| *c == kind).map(|(.., d)| *d).unwrap_or(60)
}

/// A kind that is an emergency by itself: the case must pass through 应急启动.
pub fn urgent_kind(kind: &str) -> bool {
    kind == "collective"
}

pub const PETITIONER_TYPES: Codes = &[
    ("family", "罪犯亲属"),
    ("prisoner", "在押罪犯"),
    ("released", "刑满释放人员"),
    ("officer", "民警职工"),
    ("public", "社会群众"),
    ("other", "其他"),
];

/// The four stages, in order (seed §五: 信访办接报后、应急状态启动后、直至突发信访事件消除后以及
/// 信访工作人员对突发信访事件整理记录).
pub const STAGES: Codes =
    &[("received", "接报"), ("emergency", "应急启动"), ("handling", "处置"), ("closed", "消除后整理记录")];

/// The steps of the trail: the moves between stages and what is recorded inside a stage.
pub const STEP_KINDS: Codes = &[
    ("register", "接报登记"),
    ("escalate", "启动应急响应"),
    ("handle", "转入处置"),
    ("step", "处置措施"),
    ("mediation", "调处"),
    ("reply", "答复信访人"),
    ("close", "事件消除、整理记录"),
    ("review", "审核归档"),
    ("reopen", "重新办理"),
];

/// The steps a user may post (register and mediation are recorded by their own forms).
pub const POSTED_STEPS: Codes = &[
    ("escalate", "启动应急响应"),
    ("handle", "转入处置"),
    ("step", "处置措施"),
    ("reply", "答复信访人"),
    ("close", "事件消除、整理记录"),
    ("review", "审核归档"),
    ("reopen", "重新办理"),
];

pub const REPLY_METHODS: Codes =
    &[("in_person", "当面答复"), ("written", "书面答复"), ("phone", "电话答复"), ("online", "网上答复")];

pub const RECEPTION_KINDS: Codes =
    &[("leader", "领导接访"), ("daily", "日常接待"), ("appointment", "预约接访"), ("outreach", "带案下访")];

pub const RECEPTION_OUTCOMES: Codes =
    &[("answered", "当场解答"), ("registered", "登记为信访件"), ("referred", "转交承办部门"), ("other", "其他")];

pub const MEDIATION_METHODS: Codes = &[
    ("talk", "面谈疏导"),
    ("joint", "联合调处"),
    ("hearing", "公开听证"),
    ("legal_aid", "法律援助"),
    ("psychological", "心理疏导"),
];

pub const MEDIATION_RESULTS: Codes =
    &[("agreed", "达成一致"), ("partial", "部分化解"), ("failed", "未能化解"), ("pending", "继续调处")];

pub const MEMBER_ROLES: Codes = &[("head", "组长"), ("deputy", "副组长"), ("member", "成员"), ("office", "办公室成员")];

/// The posts of a duty roster: every day of a special period has one person on each chosen post.
pub const DUTY_POSTS: Codes =
    &[("leader", "带班领导"), ("officer", "值班民警"), ("reception", "信访接待"), ("night", "夜间值守")];

pub const SCREENING_KINDS: Codes =
    &[("routine", "定期排查"), ("special", "特殊时期专项排查"), ("holiday", "节前排查"), ("other", "其他")];

pub const FINDING_CATEGORIES: Codes = &[
    ("petition", "信访矛盾"),
    ("prisoner", "罪犯思想动态"),
    ("officer", "民警职工队伍"),
    ("family", "罪犯亲属诉求"),
    ("public_opinion", "舆情"),
    ("other", "其他"),
];

pub const LEVELS: Codes = &[("high", "高"), ("medium", "中"), ("low", "低")];

pub const FINDING_STATUSES: Codes = &[("open", "待化解"), ("controlled", "已稳控"), ("resolved", "已化解")];

pub const WATCH_SUBJECTS: Codes = &[("person", "人员"), ("situation", "事项")];

pub const WATCH_STATUSES: Codes = &[("active", "稳控中"), ("lifted", "已解除")];

pub const WATCH_LOG_KINDS: Codes = &[("check", "稳控情况"), ("review", "研判"), ("lift", "解除稳控")];

pub fn level_tag(level: &str) -> &'static str {
    match level {
        "high" => "red",
        "medium" => "orange",
        _ => "blue",
    }
}

/// 张三 → 张*，欧阳娜娜 → 欧***: the first character kept.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

/// 13812345678 → 138****5678; anything shorter than 7 characters is all stars.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    let n = chars.len();
    if n < 7 {
        return "*".repeat(n);
    }
    chars.iter().enumerate().map(|(i, &c)| if i < 3 || i >= n - 4 { c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_phones_are_masked() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("王"), "王*");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0571-8888"), "057**8888");
        assert_eq!(mask_phone("110"), "***");
    }

    #[test]
    fn every_kind_has_a_deadline_and_a_label() {
        for (code, name, days) in KINDS {
            assert!(*days > 0);
            assert_eq!(label(KIND_CODES, code), *name);
        }
        assert_eq!(KINDS.len(), KIND_CODES.len());
        assert_eq!(reply_days("medical"), 15);
    }
}
