//! Exports of a list: what they hold, read in slices and written row by row, at the bulk
//! priority.

use crate::common::*;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn export_follows_the_filters_and_neutralises_formulas() {
    let app = spawn_app().await;
    let api = app.token("sysadmin").await;
    let parent = app.unit_id("SL").await;
    let r = api.req(Method::POST, "/api/v1/units").json(&serde_json::json!({"parent_id": parent, "code": "EVIL", "name": "=HYPERLINK(\"x\")", "kind": "department"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let b = app.login("sysadmin").await;
    let r = b.get("/system/units/export?code=EVIL").await;
    assert_eq!(r.status(), StatusCode::OK);
    let disp = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disp.starts_with("attachment; filename*=UTF-8''"), "{disp}");
    assert!(disp.contains("%E5%8D%95%E4%BD%8D%E5%8F%B0%E8%B4%A6_"), "named 单位台账_YYYYMMDD.xlsx: {disp}");
    let rows = read_xlsx(&r.bytes().await.unwrap());
    assert!(rows[0][0].contains("单位台账"), "title row");
    assert_eq!(rows[1][1], "单位编码");
    assert_eq!(rows.len(), 3, "one data row: the export follows the filter");
    assert_eq!(rows[2][2], "'=HYPERLINK(\"x\")");
    assert_eq!(app.audit_count("export").await, 1);
}

/// An export longer than one slice (2,000 rows): every row once, in the list's order, numbered
/// from 1, the same count as the list, and no temporary file left behind.
#[tokio::test]
async fn a_long_export_is_read_in_slices_and_written_row_by_row() {
    use platform::audit::{Actor, Event};
    let app = spawn_app().await;
    let n = 4_500;
    let rows: Vec<(i64, Actor, Event<'_>)> = (0..n)
        .map(|i| {
            let actor = Actor {
                user_id: None,
                username: "bulk-writer".into(),
                role: "unit_clerk".into(),
                unit_id: None,
                addr: "10.0.0.9".into(),
                request_id: "bulk".into(),
            };
            (1_700_000_000_000 + i, actor, Event::ok("update", "meeting", "1").detail("批量写入"))
        })
        .collect();
    let mut tx = app.state.db.begin().await.unwrap();
    platform::audit::append_many(&mut tx, &app.state.keys.audit, &rows).await.unwrap();
    tx.commit().await.unwrap();

    let api = app.token("auditadmin").await;
    let listed = api.json("/api/v1/audit_logs?username=bulk-writer&per_page=1").await;
    assert_eq!(listed["total"], n);
    let b = app.login("auditadmin").await;
    let exports_before = app.audit_count("export").await;
    let queries_before = app.audit_count("audit_query").await;
    let r = b.get("/system/audit/export?username=bulk-writer").await;
    assert_eq!(r.status(), StatusCode::OK);
    let len: usize = r.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let bytes = r.bytes().await.unwrap();
    assert_eq!(bytes.len(), len);
    let sheet = read_xlsx(&bytes);
    assert_eq!(sheet.len(), 2 + n as usize, "title, headers and every row");
    assert_eq!(sheet[1][1], "审计序号");
    let seqs: Vec<i64> = sheet[2..].iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first, each row once");
    for (i, row) in sheet[2..].iter().enumerate() {
        assert_eq!(row[0], (i + 1).to_string(), "序号 runs from 1");
        assert_eq!(row[3], "bulk-writer");
    }
    assert_eq!(app.audit_count("export").await, exports_before + 1);
    assert_eq!(app.audit_count("audit_query").await, queries_before, "the export is audited once, as the export");
    let left: Vec<_> = std::fs::read_dir(app.dir.join("tmp")).unwrap().flatten().collect();
    assert!(left.is_empty(), "no temporary file is left: {left:?}");
}

/// An export is read and written on a bulk thread at a lower priority, through connections of its
/// own. On SQLite they are opened from there, so that their threads (where SQLite does the work)
/// run at that priority too: the pages go first. On PostgreSQL, whose own processes do the work,
/// there is one such connection, so exports at once take turns reading instead of each taking a
/// database process at the pages' priority.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_exports_reads_run_at_the_bulk_priority() {
    let app = spawn_app().await;
    assert_eq!(app.state.db.bulk_connections(), 0, "no bulk connection before any bulk work");
    let b = app.login("party").await;
    let r = b.get("/supervision/measures/export").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(read_xlsx(&r.bytes().await.unwrap()).len() > 2, "the demo's measures are exported");
    assert!(app.state.db.bulk_connections() >= 1, "the export read through a bulk connection");
    if app.database_url.is_some() {
        let (x, y, z) = tokio::join!(
            b.get("/supervision/measures/export"),
            b.get("/study/meetings/export"),
            b.get("/org/people/export")
        );
        for r in [x, y, z] {
            assert_eq!(r.status(), StatusCode::OK);
            assert!(read_xlsx(&r.bytes().await.unwrap()).len() > 2, "each export is whole");
        }
        assert_eq!(app.state.db.bulk_connections(), 1, "three exports at once read through one connection");
        return;
    }
    // Field 19 of a thread's stat is its nice value; the name (field 2) is in parentheses.
    let nice = |stat: &std::path::Path| -> Option<i32> {
        let text = std::fs::read_to_string(stat).ok()?;
        text.rsplit_once(')')?.1.split_whitespace().nth(16)?.parse().ok()
    };
    let own = nice(std::path::Path::new("/proc/thread-self/stat")).unwrap();
    let lowered = (own + platform::bulk::NICER_BY).min(19);
    let niced_sqlite_threads = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with("sqlx-sqlite")))
        .filter(|t| nice(&t.path().join("stat")) == Some(lowered))
        .count();
    assert!(niced_sqlite_threads >= 1, "a SQLite connection thread runs at the bulk priority");
}
