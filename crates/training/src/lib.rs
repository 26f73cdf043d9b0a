//! 教育培训、岗位练兵、普法 (being written).

use platform::registry::Area;

pub fn area() -> Area {
    Area {
        code: "training",
        migrations: &[],
        permissions: &[],
        grants: &[],
        menu: &[],
        routes: |r| r,
        todos: Vec::new,
        attachment_owners: Vec::new,
        cards: Vec::new,
        search: &[],
        figures: Vec::new,
    }
}

pub mod demo {
    use platform::{AppResult, Ctx};

    /// Demo: a year of trainings, a drill of each kind, a legal-education plan (being written).
    pub async fn seed(_ctx: &Ctx, _today: jiff::civil::Date) -> AppResult<()> {
        Ok(())
    }
}
