//! Backup under load (issue #13): the real server as its own process, 20 writers creating units
//! through the API, and `gangju backup` taken while they run. Each backup restores into a fresh
//! directory to a database that passes all checks: the SQLite file is intact, `gangju audit
//! verify` passes, units and their `create` audit rows are both there or both absent (a
//! consistent snapshot), every write acknowledged before the backup started is there, and nothing
//! is there that was sent after the backup ended.

use crate::common::*;
use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const WRITERS: usize = 20;
const BACKUPS: usize = 2;

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// One create request: its code, when it was sent, and when (and with which id) it was answered
/// with 2xx; `acked` is None if no 2xx answer came.
struct Write {
    code: String,
    sent: Instant,
    acked: Option<(Instant, Option<i64>)>,
}

/// Creates units one after another until told to stop; a failed request is an error.
async fn writer(
    base: String,
    token: String,
    parent: i64,
    prefix: String,
    stop: Arc<AtomicBool>,
    acks: Arc<AtomicUsize>,
) -> (Vec<Write>, Vec<String>) {
    let c = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut writes = Vec::new();
    let mut errors = Vec::new();
    for n in 1.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let code = format!("{prefix}-{n}");
        let body =
            serde_json::json!({"parent_id": parent, "code": code, "name": format!("备份{code}"), "kind": "department"});
        let sent = Instant::now();
        let r = c.post(format!("{base}/api/v1/units")).bearer_auth(&token).json(&body).send().await;
        let mut w = Write { code: code.clone(), sent, acked: None };
        match r {
            Ok(r) if r.status().is_success() => {
                let at = Instant::now();
                let id = r.json::<serde_json::Value>().await.ok().and_then(|v| v["id"].as_i64());
                w.acked = Some((at, id));
                acks.fetch_add(1, Ordering::SeqCst);
            }
            Ok(r) => errors.push(format!("{code}: {} {}", r.status(), r.text().await.unwrap_or_default())),
            Err(e) => errors.push(format!("{code}: {e}")),
        }
        writes.push(w);
    }
    (writes, errors)
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_consistently() {
    let url = fresh_database_url().await;
    if url.is_some()
        && (Command::new("pg_dump").arg("--version").output().is_err()
            || Command::new("pg_restore").arg("--version").output().is_err())
    {
        // PostgreSQL backup and restore run pg_dump / pg_restore; without them there is nothing to test.
        eprintln!("backup_load: pg_dump/pg_restore not installed, skipped");
        return;
    }
    let started = Instant::now();
    let dir = temp_dir("bkload");
    let parent = prepare(&dir, url.as_deref()).await;

    let (server, base) = start_server(&dir, url.as_deref()).await;
    let token = api_token(&base).await;
    let stop = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            tokio::spawn(writer(base.clone(), token.clone(), parent, format!("BKL-{w}"), stop.clone(), acks.clone()))
        })
        .collect();
    // Writing under way first (a loaded machine can take a while over the first write).
    wait_for_first_ack(&acks).await;

    // Backups while the writers run; each records when it started and when it ended.
    let root = temp_dir("bkload-backups");
    let mut backups = Vec::new();
    for k in 0..BACKUPS {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let to = root.join(format!("b{k}"));
        let (d, u, t) = (dir.clone(), url.clone(), to.clone());
        let begin = Instant::now();
        let out = tokio::task::spawn_blocking(move || {
            gangju_command(&d, u.as_deref(), &["backup", "--to", t.to_str().unwrap()]).output().unwrap()
        })
        .await
        .unwrap();
        let end = Instant::now();
        assert!(out.status.success(), "backup {k}: {}", text(&out));
        backups.push((to, begin, end));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    let mut writes = Vec::new();
    let mut errors = Vec::new();
    for t in tasks {
        let (w, e) = t.await.unwrap();
        writes.extend(w);
        errors.extend(e);
    }
    drop(server);
    assert!(
        errors.is_empty(),
        "{} writes failed under backup, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    let by_code: HashMap<&str, &Write> = writes.iter().map(|w| (w.code.as_str(), w)).collect();

    for (k, (from, begin, end)) in backups.iter().enumerate() {
        let (begin, end) = (*begin, *end);
        let before_start: Vec<&Write> = writes.iter().filter(|w| w.acked.is_some_and(|(a, _)| a < begin)).collect();
        let acked_before_end = writes.iter().filter(|w| w.acked.is_some_and(|(a, _)| a < end)).count();
        let sent_before_end = writes.iter().filter(|w| w.sent < end).count();
        let during = acked_before_end - before_start.len();
        assert!(!before_start.is_empty(), "backup {k}: no write was acknowledged before it started");

        // A fresh installation directory with the original keys (keys are never in a backup).
        let fresh = temp_dir("bkload-restore");
        std::fs::create_dir_all(fresh.join("keys")).unwrap();
        for e in std::fs::read_dir(dir.join("keys")).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, fresh.join("keys").join(p.file_name().unwrap())).unwrap();
        }
        let fresh_url = fresh_database_url().await;
        let mut c = gangju_command(&fresh, fresh_url.as_deref(), &["restore", "--from", from.to_str().unwrap()]);
        if fresh_url.is_some() {
            c.arg("--force");
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "restore of backup {k}: {}", text(&out));
        let out = gangju_command(&fresh, fresh_url.as_deref(), &["audit", "verify"]).output().unwrap();
        assert!(out.status.success(), "backup {k}: audit verify after restore: {}", text(&out));

        let checker_url =
            fresh_url.clone().unwrap_or_else(|| format!("sqlite://{}?mode=ro", fresh.join("gangju.sqlite").display()));
        let db = sqlx::AnyPool::connect(&checker_url).await.unwrap();
        if fresh_url.is_none() {
            let ic: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&db).await.unwrap();
            assert_eq!(ic, ["ok"], "backup {k}: integrity_check");
        }
        let present: HashMap<String, i64> =
            sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM units WHERE code LIKE 'BKL-%'")
                .fetch_all(&db)
                .await
                .unwrap()
                .into_iter()
                .collect();
        let no_audit: Vec<String> = sqlx::query_scalar(
            "SELECT u.code FROM units u WHERE u.code LIKE 'BKL-%' AND NOT EXISTS (SELECT 1 FROM audit_log l \
             WHERE l.event = 'create' AND l.object_type = 'unit' AND l.object_id = CAST(u.id AS TEXT))",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        assert!(no_audit.is_empty(), "backup {k}: units without their create audit row: {no_audit:?}");
        let orphans: Vec<String> = sqlx::query_scalar(
            "SELECT l.detail FROM audit_log l WHERE l.event = 'create' AND l.object_type = 'unit' \
             AND l.detail LIKE 'BKL-%' AND NOT EXISTS (SELECT 1 FROM units u WHERE CAST(u.id AS TEXT) = l.object_id)",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        assert!(orphans.is_empty(), "backup {k}: create audit rows of units that are not there: {orphans:?}");
        let creates: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_log WHERE event = 'create' AND object_type = 'unit' AND detail LIKE 'BKL-%'",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(creates, present.len() as i64, "backup {k}: one create audit row per unit");

        for w in &before_start {
            let got = present.get(&w.code);
            assert!(got.is_some(), "backup {k}: {} acknowledged before the backup started is missing", w.code);
            if let Some((_, Some(id))) = w.acked {
                assert_eq!(got, Some(&id), "backup {k}: {} has another id", w.code);
            }
        }
        for code in present.keys() {
            let w = by_code.get(code.as_str());
            assert!(
                w.is_some_and(|w| w.sent < end),
                "backup {k}: {code} is in the backup but was not sent before the backup ended"
            );
        }
        let n = present.len();
        assert!(
            before_start.len() <= n && n <= sent_before_end,
            "backup {k}: {n} units, expected between {} (acknowledged before start) and {sent_before_end} \
             (acknowledged before end {acked_before_end} + in flight)",
            before_start.len()
        );

        // The manifest's audit row count is the backup's own: the restored head less the restore row.
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(from.join("manifest.json")).unwrap()).unwrap();
        let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1").fetch_one(&db).await.unwrap();
        let restore_rows: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'restore'").fetch_one(&db).await.unwrap();
        db.close().await;
        assert_eq!(
            manifest["audit_rows"].as_i64(),
            Some(head - restore_rows),
            "backup {k}: manifest audit_rows differs from the audit rows in the backup"
        );
        eprintln!(
            "backup_load: backup {k} took {:.0} ms; {} acked before, {during} acked during, {} in flight; {n} restored",
            (end - begin).as_secs_f64() * 1000.0,
            before_start.len(),
            sent_before_end - acked_before_end
        );
        let _ = std::fs::remove_dir_all(&fresh);
    }
    eprintln!(
        "backup_load: {WRITERS} writers, {} acknowledged writes, {BACKUPS} backups restored and checked, {:.1} s",
        writes.iter().filter(|w| w.acked.is_some()).count(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&dir);
}
