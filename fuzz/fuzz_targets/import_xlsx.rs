//! Uploaded `.xlsx` workbooks: either the raw bytes (starting `PK\3\4`, mutated from the seed
//! workbooks), or one part of a valid workbook replaced by the input, so the fuzzer reaches the
//! XML parsing behind the zip layer. Any other first byte picks the part (modulo the number of
//! entries in the template workbook, in archive order) and the rest of the input is its content.
#![no_main]

use std::io::{Cursor, Read, Write};
use std::sync::{Once, OnceLock};

use libfuzzer_sys::fuzz_target;
use office::{Cell, Limits, read_table, write_xlsx};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

const HEADERS: [&str; 2] = ["姓名", "电话"];

/// Small enough that the fuzzer reaches every limit.
const LIMITS: Limits =
    Limits { max_bytes: 1024 * 1024, max_rows: 20, max_unzipped_bytes: 4 * 1024 * 1024, max_cell_chars: 16 };

/// The entries of a small valid export, as office writes it.
fn template() -> &'static [(String, Vec<u8>)] {
    static TEMPLATE: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let xlsx = write_xlsx(
            "名册",
            "第一党支部名册",
            &["姓名", "电话", "备注"],
            &[
                vec!["张三".into(), Cell::Int(13_800_000_000), "甲".into()],
                vec!["李四".into(), Cell::Empty, Cell::Float(2.5)],
            ],
        )
        .unwrap();
        let mut archive = ZipArchive::new(Cursor::new(xlsx)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                file.read_to_end(&mut data).unwrap();
                (file.name().unwrap().into_owned(), data)
            })
            .collect()
    })
}

/// office reads a sheet inside `catch_unwind` because calamine panics on some hostile cells
/// (e.g. a dimension `B2:A1`), turning that into an error. libFuzzer's panic hook aborts on any
/// panic, caught or not, so panics raised in calamine's own code are let through to office's
/// handler; every other panic, and any that escapes `read_table`, still aborts as a crash.
fn let_calamine_panics_unwind() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("/calamine-")) {
                abort(info);
            }
        }));
    });
}

fn with_part(part: usize, content: &[u8]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (index, (name, data)) in template().iter().enumerate() {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(if index == part { content } else { data }).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fuzz_target!(|data: &[u8]| {
    let_calamine_panics_unwind();
    let built;
    let bytes = match data.split_first() {
        Some(_) if data.starts_with(b"PK\x03\x04") => data,
        Some((selector, content)) => {
            built = with_part(usize::from(*selector) % template().len(), content);
            &built
        }
        None => return,
    };
    let Ok(table) = read_table(bytes, &HEADERS, &LIMITS) else { return };
    assert!(table.rows.len() <= LIMITS.max_rows);
    for row in &table.rows {
        assert!(row.line >= 1);
        assert_eq!(row.cells.len(), HEADERS.len());
        assert!(row.cells.iter().any(|c| !c.is_empty()), "empty rows are skipped");
        for cell in &row.cells {
            assert_eq!(cell.trim(), cell, "cells are trimmed");
            assert!(cell.chars().count() <= LIMITS.max_cell_chars);
        }
    }
});
