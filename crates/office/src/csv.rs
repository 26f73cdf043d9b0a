use std::borrow::Cow;

use crate::table::TableBuilder;
use crate::{Limits, OfficeError, Table};

/// Reads CSV in UTF-8 (with or without BOM), or GB18030 as saved by Excel on
/// a Chinese Windows when the bytes are not valid UTF-8.
pub(crate) fn read(bytes: &[u8], expected: &[&str], limits: &Limits) -> Result<Table, OfficeError> {
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(OfficeError::Empty);
    }
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut builder = TableBuilder::new(expected, limits);
    let mut record = ::csv::StringRecord::new();
    let mut cells = Vec::new();
    let mut lines = LineCounter::default();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Only invalid UTF-8 fails a flexible reader, and the text was
            // decoded already; kept as an error rather than an assumption.
            Err(_) => return Err(OfficeError::Corrupt("CSV 格式有误".to_owned())),
        }
        let offset = record.position().map_or(0, |p| p.byte());
        let line = lines.line_at(text.as_bytes(), usize::try_from(offset).unwrap_or(usize::MAX));
        cells.clear();
        cells.extend(record.iter().map(str::to_owned).enumerate());
        builder.push(line, &cells)?;
    }
    builder.finish()
}

/// The csv reader's own line numbers lag behind (it counts a CRLF only when
/// reading the next record, and blank lines not at all), so the line a record
/// starts on is counted here from the byte offset where its read began.
#[derive(Default)]
struct LineCounter {
    counted_to: usize,
    breaks: usize,
}

impl LineCounter {
    /// Offsets must not decrease between calls.
    fn line_at(&mut self, text: &[u8], offset: usize) -> usize {
        // The read began after the previous record's content, so it first
        // crosses its line ending and any blank lines; a record itself never
        // starts with a line break.
        let start = text
            .get(offset..)
            .and_then(|rest| rest.iter().position(|b| !matches!(b, b'\r' | b'\n')))
            .map_or(text.len(), |skip| offset + skip);
        let span = text.get(self.counted_to..start).unwrap_or_default();
        self.breaks += span
            .iter()
            .enumerate()
            .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && span.get(i + 1) != Some(&b'\n')))
            .count();
        self.counted_to = self.counted_to.max(start);
        self.breaks + 1
    }
}

fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, OfficeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // NUL never occurs in text but fills UTF-16 and binary files.
    if bytes.contains(&0) {
        return Err(OfficeError::NotATable);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(OfficeError::NotATable)?,
    };
    if !looks_like_text(&text) {
        return Err(OfficeError::NotATable);
    }
    Ok(text)
}

/// Binary data that happens to decode still has far more control characters
/// than text; a few strays in a real export are tolerated.
fn looks_like_text(text: &str) -> bool {
    let mut chars = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
            controls += 1;
        }
    }
    controls * 100 <= chars
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_and_gb18030() {
        assert_eq!(decode("\u{FEFF}姓名".as_bytes()).unwrap(), "姓名");
        let (gb, _, _) = encoding_rs::GB18030.encode("支部,党员");
        assert!(std::str::from_utf8(&gb).is_err());
        assert_eq!(decode(&gb).unwrap(), "支部,党员");
    }

    #[test]
    fn binary_is_not_text() {
        assert_eq!(decode(b"a\0b"), Err(OfficeError::NotATable));
        assert_eq!(decode(b"\x01\x02\x03abc"), Err(OfficeError::NotATable));
    }
}
