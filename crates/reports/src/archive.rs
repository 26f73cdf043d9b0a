//! 年度台账归档: a year's ledgers for an inspection (巡察) in one .zip — every ledger the reader may
//! export as .xlsx (through the same export its list page's 导出 button uses, so scope, labels
//! and clearance apply as they do by hand), the year's work report as .docx, the attachments
//! uploaded that year the reader may download, and an index (目录.html) of what is inside and of
//! what was left out and why. Built in the background with its progress shown; one command
//! (`gangju archive`) builds the same file.

use crate::FIGURE_VIEW;
use askama::Template;
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use platform::audit::Event;
use platform::perm::Need;
use platform::registry::LedgerPeriod;
use platform::routes::Routes;
use platform::scope::narrowed;
use platform::web::form::FormPairs;
use platform::web::{Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{LazyLock, Mutex};

pub const ARCHIVE_EXPORT: &str = "archive:export";

type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let need = Need::Perm(ARCHIVE_EXPORT);
    r.get("/reports/archive", need, "年度台账归档", page)
        .post("/reports/archive", need, "开始生成年度台账归档（year, unit）", start_page)
        .get("/reports/archive/{id}", need, "归档进度", job_page)
        .get("/reports/archive/{id}/download", need, "下载归档文件", download)
        .post("/api/v1/archives", need, "开始生成年度台账归档（year, unit），返回进度地址", api_start)
        .get("/api/v1/archives/{id}", need, "归档进度（step, total, current, state）", api_job)
        .get("/api/v1/archives/{id}/download", need, "下载归档文件（.zip）", download)
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done,
    Failed,
}

/// A build in progress or finished, as its owner sees it.
#[derive(Clone, Debug, Serialize)]
pub struct Job {
    pub id: String,
    #[serde(skip)]
    pub user_id: i64,
    #[serde(skip)]
    pub dir: PathBuf,
    pub year: i16,
    pub unit_name: String,
    pub state: JobState,
    pub step: usize,
    pub total: usize,
    pub current: String,
    pub message: String,
    pub bytes: u64,
    pub started_ms: i64,
}

impl Job {
    pub fn percent(&self) -> usize {
        (self.step * 100).checked_div(self.total).unwrap_or(0)
    }
    fn file(&self) -> PathBuf {
        self.dir.join(format!("{}.zip", self.id))
    }
    pub fn file_name(&self) -> String {
        format!("{}{}年度台账归档.zip", self.unit_name, self.year)
    }
}

static JOBS: LazyLock<Mutex<HashMap<String, Job>>> = LazyLock::new(Default::default);

fn jobs() -> std::sync::MutexGuard<'static, HashMap<String, Job>> {
    JOBS.lock().unwrap_or_else(|e| e.into_inner())
}

fn update(id: &str, f: impl FnOnce(&mut Job)) {
    if let Some(j) = jobs().get_mut(id) {
        f(j);
    }
}

/// Where archives are built: in the data directory, never in a temporary one another user reads.
fn archive_dir(ctx: &Ctx) -> PathBuf {
    ctx.state.data_dir.join("archives")
}

/// What went into the archive, for its index.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub ledgers: Vec<(String, String)>,
    pub skipped: Vec<(String, String)>,
    pub attachments: usize,
    pub report: String,
}

/// The steps a build takes: each ledger, the report, the attachments, the index.
fn steps(ctx: &Ctx) -> usize {
    ctx.state.registry.ledgers.len() + 3
}

/// Whether the reader may call a ledger's export: the permission of its route.
fn may_export(ctx: &Ctx, path: &str) -> bool {
    ctx.state
        .registry
        .routes
        .iter()
        .any(|r| r.method == "GET" && r.path == path && (r.need == "logged_in" || ctx.can(&r.need)))
}

/// Builds the archive of `year` (and of `unit`'s subtree, if given) into `out`, reporting each
/// step. Only the reader's own exports go in.
pub async fn build(
    ctx: &Ctx,
    year: i16,
    unit: Option<i64>,
    out: &FsPath,
    progress: &(dyn Fn(usize, usize, &str) + Send + Sync),
) -> AppResult<Summary> {
    let today = platform::clock::today(&ctx.state.clock);
    let from = Date::new(year, 1, 1).map_err(|_| AppError::BadRequest("年度无效".into()))?;
    let to = Date::new(year, 12, 31).map_err(|_| AppError::BadRequest("年度无效".into()))?.min(today);
    if from > today {
        return Err(AppError::BadRequest("年度不能晚于今年".into()));
    }
    let nctx = match unit {
        Some(u) => narrowed(ctx, u).await?,
        None => ctx.clone(),
    };
    let total = steps(ctx);
    let file = std::fs::File::create(out).map_err(anyhow::Error::from)?;
    let mut zip = zip::ZipWriter::new(file);
    let now = platform::clock::SHANGHAI.to_datetime(ctx.state.clock.now());
    let stamp = zip::DateTime::from_date_and_time(
        now.year() as u16,
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .unwrap_or_default();
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp);
    let mut summary = Summary::default();
    let mut step = 0;
    for (i, l) in ctx.state.registry.ledgers.iter().enumerate() {
        step += 1;
        progress(step, total, l.name);
        if !may_export(&nctx, l.path) {
            summary.skipped.push((l.name.to_string(), "无权导出".into()));
            continue;
        }
        let mut q = BTreeMap::new();
        match l.period {
            LedgerPeriod::Year => {
                q.insert("year".to_string(), year.to_string());
            }
            LedgerPeriod::Range => {
                q.insert("from".to_string(), from.to_string());
                q.insert("to".to_string(), to.to_string());
            }
            LedgerPeriod::Register => {}
        }
        match (l.export)(nctx.clone(), q).await {
            Ok(resp) if resp.status() == StatusCode::OK => {
                let body = axum::body::to_bytes(resp.into_body(), 512 * 1024 * 1024)
                    .await
                    .map_err(|e| anyhow::anyhow!("reading the export of {}: {e}", l.name))?;
                let name = format!("台账/{:02}_{}.xlsx", i + 1, l.name);
                zip.start_file(name.as_str(), opts).map_err(anyhow::Error::from)?;
                zip.write_all(&body).map_err(anyhow::Error::from)?;
                let period = match l.period {
                    LedgerPeriod::Register => format!("截至 {to} 的在册记录"),
                    _ => format!("{from} 至 {to}"),
                };
                summary.ledgers.push((name, period));
            }
            Ok(resp) => summary.skipped.push((l.name.to_string(), format!("导出未成功（{}）", resp.status().as_u16()))),
            Err(AppError::Forbidden | AppError::NotFound) => {
                summary.skipped.push((l.name.to_string(), "无权导出".into()))
            }
            Err(e) => return Err(e),
        }
    }

    step += 1;
    progress(step, total, "工作报告");
    if ctx.can(FIGURE_VIEW) {
        let mut q = BTreeMap::new();
        q.insert("from".to_string(), from.to_string());
        q.insert("to".to_string(), to.to_string());
        if let Some(u) = unit {
            q.insert("unit".to_string(), u.to_string());
        }
        let r = crate::work_report::render(ctx, "default", &q).await?;
        let bytes = crate::work_report::docx(&r)?;
        let name = format!("{}.docx", r.title_text());
        zip.start_file(format!("报告/{name}").as_str(), opts).map_err(anyhow::Error::from)?;
        zip.write_all(&bytes).map_err(anyhow::Error::from)?;
        summary.report = format!("报告/{name}");
    }

    step += 1;
    progress(step, total, "附件");
    let ms = |d: Date| platform::clock::local_ms(d.at(0, 0, 0, 0)).unwrap_or(0);
    let (start, end) = (ms(from), ms(to.tomorrow().unwrap_or(to)));
    for a in platform::attachments::readable_between(&nctx, start, end).await? {
        let bytes = match tokio::fs::read(platform::attachments::stored_path(&nctx, &a)).await {
            Ok(b) => b,
            Err(_) => {
                summary.skipped.push((format!("附件 {}", a.file_name), "文件缺失".into()));
                continue;
            }
        };
        zip.start_file(format!("附件/{}/{}_{}", a.owner_type, a.id, safe_name(&a.file_name)).as_str(), opts)
            .map_err(anyhow::Error::from)?;
        zip.write_all(&bytes).map_err(anyhow::Error::from)?;
        summary.attachments += 1;
    }

    step += 1;
    progress(step, total, "目录");
    let user = ctx.user()?;
    let unit_name = crate::catalogue::narrowed_unit_name(ctx, unit).await?;
    let index = Index {
        unit_name: &unit_name,
        year,
        from: from.to_string(),
        to: to.to_string(),
        by: &user.display_name,
        made: platform::clock::format_ms(ctx.state.clock.now_ms()),
        s: &summary,
    }
    .render()
    .map_err(anyhow::Error::from)?;
    zip.start_file("目录.html", opts).map_err(anyhow::Error::from)?;
    zip.write_all(index.as_bytes()).map_err(anyhow::Error::from)?;
    zip.finish().map_err(anyhow::Error::from)?;
    let detail = format!(
        "{unit_name} {year} 年：台账 {} 个，附件 {} 个，未纳入 {} 项",
        summary.ledgers.len(),
        summary.attachments,
        summary.skipped.len()
    );
    ctx.state.audit_alone(&ctx.actor(), Event::ok("export", "archive", year.to_string()).detail(detail)).await?;
    Ok(summary)
}

/// A stored file name as a path inside the zip: no directories, no control characters.
fn safe_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c == '/' || c == '\\' || c.is_control() || c == ':' { '_' } else { c }).collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() { "附件".into() } else { cleaned }
}

#[derive(Template)]
#[template(path = "archive_index.html")]
struct Index<'a> {
    unit_name: &'a str,
    year: i16,
    from: String,
    to: String,
    by: &'a str,
    made: String,
    s: &'a Summary,
}

/// Starts a build in the background and returns its id.
pub async fn start(ctx: &Ctx, year: i16, unit: Option<i64>) -> AppResult<String> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock);
    if !(2000..=today.year()).contains(&year) {
        return Err(AppError::field("year", format!("年度须为 2000 至 {} 之间的年份", today.year())));
    }
    if let Some(u) = unit {
        narrowed(ctx, u).await.map_err(|_| AppError::field("unit", "单位不在您的管理范围内"))?;
    }
    let running = jobs().values().filter(|j| j.user_id == user.id && j.state == JobState::Running).count();
    if running > 0 {
        return Err(AppError::Conflict("您已有一个归档正在生成，请等待完成后再试".into()));
    }
    let dir = archive_dir(ctx);
    tokio::fs::create_dir_all(&dir).await.map_err(anyhow::Error::from)?;
    clean_old(ctx.state.clock.now_ms());
    let id = hex::encode(rand::random::<[u8; 16]>());
    let unit_name = crate::catalogue::narrowed_unit_name(ctx, unit).await?;
    let job = Job {
        id: id.clone(),
        user_id: user.id,
        dir,
        year,
        unit_name,
        state: JobState::Running,
        step: 0,
        total: steps(ctx),
        current: "准备".into(),
        message: String::new(),
        bytes: 0,
        started_ms: ctx.state.clock.now_ms(),
    };
    let out = job.file();
    jobs().insert(id.clone(), job);
    let ctx = ctx.clone();
    let db = ctx.state.db.clone();
    let job_id = id.clone();
    let work = async move {
        let report = {
            let id = job_id.clone();
            move |step: usize, total: usize, what: &str| {
                update(&id, |j| {
                    j.step = step.saturating_sub(1);
                    j.total = total;
                    j.current = what.to_string();
                })
            }
        };
        let result = build(&ctx, year, unit, &out, &report).await;
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        update(&job_id, |j| match result {
            Ok(s) => {
                j.state = JobState::Done;
                j.step = j.total;
                j.current = "完成".into();
                j.bytes = size;
                j.message =
                    format!("台账 {} 个，附件 {} 个，未纳入 {} 项", s.ledgers.len(), s.attachments, s.skipped.len());
            }
            Err(e) => {
                j.state = JobState::Failed;
                j.message = match e {
                    AppError::Internal(_) => "生成失败，请联系系统管理员查看日志".into(),
                    other => other.to_string(),
                };
                tracing::error!(job = %j.id, "archive failed: {other:?}", other = j.message);
            }
        });
        if jobs().get(&job_id).is_some_and(|j| j.state == JobState::Failed) {
            let _ = std::fs::remove_file(&out);
        }
    };
    // The zip is compressed as it is written, for up to a second or so at province: on a bulk
    // thread (lower priority, and not one of the server's few async workers, which would
    // stall every request queued on it meanwhile). Its ledgers' and figures' reads go through
    // the bulk connections (`Db::reads`); its few direct reads use the server's.
    let runtime = tokio::runtime::Handle::current();
    if let Err(e) = platform::bulk::spawn("archive", move || runtime.block_on(db.bulk_reads(work))) {
        tracing::error!(job = %id, "archive not started: {e}");
        update(&id, |j| {
            j.state = JobState::Failed;
            j.message = "生成失败，请联系系统管理员查看日志".into();
        });
    }
    Ok(id)
}

/// Archives are kept for a day.
fn clean_old(now_ms: i64) {
    let mut stale = Vec::new();
    jobs().retain(|_, j| {
        let keep = j.state == JobState::Running || now_ms - j.started_ms < 86_400_000;
        if !keep {
            stale.push(j.file());
        }
        keep
    });
    for f in stale {
        let _ = std::fs::remove_file(f);
    }
}

/// The caller's own job, in this server's data directory.
fn own_job(ctx: &Ctx, id: &str) -> AppResult<Job> {
    let user = ctx.user()?;
    jobs().get(id).filter(|j| j.user_id == user.id && j.dir == archive_dir(ctx)).cloned().ok_or(AppError::NotFound)
}

fn my_jobs(ctx: &Ctx) -> AppResult<Vec<Job>> {
    let user = ctx.user()?;
    let dir = archive_dir(ctx);
    let mut v: Vec<Job> = jobs().values().filter(|j| j.user_id == user.id && j.dir == dir).cloned().collect();
    v.sort_by_key(|j| std::cmp::Reverse(j.started_ms));
    Ok(v)
}

// ---- pages and API ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "archive.html")]
struct Page {
    frame: Frame,
    years: Vec<i16>,
    units: Vec<(i64, String)>,
    jobs: Vec<Job>,
    error: String,
}

async fn units(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = platform::db::Sql::new("SELECT u.id, u.name FROM units u WHERE u.kind IN ('bureau', 'prison') AND ");
    user.scope.push_condition(&mut q, "u.id", None);
    q.push(" ORDER BY u.path");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

async fn page_with(ctx: &Ctx, error: String) -> AppResult<Response> {
    let frame = Frame::new(ctx, "年度台账归档", "/reports/archive", &[("目标与报告", ""), ("年度台账归档", "")]);
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Html(Page { frame, years: crate::goals::years(ctx), units: units(ctx).await?, jobs: my_jobs(ctx)?, error }),
    )
        .into_response())
}

async fn page(ctx: Ctx) -> AppResult<Response> {
    page_with(&ctx, String::new()).await
}

fn year_unit(f: &FormPairs) -> AppResult<(i16, Option<i64>)> {
    let year = f.get("year").trim().parse::<i16>().map_err(|_| AppError::field("year", "请选择年度"))?;
    let unit = match f.get("unit").trim() {
        "" => None,
        v => Some(v.parse::<i64>().map_err(|_| AppError::field("unit", "请选择单位"))?),
    };
    Ok((year, unit))
}

async fn start_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match year_unit(&f) {
        Ok((y, u)) => start(&ctx, y, u).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/reports/archive/{id}"), "归档已开始生成")),
        Err(AppError::Validation(errors)) => page_with(&ctx, errors.into_values().collect::<Vec<_>>().join("；")).await,
        Err(AppError::Conflict(m)) => page_with(&ctx, m).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "archive_job.html")]
struct JobPage {
    frame: Frame,
    job: Job,
}

async fn job_page(ctx: Ctx, Path(id): Path<String>) -> AppResult<Response> {
    let job = own_job(&ctx, &id)?;
    let frame = Frame::new(
        &ctx,
        "归档进度",
        "/reports/archive",
        &[("目标与报告", ""), ("年度台账归档", "/reports/archive"), ("归档进度", "")],
    );
    Ok(Html(JobPage { frame, job }).into_response())
}

async fn download(ctx: Ctx, Path(id): Path<String>) -> AppResult<Response> {
    let job = own_job(&ctx, &id)?;
    if job.state != JobState::Done {
        return Err(AppError::Conflict("归档尚未生成完成".into()));
    }
    let file = tokio::fs::File::open(job.file()).await.map_err(|_| AppError::NotFound)?;
    let len = file.metadata().await.map_err(anyhow::Error::from)?.len();
    // Streamed: an archive with its attachments can be large.
    Ok(platform::web::download_file(file, len, &job.file_name(), "application/zip"))
}

async fn api_start(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = platform::web::form::pairs_from_json(b)?;
    let (year, unit) = year_unit(&f)?;
    let id = start(&ctx, year, unit).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"id": id, "status_url": format!("/api/v1/archives/{id}"),
            "download_url": format!("/api/v1/archives/{id}/download")})),
    )
        .into_response())
}

async fn api_job(ctx: Ctx, Path(id): Path<String>) -> AppResult<Response> {
    let job = own_job(&ctx, &id)?;
    let mut v = serde_json::to_value(&job).map_err(anyhow::Error::from)?;
    v["percent"] = serde_json::json!(job.percent());
    if job.state == JobState::Done {
        v["download_url"] = serde_json::json!(format!("/api/v1/archives/{id}/download"));
    }
    Ok(Json(v).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_stay_inside_the_zip() {
        assert_eq!(super::safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(super::safe_name("会议\u{0}记录.pdf"), "会议_记录.pdf");
        assert_eq!(super::safe_name(".."), "附件");
    }
}
