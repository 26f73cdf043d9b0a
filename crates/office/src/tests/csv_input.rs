use super::{limits, row};
use crate::{Limits, OfficeError, read_table};

#[test]
fn utf8_with_bom() {
    let csv = "\u{FEFF}姓名,电话\r\n张三,13800000000\r\n";
    let table = read_table(csv.as_bytes(), &["姓名", "电话"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(2, &["张三", "13800000000"])]);
}

#[test]
fn gb18030_as_saved_by_chinese_excel() {
    let text = "党支部党员名册,,\r\n姓名,所在支部,职务\r\n张三,第一党支部,书记\r\n李四,第二党支部,委员\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    let table = read_table(&bytes, &["职务", "姓名"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(3, &["书记", "张三"]), row(4, &["委员", "李四"])]);
}

#[test]
fn quoted_fields_with_commas_newlines_and_quotes() {
    let csv = "姓名,地址\n\"李四\",\"北京市,朝阳区\n某街道\"\n王五,\"说\"\"好\"\"的\"\n";
    let table = read_table(csv.as_bytes(), &["姓名", "地址"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(2, &["李四", "北京市,朝阳区\n某街道"]), row(4, &["王五", "说\"好\"的"]),]);
}

#[test]
fn title_row_blank_lines_and_empty_records_skipped() {
    let csv = "党员名册\n\n 姓名 ,电话,备注\n张三,1,\n,,\n\n,,只有备注\n  李四  ,,\n";
    let table = read_table(csv.as_bytes(), &["姓名", "电话"], &limits()).unwrap();
    assert_eq!(table.rows, vec![row(4, &["张三", "1"]), row(8, &["李四", ""])]);
}

#[test]
fn limits_apply_to_csv_too() {
    let mut csv = String::from("姓名\n");
    for i in 0..4 {
        csv.push_str(&format!("党员{i}\n"));
    }
    let three = Limits { max_rows: 3, ..Limits::default() };
    assert_eq!(read_table(csv.as_bytes(), &["姓名"], &three), Err(OfficeError::TooManyRows { max: 3 }));

    let fits = format!("姓名\n{}\n", "党".repeat(2000));
    assert!(read_table(fits.as_bytes(), &["姓名"], &limits()).is_ok());
    let long = format!("姓名\n张三\n{}\n", "党".repeat(2001));
    assert_eq!(
        read_table(long.as_bytes(), &["姓名"], &limits()),
        Err(OfficeError::CellTooLong { line: 3, column: "姓名".to_owned(), max: 2000 })
    );
}

#[test]
fn missing_headers_in_csv() {
    let err = read_table("编号,姓名\n1,张三\n".as_bytes(), &["姓名", "电话", "支部"], &limits()).unwrap_err();
    assert_eq!(err.to_string(), "未找到表头，缺少列：电话、支部");
}

#[test]
fn binary_files_are_not_tables() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_eq!(read_table(png, &["姓名"], &limits()), Err(OfficeError::NotATable));
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
    let err = read_table(xls, &["姓名"], &limits()).unwrap_err();
    assert_eq!(err.to_string(), "无法识别的文件：请上传 Excel (.xlsx) 或 CSV 文件");
    let utf16 = b"\xFF\xFEa\0b\0";
    assert_eq!(read_table(utf16, &["姓名"], &limits()), Err(OfficeError::NotATable));
}

#[test]
fn blank_text_is_empty() {
    assert_eq!(read_table("\u{FEFF} \r\n".as_bytes(), &["姓名"], &limits()), Err(OfficeError::Empty));
}
