use std::io::Cursor;

use zip::ZipArchive;

use crate::{Limits, OfficeError};

/// More entries than any real workbook has; each costs parser work.
const MAX_ENTRIES: usize = 10_000;
/// Entries below this size may compress as well as they like.
const RATIO_CHECK_FROM: u64 = 1024 * 1024;
/// Real sheet XML compresses about 10:1, rarely past 100:1.
const MAX_RATIO: u64 = 200;

/// What the content of an upload says it is; the file name is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Xlsx,
    /// An OLE compound file: a legacy `.xls` or a password-protected `.xlsx`.
    Compound,
    Text,
}

pub(crate) fn sniff(bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"PK\x03\x04") {
        Kind::Xlsx
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Kind::Compound
    } else {
        Kind::Text
    }
}

/// Checks the zip's central directory before any entry is inflated. The sizes
/// it declares are binding: the zip reader refuses to inflate an entry past
/// its declared size, so a lying archive fails instead of exhausting memory.
pub(crate) fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), OfficeError> {
    let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|_| OfficeError::Corrupt("压缩结构不完整".to_owned()))?;
    if archive.len() > MAX_ENTRIES {
        return Err(OfficeError::Bomb);
    }
    let mut total: u64 = 0;
    let mut has_workbook = false;
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(|_| OfficeError::Corrupt("压缩目录无法读取".to_owned()))?;
        let size = entry.size();
        total = total.saturating_add(size);
        if total > limits.max_unzipped_bytes {
            return Err(OfficeError::Bomb);
        }
        if size > RATIO_CHECK_FROM && size / entry.compressed_size().max(1) > MAX_RATIO {
            return Err(OfficeError::Bomb);
        }
        has_workbook |= is_workbook_part(entry.name_raw());
    }
    if has_workbook { Ok(()) } else { Err(OfficeError::NotATable) }
}

/// Matches the way calamine looks parts up: case-insensitive, either slash.
fn is_workbook_part(name: &[u8]) -> bool {
    const WORKBOOK: &[u8] = b"xl/workbook.xml";
    name.len() == WORKBOOK.len()
        && name.iter().map(|b| if *b == b'\\' { b'/' } else { b.to_ascii_lowercase() }).eq(WORKBOOK.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Kind::Xlsx);
        assert_eq!(sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), Kind::Compound);
        assert_eq!(sniff("姓名,电话".as_bytes()), Kind::Text);
    }

    #[test]
    fn workbook_part_name() {
        assert!(is_workbook_part(b"xl/workbook.xml"));
        assert!(is_workbook_part(b"XL\\Workbook.xml"));
        assert!(!is_workbook_part(b"xl/workbook.bin"));
    }
}
