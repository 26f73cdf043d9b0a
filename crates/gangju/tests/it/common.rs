//! spawn_app(): the real server on port 0 over a fresh database (a temporary SQLite file, or a
//! fresh PostgreSQL database when GANGJU_TEST_DATABASE_URL is set), filled with the demo prison.

#![allow(dead_code)]

use gangju::{Options, build, demo};
use platform::clock::Clock;
use platform::state::{AppState, Policy};
use reqwest::{Client, Response, StatusCode};
use std::path::PathBuf;

pub const PW: &str = demo::DEMO_PASSWORD;
/// A smaller roster than the demo's, so each test's fresh database is quick to make.
pub const TEST_PEOPLE: usize = 120;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Clock,
    pub dir: PathBuf,
    pub database_url: Option<String>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(url) = self.database_url.take() {
            drop_database(&url);
        }
    }
}

/// Drops a test's PostgreSQL database, ending the connections its server still holds, so that
/// test runs do not pile databases up on the server.
fn drop_database(url: &str) {
    let Some(admin) = std::env::var("GANGJU_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else { return };
    let Some((_, name)) = url.rsplit_once('/') else { return };
    if !name.starts_with("gangju_t_") || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return;
    }
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    // On a thread of its own: the test's runtime is the one being left.
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
        rt.block_on(async {
            let pool = sqlx::AnyPool::connect(&admin).await.ok()?;
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
            pool.close().await;
            Some(())
        })
    })
    .join();
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gangju-test-{tag}-{}", hex::encode(rand::random::<[u8; 6]>())));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A fresh PostgreSQL database on the server named by GANGJU_TEST_DATABASE_URL, if set.
pub async fn fresh_database_url() -> Option<String> {
    let admin = std::env::var("GANGJU_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty())?;
    sqlx::any::install_default_drivers();
    let name = format!("gangju_t_{}", hex::encode(rand::random::<[u8; 6]>()));
    let pool = sqlx::AnyPool::connect(&admin).await.expect("connect to GANGJU_TEST_DATABASE_URL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
    pool.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
    Some(format!("{base}/{name}"))
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Policy::default()).await
}

pub async fn spawn_with(policy: Policy) -> TestApp {
    let dir = temp_dir("app");
    let database_url = fresh_database_url().await;
    let clock = Clock::system();
    let opts = Options {
        data_dir: dir.clone(),
        database_url: database_url.clone(),
        create: true,
        demo: true,
        policy,
        clock: clock.clone(),
        check_after_start: false,
    };
    let (state, app) = build(opts).await.expect("build app");
    demo::seed(&state, TEST_PEOPLE).await.expect("seed demo");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(gangju::serve(listener, app, async move {
        let _ = rx.await;
    }));
    TestApp { base, state, clock, dir, database_url, _stop: tx }
}

pub fn client() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).map(|i| i + marker.len()).unwrap_or(0);
    html[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

/// A browser-like session: cookies, and the CSRF token of the last page seen.
pub struct Browser {
    pub c: Client,
    pub base: String,
    pub csrf: String,
}

impl TestApp {
    pub fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }

    pub async fn try_login(&self, username: &str, password: &str) -> (Browser, Response) {
        let c = client();
        let page = c.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let token = csrf_in(&page);
        let resp = c
            .post(self.url("/login"))
            .form(&[("_csrf", token.as_str()), ("username", username), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap();
        (Browser { c, base: self.base.clone(), csrf: String::new() }, resp)
    }

    pub async fn login(&self, username: &str) -> Browser {
        let (mut b, resp) = self.try_login(username, PW).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login of {username} failed");
        let home = b.get("/").await;
        assert_eq!(home.status(), StatusCode::OK);
        b.csrf = csrf_in(&home.text().await.unwrap());
        assert_eq!(b.csrf.len(), 64);
        b
    }

    pub async fn token(&self, username: &str) -> Api {
        let r = client()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": PW}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "api login of {username}");
        let v: serde_json::Value = r.json().await.unwrap();
        Api { c: client(), base: self.base.clone(), token: v["token"].as_str().unwrap().to_string() }
    }

    pub async fn scalar(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.state.db.pool).await.unwrap()
    }

    pub async fn unit_id(&self, code: &str) -> i64 {
        sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE code = $1")
            .bind(code)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }

    pub async fn audit_count(&self, event: &str) -> i64 {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log WHERE event = $1")
            .bind(event)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }
}

impl Browser {
    pub async fn get(&self, p: &str) -> Response {
        self.c.get(format!("{}{p}", self.base)).send().await.unwrap()
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, p: &str, form: &[(&str, &str)]) -> Response {
        let mut f: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        f.extend_from_slice(form);
        self.c.post(format!("{}{p}", self.base)).form(&f).send().await.unwrap()
    }

    pub async fn upload(&self, p: &str, file_name: &str, bytes: Vec<u8>) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let sep = if p.contains('?') { '&' } else { '?' };
        self.c.post(format!("{}{p}{sep}_csrf={}", self.base, self.csrf)).multipart(form).send().await.unwrap()
    }
}

pub struct Api {
    pub c: Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn req(&self, m: reqwest::Method, p: &str) -> reqwest::RequestBuilder {
        self.c.request(m, format!("{}{p}", self.base)).bearer_auth(&self.token)
    }
    pub async fn get(&self, p: &str) -> Response {
        self.req(reqwest::Method::GET, p).send().await.unwrap()
    }
    pub async fn json(&self, p: &str) -> serde_json::Value {
        let r = self.get(p).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {p}");
        r.json().await.unwrap()
    }
    /// Sends a JSON body with this method.
    pub async fn send(&self, m: reqwest::Method, p: &str, body: serde_json::Value) -> Response {
        self.req(m, p).json(&body).send().await.unwrap()
    }
}

/// A workbook with the given header row and data rows, as our own import templates are laid out.
pub fn xlsx(headers: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let cells: Vec<Vec<office::Cell>> =
        rows.iter().map(|r| r.iter().map(|c| office::Cell::from(*c)).collect()).collect();
    office::write_xlsx("导入", "测试导入", headers, &cells).unwrap()
}

/// Reads the first sheet of an .xlsx into rows of strings (as a user opening it would see them).
pub fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// The `gangju` binary on a data directory (and database URL), for tests that run it as a process.
pub fn gangju_command(dir: &std::path::Path, url: Option<&str>, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gangju"));
    c.args(args).arg("--data-dir").arg(dir).env_remove("GANGJU_DATABASE_URL");
    if let Some(u) = url {
        c.arg("--database-url").arg(u);
    }
    c
}

/// `gangju serve` as its own process, killed when dropped.
pub struct ServerProcess(pub std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `gangju serve` on a free port and waits for its first 200 from /healthz.
pub async fn start_server(dir: &std::path::Path, url: Option<&str>) -> (ServerProcess, String) {
    use std::time::{Duration, Instant};
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let child = gangju_command(dir, url, &["serve", "--addr", &addr])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut server = ServerProcess(child);
    let base = format!("http://{addr}");
    let t = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status().is_success()
        {
            return (server, base);
        }
        assert!(server.0.try_wait().unwrap().is_none(), "the server exited at start");
        assert!(t.elapsed() < Duration::from_secs(30), "the server did not come up in 30 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A PostgreSQL cluster of the test's own (initdb in a temporary directory, its own port), so it
/// can be crashed with `pg_ctl stop -m immediate` without touching the shared server.
pub struct PrivateCluster {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
}

impl PrivateCluster {
    /// `None` when this machine has no PostgreSQL server binaries.
    pub fn create() -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("gangju-pg-{}", hex::encode(rand::random::<[u8; 6]>())));
        Self::create_in(dir, None)
    }

    /// A cluster whose data directory is under `dir` and, if given, whose write-ahead log is in
    /// `waldir` (on another filesystem).
    pub fn create_in(dir: std::path::PathBuf, waldir: Option<std::path::PathBuf>) -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()?;
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(w) = &waldir {
            std::fs::create_dir_all(w).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let c = Self { bin, dir, port };
        // PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
        if Self::as_root() {
            for d in std::iter::once(&c.dir).chain(waldir.as_ref()) {
                let ok = std::process::Command::new("chown").args(["-R", "postgres:postgres"]).arg(d).status();
                assert!(ok.is_ok_and(|s| s.success()), "chown of the cluster directory");
            }
        }
        let data = c.dir.join("data").to_string_lossy().into_owned();
        let mut args = vec!["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "-D", &data];
        let wal = waldir.map(|w| w.join("wal").to_string_lossy().into_owned());
        if let Some(w) = &wal {
            args.extend(["-X", w.as_str()]);
        }
        c.run("initdb", &args);
        c.start();
        Some(c)
    }

    pub fn as_root() -> bool {
        std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    }

    fn command(&self, tool: &str) -> std::process::Command {
        let exe = self.bin.join(tool);
        if Self::as_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            std::process::Command::new(&exe)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.command(tool).args(args).output().unwrap();
        assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn start(&self) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let log = self.dir.join("log").to_string_lossy().into_owned();
        let opts = format!("-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=on", self.port, self.dir.display());
        self.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "60", "start"]);
    }

    /// What a power cut does to the database server: every process stops at once, no checkpoint;
    /// the next start replays the WAL.
    pub fn crash(&self) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let _ = self.command("pg_ctl").args(["-D", &data, "-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A small demo database made in-process and closed again, for a server run as a process;
/// returns the id of the prison unit (SL) that writers create units under.
pub async fn prepare(dir: &std::path::Path, url: Option<&str>) -> i64 {
    let opts = gangju::Options {
        data_dir: dir.to_path_buf(),
        database_url: url.map(str::to_string),
        create: true,
        demo: true,
        policy: platform::state::Policy::default(),
        clock: platform::clock::Clock::system(),
        check_after_start: false,
    };
    let (state, _) = gangju::build(opts).await.unwrap();
    gangju::demo::seed(&state, TEST_PEOPLE).await.unwrap();
    let parent: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&state.db.pool).await.unwrap();
    state.db.pool.close().await;
    parent
}

/// Waits (at most 30 s) until a writer has had a write acknowledged.
pub async fn wait_for_first_ack(acks: &std::sync::atomic::AtomicUsize) {
    let t = std::time::Instant::now();
    while acks.load(std::sync::atomic::Ordering::SeqCst) == 0 && t.elapsed() < std::time::Duration::from_secs(30) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// A bearer token of the system administrator on a server started with `start_server`.
pub async fn api_token(base: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "sysadmin", "password": PW}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    v["token"].as_str().unwrap().to_string()
}
