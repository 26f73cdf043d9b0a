//! Export of a filtered list to .xlsx, audited, named like 单位台账_20221231.xlsx.
//!
//! Rows are written as they are read: the list is read in slices ([`ExportWindow`]), each slice
//! goes to a writer thread that appends it to a constant-memory sheet in a temporary file, and
//! the file is streamed to the browser. A ledger of any length is exported in the memory of a
//! slice or two. The writer is a bulk thread ([`crate::bulk`]): on a busy server, pages go first.

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
use tokio::sync::{mpsc, oneshot};

/// The most rows one export writes; larger sets are narrowed with the filters.
pub const MAX_EXPORT_ROWS: i64 = 200_000;

/// Slices waiting for the writer; the reader waits when the writer is behind.
const QUEUED_SLICES: usize = 2;

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
    F: for<'a> Fn(&'a Ctx, &'a ListParams) -> BoxFuture<'a, AppResult<Paged<T>>>,
    C: Fn(&T) -> Vec<Cell>,
{
    let mut out = SheetFile::start(ctx, ledger, headers)?;
    let window = ExportWindow::default();
    let read = async {
        for slice in 0.. {
            p.export = Some(window.at(slice));
            let page = fetch(ctx, &p).await?;
            let done = !window.used() || page.items.is_empty() || (slice + 1) * ExportWindow::SLICE >= window.total();
            out.send(page.items.iter().map(&cells).collect()).await?;
            if done {
                break;
            }
        }
        AppResult::Ok(())
    }
    .await;
    match read {
        Ok(()) => out.finish(ctx, ledger, filters).await,
        Err(e) => {
            out.abandon().await;
            Err(e)
        }
    }
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
    let mut out = SheetFile::start(ctx, ledger, headers)?;
    if let Err(e) = out.send(rows).await {
        out.abandon().await;
        return Err(e);
    }
    out.finish(ctx, ledger, filters).await
}

/// The writer thread and the temporary file it writes.
struct SheetFile {
    tx: Option<mpsc::Sender<Vec<Vec<Cell>>>>,
    job: Option<oneshot::Receiver<Result<u32, OfficeError>>>,
    path: PathBuf,
}

impl SheetFile {
    fn start(ctx: &Ctx, ledger: &str, headers: &[&str]) -> AppResult<Self> {
        let user = ctx.user()?;
        let title =
            format!("{ledger}台账（{}，导出人：{}，{}）", user.unit_name, user.display_name, today(&ctx.state.clock));
        let dir = ctx.state.data_dir.join("tmp");
        std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
        let path = dir.join(format!("export-{}.xlsx", hex::encode(rand::random::<[u8; 8]>())));
        let (tx, mut rx) = mpsc::channel::<Vec<Vec<Cell>>>(QUEUED_SLICES);
        let headers: Vec<String> = std::iter::once("序号").chain(headers.iter().copied()).map(str::to_owned).collect();
        let (ledger, target) = (ledger.to_owned(), path.clone());
        let job = crate::bulk::spawn("export", move || {
            let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let mut sheet = SheetWriter::new(Some(&dir), &ledger, &title, &hs)?;
            let mut n: i64 = 0;
            while let Some(rows) = rx.blocking_recv() {
                for row in rows {
                    n += 1;
                    let mut cells = Vec::with_capacity(row.len() + 1);
                    cells.push(Cell::Int(n));
                    cells.extend(row);
                    sheet.row(&cells)?;
                }
            }
            let rows = sheet.rows();
            sheet.finish_to_file(&target)?;
            Ok(rows)
        })
        .map_err(anyhow::Error::from)?;
        Ok(Self { tx: Some(tx), job: Some(job), path })
    }

    async fn send(&mut self, rows: Vec<Vec<Cell>>) -> AppResult<()> {
        let Some(tx) = &self.tx else { return Ok(()) };
        if tx.send(rows).await.is_err() {
            // The writer stopped early: its error says why.
            self.join().await?;
            return Err(anyhow::anyhow!("export writer stopped").into());
        }
        Ok(())
    }

    /// Closes the queue and waits for the writer: the rows it wrote.
    async fn join(&mut self) -> AppResult<u32> {
        self.tx = None;
        match self.job.take() {
            Some(job) => written(job.await),
            None => Ok(0),
        }
    }

    async fn finish(mut self, ctx: &Ctx, ledger: &str, filters: &str) -> AppResult<Response> {
        let count = match self.join().await {
            Ok(n) => n,
            Err(e) => {
                self.abandon().await;
                return Err(e);
            }
        };
        let file = tokio::fs::File::open(&self.path).await.map_err(anyhow::Error::from);
        // Open, the file needs no name: it is gone when the download ends or breaks off.
        let _ = tokio::fs::remove_file(&self.path).await;
        let file = file?;
        let len = file.metadata().await.map_err(anyhow::Error::from)?.len();
        let detail = format!("导出 {count} 条；筛选：{}", if filters.is_empty() { "无" } else { filters });
        ctx.state.audit_alone(&ctx.actor(), Event::ok("export", "ledger", ledger).detail(detail)).await?;
        let name = format!("{ledger}台账_{}.xlsx", today(&ctx.state.clock).strftime("%Y%m%d"));
        Ok(download_file(file, len, &name, XLSX))
    }

    async fn abandon(mut self) {
        let _ = self.join().await;
        let _ = tokio::fs::remove_file(&self.path).await;
    }
}

fn written(r: Result<Result<u32, OfficeError>, oneshot::error::RecvError>) -> AppResult<u32> {
    match r {
        Ok(Ok(n)) => Ok(n),
        // What a cell cannot hold (text over Excel's limit) is the data's, told in words.
        Ok(Err(OfficeError::Write(msg))) => Err(AppError::BadRequest(format!("无法导出：{msg}"))),
        Ok(Err(e)) => Err(anyhow::Error::from(e).into()),
        // The writer dropped its sender without an answer: it panicked.
        Err(_) => Err(anyhow::anyhow!("export writer panicked").into()),
    }
}
