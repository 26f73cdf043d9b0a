//! The work-report template language: a title line and a body of lines — `# ` a first-level
//! heading, `## ` a second-level one, anything else a paragraph — with placeholders `{{key}}` for a
//! figure of the catalogue, `{{key|余}}` or `{{key|以上}}` for the rounding reports use ("20余",
//! "2500余", "95%以上": a way of writing the same number, never a different one), and `{{year}}`,
//! `{{from}}`, `{{to}}`, `{{unit}}` for the period and the unit.

/// One piece of a line: text, or a placeholder with its format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Figure { key: String, format: Format },
    Var(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Exact,
    /// "20余", "2500余": rounded down to the leading digit's place (two leading digits from 1,000).
    About,
    /// "95%以上": a percentage rounded down to a multiple of 5.
    AtLeast,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading1(Vec<Piece>),
    Heading2(Vec<Piece>),
    Paragraph(Vec<Piece>),
}

pub const VARS: &[&str] = &["year", "from", "to", "unit"];

/// Splits a line into pieces; an unclosed `{{` or an unknown format is an error naming it.
pub fn pieces(line: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("{{") {
        if at > 0 {
            out.push(Piece::Text(rest[..at].to_string()));
        }
        let after = &rest[at + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("“{}”缺少 }}}}", &rest[at..].chars().take(20).collect::<String>()))?;
        let inner = after[..end].trim();
        let (key, fmt) = match inner.split_once('|') {
            Some((k, f)) => (k.trim(), f.trim()),
            None => (inner, ""),
        };
        if VARS.contains(&key) {
            out.push(Piece::Var(key.to_string()));
        } else {
            let format = match fmt {
                "" => Format::Exact,
                "余" => Format::About,
                "以上" => Format::AtLeast,
                other => return Err(format!("{{{{{key}|{other}}}}} 的格式“{other}”无法识别（可用：余、以上）")),
            };
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("“{{{{{inner}}}}}”不是有效的指标键名"));
            }
            out.push(Piece::Figure { key: key.to_string(), format });
        }
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    Ok(out)
}

pub fn parse(body: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        out.push(if let Some(h) = line.strip_prefix("## ") {
            Block::Heading2(pieces(h.trim())?)
        } else if let Some(h) = line.strip_prefix("# ") {
            Block::Heading1(pieces(h.trim())?)
        } else {
            Block::Paragraph(pieces(line)?)
        });
    }
    Ok(out)
}

/// Every figure key a template uses, in order of first use.
pub fn keys(title: &[Piece], blocks: &[Block]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let all = blocks.iter().flat_map(|b| match b {
        Block::Heading1(p) | Block::Heading2(p) | Block::Paragraph(p) => p.iter(),
    });
    for p in title.iter().chain(all) {
        if let Piece::Figure { key, .. } = p
            && !out.contains(key)
        {
            out.push(key.clone());
        }
    }
    out
}

/// A value written the way the placeholder asks. `percent` says the value is a rate: a template
/// writes a rate's "%" itself after `{{key}}`, except after `{{key|以上}}`, which writes "95%以上"
/// (the sign goes before 以上).
pub fn format(value: i64, format: Format, percent: bool) -> String {
    match format {
        Format::Exact => value.to_string(),
        Format::AtLeast => format!("{}{}以上", value - value.rem_euclid(5), if percent { "%" } else { "" }),
        Format::About => {
            if value < 10 {
                value.to_string()
            } else {
                let digits = value.to_string().len() as u32;
                let keep = if digits >= 4 { 2 } else { 1 };
                let step = 10_i64.pow(digits - keep);
                let floor = value - value % step;
                format!("{floor}余")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_formats() {
        let p = pieces("新成立{{branches_founded}}个支部，{{x|余}}次，{{r|以上}}，{{year}}年").unwrap();
        assert_eq!(p.len(), 9);
        assert_eq!(p[1], Piece::Figure { key: "branches_founded".into(), format: Format::Exact });
        assert_eq!(p[3], Piece::Figure { key: "x".into(), format: Format::About });
        assert_eq!(p[7], Piece::Var("year".into()));
        assert_eq!(p[8], Piece::Text("年".into()));
        assert!(pieces("{{x|大约}}").unwrap_err().contains("大约"));
        assert!(pieces("未闭合 {{x").is_err());
        assert_eq!(format(23, Format::About, false), "20余");
        assert_eq!(format(2537, Format::About, false), "2500余");
        assert_eq!(format(7, Format::About, false), "7");
        assert_eq!(format(97, Format::AtLeast, true), "95%以上");
        assert_eq!(format(45, Format::Exact, false), "45");
        assert_eq!(format(96, Format::Exact, true), "96", "the template writes the % after it");
        assert_eq!(format(94, Format::AtLeast, false), "90以上");
    }

    #[test]
    fn blocks_and_keys() {
        let b = parse("# 一、标题{{a}}\n\n## （一）小节\n正文{{b}}和{{a|余}}").unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(keys(&[], &b), vec!["a".to_string(), "b".to_string()]);
    }
}
