use std::io::{Cursor, Read};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::{limits, row, sample_export};
use crate::{Cell, Limits, OfficeError, read_table, write_xlsx};

const HEADERS: [&str; 4] = ["姓名", "电话", "年龄", "备注"];

fn sheet_xml(xlsx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    archive.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
    xml
}

/// A workbook laid out like a plain template: header in row 1.
fn template(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    build(workbook.add_worksheet());
    workbook.save_to_buffer().unwrap()
}

#[test]
fn export_reads_back_below_its_title_row() {
    let table = read_table(&sample_export(), &HEADERS, &limits()).unwrap();
    assert_eq!(
        table.rows,
        vec![row(3, &["张三", "13800000000", "35", "'=1+1"]), row(4, &["李四", "", "3", "入党积极分子"]),]
    );
}

#[test]
fn export_layout_has_title_merge_frozen_header_and_filter() {
    let xml = sheet_xml(&sample_export());
    assert!(xml.contains(r#"<mergeCell ref="A1:D1"/>"#), "{xml}");
    assert!(xml.contains(r#"ySplit="2""#), "{xml}");
    assert!(xml.contains(r#"<autoFilter ref="A2:D4"/>"#), "{xml}");
    assert!(!xml.contains("<f>"), "text must never become a formula: {xml}");
    assert!(xml.contains("<cols>"), "column widths are set: {xml}");
}

#[test]
fn columns_in_any_order_and_extra_columns_ignored() {
    let table = read_table(&sample_export(), &["备注", "姓名"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(3, &["'=1+1", "张三"]), row(4, &["入党积极分子", "李四"])]);
}

#[test]
fn missing_header_is_named() {
    let err = read_table(&sample_export(), &["姓名", "身份证号"], &limits()).unwrap_err();
    assert_eq!(err, OfficeError::MissingHeaders(vec!["身份证号".to_owned()]));
    assert_eq!(err.to_string(), "未找到表头，缺少列：身份证号");
}

#[test]
fn template_with_header_first_skips_empty_rows_and_keeps_line_numbers() {
    let xlsx = template(|sheet| {
        sheet.write_string(0, 0, " 电话 ").unwrap();
        sheet.write_string(0, 1, "姓名").unwrap();
        sheet.write_string(1, 1, "王五").unwrap();
        sheet.write_number(1, 0, 13_912_345_678.0).unwrap();
        sheet.write_string(2, 0, "   ").unwrap();
        sheet.write_string(4, 1, " 赵六 ").unwrap();
    });
    let table = read_table(&xlsx, &["姓名", "电话"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(2, &["王五", "13912345678"]), row(5, &["赵六", ""])]);
}

#[test]
fn dates_datetimes_and_booleans() {
    let xlsx = template(|sheet| {
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        sheet.write_string(0, 0, "入党日期").unwrap();
        sheet.write_string(0, 1, "时间").unwrap();
        sheet.write_string(0, 2, "正式党员").unwrap();
        let day = ExcelDateTime::from_ymd(2024, 3, 15).unwrap();
        sheet.write_datetime_with_format(1, 0, &day, &date).unwrap();
        let at = ExcelDateTime::parse_from_str("2021-07-01 08:30:05").unwrap();
        sheet.write_datetime_with_format(1, 1, &at, &datetime).unwrap();
        sheet.write_boolean(1, 2, true).unwrap();
        sheet.write_boolean(2, 2, false).unwrap();
    });
    let table = read_table(&xlsx, &["入党日期", "时间", "正式党员"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(2, &["2024-03-15", "2021-07-01 08:30:05", "是"]), row(3, &["", "", "否"])]);
}

#[test]
fn row_limit() {
    let rows: Vec<Vec<Cell>> = (0..11).map(|i| vec![format!("党员{i}").into()]).collect();
    let xlsx = write_xlsx("名册", "名册", &["姓名"], &rows).unwrap();
    let ten = Limits { max_rows: 10, ..Limits::default() };
    let err = read_table(&xlsx, &["姓名"], &ten).unwrap_err();
    assert_eq!(err, OfficeError::TooManyRows { max: 10 });
    assert_eq!(err.to_string(), "数据行数超过 10 行上限，请分批导入");
    let eleven = Limits { max_rows: 11, ..Limits::default() };
    assert_eq!(read_table(&xlsx, &["姓名"], &eleven).unwrap().rows.len(), 11);
}

#[test]
fn cell_length_counts_characters_not_bytes() {
    let export =
        |remark: String| write_xlsx("名册", "名册", &["姓名", "备注"], &[vec!["张三".into(), remark.into()]]).unwrap();
    let fits = read_table(&export("党".repeat(2000)), &["姓名", "备注"], &limits()).unwrap();
    assert_eq!(fits.rows[0].cells[1].chars().count(), 2000);

    let err = read_table(&export("党".repeat(2001)), &["姓名", "备注"], &limits()).unwrap_err();
    assert_eq!(err, OfficeError::CellTooLong { line: 3, column: "备注".to_owned(), max: 2000 });
    assert_eq!(err.to_string(), "第 3 行“备注”超过 2000 个字符");
    // Too long in a column nobody asked for is nobody's problem.
    assert!(read_table(&export("党".repeat(2001)), &["姓名"], &limits()).is_ok());
}

#[test]
fn large_integers_survive_as_text() {
    let xlsx = write_xlsx("名册", "名册", &["编号"], &[vec![Cell::Int(110_101_199_001_011_234)]]).unwrap();
    let table = read_table(&xlsx, &["编号"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(3, &["110101199001011234"])]);
}

#[test]
fn odd_shapes_still_write() {
    let one_column = write_xlsx("a/b:c", "标题", &["姓名"], &[vec!["甲".into()]]).unwrap();
    let table = read_table(&one_column, &["姓名"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(3, &["甲"])]);
    assert!(write_xlsx("", "", &[], &[]).is_ok());
    let ragged = vec![vec!["甲".into(), "多".into()], vec![]];
    assert!(write_xlsx("名册", "=标题", &["姓名"], &ragged).is_ok());
}

#[test]
fn text_past_excel_cell_limit_is_a_write_error() {
    let huge = vec![vec![Cell::Text("党".repeat(40_000))]];
    let err = write_xlsx("名册", "名册", &["备注"], &huge).unwrap_err();
    assert_eq!(err.to_string(), "生成 Excel 文件失败：单元格文本超过 Excel 32767 个字符上限");
}

#[test]
fn size_checks_come_first() {
    assert_eq!(read_table(b"", &HEADERS, &limits()), Err(OfficeError::Empty));
    let small = Limits { max_bytes: 1024 * 1024, ..Limits::default() };
    let big = vec![b'a'; 1024 * 1024 + 1];
    let err = read_table(&big, &HEADERS, &small).unwrap_err();
    assert_eq!(err.to_string(), "文件超过 1 MB 上限");
}

#[test]
fn empty_sheet_has_no_headers() {
    let xlsx = template(|_| {});
    assert_eq!(read_table(&xlsx, &["姓名"], &limits()), Err(OfficeError::MissingHeaders(vec!["姓名".to_owned()])));
}

/// Each column is as wide as its widest cell (up to a limit), whichever row that cell is in: a
/// column already at the limit is not measured again, and the others still are.
#[test]
fn column_widths_follow_the_widest_cell_whatever_the_order() {
    let long = "很长的情况说明".repeat(20);
    let rows: Vec<Vec<Cell>> = vec![
        vec!["短".into(), long.clone().into()],
        vec!["一二三四五六七八九十".into(), "x".into()],
        vec!["a".into(), long.into()],
    ];
    let widths = |rows: &[Vec<Cell>]| -> Vec<f64> {
        let xml = sheet_xml(&write_xlsx("表", "标题", &["甲", "乙"], rows).unwrap());
        let cols = &xml[xml.find("<cols>").unwrap()..xml.find("</cols>").unwrap()];
        cols.split("width=\"").skip(1).map(|w| w[..w.find('"').unwrap()].parse().unwrap()).collect()
    };
    let forward = widths(&rows);
    let backward = widths(&rows.iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(forward, backward);
    assert_eq!(forward.len(), 2, "{forward:?}");
    assert!(forward[0] > 20.0 && forward[0] < 30.0, "ten wide characters and a margin: {forward:?}");
    assert!(forward[1] > 59.0 && forward[1] < 62.0, "the long text at the limit: {forward:?}");
}
