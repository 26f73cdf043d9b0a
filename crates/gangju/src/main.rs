//! `gangju`: thin: parse the command line, run, print errors in Chinese, set the exit code.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    with_malloc_tunables();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc's allocator gives each thread that finds the heap busy an arena of its own (up to eight
/// per core) and every arena keeps what was freed in it. The server allocates on a dozen threads
/// (the async workers, one per SQLite connection, the blocking pool), so its memory spread over as
/// many arenas: under the province mix it peaked at 252 MiB, and at 189 MiB with two arenas at
/// the same throughput.
///
/// A fixed mmap threshold too: glibc serves a block of 128 KiB or more with a mapping of its own,
/// unmapped on free, but by default it raises that threshold (up to 32 MiB) each time such a
/// block is freed, after which the large blocks (an export's slices, a long page, a report) come
/// from the arenas and stay there. In one pair of province runs, the threshold fixed took the
/// memory after the heavy single requests from 124 to 115 MiB, and the highest mark from 143 to
/// 134 MiB, at the same throughput.
///
/// glibc reads these settings when a process starts, so the program starts itself once more with
/// them (same process id, same arguments and input); a `GLIBC_TUNABLES` the operator set is left
/// alone, and if the new start fails the program goes on as it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn with_malloc_tunables() {
    use std::os::unix::process::CommandExt;
    const TUNABLES: &str = "GLIBC_TUNABLES";
    if std::env::var_os(TUNABLES).is_some() {
        return;
    }
    if let Ok(exe) = std::env::current_exe() {
        // `exec` returns only when it failed.
        let _failed = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(TUNABLES, "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072")
            .exec();
    }
}

async fn run() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GANGJU_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = gangju::config::Cli::parse();
    platform::db::close_on_exit();
    let result = cli::run(args).await;
    platform::db::close_all().await;
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
