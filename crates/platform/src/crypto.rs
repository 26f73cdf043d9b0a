//! Field encryption at rest (SM4) and blind indexes (HMAC-SM3), per GB/T 39786. The key lives
//! outside the database (`keys::Keys::field`), so a copied database alone reveals no ID numbers or
//! petition details.

use hmac::{Hmac, KeyInit, Mac};
use sm4::cipher::{KeyIvInit, StreamCipher};

type Sm4Ctr = ctr::Ctr128BE<sm4::Sm4>;
type HmacSm3 = Hmac<sm3::Sm3>;

/// Bound into the MAC as well as the prefix, so a future format cannot be confused with this one.
const VERSION: &str = "v1";
const NONCE_LEN: usize = 16;
const TAG_LEN: usize = 32;
const MAC_LABEL: &[u8] = b"gangju-field-mac";
const INDEX_LABEL: &[u8] = b"gangju-blind-index";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("加密数据已损坏或密钥不符")]
    Corrupt,
}

/// Encrypts `plain` for storage: "v1:" + hex(nonce(16) || ciphertext || tag(32)).
/// SM4-CTR under a fresh random nonce, then HMAC-SM3 over "v1" || nonce || ciphertext
/// (encrypt-then-MAC) so that any changed byte is detected before decrypting.
pub fn seal(key: &[u8; 16], plain: &str) -> String {
    // 128 random bits make a repeated counter block (which would leak the XOR of two plaintexts)
    // negligible for the number of fields this system will ever write under one key.
    let nonce: [u8; NONCE_LEN] = rand::random();
    let mut body = plain.as_bytes().to_vec();
    Sm4Ctr::new(key.into(), &nonce.into()).apply_keystream(&mut body);
    let tag = tag_mac(key, &nonce, &body).finalize().into_bytes();

    let mut out = Vec::with_capacity(NONCE_LEN + body.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&body);
    out.extend_from_slice(&tag);
    format!("{VERSION}:{}", hex::encode(out))
}

/// Decrypts what `seal` made; any tampering, wrong key, bad hex or unknown version is an error.
pub fn open(key: &[u8; 16], sealed: &str) -> Result<String, CryptoError> {
    let hex_part = sealed.strip_prefix(VERSION).and_then(|s| s.strip_prefix(':')).ok_or(CryptoError::Corrupt)?;
    let bytes = hex::decode(hex_part).map_err(|_| CryptoError::Corrupt)?;
    let (nonce, rest) = bytes.split_first_chunk::<NONCE_LEN>().ok_or(CryptoError::Corrupt)?;
    let (body, tag) = rest.split_last_chunk::<TAG_LEN>().ok_or(CryptoError::Corrupt)?;
    // Constant-time comparison, and before decrypting: unauthenticated CTR output must never be used.
    tag_mac(key, nonce, body).verify_slice(tag).map_err(|_| CryptoError::Corrupt)?;

    let mut plain = body.to_vec();
    Sm4Ctr::new(key.into(), nonce.into()).apply_keystream(&mut plain);
    String::from_utf8(plain).map_err(|_| CryptoError::Corrupt)
}

/// A deterministic keyed digest for finding and de-duplicating an encrypted value without
/// decrypting it (e.g. "is this ID number already on the roster?"): hex(HMAC-SM3(index key, value)),
/// the value trimmed and upper-cased so "…002x" and "…002X" meet.
pub fn blind_index(key: &[u8; 16], value: &str) -> String {
    let mut mac = hmac_sm3(&derive(key, INDEX_LABEL));
    mac.update(value.trim().to_uppercase().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn tag_mac(key: &[u8; 16], nonce: &[u8; NONCE_LEN], body: &[u8]) -> HmacSm3 {
    let mut mac = hmac_sm3(&derive(key, MAC_LABEL));
    mac.update(VERSION.as_bytes());
    mac.update(nonce);
    mac.update(body);
    mac
}

/// Separate keys per purpose, so an index value can never serve as (or reveal) a MAC tag.
fn derive(key: &[u8; 16], label: &[u8]) -> [u8; 32] {
    let mut mac = hmac_sm3(key);
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// HMAC zero-pads a short key to the 64-byte SM3 block (RFC 2104), so padding it here gives the
/// same HMAC through the infallible constructor; the const assertion rules out longer keys.
fn hmac_sm3<const N: usize>(key: &[u8; N]) -> HmacSm3 {
    const { assert!(N <= 64) };
    let mut block = [0u8; 64];
    block[..N].copy_from_slice(key);
    HmacSm3::new(&block.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 16] = *b"0123456789abcdef";
    const OTHER: [u8; 16] = *b"fedcba9876543210";

    fn block(hex_text: &str) -> [u8; 16] {
        hex::decode(hex_text).unwrap().try_into().unwrap()
    }

    #[test]
    fn sm4_matches_gb_t_32907_example() {
        use sm4::cipher::BlockCipherEncrypt;
        let key = block("0123456789abcdeffedcba9876543210");
        let mut data = key.into();
        sm4::Sm4::new(&key.into()).encrypt_block(&mut data);
        assert_eq!(hex::encode(data), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn ctr_keystream_starts_with_sm4_of_the_nonce() {
        // Ties the CTR wiring to the standard cipher: the first keystream block is E_K(counter block).
        let key = block("0123456789abcdeffedcba9876543210");
        let mut stream = [0u8; 16];
        Sm4Ctr::new(&key.into(), &key.into()).apply_keystream(&mut stream);
        assert_eq!(hex::encode(stream), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn padded_hmac_equals_library_short_key_hmac() {
        let mut ours = hmac_sm3(&KEY);
        let mut theirs = HmacSm3::new_from_slice(&KEY).unwrap();
        ours.update(b"abc");
        theirs.update(b"abc");
        assert_eq!(ours.finalize().into_bytes(), theirs.finalize().into_bytes());
    }

    #[test]
    fn round_trip() {
        for plain in ["", "申诉内容：对减刑裁定有异议，请求复查。", "11010519491231002X"] {
            let sealed = seal(&KEY, plain);
            assert!(sealed.starts_with("v1:"));
            assert_eq!(open(&KEY, &sealed).unwrap(), plain);
        }
    }

    #[test]
    fn nonce_is_fresh_each_time() {
        assert_ne!(seal(&KEY, "同一内容"), seal(&KEY, "同一内容"));
    }

    #[test]
    fn any_changed_character_is_detected() {
        let sealed = seal(&KEY, "谈话记录");
        for (i, c) in sealed.char_indices() {
            let replacement = if c == '0' { "1" } else { "0" };
            let mut tampered = sealed.clone();
            tampered.replace_range(i..i + c.len_utf8(), replacement);
            assert!(open(&KEY, &tampered).is_err(), "change at {i} went unnoticed");
        }
        assert!(open(&KEY, &sealed[..sealed.len() - 2]).is_err());
        assert!(open(&KEY, &format!("{sealed}00")).is_err());
    }

    #[test]
    fn wrong_key_fails() {
        assert!(matches!(open(&OTHER, &seal(&KEY, "机密")), Err(CryptoError::Corrupt)));
    }

    #[test]
    fn unknown_version_and_garbage_fail() {
        let sealed = seal(&KEY, "机密");
        assert!(open(&KEY, &sealed.replacen("v1:", "v2:", 1)).is_err());
        for garbage in ["", "v1:", "v1:zz", "v1:abc", "v1", "机密", "v1:00"] {
            assert!(open(&KEY, garbage).is_err(), "{garbage:?} accepted");
        }
        // Long enough to split, but the tag cannot match.
        assert!(open(&KEY, &format!("v1:{}", "00".repeat(NONCE_LEN + TAG_LEN + 4))).is_err());
    }

    #[test]
    fn blind_index_is_stable_keyed_and_normalised() {
        let a = blind_index(&KEY, "11010519491231002X");
        assert_eq!(a, blind_index(&KEY, "11010519491231002X"));
        assert_eq!(a, blind_index(&KEY, " 11010519491231002x "));
        assert_ne!(a, blind_index(&OTHER, "11010519491231002X"));
        assert_ne!(a, blind_index(&KEY, "110105194912310021"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn index_and_mac_keys_differ() {
        assert_ne!(derive(&KEY, MAC_LABEL), derive(&KEY, INDEX_LABEL));
    }
}
