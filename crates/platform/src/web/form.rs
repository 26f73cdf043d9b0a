//! Parse, don't validate: form text becomes typed values with a Chinese message per field.

use crate::error::{AppError, FieldErrors};

#[derive(Default)]
pub struct FormCheck {
    pub errors: FieldErrors,
}

/// Characters never accepted in text: NUL and other controls, and bidi overrides that can make
/// text read differently from what it is.
fn bad_char(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

impl FormCheck {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, msg: impl Into<String>) {
        self.errors.entry(field.to_string()).or_insert_with(|| msg.into());
    }

    fn text_inner(
        &mut self,
        field: &str,
        label: &str,
        value: &str,
        max: usize,
        required: bool,
        multiline: bool,
    ) -> String {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.add(field, format!("请输入{label}"));
            }
            return String::new();
        }
        if v.chars().count() > max {
            self.add(field, format!("{label}最多 {max} 个字"));
        } else if v.chars().any(|c| bad_char(c, multiline)) {
            self.add(field, format!("{label}含有不允许的控制字符"));
        }
        v.to_string()
    }

    /// One line of text, trimmed, at most `max` characters (not bytes).
    pub fn text(&mut self, field: &str, label: &str, value: &str, max: usize, required: bool) -> String {
        self.text_inner(field, label, value, max, required, false)
    }

    /// Several lines (descriptions, minutes).
    pub fn long_text(&mut self, field: &str, label: &str, value: &str, max: usize, required: bool) -> String {
        self.text_inner(field, label, value, max, required, true)
    }

    /// Rich text (minutes, activity content): the limit counts the characters typed, markup
    /// included, and the value returned is the sanitised HTML of `richtext::clean`.
    pub fn rich_text(&mut self, field: &str, label: &str, value: &str, max: usize, required: bool) -> String {
        let v = self.text_inner(field, label, value, max, false, true);
        let clean = crate::richtext::clean(&v);
        if required && crate::richtext::to_text(&clean).trim().is_empty() {
            self.add(field, format!("请输入{label}"));
        }
        clean
    }

    /// A code: letters, digits, `-` and `_`.
    pub fn code(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = self.text(field, label, value, max, true);
        if !v.is_empty() && !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            self.add(field, format!("{label}只能包含字母、数字、- 和 _"));
        }
        v
    }

    /// A mainland mobile number (11 digits starting with 1), or empty when not required.
    pub fn mobile(&mut self, field: &str, label: &str, value: &str) -> String {
        let v = self.text(field, label, value, 20, false);
        let ok = v.len() == 11 && v.starts_with('1') && v.chars().all(|c| c.is_ascii_digit());
        if !v.is_empty() && !ok {
            self.add(field, format!("{label}须为 11 位数字"));
        }
        v
    }

    pub fn int(&mut self, field: &str, label: &str, value: &str, min: i64, max: i64) -> i64 {
        let v = value.trim();
        if v.is_empty() {
            return min.max(0);
        }
        match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            Ok(_) => {
                self.add(field, format!("{label}须在 {min} 到 {max} 之间"));
                0
            }
            Err(_) => {
                self.add(field, format!("{label}须为整数"));
                0
            }
        }
    }

    /// An optional id (a unit, person, plan … chosen in the form): empty is none; anything but a
    /// whole number is a field error, never silently dropped.
    pub fn opt_id(&mut self, field: &str, label: &str, value: &str) -> Option<i64> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.add(field, format!("请选择有效的{label}"));
                None
            }
        }
    }

    /// One of the allowed codes, given as (code, label) pairs.
    pub fn choice(&mut self, field: &str, label: &str, value: &str, allowed: &[(&str, &str)]) -> String {
        let v = value.trim();
        if allowed.iter().any(|(c, _)| *c == v) {
            v.to_string()
        } else {
            self.add(field, format!("请选择有效的{label}"));
            String::new()
        }
    }

    pub fn date(&mut self, field: &str, label: &str, value: &str, required: bool) -> Option<jiff::civil::Date> {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.add(field, format!("请输入{label}"));
            }
            return None;
        }
        match v.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.add(field, format!("{label}不是有效日期（格式：2022-12-31）"));
                None
            }
        }
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Validation(self.errors)) }
    }
}

/// An API body for a form type whose fields are all text: numbers, booleans and nulls in the
/// JSON become text first, so `{"term_years": 3}` and `{"term_years": "3"}` both work and a bad
/// value is a field error from the same checks the page form uses.
pub fn form_from_json<T: serde::de::DeserializeOwned>(
    body: Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<T, AppError> {
    use serde_json::Value;
    fn text(v: Value) -> Value {
        match v {
            Value::Null => Value::String(String::new()),
            Value::Bool(b) => Value::String(if b { "1" } else { "0" }.into()),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Array(a) => Value::Array(a.into_iter().map(text).collect()),
            other => other,
        }
    }
    let axum::Json(v) = body.map_err(|e| {
        AppError::BadRequest(format!("请求体不是有效的 JSON：{}", e.body_text().chars().take(200).collect::<String>()))
    })?;
    let Value::Object(map) = v else {
        return Err(AppError::BadRequest("请求体须为 JSON 对象".into()));
    };
    let map = map.into_iter().map(|(k, v)| (k, text(v))).collect();
    serde_json::from_value(Value::Object(map)).map_err(|e| AppError::BadRequest(format!("请求体字段有误：{e}")))
}

/// An API body as the pairs a page form posts, so one parser checks both: scalars become text,
/// an array repeats its key (`{"partner_ids": [3, 4]}` is `partner_ids=3&partner_ids=4`).
pub fn pairs_from_json(
    body: Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<FormPairs, AppError> {
    use serde_json::Value;
    let map: std::collections::BTreeMap<String, Value> = form_from_json(body)?;
    let text = |v: Value| match v {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let mut pairs = Vec::new();
    for (k, v) in map {
        match v {
            Value::Array(items) => pairs.extend(items.into_iter().take(5000).map(|x| (k.clone(), text(x)))),
            other => pairs.push((k, text(other))),
        }
    }
    Ok(FormPairs(pairs))
}

/// A urlencoded form body whose keys may repeat (ticked checkboxes: `ids=1&ids=2`), which serde's
/// form decoding does not take. Keys and values are decoded; order is kept.
pub struct FormPairs(Vec<(String, String)>);

impl FormPairs {
    pub fn parse(body: &str) -> Self {
        let decode =
            |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        Self(body.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect())
    }

    /// The first value of `key`, or "".
    pub fn get(&self, key: &str) -> String {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every value of `key`, at most `max` of them.
    pub fn all(&self, key: &str, max: usize) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).take(max).collect()
    }

    /// Whether `key` was posted with this value (a ticked checkbox, a chosen option).
    pub fn has(&self, key: &str, value: impl std::fmt::Display) -> bool {
        let v = value.to_string();
        self.0.iter().any(|(k, x)| k == key && *x == v)
    }

    /// Every value of `key` that is a whole number (ids), at most `max`.
    pub fn ids(&self, key: &str, max: usize) -> Vec<i64> {
        self.all(key, max).iter().filter_map(|v| v.trim().parse().ok()).collect()
    }
}

impl FormPairs {
    /// (rest of key, value) for every key starting with `prefix` (e.g. `att_12=present`).
    pub fn prefixed(&self, prefix: &str) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|r| (r.to_string(), v.clone())))
            .take(5000)
            .collect()
    }
}

impl From<Vec<(String, String)>> for FormPairs {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
}
