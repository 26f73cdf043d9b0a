//! `gangju`: thin: parse the command line, run, print errors in Chinese, set the exit code.

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
