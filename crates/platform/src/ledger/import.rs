//! Spreadsheet import for any ledger: 下载模板 → 选择文件 → 校验 → 确认导入. The check runs the
//! real import inside a transaction and rolls it back, so the check and the import cannot
//! disagree; the import commits only when not one row is bad.

use super::upload::read_upload;
use crate::audit::Event;
use crate::context::Ctx;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::perm::Need;
use crate::registry::BoxFuture;
use crate::routes::Routes;
use crate::web::{Frame, Html, XLSX, download, redirect_with_flash};
use askama::Template;
use axum::extract::{Multipart, Query};
use axum::response::{IntoResponse, Response};
use office::{Cell, Limits, Row};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize)]
pub struct ImportOutcome {
    pub rows: usize,
    pub errors: Vec<RowError>,
}

pub trait Importer: Send + Sync + 'static {
    /// The ledger's name, e.g. "单位".
    fn ledger(&self) -> &'static str;
    /// Where the list page is, e.g. "/system/units"; the import lives under `{list}/import`.
    fn list_path(&self) -> &'static str;
    fn menu_href(&self) -> &'static str {
        self.list_path()
    }
    fn need(&self) -> &'static str;
    fn headers(&self) -> &'static [&'static str];
    /// Notes shown above the upload (required columns, allowed values).
    fn notes(&self) -> &'static [&'static str];
    fn example(&self) -> Vec<Vec<String>>;
    /// A ledger whose rows go into one parent record (a plan's measures) names the query
    /// parameter carrying the parent's id, e.g. `Some("plan")`; the import refuses to run without it.
    fn target(&self) -> Option<&'static str> {
        None
    }
    /// Where a finished import leads.
    fn done_path(&self, target: Option<i64>) -> String {
        let _ = target;
        self.list_path().to_string()
    }
    /// Checks and writes every row in `tx`, collecting every bad row instead of stopping.
    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        tx: &'a mut Tx,
        rows: &'a [Row],
        target: Option<i64>,
    ) -> BoxFuture<'a, AppResult<ImportOutcome>>;
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    frame: Frame,
    base: String,
    headers: &'static [&'static str],
    notes: &'static [&'static str],
    checked: Option<ImportOutcome>,
    token: String,
    file_name: String,
    /// `&plan=7` for an import into one parent record, else empty.
    target_q: String,
    target: Option<(&'static str, i64)>,
    done: String,
}

/// The parent record's id from the query or form, when the importer needs one.
fn target_of(imp: &dyn Importer, q: &BTreeMap<String, String>) -> AppResult<Option<i64>> {
    match imp.target() {
        None => Ok(None),
        Some(name) => match q.get(name).and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(id) => Ok(Some(id)),
            None => Err(AppError::BadRequest(format!("请先选择导入到哪一条记录（缺少参数 {name}）"))),
        },
    }
}

fn page(ctx: &Ctx, imp: &dyn Importer, target: Option<i64>) -> ImportPage {
    let title = format!("导入{}", imp.ledger());
    let frame = Frame::new(ctx, &title, imp.menu_href(), &[(imp.ledger(), imp.list_path()), (&title, "")]);
    ImportPage {
        frame,
        base: format!("{}/import", imp.list_path()),
        headers: imp.headers(),
        notes: imp.notes(),
        checked: None,
        token: String::new(),
        file_name: String::new(),
        target_q: match (imp.target(), target) {
            (Some(n), Some(t)) => format!("&{n}={t}"),
            _ => String::new(),
        },
        target: imp.target().zip(target),
        done: imp.done_path(target),
    }
}

fn leak(s: String) -> &'static str {
    // Route paths are built once at start-up.
    Box::leak(s.into_boxed_str())
}

/// Adds the import routes of one ledger (pages and API) to the router.
pub fn import_routes(r: Routes, imp: Arc<dyn Importer>, api_base: &'static str) -> Routes {
    let base = leak(format!("{}/import", imp.list_path()));
    let need = Need::Perm(imp.need());
    let (a, b, c, d, e) = (imp.clone(), imp.clone(), imp.clone(), imp.clone(), imp.clone());
    r.get(base, need, "导入页面", move |ctx: Ctx, q: Query<BTreeMap<String, String>>| async move {
        let target = target_of(a.as_ref(), &q.0)?;
        Ok::<_, AppError>(Html(page(&ctx, a.as_ref(), target)).into_response())
    })
    .get(
        leak(format!("{base}/template")),
        need,
        "下载导入模板",
        move |ctx: Ctx| async move { template(&ctx, b.as_ref()) },
    )
    .post(
        base,
        need,
        "上传并校验导入文件",
        move |ctx: Ctx, q: Query<BTreeMap<String, String>>, mp: Multipart| async move {
            check_page(ctx, c.as_ref(), q.0, mp).await
        },
    )
    .post(
        leak(format!("{base}/confirm")),
        need,
        "确认导入",
        move |ctx: Ctx, f: axum::Form<BTreeMap<String, String>>| async move {
            confirm_page(ctx, d.as_ref(), f.0).await
        },
    )
    .post(
        leak(format!("{api_base}/import")),
        need,
        "导入（dry_run=true 只校验）",
        move |ctx: Ctx, q: Query<BTreeMap<String, String>>, mp: Multipart| async move {
            api_import(ctx, e.as_ref(), q.0, mp).await
        },
    )
}

fn template(ctx: &Ctx, imp: &dyn Importer) -> AppResult<Response> {
    let _ = ctx.user()?;
    let rows: Vec<Vec<Cell>> = imp.example().into_iter().map(|r| r.into_iter().map(Cell::from).collect()).collect();
    let title = format!("{}导入模板（第 2 行为表头，从第 3 行起填写，示例行请删除）", imp.ledger());
    let bytes = office::write_xlsx(imp.ledger(), &title, imp.headers(), &rows).map_err(anyhow::Error::from)?;
    Ok(download(bytes, &format!("{}导入模板.xlsx", imp.ledger()), XLSX))
}

fn limits(ctx: &Ctx) -> Limits {
    Limits { max_bytes: ctx.state.policy().max_upload_bytes, ..Limits::default() }
}

/// Runs the import in a transaction; commits only when asked and when every row is good.
async fn run(
    ctx: &Ctx,
    imp: &dyn Importer,
    bytes: &[u8],
    commit: bool,
    target: Option<i64>,
) -> AppResult<ImportOutcome> {
    let lim = limits(ctx);
    let table = office::read_table(bytes, imp.headers(), &lim).map_err(|e| AppError::field("file", e.to_string()))?;
    if table.rows.is_empty() {
        return Err(AppError::field("file", "文件中没有数据行"));
    }
    let mut tx = ctx.state.db.begin().await?;
    let outcome = imp.run(ctx, &mut tx, &table.rows, target).await?;
    if commit && outcome.errors.is_empty() {
        let ev = Event::ok("import", "ledger", imp.ledger()).detail(format!("导入 {} 行", outcome.rows));
        ctx.state.audit(&mut tx, &ctx.actor(), ev).await?;
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(outcome)
}

fn stash_path(ctx: &Ctx, token: &str) -> AppResult<std::path::PathBuf> {
    let user = ctx.user()?;
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::BadRequest("导入已失效，请重新上传文件".into()));
    }
    Ok(ctx.state.data_dir.join("tmp").join(format!("import-{}-{token}", user.id)))
}

async fn check_page(ctx: Ctx, imp: &dyn Importer, q: BTreeMap<String, String>, mp: Multipart) -> AppResult<Response> {
    let target = target_of(imp, &q)?;
    let up = read_upload(mp, ctx.state.policy().max_upload_bytes).await;
    let mut p = page(&ctx, imp, target);
    let up = match up {
        Ok(u) => u,
        Err(e) => return Ok(error_page(p, e)),
    };
    match run(&ctx, imp, &up.bytes, false, target).await {
        Ok(outcome) => {
            // Keep the checked file for 确认导入; it is read again and checked again then.
            let token = hex::encode(rand::random::<[u8; 16]>());
            let path = stash_path(&ctx, &token)?;
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await.map_err(anyhow::Error::from)?;
                forget_old_uploads(dir).await;
            }
            tokio::fs::write(&path, &up.bytes).await.map_err(anyhow::Error::from)?;
            p.token = token;
            p.file_name = up.file_name;
            p.checked = Some(outcome);
            Ok(Html(p).into_response())
        }
        Err(e) => Ok(error_page(p, e)),
    }
}

/// Checked files nobody confirmed are removed after a day.
async fn forget_old_uploads(dir: &std::path::Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else { return };
    let day = std::time::Duration::from_secs(86_400);
    while let Ok(Some(e)) = entries.next_entry().await {
        let old = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old && e.file_name().to_string_lossy().starts_with("import-") {
            let _ = tokio::fs::remove_file(e.path()).await;
        }
    }
}

fn error_page(mut p: ImportPage, e: AppError) -> Response {
    let reason = match &e {
        AppError::Validation(f) => f.values().cloned().collect::<Vec<_>>().join("；"),
        other => other.to_string(),
    };
    if matches!(e, AppError::Internal(_)) {
        return e.into_response();
    }
    p.checked = Some(ImportOutcome { rows: 0, errors: vec![RowError { line: 0, column: "文件".into(), reason }] });
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(p)).into_response()
}

async fn confirm_page(ctx: Ctx, imp: &dyn Importer, form: BTreeMap<String, String>) -> AppResult<Response> {
    let token = form.get("token").cloned().unwrap_or_default();
    let path = stash_path(&ctx, &token)?;
    let bytes = tokio::fs::read(&path).await.map_err(|_| AppError::BadRequest("导入已失效，请重新上传文件".into()))?;
    let want_errors = form.get("errors").is_some_and(|v| v == "1");
    let target = target_of(imp, &form)?;
    let outcome = run(&ctx, imp, &bytes, !want_errors, target).await?;
    if want_errors {
        return error_report(imp, &outcome);
    }
    if !outcome.errors.is_empty() {
        let mut p = page(&ctx, imp, target);
        p.token = token;
        p.checked = Some(outcome);
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(p)).into_response());
    }
    let _ = tokio::fs::remove_file(&path).await;
    Ok(redirect_with_flash(&imp.done_path(target), &format!("成功导入 {} 条{}记录", outcome.rows, imp.ledger())))
}

fn error_report(imp: &dyn Importer, outcome: &ImportOutcome) -> AppResult<Response> {
    let rows: Vec<Vec<Cell>> = outcome
        .errors
        .iter()
        .map(|e| vec![Cell::Int(e.line as i64), Cell::from(e.column.clone()), Cell::from(e.reason.clone())])
        .collect();
    let title = format!("{}导入校验错误", imp.ledger());
    let bytes = office::write_xlsx("错误", &title, &["行号", "列", "原因"], &rows).map_err(anyhow::Error::from)?;
    Ok(download(bytes, &format!("{title}.xlsx"), XLSX))
}

async fn api_import(ctx: Ctx, imp: &dyn Importer, q: BTreeMap<String, String>, mp: Multipart) -> AppResult<Response> {
    let dry = q.get("dry_run").is_some_and(|v| v == "true" || v == "1");
    let target = target_of(imp, &q)?;
    let up = read_upload(mp, ctx.state.policy().max_upload_bytes).await?;
    let outcome = run(&ctx, imp, &up.bytes, !dry, target).await?;
    let status = if outcome.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = serde_json::json!({
        "dry_run": dry,
        "imported": if dry || !outcome.errors.is_empty() { 0 } else { outcome.rows },
        "rows": outcome.rows,
        "errors": outcome.errors,
    });
    Ok((status, axum::Json(body)).into_response())
}
