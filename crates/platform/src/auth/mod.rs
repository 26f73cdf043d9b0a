//! Identity: passwords, login with lockout, database-backed sessions and bearer tokens, CSRF.

pub mod layer;
pub mod login;
pub mod password;
pub mod second_factor;
pub mod session;
pub mod totp;

pub const SESSION_COOKIE: &str = "gj_sid";
pub const PRE_COOKIE: &str = "gj_pre";
