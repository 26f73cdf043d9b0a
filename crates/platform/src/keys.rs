//! Keys kept outside the database: the audit MAC key and the field-encryption key live in the data
//! directory, created at first start with owner-only permissions, never copied into backups.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct Keys {
    pub audit: [u8; 32],
    pub field: [u8; 16],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

pub fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

impl Keys {
    /// Loads the keys, creating them when `create` is set and they do not exist yet.
    pub fn load(data_dir: &Path, create: bool) -> anyhow::Result<Self> {
        let dir = key_dir(data_dir);
        let audit = load_or_create::<32>(&dir.join("audit.key"), create)?;
        let field = load_or_create::<16>(&dir.join("field.key"), create)?;
        Ok(Self { audit, field })
    }
}

fn load_or_create<const N: usize>(path: &Path, create: bool) -> anyhow::Result<[u8; N]> {
    if path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let bytes = hex::decode(text.trim()).context("key file is not hex")?;
        return bytes.try_into().map_err(|_| anyhow::anyhow!("key file {} has the wrong length", path.display()));
    }
    if !create {
        bail!("密钥文件 {} 不存在：数据目录不完整", path.display());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        set_mode(dir, 0o700)?;
    }
    let key: [u8; N] = rand::random();
    std::fs::write(path, hex::encode(key))?;
    set_mode(path, 0o600)?;
    Ok(key)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> anyhow::Result<()> {
    Ok(())
}
