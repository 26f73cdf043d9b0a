//! Form bodies as the handlers decode them: a urlencoded body through `FormPairs`, the same bytes
//! as a JSON API body through `form_from_json` and `pairs_from_json`, and every decoded value
//! through the `FormCheck` validators.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Json;
use axum::body::Body;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::{Request, header};
use libfuzzer_sys::fuzz_target;
use platform::web::form::{FormCheck, FormPairs, form_from_json, pairs_from_json};
use serde_json::Value;

const CHOICES: [(&str, &str); 3] = [("open", "公开"), ("internal", "内部"), ("1", "是")];
/// (min, max) pairs as the handlers use them; every caller has 0 <= min <= max.
const RANGES: [(i64, i64); 5] = [(0, 100), (1, 5), (2000, 2100), (0, 1_000_000_000), (1, 9999)];
const MAXES: [usize; 4] = [1, 5, 20, 200];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().unwrap())
}

/// The extractor result a JSON API handler gets for this body.
fn json_body(data: &[u8]) -> Result<Json<Value>, JsonRejection> {
    let request = Request::builder()
        .method("POST")
        .uri("/api/x")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(data.to_vec()))
        .unwrap();
    runtime().block_on(Json::<Value>::from_request(request, &()))
}

fn bad_char(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Every validator on one value; `n` varies the limits and flags.
fn validate(value: &str, n: usize) {
    let max = MAXES[n % MAXES.len()];
    let required = n % 2 == 0;
    let (min_i, max_i) = RANGES[n % RANGES.len()];
    let trimmed = value.trim();
    let mut check = FormCheck::new();

    let text = check.text("text", "名称", value, max, required);
    let long = check.long_text("long", "说明", value, max, required);
    for (field, out, multiline) in [("text", &text, false), ("long", &long, true)] {
        assert_eq!(out, trimmed);
        if !check.errors.contains_key(field) {
            assert!(out.chars().count() <= max, "{field}: {out:?} longer than {max}");
            assert!(!out.chars().any(|c| bad_char(c, multiline)), "{field}: {out:?}");
            assert!(!required || !out.is_empty());
        }
    }

    let int = check.int("int", "数量", value, min_i, max_i);
    if check.errors.contains_key("int") {
        assert_eq!(int, 0);
    } else {
        assert!((min_i..=max_i).contains(&int), "{int} outside {min_i}..={max_i} for {value:?}");
        assert!(trimmed.is_empty() || trimmed.parse::<i64>() == Ok(int));
    }

    match check.opt_id("id", "单位", value) {
        Some(id) => assert_eq!(trimmed.parse::<i64>(), Ok(id)),
        None => assert_eq!(trimmed.is_empty(), !check.errors.contains_key("id")),
    }

    match check.date("date", "日期", value, required) {
        Some(date) => {
            assert!(!check.errors.contains_key("date"));
            // What a date prints as reads back as the same date.
            assert_eq!(FormCheck::new().date("d", "日期", &date.to_string(), true), Some(date));
        }
        None => assert_eq!(check.errors.contains_key("date"), !trimmed.is_empty() || required),
    }

    let mobile = check.mobile("mobile", "手机", value);
    if !check.errors.contains_key("mobile") {
        assert!(
            mobile.is_empty()
                || (mobile.len() == 11 && mobile.starts_with('1') && mobile.bytes().all(|b| b.is_ascii_digit())),
            "{mobile:?}"
        );
    }

    let code = check.code("code", "编码", value, max);
    if !check.errors.contains_key("code") {
        assert!(!code.is_empty() && code.chars().count() <= max, "{code:?}");
        assert!(code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{code:?}");
    }

    let choice = check.choice("choice", "密级", value, &CHOICES);
    if check.errors.contains_key("choice") {
        assert!(choice.is_empty());
    } else {
        assert!(CHOICES.iter().any(|(c, _)| *c == choice));
    }

    let _ = check.rich_text("rich", "内容", value, max * 10, required);
    assert_eq!(check.ok(), check.errors.is_empty());
    let _ = check.finish();
}

fn check_pairs(pairs: &FormPairs) {
    let all = pairs.prefixed("");
    for (i, (key, value)) in all.iter().enumerate().take(50) {
        let first = all.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
        assert_eq!(pairs.get(key), first);
        assert!(pairs.has(key, value));
        let values = pairs.all(key, 3);
        assert!(values.len() <= 3 && values.first() == Some(&first));
        let ids = pairs.ids(key, 3);
        assert!(ids.len() <= values.len());
        let prefix: String = key.chars().take(2).collect();
        for (rest, _) in pairs.prefixed(&prefix) {
            assert!(all.iter().any(|(k, _)| *k == format!("{prefix}{rest}")));
        }
        if i < 8 {
            validate(value, i);
            validate(key, i + 1);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let pairs = FormPairs::parse(&text);
    let segments = text.split('&').filter(|kv| kv.contains('=')).count();
    assert_eq!(pairs.prefixed("").len(), segments.min(5000));
    check_pairs(&pairs);
    validate(&text, data.len());

    let parsed = serde_json::from_slice::<Value>(data);
    let form = form_from_json::<BTreeMap<String, String>>(json_body(data));
    // An object of scalars is always taken, each value as its text.
    if let Ok(Value::Object(map)) = &parsed {
        if map.values().all(|v| !v.is_array() && !v.is_object()) {
            let Ok(form) = &form else { panic!("object of scalars refused: {map:?}") };
            for (key, value) in map {
                let expected = match value {
                    Value::Null => String::new(),
                    Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    _ => unreachable!(),
                };
                assert_eq!(form.get(key), Some(&expected));
            }
        }
    }
    if let Ok(form) = &form {
        for (i, value) in form.values().enumerate().take(8) {
            validate(value, i);
        }
    }
    if let Ok(pairs) = pairs_from_json(json_body(data)) {
        assert!(parsed.is_ok());
        check_pairs(&pairs);
    }
});
