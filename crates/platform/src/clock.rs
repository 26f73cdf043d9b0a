//! Time, injectable: production reads the system clock; tests move a manual one forward to prove
//! session timeouts and lockouts without sleeping.

use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Default)]
pub struct Clock {
    /// Milliseconds added to the system time (0 in production).
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now_ms(&self) -> i64 {
        Timestamp::now().as_millisecond() + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.now_ms()).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Moves this clock (and every clone of it) forward. Used by tests.
    pub fn advance_minutes(&self, minutes: i64) {
        self.offset_ms.fetch_add(minutes * 60_000, Ordering::Relaxed);
    }
}

pub const SHANGHAI: jiff::tz::TimeZone = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));

/// Shows a stored UTC millisecond time in Asia/Shanghai (which has had no DST since 1991).
pub fn format_ms(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| SHANGHAI.to_datetime(t).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// A wall-clock time in Asia/Shanghai as epoch milliseconds (None only for out-of-range dates).
pub fn local_ms(dt: jiff::civil::DateTime) -> Option<i64> {
    SHANGHAI.to_timestamp(dt).ok().map(|t| t.as_millisecond())
}

/// A year from a filter or a form, when it is a sensible one (2000 to 2100).
pub fn year_of(raw: &str) -> Option<i16> {
    raw.trim().parse::<i16>().ok().filter(|y| (2000..=2100).contains(y))
}

/// An optional `year` parameter: absent or empty is `None`; anything else must be a sensible year.
pub fn year_param(raw: Option<&str>) -> crate::AppResult<Option<i16>> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            year_of(v).map(Some).ok_or_else(|| crate::AppError::BadRequest("year 须为 2000 到 2100 之间的年份".into()))
        }
    }
}

pub fn today(clock: &Clock) -> jiff::civil::Date {
    SHANGHAI.to_datetime(clock.now()).date()
}
