//! Password policy (SECURITY.md: 8+ characters, 3 of 4 classes, not common, not containing the
//! username or the unit's name, never truncated) and Argon2id hashing off the async threads.

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::PasswordHash;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// A few hundred of the passwords most often tried against Chinese and English logins.
const COMMON: &str = include_str!("common_passwords.txt");

/// Returns the first rule the password breaks, in Chinese, or None when it is acceptable.
pub fn check_policy(password: &str, username: &str, unit_name: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Some(format!("密码至少 {MIN_LEN} 位"));
    }
    if len > MAX_LEN {
        return Some(format!("密码最多 {MAX_LEN} 位"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|b| **b).count() < 3 {
        return Some("密码须包含大写字母、小写字母、数字、符号中的至少三类".into());
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Some("密码不能包含用户名".into());
    }
    if !unit_name.is_empty() && password.contains(unit_name) {
        return Some("密码不能包含单位名称".into());
    }
    if COMMON.lines().any(|c| c.trim() == lower) {
        return Some("该密码过于常见，请换一个".into());
    }
    None
}

/// Argon2id takes 19 MiB and a core for a fraction of a second per hash. Hashes queue here, as
/// many at once as there are cores: a burst of logins waits its turn instead of taking 19 MiB each
/// (32 at once took the server from 40 to over 200 MiB, kept by the allocator afterwards), and a
/// flood of logins cannot exhaust memory.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4))
});

pub async fn hash(password: String) -> anyhow::Result<String> {
    let _turn = HASHING.acquire().await?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await?
}

/// Verifies in a blocking thread. A malformed stored hash verifies as false.
pub async fn verify(password: String, stored: String) -> bool {
    let Ok(_turn) = HASHING.acquire().await else { return false };
    tokio::task::spawn_blocking(move || verify_now(password.as_bytes(), &stored)).await.unwrap_or(false)
}

/// Argon2's working memory for one verification, given back to the system when dropped. The C
/// library serves a request larger than its highest dynamic mmap threshold (32 MiB on 64-bit)
/// with a mapping of its own that `free` unmaps; a 19 MiB request would come from a thread's
/// arena after the first and stay in the process (keeping buffers between logins instead held
/// 38 MiB for good). So the request is for 33 MiB, of which only the blocks written are ever
/// resident, and only while a hash runs.
fn working_memory(blocks: usize) -> Vec<argon2::Block> {
    const UNMAPPED_ON_FREE: usize = 33 << 20;
    let mut memory = Vec::with_capacity(blocks.max(UNMAPPED_ON_FREE / std::mem::size_of::<argon2::Block>()));
    memory.resize(blocks, argon2::Block::default());
    memory
}

/// What `Argon2::verify_password` does, with the working memory from [`working_memory`]; the
/// outputs are compared in constant time (`phc::Output`'s equality).
fn verify_now(password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let Ok(params) = argon2::Params::try_from(&hash) else { return false };
    let Ok(algorithm) = argon2::Algorithm::try_from(hash.algorithm.as_str()) else { return false };
    let Ok(version) = hash.version.map(argon2::Version::try_from).transpose() else { return false };
    let mut memory = working_memory(params.block_count());
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.len()];
    argon2.hash_password_into_with_memory(password, salt.as_ref(), &mut out, &mut memory[..]).is_ok()
        && argon2::password_hash::phc::Output::new(&out).is_ok_and(|o| &o == expected)
}

/// A hash nobody's password matches, verified for unknown usernames so that "no such user" costs
/// the same time as "wrong password".
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpg";

/// A one-time password that meets the policy, for `gangju admin` without `--password-stdin`.
pub fn one_time() -> String {
    const SETS: [&str; 4] = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#%+=@"];
    let mut out = String::new();
    for i in 0..16 {
        let set = SETS[i % 4].as_bytes();
        let idx = rand::random_range(0..set.len());
        out.push(char::from(set[idx]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rules() {
        assert!(check_policy("Ab1!", "u", "").is_some());
        assert!(check_policy("abcdefgh", "u", "").is_some());
        assert_eq!(check_policy("Zhang-2022x", "li", "第一监狱"), None);
        assert!(check_policy("Wangwu#2022", "wangwu", "").is_some());
        assert!(check_policy("第一监狱Ab1x", "li", "第一监狱").is_some());
        assert!(check_policy("Password1", "li", "").is_some());
        assert!(check_policy(&"Ab1!".repeat(40), "li", "").is_some());
        assert_eq!(check_policy(&one_time(), "li", ""), None);
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("Zhang-2022x".into()).await.unwrap();
        assert!(verify("Zhang-2022x".into(), h.clone()).await);
        assert!(!verify("Zhang-2022y".into(), h).await);
        assert!(!verify("x".into(), DUMMY_HASH.into()).await);
    }

    #[test]
    fn hashes_of_other_costs_verify() {
        // A smaller, then the default, then a smaller cost again: each gets memory of its size.
        let small = argon2::Params::new(4096, 1, 1, None).unwrap();
        let weak = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, small);
        let h = weak.hash_password(b"Zhang-2022x").unwrap().to_string();
        assert!(verify_now(b"Zhang-2022x", &h));
        assert!(!verify_now(b"x", DUMMY_HASH));
        assert!(verify_now(b"Zhang-2022x", &h));
        assert!(!verify_now(b"Zhang-2022y", &h));
        assert!(!verify_now(b"Zhang-2022x", "$argon2id$v=19$m=4096,t=1,p=1$bad"));
    }
}
