//! Crash safety (issue #13, short version of `bench crash`): the real server as its own process,
//! two writers creating units through the API, SIGKILL at a random point, restart; every
//! acknowledged write is there with its `create` audit row, the SQLite file is intact and
//! `gangju audit verify` passes.

use crate::common::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const ROUNDS: usize = 10;
const WRITERS: usize = 2;

/// Creates units until the connection breaks; returns the codes (and ids) answered with 2xx.
async fn writer(base: String, token: String, parent: i64, prefix: String) -> Vec<(String, Option<i64>)> {
    let c = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut acked = Vec::new();
    for n in 1.. {
        let code = format!("{prefix}-{n}");
        let body =
            serde_json::json!({"parent_id": parent, "code": code, "name": format!("崩溃{code}"), "kind": "department"});
        match c.post(format!("{base}/api/v1/units")).bearer_auth(&token).json(&body).send().await {
            Ok(r) if r.status().is_success() => {
                let id = r.json::<serde_json::Value>().await.ok().and_then(|v| v["id"].as_i64());
                acked.push((code, id));
            }
            Ok(r) => panic!("{code}: {} {}", r.status(), r.text().await.unwrap_or_default()),
            Err(_) => break,
        }
    }
    acked
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    // The database is made in-process (a small demo), then closed; the server runs as a process.
    let dir = temp_dir("crash");
    let url = fresh_database_url().await;
    let opts = gangju::Options {
        data_dir: dir.clone(),
        database_url: url.clone(),
        create: true,
        demo: true,
        policy: platform::state::Policy::default(),
        clock: platform::clock::Clock::system(),
    };
    let (state, _) = gangju::build(opts).await.unwrap();
    gangju::demo::seed(&state, TEST_PEOPLE).await.unwrap();
    let parent: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&state.db.pool).await.unwrap();
    state.db.pool.close().await;
    drop(state);
    let checker_url =
        url.clone().unwrap_or_else(|| format!("sqlite://{}?mode=ro", dir.join("gangju.sqlite").display()));

    let started = Instant::now();
    let mut all: Vec<(String, Option<i64>)> = Vec::new();
    let (mut server, mut base) = start_server(&dir, url.as_deref()).await;
    for round in 0..ROUNDS {
        let token = {
            let r = reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": "sysadmin", "password": PW}))
                .send()
                .await
                .unwrap();
            let v: serde_json::Value = r.json().await.unwrap();
            v["token"].as_str().unwrap().to_string()
        };
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| tokio::spawn(writer(base.clone(), token.clone(), parent, format!("CRASH-{round}-{w}"))))
            .collect();
        tokio::time::sleep(Duration::from_millis(rand::random_range(30..400))).await;
        server.0.kill().unwrap(); // SIGKILL
        server.0.wait().unwrap();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        (server, base) = start_server(&dir, url.as_deref()).await;

        // Checked with the server up again, on a connection of our own opened after the crash.
        let db = sqlx::AnyPool::connect(&checker_url).await.unwrap();
        let present: HashMap<String, i64> =
            sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM units WHERE code LIKE 'CRASH-%'")
                .fetch_all(&db)
                .await
                .unwrap()
                .into_iter()
                .collect();
        for (code, id) in &all {
            let got = present.get(code);
            assert!(got.is_some(), "round {round}: acknowledged {code} is missing");
            if let Some(id) = id {
                assert_eq!(got, Some(id), "round {round}: {code} has another id");
            }
        }
        let no_audit: Vec<String> = sqlx::query_scalar(
            "SELECT u.code FROM units u WHERE u.code LIKE 'CRASH-%' AND NOT EXISTS (SELECT 1 FROM audit_log l \
             WHERE l.event = 'create' AND l.object_type = 'unit' AND l.object_id = CAST(u.id AS TEXT))",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        assert!(no_audit.is_empty(), "round {round}: units without their audit row: {no_audit:?}");
        let orphans: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_log l WHERE l.event = 'create' AND l.object_type = 'unit' \
             AND l.detail LIKE 'CRASH-%' AND NOT EXISTS (SELECT 1 FROM units u WHERE CAST(u.id AS TEXT) = l.object_id)",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(orphans, 0, "round {round}: audit rows of units that are not there");
        if url.is_none() {
            let ic: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&db).await.unwrap();
            assert_eq!(ic, ["ok"], "round {round}: integrity_check");
        }
        db.close().await;
        let out = gangju_command(&dir, url.as_deref(), &["audit", "verify"]).output().unwrap();
        assert!(
            out.status.success(),
            "round {round}: audit verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    drop(server);
    assert!(!all.is_empty(), "no write was acknowledged in {ROUNDS} rounds");
    eprintln!(
        "crash: {ROUNDS} kills, {} acknowledged writes, all found, {:.1} s",
        all.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
