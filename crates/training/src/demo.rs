//! Demo data (fictional, marked （演示））.

use platform::{AppResult, Ctx};

pub async fn seed(_ctx: &Ctx, _today: jiff::civil::Date) -> AppResult<()> {
    Ok(())
}
