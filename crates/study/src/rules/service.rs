//! The compliance engine: each rule says which organisations must hold which meetings how often;
//! every period of every organisation is held, missed, exempt (a declared holiday), not yet due,
//! or not applicable (the organisation did not exist then).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use platform::db::Sql;
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Rule {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub org_kinds: String,
    pub meeting_kinds: String,
    pub period: String,
    pub min_count: i64,
    pub active: i64,
    pub builtin: i64,
    pub version: i64,
}

impl Rule {
    pub fn period_label(&self) -> &'static str {
        crate::domain::label(crate::domain::PERIODS, &self.period)
    }
    pub fn meeting_label(&self) -> String {
        self.meeting_kinds
            .split(',')
            .map(|k| crate::domain::label(crate::domain::MEETING_KINDS, k.trim()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

pub async fn rules(ctx: &Ctx) -> AppResult<Vec<Rule>> {
    Ok(Sql::new("SELECT * FROM compliance_rules ORDER BY id").fetch_fresh(&ctx.state.db).await?)
}

pub async fn rule(ctx: &Ctx, code: &str) -> AppResult<Rule> {
    sqlx::query_as("SELECT * FROM compliance_rules WHERE code = $1")
        .bind(code)
        .fetch_optional(&ctx.state.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Held,
    Missed,
    Exempt,
    Pending,
    NotApplicable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Held => "已落实",
            Status::Missed => "缺失",
            Status::Exempt => "免检",
            Status::Pending => "未到期",
            Status::NotApplicable => "—",
        }
    }
    pub fn css(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::Missed => "missed",
            Status::Exempt => "exempt",
            Status::Pending => "pending",
            Status::NotApplicable => "na",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub label: String,
    pub start: String,
    pub end: String,
    pub count: i64,
    pub status: Status,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub org_id: i64,
    pub org_name: String,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn missed(&self) -> usize {
        self.cells.iter().filter(|c| c.status == Status::Missed).count()
    }
}

/// The periods of `period` kind that overlap [from, to]: (start, end, label). Weeks are ISO weeks
/// (Monday to Sunday), in the calendar of Asia/Shanghai, since dates are stored there.
pub fn periods(period: &str, from: Date, to: Date) -> Vec<(Date, Date, String)> {
    let mut out = Vec::new();
    let mut start = match period {
        "week" => from.saturating_sub((from.weekday().to_monday_zero_offset() as i64).days()),
        "month" => from.first_of_month(),
        "quarter" => Date::new(from.year(), ((from.month() - 1) / 3) * 3 + 1, 1).unwrap_or(from),
        _ => Date::new(from.year(), 1, 1).unwrap_or(from),
    };
    while start <= to && out.len() < 600 {
        let next = match period {
            "week" => start.saturating_add(7.days()),
            "month" => start.saturating_add(1.month()),
            "quarter" => start.saturating_add(3.months()),
            _ => start.saturating_add(1.year()),
        };
        let end = next.saturating_sub(1.day());
        let label = match period {
            "week" => format!("第{}周", start.iso_week_date().week()),
            "month" => format!("{}月", start.month()),
            "quarter" => format!("第{}季度", (start.month() - 1) / 3 + 1),
            _ => format!("{}年", start.year()),
        };
        out.push((start, end, label));
        if next <= start {
            break;
        }
        start = next;
    }
    out
}

/// Whether declared exempt periods cover the period: a week needs Monday to Friday covered.
fn exempt(exempts: &[(Date, Date)], start: Date, end: Date, period: &str) -> bool {
    let (a, b) = if period == "week" { (start, start.saturating_add(4.days())) } else { (start, end) };
    let mut day = a;
    while day <= b {
        if day.weekday() != Weekday::Saturday
            && day.weekday() != Weekday::Sunday
            && !exempts.iter().any(|(f, t)| *f <= day && day <= *t)
        {
            return false;
        }
        day = day.saturating_add(1.day());
    }
    true
}

/// Organisations × periods for one rule between `from` and `to`, within the caller's scope.
pub async fn compliance(ctx: &Ctx, rule: &Rule, from: Date, to: Date) -> AppResult<Vec<Row>> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    let kinds: Vec<String> = rule.org_kinds.split(',').map(|s| s.trim().to_string()).collect();
    let mut q = Sql::new("SELECT o.id, o.name, o.founded_on, o.dissolved_on FROM party_orgs o WHERE o.kind IN (");
    for (i, k) in kinds.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(k.clone());
    }
    q.push(") AND o.founded_on <= ")
        .bind(to.to_string())
        .push(" AND (o.dissolved_on IS NULL OR o.dissolved_on >= ")
        .bind(from.to_string());
    q.push(") AND ");
    user.scope.push_condition(&mut q, "o.unit_id", None);
    q.push(" ORDER BY o.path LIMIT 2000");
    let orgs: Vec<(i64, String, String, Option<String>)> = q.fetch_fresh(&ctx.state.db).await?;
    let mkinds: Vec<String> = rule.meeting_kinds.split(',').map(|s| s.trim().to_string()).collect();
    let mut q = Sql::new("SELECT m.org_id, m.held_on FROM meetings m WHERE m.held_on >= ");
    q.bind(from.to_string()).push(" AND m.held_on <= ").bind(to.to_string()).push(" AND m.kind IN (");
    for (i, k) in mkinds.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(k.clone());
    }
    q.push(") AND ");
    user.scope.push_condition(&mut q, "m.unit_id", None);
    let held: Vec<(i64, String)> = q.fetch_fresh(&ctx.state.db).await?;
    let exempts: Vec<(String, String)> =
        Sql::new("SELECT from_date, to_date FROM exempt_periods").fetch_fresh(&ctx.state.db).await?;
    let exempts: Vec<(Date, Date)> =
        exempts.iter().filter_map(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))).collect();
    let ps = periods(&rule.period, from, to);
    let mut rows = Vec::with_capacity(orgs.len());
    for (id, name, founded, dissolved) in orgs {
        let dates: Vec<&str> = held.iter().filter(|(o, _)| *o == id).map(|(_, d)| d.as_str()).collect();
        let cells = ps
            .iter()
            .map(|(s, e, label)| {
                let (ss, es) = (s.to_string(), e.to_string());
                let count = dates.iter().filter(|d| **d >= ss.as_str() && **d <= es.as_str()).count() as i64;
                let exists = founded.as_str() <= es.as_str() && dissolved.as_deref().is_none_or(|d| d >= ss.as_str());
                let status = if !exists {
                    Status::NotApplicable
                } else if count >= rule.min_count {
                    Status::Held
                } else if *e >= today {
                    Status::Pending
                } else if exempt(&exempts, *s, *e, &rule.period) {
                    Status::Exempt
                } else {
                    Status::Missed
                };
                Cell { label: label.clone(), start: ss, end: es, count, status }
            })
            .collect();
        rows.push(Row { org_id: id, org_name: name, cells });
    }
    Ok(rows)
}

/// (org name, first studied on, days after publication), slowest first, for one material.
pub async fn latency(ctx: &Ctx, m: &crate::materials::Material) -> AppResult<Vec<(String, String, i64)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT o.name, min(mt.held_on) FROM agenda_items g JOIN meetings mt ON mt.id = g.meeting_id \
         JOIN party_orgs o ON o.id = mt.org_id WHERE g.material_id = ",
    );
    q.bind(m.id).push(" AND ");
    user.scope.push_condition(&mut q, "mt.unit_id", None);
    q.push(" GROUP BY o.id, o.name LIMIT 2000");
    let rows: Vec<(String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let published: Option<Date> = m.published_on.parse().ok();
    let mut out: Vec<(String, String, i64)> = rows
        .into_iter()
        .map(|(name, first)| {
            let days = match (published, first.parse::<Date>()) {
                (Some(p), Ok(f)) => (f - p).get_days() as i64,
                _ => 0,
            };
            (name, first, days)
        })
        .collect();
    out.sort_by_key(|x| std::cmp::Reverse(x.2));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_run_monday_to_sunday_and_months_quarters_years_align() {
        // 2026-11-27 is a Friday; its ISO week starts on Monday 2026-11-23.
        let w = periods("week", Date::constant(2026, 11, 27), Date::constant(2026, 12, 6));
        let spans: Vec<(String, String)> = w.iter().map(|(s, e, _)| (s.to_string(), e.to_string())).collect();
        assert_eq!(spans, vec![("2026-11-23".into(), "2026-11-29".into()), ("2026-11-30".into(), "2026-12-06".into())]);
        assert_eq!(w[0].2, "第48周");
        let q = periods("quarter", Date::constant(2026, 5, 10), Date::constant(2026, 7, 1));
        assert_eq!((q[0].0.to_string(), q[0].1.to_string(), q.len()), ("2026-04-01".into(), "2026-06-30".into(), 2));
        let m = periods("month", Date::constant(2024, 2, 10), Date::constant(2024, 2, 10));
        assert_eq!(m[0].1.to_string(), "2024-02-29");
        assert_eq!(periods("year", Date::constant(2026, 6, 1), Date::constant(2026, 6, 1))[0].2, "2026年");
    }

    #[test]
    fn a_week_is_exempt_only_when_its_working_days_are() {
        let mon = Date::constant(2026, 10, 5);
        let sun = Date::constant(2026, 10, 11);
        let golden_week = [(Date::constant(2026, 10, 1), Date::constant(2026, 10, 9))];
        assert!(exempt(&golden_week, mon, sun, "week"));
        let short = [(Date::constant(2026, 10, 1), Date::constant(2026, 10, 8))];
        assert!(!exempt(&short, mon, sun, "week"), "Friday the 9th is still a working day");
    }
}
