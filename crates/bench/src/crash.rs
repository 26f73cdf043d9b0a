//! `bench crash`: crash tests (issue #13). Runs the real server (`gangju demo` on the first round,
//! `gangju serve` after) as its own process, has K writers create units through the JSON API,
//! kills the server with SIGKILL after a random delay, restarts it, and checks that every write
//! the server acknowledged (2xx) is there, that no unit of the run lacks its `create` audit row
//! (nor an audit row its unit), that `PRAGMA integrity_check` is ok (SQLite) and that
//! `gangju audit verify` passes. Prints a summary; exits non-zero on any failure.

use crate::server::{self, Server};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct Args {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub kills: usize,
    pub writers: usize,
    pub min_ms: u64,
    pub max_ms: u64,
    pub seed: u64,
}

impl Args {
    pub fn parse(raw: &[String]) -> anyhow::Result<Args> {
        let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos() as u64;
        let mut a = Args {
            data_dir: std::env::temp_dir().join(format!("gangju-crash-{}", std::process::id())),
            database_url: None,
            kills: 100,
            writers: 4,
            min_ms: 50,
            max_ms: 800,
            seed,
        };
        let mut it = raw.iter();
        while let Some(k) = it.next() {
            let mut val = || it.next().cloned().ok_or_else(|| anyhow::anyhow!("{k} 缺少取值"));
            match k.as_str() {
                "--data-dir" => a.data_dir = PathBuf::from(val()?),
                "--database-url" => a.database_url = Some(val()?),
                "--kills" => a.kills = val()?.parse()?,
                "--writers" => a.writers = val()?.parse()?,
                "--min-ms" => a.min_ms = val()?.parse()?,
                "--max-ms" => a.max_ms = val()?.parse()?,
                "--seed" => a.seed = val()?.parse()?,
                other => anyhow::bail!("不认识的参数：{other}"),
            }
        }
        anyhow::ensure!(a.writers > 0 && a.min_ms <= a.max_ms, "参数不合理");
        Ok(a)
    }
}

/// xorshift64*: enough randomness for kill points, reproducible with `--seed`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// Starts `gangju demo` (first round: makes the demo data when the database is empty) or
/// `gangju serve`, and waits for `/healthz` to answer 200. The server's output goes to `log`.
async fn start(a: &Args, demo: bool, log: &std::path::Path) -> anyhow::Result<(Server, Duration)> {
    let out = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    let command = if demo { "demo" } else { "serve" };
    let server = server::start(command, &a.data_dir, a.database_url.as_deref(), Duration::from_secs(120), |cmd| {
        cmd.stdout(out.try_clone()?).stderr(out);
        Ok(())
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e:#}，见 {}", log.display()))?;
    let took = server.cold_start;
    Ok((server, took))
}

async fn token(base: &str, user: &str) -> anyhow::Result<String> {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": user, "password": gangju::demo::DEMO_PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "{user} 登录失败（{}）", r.status());
    let v: serde_json::Value = r.json().await?;
    Ok(v["token"].as_str().unwrap_or_default().to_string())
}

/// What one writer saw: the acknowledged writes (code, id when the body arrived) and the
/// answers that were neither 2xx nor a lost connection.
#[derive(Default)]
struct Seen {
    acked: Vec<(String, Option<i64>)>,
    sent: usize,
    refused: Vec<String>,
}

async fn writer(base: String, token: String, parent: i64, prefix: String, stop: Arc<AtomicBool>) -> Seen {
    let c = match reqwest::Client::builder().timeout(Duration::from_secs(20)).build() {
        Ok(c) => c,
        Err(_) => return Seen::default(),
    };
    let mut seen = Seen::default();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let code = format!("{prefix}-{n}");
        seen.sent += 1;
        let r = c
            .post(format!("{base}/api/v1/units"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"parent_id": parent, "code": code, "name": format!("崩溃测试{code}"), "kind": "department"}))
            .send()
            .await;
        match r {
            // The status line arrived: the server answered after its commit. The body may be
            // cut by the kill; the write counts as acknowledged all the same.
            Ok(r) if r.status().is_success() => {
                let id = r.json::<serde_json::Value>().await.ok().and_then(|v| v["id"].as_i64());
                seen.acked.push((code, id));
            }
            Ok(r) => {
                let st = r.status();
                let body = r.text().await.unwrap_or_default();
                seen.refused.push(format!("{code}: {st} {}", body.chars().take(200).collect::<String>()));
            }
            Err(_) => break, // the server is gone
        }
    }
    seen
}

async fn open_checker(a: &Args) -> anyhow::Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    let url = match &a.database_url {
        Some(u) => u.clone(),
        None => format!("sqlite://{}?mode=ro", a.data_dir.join("gangju.sqlite").display()),
    };
    Ok(sqlx::pool::PoolOptions::<sqlx::Any>::new().max_connections(1).connect(&url).await?)
}

/// The checks after a restart, over the units whose code starts with `prefix`. Returns the
/// failures found (empty when all is well) and the number of acknowledged writes found.
async fn check(a: &Args, prefix: &str, acked: &[(String, Option<i64>)]) -> anyhow::Result<(Vec<String>, usize)> {
    let mut failures = Vec::new();
    let db = open_checker(a).await?;
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT code, id FROM units WHERE code LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_all(&db)
        .await?;
    let present: HashMap<String, i64> = rows.into_iter().collect();
    let mut found = 0;
    for (code, id) in acked {
        match (present.get(code), id) {
            (None, _) => failures.push(format!("已确认的写入丢失：{code}（id {id:?}）")),
            (Some(got), Some(id)) if got != id => failures.push(format!("{code} 的 id 变了：应答 {id}，库中 {got}")),
            _ => found += 1,
        }
    }
    let no_audit: Vec<String> = sqlx::query_scalar(
        "SELECT u.code FROM units u WHERE u.code LIKE $1 AND NOT EXISTS (SELECT 1 FROM audit_log l \
         WHERE l.event = 'create' AND l.object_type = 'unit' AND l.object_id = CAST(u.id AS TEXT))",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(&db)
    .await?;
    for code in no_audit {
        failures.push(format!("单位 {code} 没有 create 审计记录"));
    }
    let orphan: Vec<String> = sqlx::query_scalar(
        "SELECT l.object_id FROM audit_log l WHERE l.event = 'create' AND l.object_type = 'unit' AND l.detail LIKE $1 \
         AND NOT EXISTS (SELECT 1 FROM units u WHERE CAST(u.id AS TEXT) = l.object_id)",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(&db)
    .await?;
    for id in orphan {
        failures.push(format!("审计记录写了新增单位 {id}，库中却没有这个单位"));
    }
    if a.database_url.is_none() {
        let ic: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&db).await?;
        if ic != ["ok"] {
            failures.push(format!("PRAGMA integrity_check：{}", ic.join("; ")));
        }
    }
    db.close().await;
    let out = server::gangju(&["audit", "verify"], &a.data_dir, a.database_url.as_deref())?.output()?;
    if !out.status.success() {
        failures.push(format!(
            "gangju audit verify 失败（{}）：{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok((failures, found))
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&a.data_dir)?;
    let log = std::env::temp_dir().join(format!("gangju-crash-{}.log", std::process::id()));
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let run = format!("CR{stamp:x}");
    let mut rng = Rng(a.seed);
    eprintln!(
        "崩溃测试：{} 次 SIGKILL，{} 个写入者，随机延时 {}–{} ms，种子 {}，数据库 {}，服务日志 {}",
        a.kills,
        a.writers,
        a.min_ms,
        a.max_ms,
        a.seed,
        a.database_url.as_deref().unwrap_or("SQLite"),
        log.display()
    );
    let (mut server, first) = start(&a, true, &log).await?;
    eprintln!("首次启动（含演示数据）{:.1} s", first.as_secs_f64());
    let parent: i64 = {
        let db = open_checker(&a).await?;
        let id = sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&db).await?;
        db.close().await;
        id
    };
    let started = Instant::now();
    let (mut sent, mut all_acked, mut refused) = (0usize, Vec::new(), Vec::new());
    let mut failures: Vec<String> = Vec::new();
    let mut restarts = Vec::new();
    let (mut found_total, mut killed_with_inflight) = (0usize, 0usize);
    for round in 1..=a.kills {
        let tok = token(&server.base, "sysadmin").await?;
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = (0..a.writers)
            .map(|w| {
                tokio::spawn(writer(
                    server.base.clone(),
                    tok.clone(),
                    parent,
                    format!("{run}-{round}-{w}"),
                    stop.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.between(a.min_ms, a.max_ms))).await;
        server.child.kill()?; // SIGKILL on Unix
        server.child.wait()?;
        stop.store(true, Ordering::Relaxed);
        let mut round_acked = Vec::new();
        let mut round_sent = 0;
        for t in tasks {
            let s = t.await?;
            round_sent += s.sent;
            round_acked.extend(s.acked);
            refused.extend(s.refused);
        }
        if round_sent > round_acked.len() {
            killed_with_inflight += 1;
        }
        sent += round_sent;
        let (s, took) = match start(&a, false, &log).await {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("第 {round} 轮：重启失败：{e:#}"));
                break;
            }
        };
        server = s;
        restarts.push(took);
        let (f, found) = check(&a, &format!("{run}-{round}-"), &round_acked).await?;
        found_total += found;
        for x in &f {
            eprintln!("第 {round} 轮：{x}");
        }
        failures.extend(f.into_iter().map(|x| format!("第 {round} 轮：{x}")));
        eprintln!(
            "第 {round}/{} 轮：发出 {round_sent}，确认 {}，找到 {found}；重启 {} ms",
            a.kills,
            round_acked.len(),
            took.as_millis()
        );
        all_acked.extend(round_acked);
    }
    // Once more over the whole run: nothing acknowledged in an earlier round went missing later.
    let (f, found_end) = check(&a, &format!("{run}-"), &all_acked).await?;
    failures.extend(f.into_iter().map(|x| format!("全程复查：{x}")));
    drop(server);
    restarts.sort_unstable();
    println!(
        "崩溃测试（{}，{} 个写入者，种子 {}）：{} 轮 SIGKILL 与重启，用时 {:.0} s",
        if a.database_url.is_some() { "PostgreSQL" } else { "SQLite" },
        a.writers,
        a.seed,
        restarts.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "发出写入 {sent}，确认（2xx）{}，各轮复查找到 {found_total}，全程复查找到 {found_end}；\
         {killed_with_inflight} 轮在有请求未答时被杀",
        all_acked.len()
    );
    println!(
        "重启到就绪：p50 {} ms，最长 {} ms；非 2xx 应答 {}；失败 {}",
        crate::percentile(&restarts, 0.5).as_millis(),
        restarts.last().copied().unwrap_or_default().as_millis(),
        refused.len(),
        failures.len()
    );
    for r in refused.iter().take(10) {
        println!("  非 2xx：{r}");
    }
    for f in &failures {
        println!("  失败：{f}");
    }
    anyhow::ensure!(failures.is_empty() && refused.is_empty(), "崩溃测试失败");
    Ok(())
}
