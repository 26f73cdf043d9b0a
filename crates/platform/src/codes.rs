//! Code lists: each entry is (stored code, Chinese label), in ladder order where order matters.
//! Every area declares its lists as `Codes` and shows and reads them through these functions.

pub type Codes = &'static [(&'static str, &'static str)];

/// The label of a code ("" for an unknown one).
pub fn label(codes: Codes, code: &str) -> &'static str {
    codes.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("")
}

/// The code for a label or a code (what a spreadsheet cell holds).
pub fn code_of(codes: Codes, label_or_code: &str) -> Option<&'static str> {
    let v = label_or_code.trim();
    codes.iter().find(|(c, l)| *l == v || *c == v).map(|(c, _)| *c)
}
