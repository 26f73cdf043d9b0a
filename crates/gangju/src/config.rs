//! Configuration: command-line options, `GANGJU_` environment variables, and an optional TOML file
//! (`--config`), in that order of precedence.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use platform::state::Policy;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "gangju",
    version,
    about = "纲举 · 党建与政治建设工作平台（单一程序：网页、接口、命令行）",
    after_help = "各选项也可用 GANGJU_ 开头的环境变量或 --config 指定的 TOML 文件设置；优先级：命令行 > 环境变量 > 配置文件。"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// 数据目录：SQLite 数据库、密钥、附件（默认 ./data）
    #[arg(long, env = "GANGJU_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// 数据库地址：PostgreSQL 用 postgres://用户@主机/库名；不填则用数据目录中的 SQLite
    #[arg(long, env = "GANGJU_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// 可选的 TOML 配置文件（data_dir、database_url、addr、[policy] 各项）
    #[arg(long, env = "GANGJU_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 在已有数据库上启动网页与接口服务
    Serve {
        #[command(flatten)]
        common: Common,
        /// 监听地址（默认 127.0.0.1:8080）
        #[arg(long, env = "GANGJU_ADDR")]
        addr: Option<String>,
    },
    /// 生成虚构监狱的演示数据库（数据目录为空时），然后启动服务
    Demo {
        #[command(flatten)]
        common: Common,
        /// 监听地址（默认 127.0.0.1:8080）
        #[arg(long, env = "GANGJU_ADDR")]
        addr: Option<String>,
    },
    /// 新建数据库，或把已有数据库升级到当前结构
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// 命令行管理：单位、首批账号、重置密码
    Admin {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        action: AdminAction,
    },
    /// 在线备份数据库与附件，并生成校验清单
    Backup {
        #[command(flatten)]
        common: Common,
        /// 备份目录（须不存在或为空）
        #[arg(long)]
        to: PathBuf,
    },
    /// 生成基准测试用的数据量：演示数据之上再生成一所（prison）或三十所（province）监狱五年的台账
    Generate {
        #[command(flatten)]
        common: Common,
        /// prison 或 province
        #[arg(long, default_value = "prison")]
        scale: String,
    },
    /// 生成年度台账归档（巡察用 .zip：各台账、年度工作报告、附件与目录），按指定账号的权限与密级
    Archive {
        #[command(flatten)]
        common: Common,
        /// 年度，如 2022
        #[arg(long)]
        year: i16,
        /// 以哪个账号的权限导出（其管理范围、权限与密级）
        #[arg(long)]
        user: String,
        /// 只归档这个单位（单位编码，如 SL）；不填为该账号的全部管理范围
        #[arg(long)]
        unit: Option<String>,
        /// 输出文件（.zip，须不存在）
        #[arg(long)]
        out: PathBuf,
    },
    /// 校验清单与审计链后恢复备份
    Restore {
        #[command(flatten)]
        common: Common,
        /// 备份目录
        #[arg(long)]
        from: PathBuf,
        /// 覆盖已有数据库
        #[arg(long)]
        force: bool,
    },
    /// 审计日志
    Audit {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminAction {
    /// 新建单位
    CreateUnit {
        /// 单位编码（字母、数字、- 和 _）
        #[arg(long)]
        code: String,
        /// 单位名称
        #[arg(long)]
        name: String,
        /// 类型：bureau 省局，prison 监狱，department 科室/监区
        #[arg(long, value_parser = ["bureau", "prison", "department"])]
        kind: String,
        /// 上级单位编码
        #[arg(long)]
        parent: Option<String>,
    },
    /// 新建账号；不带 --password-stdin 时打印一次性密码（首次登录须修改）
    CreateUser {
        /// 用户名
        #[arg(long)]
        username: String,
        /// 姓名
        #[arg(long)]
        name: String,
        /// 所属单位编码
        #[arg(long)]
        unit: String,
        /// 角色编码（可重复）；见 gangju admin roles
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// 从标准输入第一行读取密码
        #[arg(long)]
        password_stdin: bool,
    },
    /// 重置密码：不带 --password-stdin 时打印一次性密码
    ResetPassword {
        /// 用户名
        #[arg(long)]
        username: String,
        /// 从标准输入第一行读取新密码
        #[arg(long)]
        password_stdin: bool,
    },
    /// 列出角色及其编码
    Roles,
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// 重新计算审计链；不通过时退出码为 1 并指出第一条问题记录
    Verify,
    /// 清理某日期之前的审计记录（至少保留六个月），其余记录仍可校验
    Purge {
        /// 清理此日（YYYY-MM-DD，北京时间）之前写入的记录
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
    pub second_factor: Option<bool>,
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
        second_factor: fp.second_factor.unwrap_or(d.second_factor),
        secure_cookies: fp.secure_cookies.unwrap_or(d.secure_cookies),
    };
    Ok(Resolved {
        data_dir: common.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("data")),
        database_url: common.database_url.clone().or(file.database_url).filter(|s| !s.is_empty()),
        addr: addr.cloned().or(file.addr).unwrap_or_else(|| "127.0.0.1:8080".into()),
        policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common(config: Option<PathBuf>, data_dir: Option<&str>) -> Common {
        Common { data_dir: data_dir.map(PathBuf::from), database_url: None, config }
    }

    #[test]
    fn the_command_line_beats_the_file_which_beats_the_defaults() {
        let dir = std::env::temp_dir().join(format!("gangju-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("gangju.toml");
        std::fs::write(&file, "data_dir = \"/srv/from-file\"\naddr = \"0.0.0.0:9000\"\n[policy]\nlockout_threshold = 3\nwatermark = true\n").unwrap();
        let r = resolve(&common(Some(file.clone()), None), None).unwrap();
        assert_eq!(r.data_dir, PathBuf::from("/srv/from-file"));
        assert_eq!(r.addr, "0.0.0.0:9000");
        assert_eq!(r.policy.lockout_threshold, 3);
        assert!(r.policy.watermark);
        assert_eq!(r.policy.idle_minutes, 30, "unset keys keep the defaults");
        let cli_addr = "127.0.0.1:1".to_string();
        let r = resolve(&common(Some(file.clone()), Some("/srv/cli")), Some(&cli_addr)).unwrap();
        assert_eq!(r.data_dir, PathBuf::from("/srv/cli"));
        assert_eq!(r.addr, "127.0.0.1:1");
        let r = resolve(&common(None, None), None).unwrap();
        assert_eq!((r.data_dir, r.addr), (PathBuf::from("data"), "127.0.0.1:8080".to_string()));
        std::fs::write(&file, "data_dri = \"typo\"\n").unwrap();
        let err = resolve(&common(Some(file), None), None).err().unwrap();
        assert!(format!("{err:#}").contains("格式有误"), "a misspelt key is an error, not ignored");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
