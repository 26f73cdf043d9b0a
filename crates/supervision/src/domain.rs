//! The code lists of 主体责任 (GLOSSARY.md), and the deadline rules: a measure is due on a date,
//! or recurs monthly or quarterly, or runs all year; overdue is derived from these and the clock.

pub use platform::codes::{Codes, code_of, label};

pub const DEADLINE_KINDS: Codes =
    &[("date", "按期完成"), ("monthly", "每月"), ("quarterly", "每季度"), ("yearly", "全年")];

/// Stored statuses; 已逾期 is never stored, it is derived (see `Measure::overdue`).
pub const STATUSES: Codes =
    &[("not_started", "未开始"), ("in_progress", "推进中"), ("submitted", "待销号"), ("done", "已完成")];

pub const PROGRESS_KINDS: Codes =
    &[("progress", "进展报告"), ("submit", "报请销号"), ("approve", "审核销号"), ("reject", "退回")];

pub const STAGES: Codes = &[
    ("", "（未填）"),
    ("planning", "研究部署"),
    ("implementing", "组织实施"),
    ("checking", "检查验收"),
    ("finished", "完成"),
];

pub const RECT_SOURCES: Codes = &[
    ("provincial_inspection", "省厅局政治巡察"),
    ("political_supervision", "政治监督"),
    ("bureau_inspection", "局党委巡察"),
    ("audit", "审计"),
    ("other", "其他"),
];

pub const CAPACITIES: Codes =
    &[("branch_secretary", "党支部书记"), ("department_head", "部门负责人"), ("other", "其他")];

pub const MATTER_KINDS: Codes = &[("request", "请示"), ("report", "报告")];

pub const MATTER_STATUSES: Codes =
    &[("submitted", "已报送"), ("reviewing", "审阅中"), ("answered", "已批复"), ("returned", "已退回")];

/// A deadline cell of a committee's spreadsheet (完成时限): a date in the usual spellings, or a
/// recurring period. Returns (kind, the date it is due by: the date, or the plan year's end).
pub fn parse_deadline(cell: &str, year: i16) -> Option<(&'static str, jiff::civil::Date)> {
    let v: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let end = jiff::civil::date(year, 12, 31);
    if v.is_empty() {
        return None;
    }
    if ["每月", "按月", "每月底"].contains(&v.as_str()) {
        return Some(("monthly", end));
    }
    if ["每季度", "按季度", "每季", "每季度末"].contains(&v.as_str()) {
        return Some(("quarterly", end));
    }
    if ["全年", "长期", "长期坚持", "全年持续", "持续推进", "年底前", "年内"].contains(&v.as_str())
    {
        return Some(("yearly", end));
    }
    if let Ok(d) = v.parse::<jiff::civil::Date>() {
        return Some(("date", d));
    }
    // 2022年6月30日, 2022年6月底, 6月底, 6月30日前, 2022.6.30, 2022/6/30
    let v = v.trim_end_matches('前').trim_end_matches("以前");
    let (y, rest) = match v.split_once('年') {
        Some((y, r)) => (y.parse::<i16>().ok()?, r),
        None => {
            let parts: Vec<&str> = v.split(['.', '/', '-']).collect();
            if parts.len() == 3 {
                let (y, m, d) = (parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?);
                return jiff::civil::Date::new(y, m, d).ok().map(|d| ("date", d));
            }
            (year, v)
        }
    };
    let (m, rest) = rest.split_once('月')?;
    let m: i8 = m.parse().ok()?;
    let first = jiff::civil::Date::new(y, m, 1).ok()?;
    let day = rest.trim_end_matches(['日', '号']);
    let d = match day {
        "" | "底" | "末" => first.last_of_month(),
        "中旬" | "中" => first.saturating_add(jiff::Span::new().days(14)),
        "上旬" => first.saturating_add(jiff::Span::new().days(9)),
        "下旬" => first.last_of_month(),
        n => jiff::civil::Date::new(y, m, n.parse().ok()?).ok()?,
    };
    Some(("date", d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn deadlines_in_the_spellings_committees_use() {
        assert_eq!(parse_deadline("2022-06-30", 2022), Some(("date", date(2022, 6, 30))));
        assert_eq!(parse_deadline("2022年6月底", 2022), Some(("date", date(2022, 6, 30))));
        assert_eq!(parse_deadline("9月底前", 2022), Some(("date", date(2022, 9, 30))));
        assert_eq!(parse_deadline("2022.11.15", 2022), Some(("date", date(2022, 11, 15))));
        assert_eq!(parse_deadline("12月31日", 2022), Some(("date", date(2022, 12, 31))));
        assert_eq!(parse_deadline("每季度", 2022), Some(("quarterly", date(2022, 12, 31))));
        assert_eq!(parse_deadline("长期坚持", 2022), Some(("yearly", date(2022, 12, 31))));
        assert_eq!(parse_deadline("每月", 2022), Some(("monthly", date(2022, 12, 31))));
        assert_eq!(parse_deadline("2月30日", 2022), None);
        assert_eq!(parse_deadline("尽快", 2022), None);
    }
}
