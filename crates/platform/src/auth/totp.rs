//! The second factor (SECURITY.md: "TOTP with SM3"): RFC 6238's time-based one-time code with
//! HMAC-SM3 in place of HMAC-SHA1, 6 digits, 30-second steps. The shared secret is 20 random
//! bytes, shown to the user once in Base32 (what tokens and authenticator apps take) and stored
//! sealed with SM4. A code is accepted one step either side of the server's clock, and never twice.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use sm3::Sm3;

pub const STEP_MS: i64 = 30_000;
const DIGITS: u32 = 6;
const SECRET_BYTES: usize = 20;

/// A fresh secret in Base32, grouped by four for typing.
pub fn new_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    group(&BASE32_NOPAD.encode(&bytes))
}

fn group(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// The key bytes of a Base32 secret as typed (spaces and case ignored); `None` unless it is
/// exactly a secret of the length this system issues.
pub fn decode(secret: &str) -> Option<Vec<u8>> {
    let clean: String = secret.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    let bytes = BASE32_NOPAD.decode(clean.as_bytes()).ok()?;
    (bytes.len() == SECRET_BYTES).then_some(bytes)
}

/// The code for one time step.
pub fn code_at(key: &[u8], step: i64) -> String {
    let Ok(mut mac) = <Hmac<Sm3> as KeyInit>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    format!("{:0width$}", truncate(&digest) % 10u32.pow(DIGITS), width = DIGITS as usize)
}

/// RFC 4226's dynamic truncation: 31 bits read at the offset the last byte's low nibble names.
fn truncate(mac: &[u8]) -> u32 {
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let b = |i: usize| u32::from(mac.get(offset + i).copied().unwrap_or(0));
    (b(0) & 0x7f) << 24 | b(1) << 16 | b(2) << 8 | b(3)
}

pub fn step_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(STEP_MS)
}

/// The step `code` belongs to, if it is the code of the current step or one either side and
/// later than `last_step` (the step of the last code accepted for this account).
pub fn check(key: &[u8], code: &str, now_ms: i64, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(now_ms);
    (now - 1..=now + 1).filter(|s| *s > last_step).find(|s| {
        let expected = code_at(key, *s);
        bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()))
    })
}

/// The provisioning address tokens and apps read (`otpauth://`), naming the algorithm.
pub fn uri(secret: &str, username: &str) -> String {
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    let clean: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    format!(
        "otpauth://totp/{}:{}?secret={clean}&issuer={}&algorithm=SM3&digits={DIGITS}&period={}",
        enc("纲举"),
        enc(username),
        enc("纲举"),
        STEP_MS / 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_follows_rfc_4226() {
        // RFC 4226 §5.4: this HMAC value truncates to 0x50ef7f19, i.e. 872921 in six digits.
        let mac = hex::decode("1f8698690e02ca16618550ef7f19da8e945b555a").unwrap_or_default();
        assert_eq!(truncate(&mac), 0x50ef_7f19);
        assert_eq!(truncate(&mac) % 1_000_000, 872_921);
    }

    #[test]
    fn codes_are_six_digits_and_accepted_once_within_a_step_either_side() {
        let secret = new_secret();
        let key = decode(&secret).unwrap_or_default();
        assert_eq!(key.len(), 20);
        assert_eq!(decode(&secret.to_lowercase().replace(' ', "")), Some(key.clone()));
        assert_eq!(decode("ABC"), None);
        let now = 1_700_000_000_000;
        let step = step_of(now);
        let code = code_at(&key, step);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(check(&key, &code, now, 0), Some(step));
        assert_eq!(check(&key, &code, now + STEP_MS, 0), Some(step), "one step late is accepted");
        assert_eq!(check(&key, &code, now + 2 * STEP_MS, 0), None, "two steps late is not");
        assert_eq!(check(&key, &code, now, step), None, "a code is not accepted twice");
        assert_eq!(check(&key, "12345", now, 0), None);
        assert_eq!(check(&key, "12a456", now, 0), None);
    }
}
