//! Export of a filtered list to .xlsx, audited, named like 单位台账_20221231.xlsx.
//!
//! The whole export runs on a bulk thread ([`crate::bulk`]): it reads the list in slices
//! ([`ExportWindow`]) and appends each slice to a constant-memory sheet in a temporary file, which
//! is then streamed to the browser. A ledger of any length is exported in the memory of a slice.
//! Reading the rows is most of an export's work (the province's year of measures: two thirds of
//! its CPU), so the reads run there too, not only the writing: on a busy server the pages go
//! first. Even a prison's year of measures (1,057 rows) is bulk work: read and written at the
//! pages' priority, the prisons' exports took the province mix's home page from 66 to 168 ms at
//! p99.

use crate::audit::Event;
use crate::clock::today;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::web::list::{ExportWindow, ListParams, Paged};
use crate::web::{XLSX, download_file};
use axum::response::Response;
use futures_util::future::BoxFuture;
use office::{Cell, OfficeError, SheetWriter};
use std::path::PathBuf;

/// The most rows one export writes; larger sets are narrowed with the filters.
pub const MAX_EXPORT_ROWS: i64 = 200_000;

/// Exports the list `fetch` reads with `p` (from [`ListParams::for_export`]), slice by slice.
/// `fetch` is the list's own query, the same one its page and API use, so the export holds
/// exactly what the list shows; `cells` turns a row into its cells without 序号 (added here).
pub async fn export_list<T, F, C>(
    ctx: &Ctx,
    ledger: &str,
    headers: &[&str],
    mut p: ListParams,
    filters: &str,
    fetch: F,
    cells: C,
) -> AppResult<Response>
where
    T: Send + 'static,
    F: for<'a> Fn(&'a Ctx, &'a ListParams) -> BoxFuture<'a, AppResult<Paged<T>>> + Send + 'static,
    C: Fn(&T) -> Vec<Cell> + Send + 'static,
{
    let reader = ctx.clone();
    let written = Sheet::new(ctx, ledger, headers)?
        .write(ctx, move |sheet| {
            let window = ExportWindow::default();
            for slice in 0.. {
                p.export = Some(window.at(slice));
                let page = sheet.read(fetch(&reader, &p))?;
                for row in &page.items {
                    sheet.row(cells(row))?;
                }
                if !window.used() || page.items.is_empty() || (slice + 1) * ExportWindow::SLICE >= window.total() {
                    break;
                }
            }
            Ok(())
        })
        .await?;
    written.send(ctx, ledger, filters).await
}

/// `headers` and `rows` without the 序号 column: it is added here, numbering the rows from 1.
/// For ledgers whose rows are already in hand; a list is exported with [`export_list`].
pub async fn export_xlsx(
    ctx: &Ctx,
    ledger: &str,
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
    filters: &str,
) -> AppResult<Response> {
    let written = Sheet::new(ctx, ledger, headers)?
        .write(ctx, move |sheet| {
            for row in rows {
                sheet.row(row)?;
            }
            Ok(())
        })
        .await?;
    written.send(ctx, ledger, filters).await
}

/// What an export's bulk thread is given: the sheet's name, title and headers, and the file to
/// write.
struct Sheet {
    ledger: String,
    title: String,
    headers: Vec<String>,
    dir: PathBuf,
    path: PathBuf,
}

/// The bulk thread's side: the sheet being written, its rows numbered from 1.
struct Rows {
    sheet: SheetWriter,
    runtime: tokio::runtime::Handle,
    db: crate::db::Db,
}

impl Rows {
    /// Waits for a read, through the bulk connections. Outside the request, it goes to the
    /// database: an export's slices are seldom asked again before they change, and keeping them
    /// (or their lookups) would only push out the pages' kept reads.
    fn read<R>(&self, read: impl Future<Output = R>) -> R {
        self.runtime.block_on(self.db.bulk_reads(read))
    }

    fn row(&mut self, row: Vec<Cell>) -> AppResult<()> {
        let mut cells = Vec::with_capacity(row.len() + 1);
        cells.push(Cell::Int(i64::from(self.sheet.rows()) + 1));
        cells.extend(row);
        self.sheet.row(&cells).map_err(office_error)
    }
}

impl Sheet {
    fn new(ctx: &Ctx, ledger: &str, headers: &[&str]) -> AppResult<Self> {
        let user = ctx.user()?;
        let title =
            format!("{ledger}台账（{}，导出人：{}，{}）", user.unit_name, user.display_name, today(&ctx.state.clock));
        let dir = ctx.state.data_dir.join("tmp");
        std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
        let path = dir.join(format!("export-{}.xlsx", hex::encode(rand::random::<[u8; 8]>())));
        let headers = std::iter::once("序号").chain(headers.iter().copied()).map(str::to_owned).collect();
        Ok(Self { ledger: ledger.to_owned(), title, headers, dir, path })
    }

    /// Runs `rows` on a bulk thread, then writes the file there. The file goes with the
    /// [`Written`] that names it, however the request ends.
    async fn write<W>(self, ctx: &Ctx, rows: W) -> AppResult<Written>
    where
        W: FnOnce(&mut Rows) -> AppResult<()> + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::current();
        let db = ctx.state.db.clone();
        let job = crate::bulk::spawn("export", move || -> AppResult<Written> {
            let hs: Vec<&str> = self.headers.iter().map(String::as_str).collect();
            let sheet = SheetWriter::new(Some(&self.dir), &self.ledger, &self.title, &hs).map_err(office_error)?;
            let mut out = Rows { sheet, runtime, db };
            rows(&mut out)?;
            let count = out.sheet.rows();
            // Named before it exists, so that a failure part-way through writing it removes it.
            let written = Written { path: self.path, count };
            out.sheet.finish_to_file(&written.path).map_err(office_error)?;
            Ok(written)
        })
        .map_err(anyhow::Error::from)?;
        // The sender is dropped without an answer only when the work panicked.
        job.await.map_err(|_| anyhow::anyhow!("export writer panicked"))?
    }
}

/// A written export: the temporary file, removed when this is dropped (once the download has
/// opened it, or if the request was abandoned before), and how many rows it holds.
struct Written {
    path: PathBuf,
    count: u32,
}

impl Drop for Written {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Written {
    async fn send(self, ctx: &Ctx, ledger: &str, filters: &str) -> AppResult<Response> {
        // Open, the file needs no name: it is gone when the download ends or breaks off.
        let file = tokio::fs::File::open(&self.path).await.map_err(anyhow::Error::from)?;
        let len = file.metadata().await.map_err(anyhow::Error::from)?.len();
        let detail = format!("导出 {} 条；筛选：{}", self.count, if filters.is_empty() { "无" } else { filters });
        drop(self);
        ctx.state.audit_alone(&ctx.actor(), Event::ok("export", "ledger", ledger).detail(detail)).await?;
        let name = format!("{ledger}台账_{}.xlsx", today(&ctx.state.clock).strftime("%Y%m%d"));
        Ok(download_file(file, len, &name, XLSX))
    }
}

/// What a cell cannot hold (text over Excel's limit) is the data's, told in words.
fn office_error(e: OfficeError) -> AppError {
    match e {
        OfficeError::Write(msg) => AppError::BadRequest(format!("无法导出：{msg}")),
        e => anyhow::Error::from(e).into(),
    }
}
