//! Uploads are hostile: whatever the bytes, reading returns, never panics.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{limits, sample_export};
use crate::{Limits, OfficeError, read_table};

const HEADERS: [&str; 2] = ["姓名", "电话"];

/// xorshift64: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn zip_of(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Copies an `.xlsx`, passing the first worksheet's XML through `edit`.
fn with_sheet_xml(xlsx: &[u8], edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        let name = file.name().unwrap().into_owned();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).unwrap();
            let edited = edit(xml.clone());
            assert_ne!(edited, xml, "the edit must apply");
            data = edited.into_bytes();
        }
        entries.push((name, data));
    }
    let entries: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    zip_of(&entries, CompressionMethod::Deflated)
}

#[test]
fn arbitrary_bytes_never_panic() {
    let valid = sample_export();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    // Truncations at every early length and spread over the whole file.
    inputs.extend((0..64).map(|n| valid[..n].to_vec()));
    let step = (valid.len() / 150).max(1);
    inputs.extend((64..valid.len()).step_by(step).map(|n| valid[..n].to_vec()));
    // Random bytes, some dressed up as a zip.
    for _ in 0..150 {
        let len = rng.below(2048);
        let mut bytes = rng.bytes(len);
        if rng.below(2) == 0 {
            bytes.splice(0..0, *b"PK\x03\x04");
        }
        inputs.push(bytes);
    }
    // The valid workbook with a few bytes flipped.
    for _ in 0..150 {
        let mut bytes = valid.clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(bytes.len());
            bytes[at] ^= (rng.next() as u8) | 1;
        }
        inputs.push(bytes);
    }
    assert!(inputs.len() > 400);
    for bytes in &inputs {
        // Returning at all is the assertion; the content is arbitrary.
        let _ = read_table(bytes, &HEADERS, &limits());
    }
}

#[test]
fn hostile_sheet_xml_is_an_error_not_a_panic() {
    let valid = sample_export();
    let edits: [fn(String) -> String; 4] = [
        // Calamine subtracts these without checking.
        |xml| xml.replace(r#"<dimension ref="A1:D4"/>"#, r#"<dimension ref="D4:A1"/>"#),
        |xml| xml.replace(r#"r="A3""#, r#"r="A99999999999""#),
        |xml| xml.replace(r#"r="A3""#, r#"r="AAAAAAAAAAAAAAAA3""#),
        |xml| xml.replace("</sheetData>", ""),
    ];
    for edit in edits {
        let bytes = with_sheet_xml(&valid, edit);
        match read_table(&bytes, &HEADERS, &limits()) {
            Ok(_) | Err(OfficeError::Corrupt(_)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn far_apart_cells_do_not_allocate_a_grid() {
    let far = r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>远</t></is></c></row></sheetData>"#;
    let bytes = with_sheet_xml(&sample_export(), |xml| xml.replace("</sheetData>", far));
    let table = read_table(&bytes, &HEADERS, &limits()).unwrap();
    assert_eq!(table.rows.len(), 2);
}

#[test]
fn highly_compressed_entry_is_a_bomb() {
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let bytes = zip_of(
        &[("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", &zeros)],
        CompressionMethod::Deflated,
    );
    assert!(bytes.len() < 100 * 1024);
    let err = read_table(&bytes, &HEADERS, &limits()).unwrap_err();
    assert_eq!(err, OfficeError::Bomb);
    assert_eq!(err.to_string(), "文件解压后体积异常，已拒绝（可能是恶意文件）");
}

#[test]
fn declared_total_over_the_limit_is_a_bomb() {
    let noise = Rng(7).bytes(600 * 1024);
    let bytes = zip_of(&[("xl/workbook.xml", &noise), ("xl/a.xml", &noise)], CompressionMethod::Stored);
    let one_mib = Limits { max_unzipped_bytes: 1024 * 1024, ..Limits::default() };
    assert_eq!(read_table(&bytes, &HEADERS, &one_mib), Err(OfficeError::Bomb));
    assert!(!matches!(read_table(&bytes, &HEADERS, &limits()), Err(OfficeError::Bomb)));
}

#[test]
fn too_many_entries_is_a_bomb() {
    let names: Vec<String> = (0..10_001).map(|i| format!("f{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let bytes = zip_of(&entries, CompressionMethod::Stored);
    assert_eq!(read_table(&bytes, &HEADERS, &limits()), Err(OfficeError::Bomb));
}

#[test]
fn zip_that_is_not_a_workbook() {
    let odt = zip_of(&[("content.xml", b"<office/>")], CompressionMethod::Deflated);
    assert_eq!(read_table(&odt, &HEADERS, &limits()), Err(OfficeError::NotATable));
    let broken = b"PK\x03\x04 definitely not a zip";
    assert!(matches!(read_table(broken, &HEADERS, &limits()), Err(OfficeError::Corrupt(_))));
}
