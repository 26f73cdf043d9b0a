//! Question kinds, how an answer is written down, and marking. Options are stored in their
//! canonical order and answers refer to them by letter (A = the first); a sitting shows them in
//! its own order but what the browser posts back is always the canonical letter, so the display
//! order says nothing about the key.

pub use platform::codes::{Codes, label};

pub const KINDS: Codes = &[("single", "单选题"), ("multiple", "多选题"), ("judge", "判断题"), ("fill", "填空题")];

pub const DIFFICULTIES: Codes = &[("1", "易"), ("2", "中"), ("3", "难")];

pub fn letter(i: usize) -> char {
    (b'A' + (i as u8).min(25)) as char
}

/// Letters A.. of the given canonical indices, sorted and without repeats ("CA" → "AC").
pub fn letters(mut idx: Vec<usize>) -> String {
    idx.sort_unstable();
    idx.dedup();
    idx.into_iter().map(letter).collect()
}

/// The canonical form of a typed or posted answer for a kind with `n_options` options; None when
/// it is not a valid answer of that kind.
pub fn normalise(kind: &str, raw: &str, n_options: usize) -> Option<String> {
    let v = raw.trim();
    match kind {
        "single" | "multiple" => {
            let mut idx = Vec::new();
            for c in v.chars().filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '、')) {
                let c = c.to_ascii_uppercase();
                if !c.is_ascii_uppercase() {
                    return None;
                }
                let i = (c as u8 - b'A') as usize;
                if i >= n_options {
                    return None;
                }
                idx.push(i);
            }
            let out = letters(idx);
            let ok = match kind {
                "single" => out.len() == 1,
                _ => !out.is_empty(),
            };
            ok.then_some(out)
        }
        "judge" => match v {
            "T" | "t" | "对" | "正确" | "√" | "true" => Some("T".into()),
            "F" | "f" | "错" | "错误" | "×" | "false" => Some("F".into()),
            _ => None,
        },
        "fill" => (!v.is_empty()).then(|| v.to_string()),
        _ => None,
    }
}

/// Accepted answers of a fill-in question: the key lists them separated by "|" (or "｜").
pub fn accepted(key: &str) -> Vec<String> {
    key.split(['|', '｜']).map(fold).filter(|s| !s.is_empty()).collect()
}

/// For comparing fill-in answers: no spaces, full-width letters and digits made half-width,
/// letters in lower case.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `given` (canonical form) answers a question of `kind` whose key is `key`. A multiple
/// choice is right only when exactly the right options are chosen.
pub fn is_correct(kind: &str, key: &str, given: &str) -> bool {
    match kind {
        "fill" => !given.trim().is_empty() && accepted(key).contains(&fold(given)),
        _ => !given.is_empty() && given == key,
    }
}

/// A random order of `n` items (Fisher–Yates), as the comma-separated list a sitting stores.
pub fn shuffled(n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rand::random_range(0..=i);
        v.swap(i, j);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_normalised_per_kind() {
        assert_eq!(normalise("single", " b ", 4), Some("B".into()));
        assert_eq!(normalise("single", "AB", 4), None);
        assert_eq!(normalise("single", "E", 4), None);
        assert_eq!(normalise("multiple", "D、a，C", 4), Some("ACD".into()));
        assert_eq!(normalise("multiple", "", 4), None);
        assert_eq!(normalise("judge", "对", 0), Some("T".into()));
        assert_eq!(normalise("judge", "maybe", 0), None);
        assert_eq!(normalise("fill", "  八项规定 ", 0), Some("八项规定".into()));
    }

    #[test]
    fn marking_of_each_kind() {
        assert!(is_correct("single", "B", "B"));
        assert!(!is_correct("single", "B", "C"));
        assert!(is_correct("multiple", "ACD", "ACD"));
        assert!(!is_correct("multiple", "ACD", "AC"), "a partial choice is wrong");
        assert!(!is_correct("multiple", "ACD", "ABCD"));
        assert!(is_correct("judge", "F", "F"));
        assert!(is_correct("fill", "中央八项规定|八项规定", " 八项 规定"));
        assert!(is_correct("fill", "ＡＢＣ|x", "abc"), "full-width and case folded");
        assert!(!is_correct("fill", "中央八项规定", ""));
    }

    #[test]
    fn a_shuffle_is_a_permutation() {
        let mut s = shuffled(10);
        s.sort_unstable();
        assert_eq!(s, (0..10).collect::<Vec<_>>());
    }
}
