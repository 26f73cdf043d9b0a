//! The code lists of 教育培训 (seed §四 and §五), and 学时 as the tenths they are stored in.

pub use platform::codes::{Codes, label};
use platform::web::FormCheck;

/// 防逃、消防、防暴等应急处突演练, and the others a prison drills for.
pub const DRILL_KINDS: Codes = &[
    ("escape", "防逃"),
    ("fire", "消防"),
    ("riot", "防暴"),
    ("hostage", "防劫持"),
    ("disaster", "防自然灾害"),
    ("other", "其他"),
];

pub const DRILL_ROLES: Codes = &[("participant", "参演"), ("commander", "指挥"), ("evaluator", "评估观摩")];

pub const DRILL_RATINGS: Codes =
    &[("", "（未评估）"), ("excellent", "优秀"), ("good", "良好"), ("pass", "合格"), ("fail", "不合格")];

/// 案例普法、漫画普法、答题普法, and the usual others.
pub const LEGAL_FORMS: Codes = &[
    ("case", "案例普法"),
    ("comic", "漫画普法"),
    ("quiz", "答题普法"),
    ("lecture", "专题讲座"),
    ("exhibit", "宣传展板"),
    ("other", "其他"),
];

/// 宪法、民法典、反有组织犯罪法、安全生产法 first (the seed's four), then the others.
pub const LAWS: Codes = &[
    ("constitution", "宪法"),
    ("civil_code", "民法典"),
    ("anti_organized_crime", "反有组织犯罪法"),
    ("work_safety", "安全生产法"),
    ("prison_law", "监狱法"),
    ("national_security", "国家安全法"),
    ("state_secrets", "保守国家秘密法"),
    ("other", "其他法律法规"),
];

pub use study::domain::ATTENDANCE;

/// 学时 for showing: "3", "2.5".
pub fn hours_text(tenths: i64) -> String {
    if tenths % 10 == 0 { (tenths / 10).to_string() } else { format!("{}.{}", tenths / 10, (tenths % 10).abs()) }
}

/// 学时 as typed ("2", "2.5", "0.5"): at most one decimal, more than 0 and at most `max` hours.
/// Returns tenths.
pub fn parse_hours(c: &mut FormCheck, field: &str, label: &str, raw: &str, max: i64) -> i64 {
    let v = raw.trim();
    let msg = format!("{label}须为大于 0、不超过 {max} 的数字，最多一位小数（如 2 或 1.5）");
    if v.is_empty() {
        c.add(field, format!("请输入{label}"));
        return 0;
    }
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let ok_digits = |s: &str| s.chars().all(|ch| ch.is_ascii_digit());
    if whole.is_empty() || !ok_digits(whole) || frac.len() > 1 || !ok_digits(frac) || whole.len() > 6 {
        c.add(field, msg);
        return 0;
    }
    let w: i64 = whole.parse().unwrap_or(0);
    let f: i64 = frac.parse().unwrap_or(0);
    let tenths = w * 10 + f;
    if tenths <= 0 || tenths > max * 10 {
        c.add(field, msg);
        return 0;
    }
    tenths
}

pub use platform::clock::year_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_typed_with_at_most_one_decimal() {
        let mut c = FormCheck::new();
        assert_eq!(parse_hours(&mut c, "h", "学时", "2", 200), 20);
        assert_eq!(parse_hours(&mut c, "h", "学时", " 1.5 ", 200), 15);
        assert_eq!(parse_hours(&mut c, "h", "学时", "0.5", 200), 5);
        assert!(c.ok());
        for bad in ["", "0", "-1", "1.25", "abc", "1e3", ".5", "201", "1.5.5"] {
            let mut c = FormCheck::new();
            assert_eq!(parse_hours(&mut c, "h", "学时", bad, 200), 0, "{bad}");
            assert!(!c.ok(), "{bad}");
        }
        assert_eq!(hours_text(25), "2.5");
        assert_eq!(hours_text(30), "3");
        assert_eq!(hours_text(0), "0");
    }
}
