//! The single heavy requests the budgets name, each timed alone after the mix: a page or export
//! asked `n` times, the whole audit log exported while the server's memory is sampled, and the
//! year's archive.

use super::{User, get, login, rss_kib};
use crate::percentile;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One heavy request timed alone, `n` times: (best, median, worst) in ms, and whether all were 200.
pub(super) async fn single(u: &User, base: &str, path: &str, n: usize) -> (f64, f64, f64, bool) {
    let mut times = Vec::new();
    let mut all_ok = true;
    for _ in 0..n {
        let (d, ok) = get(u, base, path).await;
        all_ok &= ok;
        times.push(d);
    }
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(times[0]), ms(percentile(&times, 0.5)), ms(times[times.len() - 1]), all_ok)
}

/// The whole audit log (the largest ledger: 100,000 generated rows and more) exported alone, with
/// the server's memory sampled while it runs.
pub(super) async fn audit_export(base: &str, pid: u32) -> anyhow::Result<AuditExport> {
    let u = login(base, "auditadmin", 0).await?;
    let c = reqwest::Client::new();
    let total: serde_json::Value =
        c.get(format!("{base}/api/v1/audit_logs?per_page=1")).bearer_auth(&u.token).send().await?.json().await?;
    let logged = total["total"].as_i64().unwrap_or(0);
    let (_, before) = rss_kib(pid);
    let peak = Arc::new(AtomicU64::new(before));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid).1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let t = Instant::now();
    let r = u.web.get(format!("{base}/system/audit/export")).send().await?;
    anyhow::ensure!(r.status().is_success(), "审计日志导出失败（{}）", r.status());
    let body = r.bytes().await?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let grew = peak.load(Ordering::Relaxed).saturating_sub(before);
    Ok(AuditExport {
        logged,
        written: rows_written(&body)?,
        ms,
        mib: body.len() as f64 / 1048576.0,
        grew_mib: grew as f64 / 1024.0,
    })
}

/// The whole audit log exported: how many rows the log held and the file has, how long it took,
/// the file's size and how much the server's memory grew meanwhile.
pub(super) struct AuditExport {
    pub logged: i64,
    pub written: usize,
    pub ms: f64,
    pub mib: f64,
    pub grew_mib: f64,
}

/// The data rows of an exported sheet, read back from the file: those numbered in the 序号
/// column (the title and header rows above them are not).
fn rows_written(xlsx: &[u8]) -> anyhow::Result<usize> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx))?;
    let sheet = book.worksheet_range_at(0).ok_or_else(|| anyhow::anyhow!("导出文件没有工作表"))??;
    Ok(sheet.rows().filter(|r| matches!(r.first(), Some(calamine::Data::Int(_) | calamine::Data::Float(_)))).count())
}

/// The year's ledger archive, started and waited for: seconds until it is done.
pub(super) async fn archive(u: &User, base: &str, year: i16) -> anyhow::Result<f64> {
    let c = reqwest::Client::new();
    let t = Instant::now();
    let v: serde_json::Value = c
        .post(format!("{base}/api/v1/archives"))
        .bearer_auth(&u.token)
        .json(&serde_json::json!({"year": year}))
        .send()
        .await?
        .json()
        .await?;
    let status = v["status_url"].as_str().unwrap_or_default().to_string();
    loop {
        let j: serde_json::Value = c.get(format!("{base}{status}")).bearer_auth(&u.token).send().await?.json().await?;
        match j["state"].as_str() {
            Some("running") => tokio::time::sleep(Duration::from_millis(50)).await,
            Some("done") => break,
            other => anyhow::bail!("归档失败：{other:?} {}", j["message"]),
        }
    }
    Ok(t.elapsed().as_secs_f64())
}
