//! Backup and restore. SQLite: `VACUUM INTO` gives a consistent copy while the server runs;
//! PostgreSQL: `pg_dump`. Attachments are copied too. A manifest lists every file with its SM3
//! checksum; restore checks it, and the audit chain, before anything is replaced. Keys are never
//! copied: restore into another directory needs that installation's `keys/` put there first.

use anyhow::{Context, bail};
use platform::db::{Backend, Db, DbLocation};
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use sqlx::Connection;
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize, Debug)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub backend: String,
    pub audit_rows: i64,
    pub files: Vec<(String, String)>,
}

fn sm3_file(p: &Path) -> anyhow::Result<String> {
    Ok(hex::encode(Sm3::digest(std::fs::read(p)?)))
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, base, out)?;
        } else {
            out.push(p.strip_prefix(base)?.to_path_buf());
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    walk(from, from, &mut files)?;
    for f in files {
        let dst = to.join(&f);
        if let Some(d) = dst.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::copy(from.join(&f), dst)?;
    }
    Ok(())
}

pub async fn backup(db: &Db, loc: &DbLocation, data_dir: &Path, to: &Path) -> anyhow::Result<Manifest> {
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!("备份目录 {} 已存在且不为空", to.display());
    }
    std::fs::create_dir_all(to)?;
    let audit_rows: i64 = match (db.backend, loc) {
        (Backend::Sqlite, _) => {
            let target = to.join("gangju.sqlite");
            let sql = format!("VACUUM INTO '{}'", target.display().to_string().replace('\'', "''"));
            sqlx::raw_sql(platform::db::AssertSqlSafe(sql)).execute(&db.pool).await.context("VACUUM INTO")?;
            // Counted in the copy itself: writers may have added rows since.
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&target).read_only(true).immutable(true);
            let mut copy = sqlx::SqliteConnection::connect_with(&opts).await?;
            let seq = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1").fetch_one(&mut copy).await?;
            copy.close().await?;
            seq
        }
        (Backend::Postgres, DbLocation::Postgres(url)) => {
            // pg_dump copies the snapshot in which the audit rows are counted.
            let mut tx = db.pool.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
            let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
            let seq = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1").fetch_one(&mut *tx).await?;
            let out = tokio::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg(format!("--snapshot={snapshot}"))
                .arg("--file")
                .arg(to.join("gangju.pgdump"))
                .arg(url)
                .output()
                .await
                .context("运行 pg_dump 失败（需要安装 PostgreSQL 客户端）")?;
            if !out.status.success() {
                bail!("pg_dump 失败：{}", String::from_utf8_lossy(&out.stderr));
            }
            tx.commit().await?;
            seq
        }
        _ => bail!("数据库类型与地址不符"),
    };
    copy_tree(&data_dir.join("files"), &to.join("files"))?;
    let mut rel = Vec::new();
    walk(to, to, &mut rel)?;
    rel.sort();
    let files = rel
        .iter()
        .map(|r| Ok((r.to_string_lossy().into_owned(), sm3_file(&to.join(r))?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let manifest = Manifest {
        format: 1,
        created_at: jiff::Timestamp::now().to_string(),
        backend: if db.backend == Backend::Sqlite { "sqlite" } else { "postgres" }.into(),
        audit_rows,
        files,
    };
    std::fs::write(to.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// Checks every file of the backup against its manifest.
pub fn check_manifest(from: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read(from.join("manifest.json")).context("备份中没有 manifest.json")?;
    let m: Manifest = serde_json::from_slice(&text).context("manifest.json 格式有误")?;
    for (name, sum) in &m.files {
        if name.contains("..") {
            bail!("清单中的文件名不合法：{name}");
        }
        let p = from.join(name);
        if !p.exists() {
            bail!("备份缺少文件 {name}");
        }
        if &sm3_file(&p)? != sum {
            bail!("备份文件 {name} 的校验和不符：文件已损坏或被改动");
        }
    }
    Ok(m)
}

/// Restores after the checks. The SQLite copy's audit chain is verified before it replaces the
/// database; PostgreSQL's is verified after `pg_restore`.
pub async fn restore(
    loc: &DbLocation,
    data_dir: &Path,
    from: &Path,
    force: bool,
    audit_key: &[u8],
) -> anyhow::Result<Manifest> {
    let m = check_manifest(from)?;
    match loc {
        DbLocation::SqliteFile(path) => {
            if m.backend != "sqlite" {
                bail!("这是 PostgreSQL 的备份，不能恢复到 SQLite");
            }
            if path.exists() && !force {
                bail!("数据库 {} 已存在：确认要覆盖请加 --force", path.display());
            }
            // Check a copy beside the target (opening a database changes its file), then move it in.
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d)?;
            }
            let staging = PathBuf::from(format!("{}.restoring", path.display()));
            std::fs::copy(from.join("gangju.sqlite"), &staging)?;
            let db = Db::open(&DbLocation::SqliteFile(staging.clone()), false).await?;
            db.check_integrity().await?;
            let verdict = platform::audit::verify(&db, audit_key).await?;
            db.close().await;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
            }
            if let platform::audit::Verdict::Broken { seq, reason } = verdict {
                let _ = std::fs::remove_file(&staging);
                bail!("备份中的审计链校验失败：第 {seq} 条，{reason}");
            }
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            std::fs::rename(&staging, path)?;
        }
        DbLocation::Postgres(url) => {
            if m.backend != "postgres" {
                bail!("这是 SQLite 的备份，不能恢复到 PostgreSQL");
            }
            if !force {
                bail!("恢复到 PostgreSQL 会替换其中的全部数据：确认请加 --force");
            }
            let out = tokio::process::Command::new("pg_restore")
                .args(["--clean", "--if-exists", "--no-owner", "--single-transaction", "-d"])
                .arg(url)
                .arg(from.join("gangju.pgdump"))
                .output()
                .await
                .context("运行 pg_restore 失败")?;
            if !out.status.success() {
                bail!("pg_restore 失败：{}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
    let files = data_dir.join("files");
    if files.exists() {
        std::fs::remove_dir_all(&files)?;
    }
    copy_tree(&from.join("files"), &files)?;
    Ok(m)
}
