//! `cargo run --release -p bench -- exam [N]`: N people (300 by default) sit one exam at the same
//! time against a real server on 127.0.0.1 (SQLite in a temporary directory, the demo data):
//! each starts a sitting, saves every answer one by one and submits. Logins happen first and are
//! not timed. Prints per request kind: requests, errors, throughput, p50/p95/p99 latency.

mod crash;
mod mix;
mod server;

use std::time::{Duration, Instant};

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[derive(Default)]
pub(crate) struct Kind {
    pub(crate) times: Vec<Duration>,
    pub(crate) errors: usize,
}

async fn sit(base: String, token: String, exam: i64) -> anyhow::Result<Vec<(&'static str, Duration, bool)>> {
    let c = reqwest::Client::new();
    let mut out = Vec::new();
    let t = Instant::now();
    let r = c.post(format!("{base}/api/v1/exams/{exam}/start")).bearer_auth(&token).send().await?;
    let ok = r.status().is_success();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    out.push(("start", t.elapsed(), ok));
    let attempt = v["attempt_id"].as_i64().unwrap_or_default();
    let t = Instant::now();
    let r = c.get(format!("{base}/api/v1/attempts/{attempt}")).bearer_auth(&token).send().await?;
    let ok = r.status().is_success();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    out.push(("load", t.elapsed(), ok));
    for q in v["questions"].as_array().cloned().unwrap_or_default() {
        let answer = match q["kind"].as_str().unwrap_or("") {
            "judge" => serde_json::json!("T"),
            "fill" => serde_json::json!("答案"),
            _ => q["options"][0][0].clone(),
        };
        let t = Instant::now();
        let r = c
            .post(format!("{base}/api/v1/attempts/{attempt}/answers"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"position": q["position"], "answer": answer}))
            .send()
            .await?;
        out.push(("save_answer", t.elapsed(), r.status().is_success()));
    }
    let t = Instant::now();
    let r = c.post(format!("{base}/api/v1/attempts/{attempt}/submit")).bearer_auth(&token).send().await?;
    out.push(("submit", t.elapsed(), r.status().is_success()));
    Ok(out)
}

async fn exam_bench(n: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("gangju-bench-{}", std::process::id()));
    let clock = platform::clock::Clock::system();
    let opts = gangju::Options {
        data_dir: dir.clone(),
        database_url: None,
        create: true,
        demo: true,
        policy: platform::state::Policy::default(),
        clock: clock.clone(),
        check_after_start: false,
    };
    let (state, app) = gangju::build(opts).await?;
    eprintln!("生成演示数据……");
    gangju::demo::seed(&state, gangju::demo::DEMO_PEOPLE).await?;
    // N candidates with accounts (one-off accounts of the role that sits exams).
    let people: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.unit_id FROM people p WHERE p.employment_status = 'active' AND p.user_id IS NULL ORDER BY p.id LIMIT $1",
    )
    .bind(n as i64)
    .fetch_all(&state.db.pool)
    .await?;
    anyhow::ensure!(people.len() == n, "演示数据中只有 {} 名可用人员", people.len());
    let password = gangju::demo::DEMO_PASSWORD;
    let mut tx = state.db.begin().await?;
    for (k, (person, unit)) in people.iter().enumerate() {
        let nu = system::accounts::service::NewUser {
            username: format!("bench{k:04}"),
            display_name: format!("压测{k}"),
            unit_id: *unit,
            roles: vec!["officer".into()],
            phone: String::new(),
            password: Some(password.into()),
            never_expires: true,
        };
        let (uid, _) =
            system::accounts::service::create_user(&mut tx, &nu, "", 0).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        sqlx::query("UPDATE people SET user_id = $1 WHERE id = $2").bind(uid).bind(*person).execute(&mut *tx).await?;
    }
    let paper: i64 = sqlx::query_scalar("SELECT min(id) FROM papers").fetch_one(&mut *tx).await?;
    let now = clock.now_ms();
    let exam: i64 = sqlx::query_scalar(
        "INSERT INTO exams (unit_id, paper_id, title, opens_at, closes_at, attempts_allowed, show_answers, created_at, updated_at) \
         VALUES ((SELECT id FROM units WHERE code = 'SL'), $1, '压测考试', $2, $3, 1, 0, $2, $2) RETURNING id",
    )
    .bind(paper)
    .bind(now - 60_000)
    .bind(now + 3_600_000)
    .fetch_one(&mut *tx)
    .await?;
    for (person, _) in &people {
        sqlx::query("INSERT INTO exam_candidates (exam_id, person_id) VALUES ($1, $2)")
            .bind(exam)
            .bind(*person)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(gangju::serve(listener, app, async move {
        let _ = rx.await;
    }));
    eprintln!("{n} 人登录（不计时）……");
    let c = reqwest::Client::new();
    let mut tokens = Vec::new();
    for k in 0..n {
        let r = c
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": format!("bench{k:04}"), "password": password}))
            .send()
            .await?;
        let v: serde_json::Value = r.json().await?;
        tokens.push(v["token"].as_str().unwrap_or_default().to_string());
    }
    eprintln!("{n} 人同时答题……");
    let started = Instant::now();
    let tasks: Vec<_> = tokens.into_iter().map(|t| tokio::spawn(sit(base.clone(), t, exam))).collect();
    let mut kinds: std::collections::BTreeMap<&str, Kind> = Default::default();
    let mut failed = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(rows)) => {
                for (k, d, ok) in rows {
                    let e = kinds.entry(k).or_default();
                    e.times.push(d);
                    if !ok {
                        e.errors += 1;
                    }
                }
            }
            _ => failed += 1,
        }
    }
    let wall = started.elapsed();
    let submitted: i64 =
        sqlx::query_scalar("SELECT count(*) FROM exam_attempts WHERE exam_id = $1 AND submitted_at IS NOT NULL")
            .bind(exam)
            .fetch_one(&state.db.pool)
            .await?;
    println!(
        "考试压测：{n} 人同时答题（SQLite，{} 核，全程 {:.2} s）",
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1),
        wall.as_secs_f64()
    );
    println!(
        "{:<12} {:>8} {:>6} {:>10} {:>9} {:>9} {:>9}",
        "请求", "次数", "错误", "吞吐/s", "p50 ms", "p95 ms", "p99 ms"
    );
    let mut total = 0;
    for (k, mut v) in kinds {
        v.times.sort_unstable();
        total += v.times.len();
        println!(
            "{:<12} {:>8} {:>6} {:>10.1} {:>9.1} {:>9.1} {:>9.1}",
            k,
            v.times.len(),
            v.errors,
            v.times.len() as f64 / wall.as_secs_f64(),
            percentile(&v.times, 0.50).as_secs_f64() * 1e3,
            percentile(&v.times, 0.95).as_secs_f64() * 1e3,
            percentile(&v.times, 0.99).as_secs_f64() * 1e3,
        );
    }
    println!(
        "合计 {total} 个请求，{:.1} 个/s；交卷 {submitted}/{n}；连接失败 {failed}",
        total as f64 / wall.as_secs_f64()
    );
    let _ = stop.send(());
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(submitted == n as i64 && failed == 0, "有人未能交卷");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("exam") => exam_bench(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(300)).await,
        Some("mix") => mix::run(mix::Args::parse(&args[1..])?).await,
        Some("crash") => crash::run(crash::Args::parse(&args[1..])?).await,
        _ => {
            eprintln!(
                "用法：cargo run --release -p bench -- exam [人数，默认 300]\n      \
                 target/release/bench mix [--data-dir DIR] [--database-url URL] [--scale prison|province] \
                 [--users 32] [--seconds 15] [--fresh] [--write BENCHMARKS.md]\n      \
                 target/release/bench crash [--data-dir DIR] [--database-url URL] [--kills 100] [--writers 4] \
                 [--min-ms 50] [--max-ms 800] [--seed N]"
            );
            std::process::exit(2);
        }
    }
}
