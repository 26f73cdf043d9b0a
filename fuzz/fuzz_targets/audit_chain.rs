//! The audit-chain reader (`audit::ChainCheck`, the per-row part of `audit::verify`).
//!
//! `Chain` builds a valid chain from fuzz-chosen fields, checks that it verifies, applies one
//! mutation and checks the verdict names the right row; `Raw` feeds arbitrary rows and head.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use platform::audit::{AuditRow, ChainCheck, Verdict};

const MAX_ROWS: usize = 8;

#[derive(Arbitrary, Debug)]
struct Fields {
    at: i64,
    user_id: Option<i64>,
    username: String,
    role: String,
    unit_id: Option<i64>,
    addr: String,
    event: String,
    object_type: String,
    object_id: String,
    detail: String,
    result: String,
    request_id: String,
}

impl Fields {
    fn row(self, seq: i64, mac: String) -> AuditRow {
        AuditRow {
            seq,
            at: self.at,
            user_id: self.user_id,
            username: self.username,
            role: self.role,
            unit_id: self.unit_id,
            addr: self.addr,
            event: self.event,
            object_type: self.object_type,
            object_id: self.object_id,
            detail: self.detail,
            result: self.result,
            request_id: self.request_id,
            mac,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct RawRow {
    seq: i64,
    fields: Fields,
    mac: String,
}

#[derive(Arbitrary, Debug)]
enum Mutation {
    /// One byte of a text field (or the row's MAC), replaced; lossy UTF-8 afterwards.
    TextByte {
        row: u8,
        field: u8,
        pos: u16,
        byte: u8,
    },
    /// `at`, `user_id` or `unit_id`.
    Number {
        row: u8,
        field: u8,
        value: Option<i64>,
    },
    Seq {
        row: u8,
        seq: i64,
    },
    Drop {
        row: u8,
    },
    Swap {
        a: u8,
        b: u8,
    },
    HeadSeq(i64),
    HeadMacByte {
        pos: u16,
        byte: u8,
    },
    AnchorSeq(u32),
    AnchorMacByte {
        pos: u16,
        byte: u8,
    },
}

#[derive(Arbitrary, Debug)]
enum Input {
    Chain { key: Vec<u8>, anchor_seq: u32, anchor_mac: String, rows: Vec<Fields>, mutation: Mutation },
    Raw { key: Vec<u8>, anchor_seq: i64, anchor_mac: String, rows: Vec<RawRow>, head_seq: i64, head_mac: String },
}

/// What `verify` decides from the rows and head alone.
fn run(key: &[u8], anchor_seq: i64, anchor_mac: &str, rows: &[AuditRow], head_seq: i64, head_mac: &str) -> Verdict {
    let mut check = ChainCheck::new(anchor_seq, anchor_mac.to_owned());
    for row in rows {
        if let Err(broken) = check.step(row, key) {
            return broken;
        }
    }
    match check.finish(head_seq, head_mac) {
        Ok(rows) => Verdict::Ok { rows },
        Err(broken) => broken,
    }
}

/// Replaces one byte; whether the text changed.
fn set_byte(text: &mut String, pos: u16, byte: u8) -> bool {
    let mut bytes = text.clone().into_bytes();
    if bytes.is_empty() {
        bytes.push(byte);
    } else {
        let len = bytes.len();
        bytes[usize::from(pos) % len] = byte;
    }
    let changed = String::from_utf8_lossy(&bytes).into_owned();
    let differs = changed != *text;
    *text = changed;
    differs
}

const TAMPERED: &str = "校验码不符：记录被篡改";
const TAIL: &str = "链尾与记录不符：末尾记录被删除";

fn missing(seq: i64) -> Verdict {
    Verdict::Broken { seq, reason: format!("缺少第 {seq} 条记录") }
}

fn broken(seq: i64, reason: &str) -> Verdict {
    Verdict::Broken { seq, reason: reason.to_owned() }
}

fn chain(key: &[u8], anchor_seq: i64, mut anchor_mac: String, fields: Vec<Fields>, mutation: Mutation) {
    let mut rows: Vec<AuditRow> = Vec::new();
    for (i, f) in fields.into_iter().take(MAX_ROWS).enumerate() {
        let prev = rows.last().map_or(anchor_mac.as_str(), |r| r.mac.as_str());
        let mut row = f.row(anchor_seq + 1 + i as i64, String::new());
        row.mac = row.compute_mac(key, prev);
        rows.push(row);
    }
    let n = rows.len();
    let end = anchor_seq + n as i64;
    let mut head_seq = end;
    let mut head_mac = rows.last().map_or(anchor_mac.clone(), |r| r.mac.clone());
    let valid = Verdict::Ok { rows: n as i64 };
    assert_eq!(run(key, anchor_seq, &anchor_mac, &rows, head_seq, &head_mac), valid);

    let seq_of = |i: usize| anchor_seq + 1 + i as i64;
    let mut anchor = anchor_seq;
    let expected = match mutation {
        Mutation::TextByte { row, field, pos, byte } if n > 0 => {
            let i = usize::from(row) % n;
            let r = &mut rows[i];
            let text = match field % 10 {
                0 => &mut r.username,
                1 => &mut r.role,
                2 => &mut r.addr,
                3 => &mut r.event,
                4 => &mut r.object_type,
                5 => &mut r.object_id,
                6 => &mut r.detail,
                7 => &mut r.result,
                8 => &mut r.request_id,
                _ => &mut r.mac,
            };
            if set_byte(text, pos, byte) { broken(seq_of(i), TAMPERED) } else { valid }
        }
        Mutation::Number { row, field, value } if n > 0 => {
            let i = usize::from(row) % n;
            let r = &mut rows[i];
            let changed = match field % 3 {
                0 => std::mem::replace(&mut r.at, value.unwrap_or_default()) != r.at,
                1 => std::mem::replace(&mut r.user_id, value) != r.user_id,
                _ => std::mem::replace(&mut r.unit_id, value) != r.unit_id,
            };
            if changed { broken(seq_of(i), TAMPERED) } else { valid }
        }
        Mutation::Seq { row, seq } if n > 0 => {
            let i = usize::from(row) % n;
            if std::mem::replace(&mut rows[i].seq, seq) != seq { missing(seq_of(i)) } else { valid }
        }
        Mutation::Drop { row } if n > 0 => {
            let i = usize::from(row) % n;
            rows.remove(i);
            if i + 1 == n { broken(seq_of(i), TAIL) } else { missing(seq_of(i)) }
        }
        Mutation::Swap { a, b } if n > 0 => {
            let (a, b) = (usize::from(a) % n, usize::from(b) % n);
            rows.swap(a, b);
            if a == b { valid } else { missing(seq_of(a.min(b))) }
        }
        Mutation::HeadSeq(seq) => {
            head_seq = seq;
            if seq == end { valid } else { broken(end + 1, TAIL) }
        }
        Mutation::HeadMacByte { pos, byte } => {
            if set_byte(&mut head_mac, pos, byte) {
                broken(end + 1, TAIL)
            } else {
                valid
            }
        }
        Mutation::AnchorSeq(seq) => {
            anchor = i64::from(seq);
            if anchor == anchor_seq {
                valid
            } else if n > 0 {
                missing(anchor + 1)
            } else {
                broken(anchor + 1, TAIL)
            }
        }
        Mutation::AnchorMacByte { pos, byte } => {
            if !set_byte(&mut anchor_mac, pos, byte) {
                valid
            } else if n > 0 {
                broken(anchor_seq + 1, TAMPERED)
            } else {
                broken(anchor_seq + 1, TAIL)
            }
        }
        // A row mutation on an empty chain changes nothing.
        _ => valid,
    };
    assert_eq!(run(key, anchor, &anchor_mac, &rows, head_seq, &head_mac), expected);
}

fuzz_target!(|input: Input| match input {
    Input::Chain { key, anchor_seq, anchor_mac, rows, mutation } => {
        chain(&key, i64::from(anchor_seq), anchor_mac, rows, mutation);
    }
    Input::Raw { key, anchor_seq, anchor_mac, rows, head_seq, head_mac } => {
        let rows: Vec<AuditRow> = rows.into_iter().take(MAX_ROWS).map(|r| r.fields.row(r.seq, r.mac)).collect();
        if let Verdict::Ok { rows: count } = run(&key, anchor_seq, &anchor_mac, &rows, head_seq, &head_mac) {
            assert_eq!(count, rows.len() as i64);
        }
    }
});
