//! The command line: migrate, admin create-unit / create-user / roles / reset-password, and the
//! refusal of a missing, foreign or damaged database.

use crate::common::*;
use std::io::Write;
use std::process::{Command, Stdio};

fn run(dir: &std::path::Path, url: Option<&str>, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gangju"));
    c.args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("GANGJU_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(u) = url {
        c.arg("--database-url").arg(u);
    }
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// Overwrites pages of a SQLite file: `pick` answers (first page, how many). The write-ahead log
/// is moved into the file first, so the damage hits data. Returns the damaged file's bytes.
async fn overwrite_pages(path: &std::path::Path, pick: &str) -> Vec<u8> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await.unwrap();
    let (first, count): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(pick)).fetch_one(&pool).await.unwrap();
    let size: i64 = sqlx::query_scalar("SELECT page_size FROM pragma_page_size()").fetch_one(&pool).await.unwrap();
    pool.close().await;
    let mut bytes = std::fs::read(path).unwrap();
    let (from, to) = (((first - 1) * size) as usize, ((first - 1 + count) * size) as usize);
    assert!(bytes.len() >= to, "the file has pages {first} to {}", first + count - 1);
    bytes[from..to].fill(0xA5);
    std::fs::write(path, &bytes).unwrap();
    bytes
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn a_real_installation_is_set_up_from_the_command_line() {
    let dir = temp_dir("cli");
    let url = fresh_database_url().await;
    let u = url.as_deref();
    if u.is_none() {
        // serve refuses a database that does not exist, and says what to run.
        let o = run(&dir, None, &["serve", "--addr", "127.0.0.1:0"], None);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("gangju migrate"));
        assert!(!dir.join("gangju.sqlite").exists(), "nothing was created");
    }
    ok(&run(&dir, u, &["migrate"], None));
    if u.is_none() {
        // Closed on exit: the write-ahead log is checkpointed into the file and removed, so the
        // file alone holds the database.
        assert!(!dir.join("gangju.sqlite-wal").exists(), "the WAL is checkpointed at exit");
        assert!(std::fs::metadata(dir.join("gangju.sqlite")).unwrap().len() > 64 * 1024);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for key in ["audit.key", "field.key"] {
            let mode = std::fs::metadata(dir.join("keys").join(key)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{key} is readable by its owner only");
        }
    }
    if u.is_none() {
        // A file that is not a database is refused, never replaced or "repaired".
        let junk = temp_dir("junk");
        std::fs::write(junk.join("gangju.sqlite"), b"this is not a database at all, just text").unwrap();
        let o = run(&junk, None, &["serve", "--addr", "127.0.0.1:0"], None);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("数据库"), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read(junk.join("gangju.sqlite")).unwrap(), b"this is not a database at all, just text");
        let _ = std::fs::remove_dir_all(&junk);

        // A damaged database (two pages overwritten) is refused at start, and left as it was.
        let broken = temp_dir("broken");
        ok(&run(&broken, None, &["migrate"], None));
        let path = broken.join("gangju.sqlite");
        let bytes = overwrite_pages(&path, "SELECT 2, 2").await;
        let o = run(&broken, None, &["serve", "--addr", "127.0.0.1:0"], None);
        assert!(!o.status.success(), "a damaged database must not be served");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("数据库"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the damaged file is not changed");
        let _ = std::fs::remove_dir_all(&broken);
    }
    ok(&run(&dir, u, &["admin", "create-unit", "--code", "HB", "--name", "某省监狱管理局", "--kind", "bureau"], None));
    ok(&run(
        &dir,
        u,
        &["admin", "create-unit", "--code", "HB1", "--name", "某省某监狱", "--kind", "prison", "--parent", "HB"],
        None,
    ));
    let bad_parent = run(
        &dir,
        u,
        &["admin", "create-unit", "--code", "X", "--name", "X", "--kind", "department", "--parent", "NOPE"],
        None,
    );
    assert!(!bad_parent.status.success());
    let roles = ok(&run(&dir, u, &["admin", "roles"], None));
    for r in ["system_admin", "security_admin", "audit_admin", "leader", "party_office", "unit_clerk", "officer"] {
        assert!(roles.contains(r), "{r} missing from {roles}");
    }
    ok(&run(
        &dir,
        u,
        &[
            "admin",
            "create-user",
            "--username",
            "admin1",
            "--name",
            "管理员甲",
            "--unit",
            "HB1",
            "--role",
            "system_admin",
            "--password-stdin",
        ],
        Some("Xitong-Guanli2022\n"),
    ));
    let two = run(
        &dir,
        u,
        &[
            "admin",
            "create-user",
            "--username",
            "admin2",
            "--name",
            "乙",
            "--unit",
            "HB1",
            "--role",
            "system_admin",
            "--role",
            "audit_admin",
            "--password-stdin",
        ],
        Some("Xitong-Guanli2022\n"),
    );
    assert!(!two.status.success());
    assert!(String::from_utf8_lossy(&two.stderr).contains("三员分立"));
    let weak = run(
        &dir,
        u,
        &[
            "admin",
            "create-user",
            "--username",
            "admin3",
            "--name",
            "丙",
            "--unit",
            "HB1",
            "--role",
            "audit_admin",
            "--password-stdin",
        ],
        Some("12345678\n"),
    );
    assert!(!weak.status.success());
    let otp = ok(&run(
        &dir,
        u,
        &["admin", "create-user", "--username", "audit1", "--name", "审计员", "--unit", "HB1", "--role", "audit_admin"],
        None,
    ));
    assert!(otp.contains("一次性密码"));

    // The operator's password works in the web application, and the account must not change it.
    let opts = gangju::Options {
        data_dir: dir.clone(),
        database_url: url.clone(),
        create: false,
        demo: false,
        policy: Default::default(),
        clock: Default::default(),
        check_after_start: false,
    };
    let (state, app) = gangju::build(opts).await.unwrap();
    assert!(!state.demo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(gangju::serve(listener, app, std::future::pending()));
    let c = client();
    let page = c.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("演示数据"), "a real installation is not labelled a demo");
    let t = csrf_in(&page);
    let r = c
        .post(format!("{base}/login"))
        .form(&[("_csrf", t.as_str()), ("username", "admin1"), ("password", "Xitong-Guanli2022")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/");

    // Reset from the command line: a one-time password, to be changed at next login.
    let reset = ok(&run(&dir, u, &["admin", "reset-password", "--username", "admin1"], None));
    assert!(reset.contains("一次性密码"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A large SQLite file is checked after the server has started (a province's database took 14 s
/// to check): a damaged one is served at first, but once the check finds the damage the server
/// writes nothing more and its health check fails; a command other than the server checks it
/// before going on and refuses. `GANGJU_CHECK_AT_START_MAX=0` makes this small file count as
/// large.
#[tokio::test]
async fn a_large_database_is_checked_after_start_and_damage_stops_writes() {
    if fresh_database_url().await.is_some() {
        return; // SQLite only.
    }
    let dir = temp_dir("late-check");
    ok(&run(&dir, None, &["migrate"], None));
    let path = dir.join("gangju.sqlite");
    // A table nothing reads at start: its root page is overwritten.
    overwrite_pages(&path, "SELECT rootpage, 1 FROM sqlite_master WHERE name = 'meeting_attendance'").await;
    let mut migrate = Command::new(env!("CARGO_BIN_EXE_gangju"));
    migrate
        .args(["migrate", "--data-dir"])
        .arg(&dir)
        .env_remove("GANGJU_DATABASE_URL")
        .env("GANGJU_CHECK_AT_START_MAX", "0");
    let o = migrate.output().unwrap();
    assert!(!o.status.success(), "a command other than the server checks before going on");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("数据库完整性检查失败"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let child = gangju_command(&dir, None, &["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("GANGJU_CHECK_AT_START_MAX", "0")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("serve.log")).unwrap())
        .spawn()
        .unwrap();
    let mut server = ServerProcess(child);
    let t = std::time::Instant::now();
    loop {
        let health = reqwest::get(format!("{base}/healthz")).await.map(|r| r.status());
        if let Ok(reqwest::StatusCode::SERVICE_UNAVAILABLE) = health {
            break;
        }
        if server.0.try_wait().unwrap().is_some() {
            panic!("the server must start: {}", std::fs::read_to_string(dir.join("serve.log")).unwrap());
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(30), "the damage was not found in 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // A login is a write (its session): refused, with the outage answer, not a 500.
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": "whatever-it-is-1A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE, "{}", r.text().await.unwrap());
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    assert!(log.contains("已停止写入"), "the damage is logged: {log}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
