//! Disk full (issue #13): the data directory on a small filesystem of its own (a tmpfs), filled
//! to the last byte while the server runs. Writes fail with a clear Chinese message and save
//! nothing by halves, reads still work, and once space is freed writing works again without a
//! restart; the database passes its integrity check and the audit chain verifies.

use crate::common::*;
use reqwest::StatusCode;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(size_mb: u32) -> Option<Self> {
        let root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if !root {
            return None;
        }
        let dir = temp_dir("disk-full");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mb}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "mounting a tmpfs (running as root)");
        Some(Self(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes zeros into `path` until the filesystem refuses; returns the bytes written.
fn fill(path: &Path) -> u64 {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling: {e}"),
        }
    }
    // The last partial blocks, a byte at a time.
    while let Ok(1) = f.write(&[0]) {
        written += 1;
    }
    let _ = f.sync_all();
    written
}

fn unit(parent: i64, code: &str) -> serde_json::Value {
    serde_json::json!({"parent_id": parent, "code": code, "name": format!("磁盘{code}"), "kind": "department"})
}

/// With the server on `dir` (its database on the small disk): fills the disk, checks writes are
/// refused in words and nothing by halves, reads work, and writing resumes once space is freed;
/// then the database holds exactly the acknowledged writes with their audit rows and the chain
/// verifies. Returns how many writes still fitted after the disk was full.
async fn fill_refuse_recover(disk: &SmallDisk, dir: &Path, url: Option<&str>) -> usize {
    let parent = prepare(dir, url).await;
    let (server, base) = start_server(dir, url).await;
    let token = api_token(&base).await;
    let c = reqwest::Client::new();
    let post =
        |code: String| c.post(format!("{base}/api/v1/units")).bearer_auth(&token).json(&unit(parent, &code)).send();
    assert_eq!(post("DISK-0".into()).await.unwrap().status(), StatusCode::CREATED);

    let filler = disk.0.join("filler");
    assert!(fill(&filler) > 0);
    // Space already inside the database files is used up first; then writes are refused.
    let mut acked = vec!["DISK-0".to_string()];
    let mut refusal = None;
    for n in 1..=20_000 {
        let code = format!("DISK-{n}");
        let r = post(code.clone()).await.unwrap();
        match r.status() {
            StatusCode::CREATED => acked.push(code),
            s => {
                refusal = Some((s, r.text().await.unwrap()));
                break;
            }
        }
    }
    let fitted = acked.len() - 1;
    let (status, body) = refusal.expect("a write was refused on the full disk");
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "storage_full");
    assert!(v["error"]["message"].as_str().unwrap().contains("存储空间已满"), "{body}");
    let r = c.get(format!("{base}/api/v1/units?per_page=1")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "reads still work");
    assert!(r.json::<serde_json::Value>().await.unwrap()["total"].as_i64().unwrap() > 0);
    let r = c.get(format!("{base}/api/v1/todos")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "reads still work");
    assert_eq!(c.get(format!("{base}/healthz")).send().await.unwrap().status(), StatusCode::OK);

    // Space freed: the next write succeeds, with no restart.
    std::fs::remove_file(&filler).unwrap();
    let r = post("DISK-AFTER".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    acked.push("DISK-AFTER".into());
    // And every write after it: a connection whose COMMIT failed on the full disk must not come
    // back from the pool still in its transaction (it did, and its next BEGIN was a 500).
    for n in 0..40 {
        let code = format!("DISK-AFTER-{n}");
        let r = post(code.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{code}: {}", r.text().await.unwrap());
        acked.push(code);
    }
    drop(server);

    // Nothing by halves: exactly the acknowledged units, each with its audit row; the SQLite file
    // is intact and the chain verifies.
    let checker =
        url.map(str::to_string).unwrap_or_else(|| format!("sqlite://{}?mode=ro", dir.join("gangju.sqlite").display()));
    let db = sqlx::AnyPool::connect(&checker).await.unwrap();
    let mut codes: Vec<String> =
        sqlx::query_scalar("SELECT code FROM units WHERE code LIKE 'DISK-%'").fetch_all(&db).await.unwrap();
    codes.sort();
    acked.sort();
    assert_eq!(codes, acked, "exactly the acknowledged writes");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM units u WHERE u.code LIKE 'DISK-%' AND EXISTS (SELECT 1 FROM audit_log l \
         WHERE l.event = 'create' AND l.object_type = 'unit' AND l.object_id = CAST(u.id AS TEXT))",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(audited as usize, acked.len());
    if url.is_none() {
        let ic: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&db).await.unwrap();
        assert_eq!(ic, ["ok"]);
    }
    db.close().await;
    let out = gangju_command(dir, url, &["audit", "verify"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    fitted
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_keeps_reads_and_recovers_without_restart() {
    if fresh_database_url().await.is_some() {
        return; // the data directory's disk is SQLite's; the SQLite run of the suite does this one
    }
    let Some(disk) = SmallDisk::mount(256) else {
        eprintln!("disk_full: not root, cannot mount a small filesystem; skipped");
        return;
    };
    let dir = disk.0.join("data");
    std::fs::create_dir_all(&dir).unwrap();
    let fitted = fill_refuse_recover(&disk, &dir, None).await;
    eprintln!("disk full: {fitted} writes fitted into the full disk, then refused with 507; recovered");
}

/// The same for PostgreSQL with its data files on the small filesystem (the write-ahead log on
/// another, as a separate WAL disk is set up; when the WAL's own disk fills, PostgreSQL stops and
/// restarts itself, which `crash::acknowledged_writes_survive_postgres_crashing_under_the_server`
/// covers).
#[tokio::test]
async fn postgres_with_its_data_disk_full_refuses_writes_clearly_keeps_reads_and_recovers() {
    if fresh_database_url().await.is_none() {
        return; // the PostgreSQL run of the suite does this one
    }
    let Some(disk) = SmallDisk::mount(256) else {
        eprintln!("disk_full: not root, cannot mount a small filesystem; skipped");
        return;
    };
    let wal = temp_dir("pg-wal");
    let cluster = PrivateCluster::create_in(disk.0.join("pg"), Some(wal.clone()))
        .expect("PostgreSQL server binaries under /usr/lib/postgresql");
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&cluster.url("postgres")).await.unwrap();
    sqlx::query("CREATE DATABASE gangju").execute(&admin).await.unwrap();
    admin.close().await;
    let url = cluster.url("gangju");
    let dir = temp_dir("pg-disk-full");
    let fitted = fill_refuse_recover(&disk, &dir, Some(&url)).await;
    eprintln!("postgres disk full: {fitted} writes fitted, then refused with 507; recovered");
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&wal);
}
