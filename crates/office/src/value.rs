use calamine::{DataRef, ExcelDateTime};

/// Renders a cell the way the user typed it, not the way Excel stores it:
/// integral numbers without ".0" (a phone number stays a phone number), dates
/// as ISO dates, booleans as 是/否.
pub(crate) fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(x) => number_text(*x),
        DataRef::Bool(true) => "是".to_owned(),
        DataRef::Bool(false) => "否".to_owned(),
        DataRef::DateTime(datetime) => datetime_text(datetime),
        DataRef::Error(error) => error.to_string(),
    }
}

/// Excel shows 15 significant digits, so binary noise such as
/// 0.30000000000000004 is rounded away just as the user saw it.
pub(crate) fn number_text(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let shown: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    if shown == 0.0 {
        // Avoids "-0".
        return "0".to_owned();
    }
    // f64's Display never uses exponents and drops a zero fraction: 3.0 -> "3".
    shown.to_string()
}

fn datetime_text(datetime: &ExcelDateTime) -> String {
    let serial = datetime.as_f64();
    if datetime.is_duration() {
        let seconds = (serial * 86_400.0).round();
        if !seconds.is_finite() || seconds.abs() > 1e12 {
            return number_text(serial);
        }
        // Bounded above, so the cast is exact.
        let seconds = seconds as i64;
        let sign = if seconds < 0 { "-" } else { "" };
        let seconds = seconds.unsigned_abs();
        return format!("{sign}{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
    let (year, month, day, hour, minute, second, _) = datetime.to_ymd_hms_milli();
    let has_time = (hour, minute, second) != (0, 0, 0);
    if (0.0..1.0).contains(&serial) && has_time {
        // A time of day with no date part.
        format!("{hour:02}:{minute:02}:{second:02}")
    } else if has_time {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use calamine::ExcelDateTimeType;

    use super::*;

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(13_800_000_000.0), "13800000000");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-2.5), "-2.5");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(f64::NAN), "");
    }

    #[test]
    fn dates_and_times() {
        let at = |serial| ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime_text(&at(45_366.0)), "2024-03-15");
        assert_eq!(datetime_text(&at(45_366.5)), "2024-03-15 12:00:00");
        assert_eq!(datetime_text(&at(0.75)), "18:00:00");
        let span = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(datetime_text(&span), "36:00:00");
    }

    #[test]
    fn booleans_in_chinese() {
        assert_eq!(cell_text(&DataRef::Bool(true)), "是");
        assert_eq!(cell_text(&DataRef::Bool(false)), "否");
    }
}
