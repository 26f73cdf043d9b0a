//! Configuration: command-line options, `GANGJU_` environment variables, and an optional TOML file
//! (`--config`), in that order of precedence.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use platform::state::Policy;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "gangju", version, about = "纲举 · 党建与政治建设工作平台（单一程序：网页、接口、命令行）", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Data directory: the SQLite database, keys, attachments [env: GANGJU_DATA_DIR] (default ./data)
    #[arg(long, env = "GANGJU_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://user@host/db for PostgreSQL; default is SQLite in the data directory
    #[arg(long, env = "GANGJU_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Optional TOML file with the same settings (data_dir, database_url, addr, [policy])
    #[arg(long, env = "GANGJU_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application and the API on an existing database
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on [env: GANGJU_ADDR] (default 127.0.0.1:8080)
        #[arg(long, env = "GANGJU_ADDR")]
        addr: Option<String>,
    },
    /// Create a demo database of a fictional prison (if the data directory is empty), then serve it
    Demo {
        #[command(flatten)]
        common: Common,
        #[arg(long, env = "GANGJU_ADDR")]
        addr: Option<String>,
    },
    /// Create a new database, or bring an existing one to the current schema
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// Administration without a browser: units, first accounts, password resets
    Admin {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Make a consistent copy of the database and attachments, with a checksum manifest
    Backup {
        #[command(flatten)]
        common: Common,
        /// Directory to write the backup into (must not exist or be empty)
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup after checking its manifest and audit chain
    Restore {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database
        #[arg(long)]
        force: bool,
    },
    /// The audit log
    Audit {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminAction {
    /// Create a unit: gangju admin create-unit --code C --name N --kind bureau|prison|department [--parent C]
    CreateUnit {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["bureau", "prison", "department"])]
        kind: String,
        #[arg(long)]
        parent: Option<String>,
    },
    /// Create an account; without --password-stdin a one-time password is printed
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// The unit's code
        #[arg(long)]
        unit: String,
        /// Role code (repeatable); see `gangju admin roles`
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Read the password from standard input (first line)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Reset a password: a one-time password is printed unless --password-stdin is given
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the roles and their codes
    Roles,
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Recompute the audit chain; exit code 1 and the first bad row when it does not verify
    Verify,
    /// Remove rows older than a date (at least six months back); the rest still verifies
    Purge {
        /// Remove rows written before this day (YYYY-MM-DD, Asia/Shanghai)
        #[arg(long)]
        before: String,
    },
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub addr: Option<String>,
    #[serde(default)]
    pub policy: FilePolicy,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct FilePolicy {
    pub idle_minutes: Option<i64>,
    pub admin_idle_minutes: Option<i64>,
    pub absolute_hours: Option<i64>,
    pub lockout_threshold: Option<i64>,
    pub lockout_minutes: Option<i64>,
    pub password_expiry_days: Option<i64>,
    pub max_upload_mb: Option<usize>,
    pub watermark: Option<bool>,
    pub secure_cookies: Option<bool>,
}

/// The settings in force after command line, environment and file are combined.
pub struct Resolved {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub addr: String,
    pub policy: Policy,
}

pub fn resolve(common: &Common, addr: Option<&String>) -> anyhow::Result<Resolved> {
    let file: FileConfig = match &common.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("读取配置文件 {} 失败", p.display()))?;
            toml::from_str(&text).with_context(|| format!("配置文件 {} 格式有误", p.display()))?
        }
        None => FileConfig::default(),
    };
    let d = Policy::default();
    let fp = &file.policy;
    let policy = Policy {
        idle_minutes: fp.idle_minutes.unwrap_or(d.idle_minutes),
        admin_idle_minutes: fp.admin_idle_minutes.unwrap_or(d.admin_idle_minutes),
        absolute_hours: fp.absolute_hours.unwrap_or(d.absolute_hours),
        lockout_threshold: fp.lockout_threshold.unwrap_or(d.lockout_threshold),
        lockout_minutes: fp.lockout_minutes.unwrap_or(d.lockout_minutes),
        password_expiry_days: fp.password_expiry_days.unwrap_or(d.password_expiry_days),
        max_upload_bytes: fp.max_upload_mb.map(|m| m * 1024 * 1024).unwrap_or(d.max_upload_bytes),
        watermark: fp.watermark.unwrap_or(d.watermark),
        secure_cookies: fp.secure_cookies.unwrap_or(d.secure_cookies),
    };
    Ok(Resolved {
        data_dir: common.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("data")),
        database_url: common.database_url.clone().or(file.database_url).filter(|s| !s.is_empty()),
        addr: addr.cloned().or(file.addr).unwrap_or_else(|| "127.0.0.1:8080".into()),
        policy,
    })
}
