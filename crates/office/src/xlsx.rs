use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Reader, SheetType, SheetVisible, Xlsx, XlsxError};

use crate::table::TableBuilder;
use crate::value::cell_text;
use crate::{Limits, OfficeError, Table, guard};

/// Reads the first worksheet of an `.xlsx`, after the archive passed the
/// size checks in [`guard::check_zip`].
pub(crate) fn read(bytes: &[u8], expected: &[&str], limits: &Limits) -> Result<Table, OfficeError> {
    guard::check_zip(bytes, limits)?;
    // calamine does unchecked arithmetic on cell references taken from the
    // file (e.g. a dimension "B2:A1" underflows), which panics in builds with
    // overflow checks; a hostile upload must get an error, not a dead worker.
    catch_unwind(AssertUnwindSafe(|| read_sheet(bytes, expected, limits))).unwrap_or_else(|_| Err(unreadable()))
}

fn read_sheet(bytes: &[u8], expected: &[&str], limits: &Limits) -> Result<Table, OfficeError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let Some(name) = first_worksheet(&workbook) else {
        return Err(OfficeError::Corrupt("工作簿中没有工作表".to_owned()));
    };
    let mut builder = TableBuilder::new(expected, limits);
    let mut reader = match workbook.worksheet_cells_reader(&name) {
        Ok(reader) => reader,
        // What calamine says about a sheet written as `<sheetData/>`.
        Err(XlsxError::NotAWorksheet(_)) => return builder.finish(),
        Err(_) => return Err(unreadable()),
    };
    // Cells arrive row by row, so each row goes to the builder as soon as
    // the next one starts: no whole-sheet grid is ever built, which a sheet
    // declaring cells at A1 and XFD1048576 would otherwise make huge.
    let mut current: Option<u32> = None;
    let mut cells: Vec<(usize, String)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|_| unreadable())? {
        let (row, col) = cell.get_position();
        if current != Some(row) {
            if let Some(done) = current {
                builder.push(line(done), &cells)?;
                cells.clear();
            }
            current = Some(row);
        }
        let text = cell_text(cell.get_value());
        if !text.trim().is_empty() {
            cells.push((usize::try_from(col).unwrap_or(usize::MAX), text));
        }
    }
    if let Some(done) = current {
        builder.push(line(done), &cells)?;
    }
    builder.finish()
}

/// The first worksheet the user sees in Excel: hidden sheets (often lookup
/// lists behind drop-downs) only when nothing else is there.
fn first_worksheet<RS>(workbook: &Xlsx<RS>) -> Option<String>
where
    RS: std::io::Read + std::io::Seek,
{
    let sheets = workbook.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets().find(|s| s.visible == SheetVisible::Visible).or_else(|| worksheets().next()).map(|s| s.name.clone())
}

fn line(row: u32) -> usize {
    usize::try_from(row).map_or(usize::MAX, |row| row.saturating_add(1))
}

fn unreadable() -> OfficeError {
    OfficeError::Corrupt("工作簿内容无法解析".to_owned())
}
