//! Charts as server-rendered SVG: no chart library, nothing from the internet, and every bar and
//! point a link down to the records it stands for. Every text that goes in is escaped here.

use std::fmt::Write;

/// The palette of the admin style (Element): a segment's tone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Blue,
    Green,
    Orange,
    Red,
    Gray,
}

impl Tone {
    fn fill(self) -> &'static str {
        match self {
            Tone::Blue => "#409EFF",
            Tone::Green => "#67C23A",
            Tone::Orange => "#E6A23C",
            Tone::Red => "#F56C6C",
            Tone::Gray => "#C0C4CC",
        }
    }
}

/// One part of a bar: its value, colour, where it leads and what its tooltip says.
#[derive(Clone, Debug)]
pub struct Segment {
    pub value: i64,
    pub tone: Tone,
    pub href: String,
    pub title: String,
}

/// A labelled bar of one or more segments laid end to end; `note` is written after it.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub segments: Vec<Segment>,
    pub note: String,
}

/// Text for XML: the five special characters escaped, control characters dropped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A label cut to `n` characters (with an ellipsis), counted in characters, not bytes.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n - 1).collect::<String>()) }
}

/// Horizontal bars, one row per `Bar`, scaled to `max` (or the longest bar). `title` names the
/// chart for screen readers.
pub fn bars(title: &str, rows: &[Bar], max: Option<i64>, width: u32) -> String {
    let row_h = 26u32;
    let label_w = 130u32;
    let note_w = 90u32;
    let plot_w = width.saturating_sub(label_w + note_w).max(40);
    let height = row_h * rows.len().max(1) as u32 + 8;
    let longest = rows.iter().map(|b| b.segments.iter().map(|s| s.value.max(0)).sum::<i64>()).max().unwrap_or(0);
    let scale_max = max.unwrap_or(longest).max(1) as f64;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
    if rows.is_empty() {
        let _ = write!(
            out,
            r##"<text x="{}" y="20" text-anchor="middle" fill="#909399" font-size="13">暂无数据</text>"##,
            width / 2
        );
    }
    for (i, b) in rows.iter().enumerate() {
        let y = 4 + i as u32 * row_h;
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#606266">{}</text>"##,
            label_w - 8,
            y + 16,
            esc(&clip(&b.label, 10))
        );
        let _ = write!(out, r##"<rect x="{label_w}" y="{}" width="{plot_w}" height="16" fill="#f5f7fa"/>"##, y + 4);
        let mut x = label_w as f64;
        for s in b.segments.iter().filter(|s| s.value > 0) {
            let w = (s.value as f64 / scale_max * plot_w as f64).max(2.0);
            let _ = write!(
                out,
                r#"<a href="{}"><rect x="{x:.1}" y="{}" width="{w:.1}" height="16" fill="{}"><title>{}</title></rect></a>"#,
                esc(&s.href),
                y + 4,
                s.tone.fill(),
                esc(&s.title)
            );
            x += w;
        }
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="12" fill="#303133">{}</text>"##,
            label_w + plot_w + 6,
            y + 16,
            esc(&b.note)
        );
    }
    out.push_str("</svg>");
    out
}

/// One point of a line: its label on the axis, its value and where it leads.
#[derive(Clone, Debug)]
pub struct Point {
    pub label: String,
    pub value: i64,
    pub href: String,
}

/// A line through the points with each value written over its dot, and a dashed line at the
/// target when there is one.
pub fn line(title: &str, points: &[Point], target: Option<i64>, width: u32, height: u32) -> String {
    let (left, right, top, bottom) = (30.0, 20.0, 22.0, 24.0);
    let plot_w = width as f64 - left - right;
    let plot_h = height as f64 - top - bottom;
    let hi = points.iter().map(|p| p.value).chain(target).max().unwrap_or(0).max(1) as f64;
    let lo = points.iter().map(|p| p.value).chain(target).min().unwrap_or(0).min(0) as f64;
    let span = (hi - lo).max(1.0);
    let x_of = |i: usize| {
        if points.len() <= 1 { left + plot_w / 2.0 } else { left + plot_w * i as f64 / (points.len() - 1) as f64 }
    };
    let y_of = |v: i64| top + plot_h - (v as f64 - lo) / span * plot_h;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
    let _ = write!(
        out,
        r##"<line x1="{left}" y1="{b:.1}" x2="{r:.1}" y2="{b:.1}" stroke="#dcdfe6"/>"##,
        b = top + plot_h,
        r = left + plot_w
    );
    if let Some(t) = target {
        let y = y_of(t);
        let _ = write!(
            out,
            r##"<line x1="{left}" y1="{y:.1}" x2="{r:.1}" y2="{y:.1}" stroke="#E6A23C" stroke-dasharray="4 3"/><text x="{r:.1}" y="{ty:.1}" text-anchor="end" font-size="11" fill="#E6A23C">目标 {t}</text>"##,
            r = left + plot_w,
            ty = y - 4.0
        );
    }
    if points.len() > 1 {
        let path: Vec<String> =
            points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x_of(i), y_of(p.value))).collect();
        let _ =
            write!(out, r##"<polyline points="{}" fill="none" stroke="#409EFF" stroke-width="2"/>"##, path.join(" "));
    }
    for (i, p) in points.iter().enumerate() {
        let (x, y) = (x_of(i), y_of(p.value));
        let _ = write!(
            out,
            r##"<a href="{}"><circle cx="{x:.1}" cy="{y:.1}" r="4" fill="#409EFF"><title>{}：{}</title></circle><text x="{x:.1}" y="{ty:.1}" text-anchor="middle" font-size="11" fill="#303133">{}</text></a><text x="{x:.1}" y="{ly:.1}" text-anchor="middle" font-size="11" fill="#909399">{}</text>"##,
            esc(&p.href),
            esc(&p.label),
            p.value,
            p.value,
            esc(&clip(&p.label, 8)),
            ty = y - 8.0,
            ly = height as f64 - 6.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_bars_link() {
        let rows = vec![Bar {
            label: "<script>alert(1)</script>".into(),
            segments: vec![Segment {
                value: 3, tone: Tone::Red, href: "/x?a=1&b=2".into(), title: "逾期\"3\"".into()
            }],
            note: "3 项".into(),
        }];
        let s = bars("图", &rows, None, 400);
        assert!(!s.contains("<script>") && s.contains("&lt;scr"));
        assert!(s.contains(r#"href="/x?a=1&amp;b=2""#) && s.contains("逾期&quot;3&quot;"));
        assert!(bars("空", &[], None, 400).contains("暂无数据"));
        let l = line("趋势", &[Point { label: "2021".into(), value: 5, href: "/a".into() }], Some(8), 300, 120);
        assert!(l.contains("目标 8") && l.contains(r#"href="/a""#));
    }
}
