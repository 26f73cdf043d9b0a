//! Export of a filtered list to .xlsx, audited, named like 单位台账_20221231.xlsx.

use crate::audit::Event;
use crate::clock::today;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::web::{XLSX, download};
use axum::response::Response;
use office::Cell;

/// The most rows one export writes; larger sets are narrowed with the filters.
pub const MAX_EXPORT_ROWS: i64 = 50_000;

/// `headers` and `rows` without the 序号 column: it is added here, numbering the rows from 1.
pub async fn export_xlsx(
    ctx: &Ctx,
    ledger: &str,
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
    filters: &str,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let date = today(&ctx.state.clock);
    let title = format!("{ledger}台账（{}，导出人：{}，{}）", user.unit_name, user.display_name, date);
    let count = rows.len();
    let rows: Vec<Vec<Cell>> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| std::iter::once(Cell::Int(i as i64 + 1)).chain(r).collect())
        .collect();
    let headers: Vec<&str> = std::iter::once("序号").chain(headers.iter().copied()).collect();
    let bytes = tokio::task::spawn_blocking({
        let ledger = ledger.to_string();
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        move || {
            let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
            office::write_xlsx(&ledger, &title, &hs, &rows)
        }
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(anyhow::Error::from)?;
    let detail = format!("导出 {count} 条；筛选：{}", if filters.is_empty() { "无" } else { filters });
    ctx.state.audit_alone(&ctx.actor(), Event::ok("export", "ledger", ledger).detail(detail)).await?;
    let name = format!("{ledger}台账_{}.xlsx", date.strftime("%Y%m%d"));
    Ok(download(bytes, &name, XLSX))
}
