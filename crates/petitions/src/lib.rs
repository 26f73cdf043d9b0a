//! (being written)

use platform::registry::Area;

pub fn area() -> Area {
    Area {
        code: "petitions",
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
        profile: Vec::new,
    }
}

pub mod demo {
    use platform::{AppResult, Ctx};

    /// Demo data (being written).
    pub async fn seed(_ctx: &Ctx, _today: jiff::civil::Date) -> AppResult<()> {
        Ok(())
    }
}
