//! Behaviour tests through the public API, in one test binary to keep link
//! time down.

mod csv_input;
mod hostile;
mod roundtrip;

use crate::{Cell, Limits, Row, write_xlsx};

fn row(line: usize, cells: &[&str]) -> Row {
    Row { line, cells: cells.iter().map(|c| (*c).to_owned()).collect() }
}

fn limits() -> Limits {
    Limits::default()
}

/// A small export: title row, header row, two data rows.
fn sample_export() -> Vec<u8> {
    write_xlsx(
        "党员名册",
        "第一党支部党员名册",
        &["姓名", "电话", "年龄", "备注"],
        &[
            vec!["张三".into(), Cell::Int(13_800_000_000), 35.into(), "=1+1".into()],
            vec!["李四".into(), Cell::Empty, Cell::Float(3.0), Some("入党积极分子".to_owned()).into()],
        ],
    )
    .unwrap()
}
