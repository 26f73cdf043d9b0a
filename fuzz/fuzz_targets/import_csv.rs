//! Arbitrary bytes as an uploaded CSV (or whatever `read_table` takes them for).
#![no_main]

use libfuzzer_sys::fuzz_target;
use office::{Limits, read_table};

const HEADERS: [&str; 2] = ["姓名", "电话"];

/// Small enough that the fuzzer reaches every limit.
const LIMITS: Limits =
    Limits { max_bytes: 1024 * 1024, max_rows: 20, max_unzipped_bytes: 4 * 1024 * 1024, max_cell_chars: 16 };

fuzz_target!(|data: &[u8]| {
    let Ok(table) = read_table(data, &HEADERS, &LIMITS) else { return };
    assert!(table.rows.len() <= LIMITS.max_rows);
    // Line numbers count from 1 and only go up; there is no line past the text's last.
    let last_line = data.iter().filter(|b| **b == b'\n' || **b == b'\r').count() + 1;
    let mut previous = 0;
    for row in &table.rows {
        assert!(row.line > previous && row.line <= last_line, "line {} after {previous} (of {last_line})", row.line);
        previous = row.line;
        assert_eq!(row.cells.len(), HEADERS.len());
        assert!(row.cells.iter().any(|c| !c.is_empty()), "empty rows are skipped");
        for cell in &row.cells {
            assert_eq!(cell.trim(), cell, "cells are trimmed");
            assert!(cell.chars().count() <= LIMITS.max_cell_chars);
        }
    }
});
