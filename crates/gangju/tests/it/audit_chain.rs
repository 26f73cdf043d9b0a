//! The audit chain: written with the change, append-only in the database, verified, and a
//! changed row found; backup and restore.

use crate::common::*;
use platform::audit::{Verdict, verify};
use platform::db::Backend;
use std::process::Command;

fn gangju(args: &[&str], app: &TestApp) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gangju"));
    c.args(args).arg("--data-dir").arg(&app.dir).env_remove("GANGJU_DATABASE_URL");
    if let Some(u) = &app.database_url {
        c.arg("--database-url").arg(u);
    }
    c.output().unwrap()
}

#[tokio::test]
async fn the_chain_verifies_and_a_changed_row_is_named() {
    let app = spawn_app().await;
    let _ = app.login("leader").await;
    let _ = app.try_login("leader", "Wrong#Pass123").await;
    let rows = app.scalar("SELECT count(*) FROM audit_log").await;
    assert!(rows >= 3);
    assert_eq!(verify(&app.state.db, &app.state.keys.audit).await.unwrap(), Verdict::Ok { rows });
    let out = gangju(&["audit", "verify"], &app);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // The database itself refuses to change or remove a row.
    assert!(sqlx::query("UPDATE audit_log SET detail = 'x' WHERE seq = 2").execute(&app.state.db.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&app.state.db.pool).await.is_err());

    // Someone with the database owner's powers changes row 2 underneath.
    match app.state.db.backend {
        Backend::Sqlite => {
            sqlx::raw_sql("DROP TRIGGER audit_log_no_update").execute(&app.state.db.pool).await.unwrap();
        }
        Backend::Postgres => {
            sqlx::raw_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                .execute(&app.state.db.pool)
                .await
                .unwrap();
        }
    }
    sqlx::query("UPDATE audit_log SET username = 'someone-else' WHERE seq = 2")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert!(matches!(verify(&app.state.db, &app.state.keys.audit).await.unwrap(), Verdict::Broken { seq: 2, .. }));
    let out = gangju(&["audit", "verify"], &app);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("第 2 条"));
}

#[tokio::test]
async fn a_failed_audit_write_rolls_the_change_back() {
    let app = spawn_app().await;
    let api = app.token("sysadmin").await;
    let parent = app.unit_id("SL").await;
    // Break the chain head so the next audit write fails inside the change's transaction.
    sqlx::query("DELETE FROM audit_head").execute(&app.state.db.pool).await.unwrap();
    let before = app.scalar("SELECT count(*) FROM units").await;
    let r = api
        .req(reqwest::Method::POST, "/api/v1/units")
        .json(&serde_json::json!({"parent_id": parent, "code": "NOAUDIT", "name": "无审计", "kind": "department"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    let body = r.text().await.unwrap();
    assert!(!body.contains("audit_head") && !body.contains("SELECT"), "no SQL in the answer: {body}");
    assert_eq!(app.scalar("SELECT count(*) FROM units").await, before, "no change without its audit row");
}

#[tokio::test]
async fn backup_then_restore_into_a_fresh_directory() {
    let app = spawn_app().await;
    let clerk = app.login("clerk2").await;
    let unit = app.unit_id("SL-JQ02").await;
    let up = clerk
        .upload(&format!("/attachments?owner_type=unit&owner_id={unit}"), "职责.txt", "职责内容".as_bytes().to_vec())
        .await;
    assert_eq!(up.status(), reqwest::StatusCode::SEE_OTHER);
    let snapshot = |db: sqlx::AnyPool| async move {
        let units: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, code, name FROM units ORDER BY id").fetch_all(&db).await.unwrap();
        let users: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, username, password_hash FROM users ORDER BY id").fetch_all(&db).await.unwrap();
        let audit: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, mac FROM audit_log ORDER BY seq").fetch_all(&db).await.unwrap();
        (units, users, audit)
    };
    let before = snapshot(app.state.db.pool.clone()).await;

    let dest = temp_dir("backup").join("b");
    let out = gangju(&["backup", "--to", dest.to_str().unwrap()], &app);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dest.join("manifest.json").exists());
    assert!(!dest.join("keys").exists(), "keys are never copied into a backup");
    let key_hex = std::fs::read_to_string(app.dir.join("keys").join("audit.key")).unwrap();
    for entry in std::fs::read_dir(&dest).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains(key_hex.trim()), "no key in any backup file");
    }

    // A fresh installation directory with the original keys (keys are never in a backup).
    let fresh = temp_dir("restore");
    copy_dir(&app.dir.join("keys"), &fresh.join("keys"));
    let fresh_url = fresh_database_url().await;
    let mut c = Command::new(env!("CARGO_BIN_EXE_gangju"));
    c.args(["restore", "--from", dest.to_str().unwrap(), "--data-dir", fresh.to_str().unwrap()])
        .env_remove("GANGJU_DATABASE_URL");
    if let Some(u) = &fresh_url {
        c.args(["--database-url", u, "--force"]);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    let loc = platform::db::DbLocation::resolve(fresh_url.as_deref(), &fresh).unwrap();
    let restored = platform::db::Db::open(&loc, false).await.unwrap();
    let mut after = snapshot(restored.pool.clone()).await;
    after.2.truncate(before.2.len()); // the restore itself is audited after the copied rows
    assert_eq!(before, after);
    let file: String =
        sqlx::query_scalar("SELECT stored_name FROM attachments").fetch_one(&restored.pool).await.unwrap();
    let bytes = std::fs::read(fresh.join("files").join(&file[..2]).join(&file)).unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap(), "职责内容");

    // Restoring over an existing database needs --force; a damaged backup is refused.
    if fresh_url.is_none() {
        let again = Command::new(env!("CARGO_BIN_EXE_gangju"))
            .args(["restore", "--from", dest.to_str().unwrap(), "--data-dir", fresh.to_str().unwrap()])
            .env_remove("GANGJU_DATABASE_URL")
            .output()
            .unwrap();
        assert!(!again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("--force"),
            "{}",
            String::from_utf8_lossy(&again.stderr)
        );
    }
    let manifest = std::fs::read_to_string(dest.join("manifest.json")).unwrap();
    let victim = if dest.join("gangju.sqlite").exists() { "gangju.sqlite" } else { "gangju.pgdump" };
    assert!(manifest.contains(victim));
    std::fs::write(dest.join(victim), b"tampered").unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_gangju"))
        .args(["restore", "--force", "--from", dest.to_str().unwrap(), "--data-dir", fresh.to_str().unwrap()])
        .env_remove("GANGJU_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("校验和不符"));
    let _ = std::fs::remove_dir_all(&fresh);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

#[tokio::test]
async fn purging_old_rows_keeps_the_rest_verifiable() {
    let app = spawn_app().await;
    let _ = app.login("leader").await;
    let old_rows = app.scalar("SELECT count(*) FROM audit_log").await;
    let actor = platform::audit::Actor { username: "test".into(), ..Default::default() };
    let key = app.state.keys.audit;
    // Too recent: refused, nothing removed.
    let now = app.clock.now_ms();
    assert!(platform::audit::purge(&app.state.db, &key, now, now - 100 * 86_400_000, &actor).await.is_err());
    app.clock.advance_minutes(400 * 24 * 60);
    let _ = app.login("party").await;
    let now = app.clock.now_ms();
    let n = platform::audit::purge(&app.state.db, &key, now, now - 365 * 86_400_000, &actor).await.unwrap();
    assert_eq!(n, old_rows);
    let left = app.scalar("SELECT count(*) FROM audit_log").await;
    assert_eq!(verify(&app.state.db, &key).await.unwrap(), Verdict::Ok { rows: left });
    assert_eq!(app.audit_count("audit_purge").await, 1);
    let out = gangju(&["audit", "verify"], &app);
    assert!(out.status.success());

    // Removing the oldest remaining rows by hand, anchor and all, is found.
    let first: i64 = app.scalar("SELECT min(seq) FROM audit_log").await;
    match app.state.db.backend {
        Backend::Sqlite => {
            sqlx::raw_sql("DROP TRIGGER audit_log_no_delete").execute(&app.state.db.pool).await.unwrap();
        }
        Backend::Postgres => {
            sqlx::raw_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete")
                .execute(&app.state.db.pool)
                .await
                .unwrap();
        }
    }
    let (mac,): (String,) = sqlx::query_as("SELECT mac FROM audit_log WHERE seq = $1")
        .bind(first)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq <= $1").bind(first).execute(&app.state.db.pool).await.unwrap();
    sqlx::query("UPDATE audit_head SET anchor_seq = $1, anchor_mac = $2")
        .bind(first)
        .bind(mac)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert!(matches!(verify(&app.state.db, &key).await.unwrap(), Verdict::Broken { .. }));
}

/// Audit rows written alone (an export's) and with a change (a progress report's), many at once:
/// all are written, in one chain without a fork or a gap. (On PostgreSQL the rows written alone
/// do not wait for the writers' turn; see `Db::begin_audit`.)
#[tokio::test]
async fn audit_rows_alone_and_with_changes_at_once_keep_one_chain() {
    let app = spawn_app().await;
    let party = app.login("party").await;
    // Each department's clerk reports on its open measures, each measure once.
    let mut reports = Vec::new();
    for name in ["clerk1", "clerk2"] {
        let clerk = app.token(name).await;
        let all = clerk.json("/api/v1/measures?per_page=100").await;
        for m in all["items"].as_array().unwrap().iter().filter(|m| m["status"] != "done") {
            let id = m["id"].as_i64().unwrap();
            if !reports.iter().any(|(i, _)| *i == id) {
                let body = serde_json::json!({"kind": "progress", "text": "与导出同时报送的推进情况", "percent": 60});
                reports.push((
                    id,
                    clerk.req(reqwest::Method::POST, &format!("/api/v1/measures/{id}/progress")).json(&body),
                ));
            }
        }
    }
    assert!(reports.len() >= 3, "the demo's clerks report on open measures: {}", reports.len());
    let before = app.scalar("SELECT count(*) FROM audit_log").await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (c, url) = (party.c.clone(), app.url("/supervision/measures/export"));
        set.spawn(async move {
            let r = c.get(url).send().await.unwrap();
            ("export", r.status().as_u16(), r.bytes().await.map_or(0, |b| b.len()))
        });
    }
    let written = reports.len() as i64;
    for (_, req) in reports {
        set.spawn(async move {
            let r = req.send().await.unwrap();
            ("progress", r.status().as_u16(), 0)
        });
    }
    while let Some(done) = set.join_next().await {
        let (what, status, len) = done.unwrap();
        match what {
            "export" => assert!(status == 200 && len > 0, "export: {status}, {len} bytes"),
            _ => assert_eq!(status, 201, "progress report"),
        }
    }
    let after = app.scalar("SELECT count(*) FROM audit_log").await;
    assert!(after >= before + 8 + written, "{before} → {after}");
    assert_eq!(verify(&app.state.db, &app.state.keys.audit).await.unwrap(), Verdict::Ok { rows: after });
}

/// The server chains its next audit row to where it last left the chain, without reading the
/// head first (PostgreSQL). Rows another process appended since, and a rolled-back transaction's,
/// make that guess stale: the row is then chained to the real head. One chain, no gap, no fork.
#[tokio::test]
async fn rows_written_elsewhere_or_rolled_back_leave_one_chain() {
    use platform::audit::{Actor, Event};
    let app = spawn_app().await;
    let key = app.state.keys.audit;
    let actor = Actor { username: "test".into(), ..Default::default() };
    let logins = app.audit_count("login").await;
    let _ = app.login("leader").await;
    // Appended, then rolled back: the server's guess is now one row ahead of the head.
    let mut tx = app.state.db.begin().await.unwrap();
    app.state.audit(&mut tx, &actor, Event::ok("rolled_back", "test", 1)).await.unwrap();
    tx.rollback().await.unwrap();
    let _ = app.login("party").await;
    // Another process's rows, appended without the server.
    let mut tx = app.state.db.begin().await.unwrap();
    let now = app.clock.now_ms();
    let rows = [
        (now, actor.clone(), Event::ok("elsewhere", "test", 2)),
        (now, actor.clone(), Event::ok("elsewhere", "test", 3)),
    ];
    platform::audit::append_many(&mut tx, &key, &rows).await.unwrap();
    tx.commit().await.unwrap();
    let _ = app.login("clerk1").await;
    let _ = app.login("clerk2").await;

    assert_eq!(app.audit_count("rolled_back").await, 0);
    assert_eq!(app.audit_count("elsewhere").await, 2);
    assert_eq!(app.audit_count("login").await, logins + 4);
    let (rows, max): (i64, i64) =
        sqlx::query_as("SELECT count(*), max(seq) FROM audit_log").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(verify(&app.state.db, &key).await.unwrap(), Verdict::Ok { rows });
    let head: i64 = app.scalar("SELECT seq FROM audit_head").await;
    assert_eq!(head, max, "the head is the last row");
}

/// Writers take turns: a second write transaction begins only when the first has committed (on
/// PostgreSQL through the writers' lock, taken with the transaction's BEGIN), and both audit rows
/// land in one chain.
#[tokio::test]
async fn a_second_writer_waits_for_the_first_to_commit() {
    let app = spawn_app().await;
    let db = app.state.db.clone();
    let actor = platform::audit::Actor { username: "test".into(), ..Default::default() };
    let mut first = db.begin().await.unwrap();
    if app.database_url.is_some() {
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7301 AND granted \
             AND pid = pg_backend_pid()",
        )
        .fetch_one(&mut *first)
        .await
        .unwrap();
        assert_eq!(held, 1, "the first writer holds the writers' turn");
    }
    app.state.audit(&mut first, &actor, platform::audit::Event::ok("first", "test", 1)).await.unwrap();
    let second = {
        let (db, state, actor) = (db.clone(), app.state.clone(), actor.clone());
        tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            state.audit(&mut tx, &actor, platform::audit::Event::ok("second", "test", 2)).await.unwrap();
            tx.commit().await.unwrap();
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second writer waits while the first is open");
    first.commit().await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), second).await.unwrap().unwrap();
    assert!(matches!(verify(&app.state.db, &app.state.keys.audit).await.unwrap(), Verdict::Ok { .. }));
}
