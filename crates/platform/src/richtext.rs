//! Rich text (会议记录、活动内容 …): what a form posts is cleaned once, on the way in, against a
//! short allow-list of formatting tags, and cleaned again when shown, so a row written before a
//! rule changed is never trusted as it stands. Plain text (an API client, a row from before rich
//! text) becomes paragraphs. No styles, scripts, images, frames or event attributes survive;
//! links keep only http(s) and relative targets and open nothing with the page's opener.

use ammonia::Builder;
use std::collections::HashSet;
use std::sync::OnceLock;

const TAGS: &[&str] = &[
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "span",
    "div",
];

fn cleaner() -> &'static Builder<'static> {
    static B: OnceLock<Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = Builder::default();
        b.tags(TAGS.iter().copied().collect::<HashSet<_>>())
            .generic_attributes(HashSet::new())
            .tag_attributes(
                [("a", ["href"].into_iter().collect()), ("td", ["colspan", "rowspan"].into_iter().collect())]
                    .into_iter()
                    .collect(),
            )
            .url_schemes(["http", "https"].into_iter().collect())
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        b
    })
}

/// The stored form of what a user typed: sanitised HTML. Text without any tag is taken as plain
/// text, one paragraph per line.
pub fn clean(input: &str) -> String {
    let input = input.trim();
    if input.is_empty() {
        return String::new();
    }
    if !looks_like_html(input) {
        return paragraphs(input);
    }
    cleaner().clean(input).to_string().trim().to_string()
}

/// For showing a stored value with `|safe`: the same cleaning once more.
pub fn render(stored: &str) -> String {
    clean(stored)
}

/// The words without the markup, for search, exports and summaries.
pub fn to_text(stored: &str) -> String {
    if !looks_like_html(stored) {
        return stored.trim().to_string();
    }
    let mut out = String::with_capacity(stored.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for ch in stored.chars() {
        match (in_tag, ch) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or("").to_ascii_lowercase();
                if matches!(name.as_str(), "p" | "br" | "li" | "h3" | "h4" | "tr" | "div" | "blockquote")
                    && !out.ends_with('\n')
                    && !out.is_empty()
                {
                    out.push('\n');
                } else if matches!(name.as_str(), "td" | "th") && !out.ends_with([' ', '\n']) && !out.is_empty() {
                    out.push(' ');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    unescape(out.trim())
}

/// A tag opens (`<p`, `</`, `<!`) and a `>` closes something after it; "a<b & c" stays text.
fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2)
        .position(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
        .is_some_and(|at| b[at..].contains(&b'>'))
}

fn paragraphs(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect::<Vec<_>>()
        .join("")
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_handlers_are_removed() {
        let dirty = r#"<p style="color:red" onclick="x()">议题<script>alert(1)</script><img src=x onerror=alert(1)></p><iframe src="//e"></iframe><a href="javascript:alert(1)">链接</a>"#;
        let c = clean(dirty);
        for bad in ["script", "style", "onclick", "img", "onerror", "iframe", "javascript"] {
            assert!(!c.contains(bad), "{bad} survived in {c}");
        }
        assert!(c.contains("<p>议题"), "{c}");
        assert!(c.contains("链接"), "{c}");
    }

    #[test]
    fn formatting_is_kept_and_cleaning_is_stable() {
        let c = clean("<h3>一、学习</h3><p><strong>重点</strong>内容</p><ul><li>甲</li><li>乙</li></ul>");
        assert_eq!(c, "<h3>一、学习</h3><p><strong>重点</strong>内容</p><ul><li>甲</li><li>乙</li></ul>");
        assert_eq!(clean(&c), c);
        assert_eq!(to_text(&c), "一、学习\n重点内容\n甲\n乙");
    }

    #[test]
    fn plain_text_becomes_escaped_paragraphs() {
        let c = clean("第一行 a<b & c\n\n第二行");
        assert_eq!(c, "<p>第一行 a&lt;b &amp; c</p><p>第二行</p>");
        assert_eq!(to_text(&c), "第一行 a<b & c\n第二行");
    }

    #[test]
    fn links_open_nothing() {
        let c = clean(r#"<a href="https://example.org/x" target="_blank">x</a>"#);
        assert!(c.contains(r#"rel="noopener noreferrer""#), "{c}");
        assert!(!c.contains("target"), "{c}");
    }
}
