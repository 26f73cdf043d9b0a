//! The `gangju` binary beside the bench's own, run as a server process: shared by `mix` and `crash`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn gangju_bin() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let bin = me.with_file_name(if cfg!(windows) { "gangju.exe" } else { "gangju" });
    anyhow::ensure!(bin.exists(), "找不到 {}：请先 cargo build --release -p gangju", bin.display());
    Ok(bin)
}

/// `gangju ARGS --data-dir DIR [--database-url URL]`.
pub fn gangju(args: &[&str], data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<Command> {
    let mut cmd = Command::new(gangju_bin()?);
    cmd.args(args).arg("--data-dir").arg(data_dir).env_remove("GANGJU_DATABASE_URL");
    if let Some(u) = database_url {
        cmd.arg("--database-url").arg(u);
    }
    Ok(cmd)
}

/// A server process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// From spawning to the first 200 of `/healthz`.
    pub cold_start: Duration,
}

impl Drop for Server {
    /// Stopped as an operator stops it (SIGTERM: the server finishes its requests and closes its
    /// database), so that the next run starts from a closed database, not a crashed one (`bench
    /// crash` is about that). Killed after ten seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `gangju COMMAND --addr 127.0.0.1:PORT …` (`serve` or `demo`) with the output `configure`
/// gives it, and waits up to `limit` for `/healthz` to answer 200.
pub async fn start(
    command: &str,
    data_dir: &Path,
    database_url: Option<&str>,
    limit: Duration,
    configure: impl FnOnce(&mut Command) -> anyhow::Result<()>,
) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = gangju(&[command, "--addr", &addr], data_dir, database_url)?;
    cmd.env("RUST_LOG", "warn");
    configure(&mut cmd)?;
    let t = Instant::now();
    let mut server = Server { child: cmd.spawn()?, base: format!("http://{addr}"), cold_start: Duration::ZERO };
    let c = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    loop {
        if let Ok(r) = c.get(format!("{}/healthz", server.base)).send().await
            && r.status().is_success()
        {
            server.cold_start = t.elapsed();
            return Ok(server);
        }
        if let Some(st) = server.child.try_wait()? {
            anyhow::bail!("服务启动失败（{st}）");
        }
        anyhow::ensure!(t.elapsed() < limit, "服务 {} 秒内未就绪", limit.as_secs());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
