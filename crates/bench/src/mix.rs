//! `bench mix`: the server as users meet it, at a scale. Generates the volumes once (`gangju
//! generate`), starts `gangju serve` as its own process (so its memory is its own), times the
//! cold start to the first 200, measures the server's own ceiling (`/healthz`), then has N users
//! of several roles drive a realistic mix for a while — home with to-dos, the member list with
//! filters, meetings, the year's compliance grid, the measure board, a figure with its
//! drill-down, an .xlsx export, a search — and times the single heavy requests the budgets name
//! (compliance grid, work report, the year's archive, a large export). Prints the figures and
//! writes them into BENCHMARKS.md (one section per database).

mod singles;

use crate::server::{self, Server};
use crate::{Kind, percentile};
use singles::{archive, audit_export, single};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub struct Args {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub scale: String,
    pub users: usize,
    pub seconds: u64,
    pub fresh: bool,
    pub write: Option<PathBuf>,
    /// Only these kinds (comma-separated), for finding out where time goes.
    pub only: Vec<String>,
}

impl Args {
    pub fn parse(raw: &[String]) -> anyhow::Result<Args> {
        let mut a = Args {
            data_dir: std::env::temp_dir().join("gangju-bench-prison"),
            database_url: None,
            scale: "prison".into(),
            users: 32,
            seconds: 15,
            fresh: false,
            write: None,
            only: Vec::new(),
        };
        let mut it = raw.iter();
        while let Some(k) = it.next() {
            let mut val = || it.next().cloned().ok_or_else(|| anyhow::anyhow!("{k} 缺少取值"));
            match k.as_str() {
                "--data-dir" => a.data_dir = PathBuf::from(val()?),
                "--database-url" => a.database_url = Some(val()?),
                "--scale" => a.scale = val()?,
                "--users" => a.users = val()?.parse()?,
                "--seconds" => a.seconds = val()?.parse()?,
                "--fresh" => a.fresh = true,
                "--write" => a.write = Some(PathBuf::from(val()?)),
                "--only" => a.only = val()?.split(',').map(String::from).collect(),
                other => anyhow::bail!("不认识的参数：{other}"),
            }
        }
        Ok(a)
    }
}

/// Peak and current resident memory of a process, in KiB (Linux).
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// CPU time a process has used, in clock ticks (Linux: utime + stime of /proc/PID/stat).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which ends with the last ')'): utime and stime are the
    // 12th and 13th of them.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse::<u64>().ok()).sum()
}

/// Waits (at most two minutes) until the idle server uses less than a tenth of a core over a
/// second: the time waited.
async fn wait_until_idle(pid: u32) -> Duration {
    let t = Instant::now();
    let mut last = cpu_ticks(pid);
    while t.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu_ticks(pid);
        if now.saturating_sub(last) < 10 {
            break;
        }
        last = now;
    }
    t.elapsed()
}

/// The server, with its start line (where it says how long each step of starting took).
async fn start(a: &Args) -> anyhow::Result<(Server, String)> {
    let out = std::env::temp_dir().join(format!("gangju-bench-{}.out", std::process::id()));
    let server = server::start("serve", &a.data_dir, a.database_url.as_deref(), Duration::from_secs(30), |cmd| {
        cmd.stdout(std::fs::File::create(&out)?).stderr(Stdio::null());
        Ok(())
    })
    .await?;
    let said = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    let line = said.lines().find(|l| l.contains("用时")).unwrap_or_default();
    let own = line.find("用时").map_or("", |i| line[i..].split('；').next().unwrap_or_default());
    Ok((server, own.to_string()))
}

/// A logged-in browser session (cookies and the CSRF token) and an API token of one account.
#[derive(Clone)]
struct User {
    web: reqwest::Client,
    token: String,
    name: &'static str,
    /// The kinds of the mix this account may open (a role without the permission skips them).
    allowed: Vec<&'static str>,
    /// A measure of the account's department still open, which it reports progress on (the
    /// mix's write); None for an account that reports on none.
    measure: Option<i64>,
}

async fn login(base: &str, name: &'static str, k: usize) -> anyhow::Result<User> {
    let web = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let page = web.get(format!("{base}/login")).send().await?.text().await?;
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).map(|i| i + marker.len()).unwrap_or(0);
    let csrf: String = page[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    let r = web
        .post(format!("{base}/login"))
        .form(&[("_csrf", csrf.as_str()), ("username", name), ("password", gangju::demo::DEMO_PASSWORD), ("next", "/")])
        .send()
        .await?;
    anyhow::ensure!(r.status().as_u16() == 303, "{name} 登录失败（{}）", r.status());
    let v: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": name, "password": gangju::demo::DEMO_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = v["token"].as_str().unwrap_or_default().to_string();
    let open: serde_json::Value = reqwest::Client::new()
        // The k-th: sessions of one account report on different measures, as different clerks
        // of a department would (two on one measure at once is a conflict, answered 409).
        .get(format!("{base}/api/v1/measures?status=in_progress&per_page=1&page={}", k + 1))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await
        .unwrap_or_default();
    let measure = open["items"][0]["id"].as_i64();
    Ok(User { web, token, name, allowed: Vec::new(), measure })
}

/// The mix: (kind, path) for a user; pages through the browser session, APIs with the token.
/// Each user goes round this list, so a kind's share is how often it appears: lists and the
/// home page often, an export and a write rarely (each one in 29 requests), as people use the
/// system.
fn mix(year: i16, today: &str) -> Vec<(&'static str, String)> {
    let weighted: [(&'static str, String, usize); 11] = [
        ("home", "/".into(), 4),
        ("member_list", "/org/people?party_status=full&sort=name&page=3".into(), 4),
        ("member_api", "/api/v1/people?keyword=王&per_page=20".into(), 3),
        ("meetings", "/study/meetings?page=2".into(), 3),
        ("compliance", format!("/study/compliance?rule=branch_study_weekly&year={year}"), 2),
        ("board", "/supervision/measures".into(), 3),
        ("figure", format!("/api/v1/figures/measures_in_task_plans?from={year}-01-01&to={today}"), 2),
        ("drill_down", format!("/reports/figures/hazards_found?from={year}-01-01&to={today}"), 2),
        ("export", format!("/supervision/measures/export?year={year}"), 1),
        ("search", "/search?q=学习".into(), 4),
        // A department reports progress on one of its measures: a write, which changes what the
        // board, the home page's to-dos, the figures and the export read.
        ("write", WRITE.into(), 1),
    ];
    let mut v: Vec<(&'static str, String)> = Vec::new();
    // Interleaved, so each user's round meets every kind early.
    for round in 0..4 {
        for (k, path, n) in &weighted {
            if round < *n {
                v.push((k, path.clone()));
            }
        }
    }
    v.extend([
        // Not in the mix unless asked for with --only: the cost of a signed-in request itself.
        ("signed_in", "/api/v1/figures".into()),
    ]);
    v
}

/// The list pages of the mix, also run alone (the budget's list throughput).
const LISTS: [&str; 3] = ["member_list", "member_api", "meetings"];

/// The mix's write: not a path but the account's own measure's progress report.
const WRITE: &str = "progress report";

async fn get(u: &User, base: &str, path: &str) -> (Duration, bool) {
    let t = Instant::now();
    let req = if path == WRITE {
        let Some(id) = u.measure else { return (t.elapsed(), false) };
        let today = platform::clock::today(&platform::clock::Clock::system());
        // Each report its own (the server answers a repeated one without writing again).
        static SENT: AtomicU64 = AtomicU64::new(0);
        let n = SENT.fetch_add(1, Ordering::Relaxed);
        u.web
            .post(format!("{base}/api/v1/measures/{id}/progress"))
            .bearer_auth(&u.token)
            .json(&serde_json::json!({"kind": "progress", "reported_on": today.to_string(), "text": format!("压测：第 {n} 次推进情况"), "percent": 50}))
    } else if path.starts_with("/api/") {
        u.web.get(format!("{base}{path}")).bearer_auth(&u.token)
    } else {
        u.web.get(format!("{base}{path}"))
    };
    let ok = match req.send().await {
        Ok(r) => {
            let ok = r.status().is_success();
            ok && r.bytes().await.is_ok()
        }
        Err(_) => false,
    };
    (t.elapsed(), ok)
}

type Results = Arc<Mutex<BTreeMap<&'static str, Kind>>>;

/// N users, each going round the mix from its own starting point, for `secs` seconds.
async fn drive(base: &str, users: &[User], kinds: &[(&'static str, String)], secs: u64) -> (Results, Duration) {
    let results: Results = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let (u, base, kinds, results, stop) =
            (u.clone(), base.to_string(), kinds.to_vec(), results.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut k = i;
            let mut local: Vec<(&'static str, Duration, bool)> = Vec::new();
            let kinds: Vec<_> = kinds.iter().filter(|(kind, _)| u.allowed.contains(kind)).cloned().collect();
            while !stop.load(Ordering::Relaxed) && !kinds.is_empty() {
                let (kind, path) = &kinds[k % kinds.len()];
                let (d, ok) = get(&u, &base, path).await;
                local.push((kind, d, ok));
                k += 1;
            }
            let mut r = results.lock().await;
            for (kind, d, ok) in local {
                let e = r.entry(kind).or_default();
                e.times.push(d);
                if !ok {
                    e.errors += 1;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    (results, started.elapsed())
}

struct Row {
    kind: String,
    n: usize,
    errors: usize,
    rps: f64,
    p50: f64,
    p95: f64,
    p99: f64,
}

/// One kind's line of a figures table.
fn table_row(r: &Row, ceiling_rps: f64) -> String {
    format!(
        "| {} | {} | {} | {:.1} | {:.1}% | {:.1} | {:.1} | {:.1} |\n",
        r.kind,
        r.n,
        r.errors,
        r.rps,
        r.rps / ceiling_rps * 100.0,
        r.p50,
        r.p95,
        r.p99
    )
}

fn rows(results: BTreeMap<&'static str, Kind>, wall: Duration) -> Vec<Row> {
    results
        .into_iter()
        .map(|(k, mut v)| {
            v.times.sort_unstable();
            Row {
                kind: k.to_string(),
                n: v.times.len(),
                errors: v.errors,
                rps: v.times.len() as f64 / wall.as_secs_f64(),
                p50: percentile(&v.times, 0.50).as_secs_f64() * 1e3,
                p95: percentile(&v.times, 0.95).as_secs_f64() * 1e3,
                p99: percentile(&v.times, 0.99).as_secs_f64() * 1e3,
            }
        })
        .collect()
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let backend = if a.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    let sqlite_file = a.data_dir.join("gangju.sqlite");
    if a.fresh || (a.database_url.is_none() && !sqlite_file.exists()) {
        if a.database_url.is_none() {
            let _ = std::fs::remove_dir_all(&a.data_dir);
        }
        eprintln!("生成 {} 规模的数据（{backend}）……", a.scale);
        let mut cmd = server::gangju(&["generate", "--scale", &a.scale], &a.data_dir, a.database_url.as_deref())?;
        let t = Instant::now();
        let out = cmd.env("RUST_LOG", "error").output()?;
        anyhow::ensure!(out.status.success(), "生成失败：{}", String::from_utf8_lossy(&out.stderr));
        eprintln!("{}（{:.0} s）", String::from_utf8_lossy(&out.stdout).trim(), t.elapsed().as_secs_f64());
    }
    let (server, started) = start(&a).await?;
    let cold_start_ms = server.cold_start.as_secs_f64() * 1e3;
    let pid = server.child.id();
    let base = server.base.clone();
    eprintln!("冷启动到首个 200：{cold_start_ms:.0} ms（服务自报{started}）");
    let (_, idle_rss) = rss_kib(pid);
    // A file too large to check before answering (a province's) is checked by the server in the
    // background right after it starts: 25–40 s of reading every page. Measured during it, the
    // ceiling and the mix would be the check's as much as the server's.
    let waited = wait_until_idle(pid).await;
    if waited.as_secs() >= 1 {
        eprintln!("等待服务启动后的后台完整性检查结束：{:.0} s", waited.as_secs_f64());
    }

    let names: [&'static str; 6] = ["party", "leader", "clerk1", "clerk2", "jiwei", "bureau"];
    let mut users = Vec::new();
    for i in 0..a.users {
        users.push(login(&base, names[i % names.len()], i).await?);
    }
    let today = platform::clock::today(&platform::clock::Clock::system());
    let year = today.year();
    // Each account's mix is what its role may open: tried once, untimed.
    let kinds: Vec<_> = mix(year, &today.to_string())
        .into_iter()
        .filter(|(k, _)| if a.only.is_empty() { *k != "signed_in" } else { a.only.iter().any(|o| o == k) })
        .collect();
    for u in users.iter_mut() {
        u.allowed.push("healthz");
        for (kind, path) in &kinds {
            if !u.allowed.contains(kind) && get(u, &base, path).await.1 {
                u.allowed.push(kind);
            }
        }
    }

    // Where the highest mark was reached: each phase prints the mark so far.
    let mark = |after: &str| {
        let (hwm, now) = rss_kib(pid);
        eprintln!("{after}之后内存：{:.1} MiB（至此最高 {:.1} MiB）", now as f64 / 1024.0, hwm as f64 / 1024.0);
    };
    mark(&format!("{} 个用户登录", a.users));
    // Peak memory while the load runs, sampled.
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                let (_, now) = rss_kib(pid);
                peak.fetch_max(now, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    eprintln!("服务自身上限：{} 个并发请求 /healthz {} 秒……", a.users, a.seconds.min(10));
    let health = vec![("healthz", "/healthz".to_string())];
    let (res, wall) = drive(&base, &users, &health, a.seconds.min(10)).await;
    let ceiling = rows(std::mem::take(&mut *res.lock().await), wall);
    mark("/healthz ");
    let ceiling_rps = ceiling.first().map(|r| r.rps).unwrap_or(1.0);

    eprintln!("混合负载：{} 个用户（{}）{} 秒……", a.users, names.join("、"), a.seconds);
    let (res, wall) = drive(&base, &users, &kinds, a.seconds).await;
    let mixed = rows(std::mem::take(&mut *res.lock().await), wall);
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    mark("混合负载");

    // The list pages alone, the same users going round them and the mix's write only: the
    // budget's list throughput, which the full mix cannot show (there the heavy pages take most
    // of the two cores).
    let lists: Vec<_> = kinds.iter().filter(|(k, _)| LISTS.contains(k) || *k == "write").cloned().collect();
    let lists_alone = if !lists.iter().any(|(k, _)| LISTS.contains(k)) {
        Vec::new()
    } else {
        eprintln!("列表页单独：{} 个用户 {} 秒……", a.users, a.seconds.min(10));
        let (res, wall) = drive(&base, &users, &lists, a.seconds.min(10)).await;
        rows(std::mem::take(&mut *res.lock().await), wall)
    };

    eprintln!("单项预算……");
    let party = users.iter().find(|u| u.name == "party").cloned().unwrap_or_else(|| users[0].clone());
    let grid =
        single(&party, &base, &format!("/api/v1/compliance?rule=branch_study_weekly&from={year}-01-01&to={today}"), 10)
            .await;
    let grid_page = single(&party, &base, &format!("/study/compliance?rule=branch_study_weekly&year={year}"), 10).await;
    let report = single(
        &party,
        &base,
        &format!("/api/v1/work_reports/render?template=default&from={year}-01-01&to={today}&format=html"),
        5,
    )
    .await;
    let report_docx = single(
        &party,
        &base,
        &format!("/api/v1/work_reports/render?template=default&from={year}-01-01&to={today}&format=docx"),
        5,
    )
    .await;
    mark("制度落实表与工作报告");
    let last_year = year - 1;
    let big_export =
        single(&party, &base, &format!("/study/meetings/export?from={}-01-01&to={last_year}-12-31", year - 5), 1).await;
    mark("五年会议记录导出");
    let archive_s = archive(&party, &base, last_year).await?;
    mark("归档");
    let audit = audit_export(&base, pid).await?;
    let (hwm, end_rss) = rss_kib(pid);
    let load_rss = peak.load(Ordering::Relaxed);
    drop(server);

    // The report.
    let machine = format!(
        "{} 核，{}",
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1),
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string()))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| format!("{:.0} GiB 内存", kb as f64 / 1024.0 / 1024.0))
            .unwrap_or_default()
    );
    let mut out = String::new();
    out.push_str(&format!(
        "### {backend}，{} 规模，{} 个并发用户，{} 秒（{}，{}）\n\n",
        a.scale, a.users, a.seconds, machine, today
    ));
    out.push_str(&format!(
        "- 冷启动到首个 200：{:.0} ms（迁移已完成；服务自报{started}）；空载内存 {:.1} MiB；混合负载下峰值内存 {:.1} MiB（每 50 ms 采样）；\
         单项（含归档、报告、大导出）之后 {:.1} MiB；全程最高（VmHWM）{:.1} MiB\n",
        cold_start_ms,
        idle_rss as f64 / 1024.0,
        load_rss as f64 / 1024.0,
        end_rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    ));
    out.push_str(&format!("- 服务自身上限（/healthz）：{:.0} 次/秒\n\n", ceiling_rps));
    out.push_str("| 请求 | 次数 | 错误 | 次/秒 | 占上限 | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in ceiling.iter().chain(&mixed) {
        out.push_str(&table_row(r, ceiling_rps));
    }
    if !lists_alone.is_empty() {
        let rps: f64 = lists_alone.iter().filter(|r| LISTS.contains(&r.kind.as_str())).map(|r| r.rps).sum();
        out.push_str(&format!(
            "\n列表页单独运行（同样 {} 个用户只轮流打开列表页，并照常报送进展，{} 秒）：列表页合计 {rps:.0} 次/秒，占上限 {:.1}%\n\n",
            a.users,
            a.seconds.min(10),
            rps / ceiling_rps * 100.0
        ));
        out.push_str("| 请求 | 次数 | 错误 | 次/秒 | 占上限 | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for r in &lists_alone {
            out.push_str(&table_row(r, ceiling_rps));
        }
    }
    out.push_str("\n| 单项 | 最快 ms | 中位 ms | 最慢 ms | 全部成功 |\n|---|---:|---:|---:|---|\n");
    for (name, (best, mid, worst, ok)) in [
        ("全年制度落实表（接口，全监各支部）", grid),
        ("全年制度落实表（页面）", grid_page),
        ("年度工作报告（HTML）", report),
        ("年度工作报告（.docx）", report_docx),
        ("五年会议记录导出（.xlsx）", big_export),
    ] {
        out.push_str(&format!("| {name} | {best:.0} | {mid:.0} | {worst:.0} | {} |\n", if ok { "是" } else { "否" }));
    }
    out.push_str(&format!(
        "| {last_year} 年台账归档（.zip，全部台账、报告、附件） | {:.0} | | | 是 |\n",
        archive_s * 1e3
    ));
    // The rows the file holds, read back from it: a log longer than an export's limit (a
    // province's) is exported up to the limit.
    // (The export's own audit row may be in the file too: the log is counted just before it.)
    let rows = if audit.written as i64 >= audit.logged {
        format!("{} 行", audit.written)
    } else {
        format!(
            "{} 行（日志共 {} 行，一次导出至多 {} 行）",
            audit.written,
            audit.logged,
            platform::ledger::export::MAX_EXPORT_ROWS
        )
    };
    out.push_str(&format!(
        "| 审计日志导出（.xlsx，{rows}，{:.1} MiB，边读边写；导出期间内存比导出前至多多 {:.1} MiB） | {:.0} | | | 是 |\n",
        audit.mib, audit.grew_mib, audit.ms
    ));
    println!("{out}");
    if let Some(path) = &a.write {
        write_section(path, backend, &a.scale, &out)?;
        eprintln!("已写入 {}", path.display());
    }
    Ok(())
}

/// Replaces this backend's and scale's section of BENCHMARKS.md (between its markers), keeping the rest.
fn write_section(path: &Path, backend: &str, scale: &str, body: &str) -> anyhow::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let (start, end) = (format!("<!-- bench:{backend}:{scale} -->"), format!("<!-- /bench:{backend}:{scale} -->"));
    let section = format!("{start}\n{body}{end}");
    let new = match (old.find(&start), old.find(&end)) {
        (Some(s), Some(e)) if e > s => format!("{}{}{}", &old[..s], section, &old[e + end.len()..]),
        _ => format!("{}\n{}\n", old.trim_end(), section),
    };
    std::fs::write(path, new)?;
    Ok(())
}
