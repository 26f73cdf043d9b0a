use std::borrow::Cow;
use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::{Cell, OfficeError};

/// Excel keeps 15 significant digits; a larger integer written as a number
/// would come back altered (an ID number, say), so it is written as text.
const MAX_EXACT_INT: i64 = 999_999_999_999_999;
/// Widest column we fit to, in Excel character units, so one long remark
/// does not push every other column off screen.
const MAX_COLUMN_WIDTH: usize = 60;
const MIN_COLUMN_WIDTH: usize = 8;
/// Room for the autofilter drop-down button drawn in each header cell.
const FILTER_BUTTON_WIDTH: usize = 3;
const TITLE_ROW: u32 = 0;
const HEADER_ROW: u32 = 1;
const FIRST_DATA_ROW: u32 = 2;

/// Makes text safe from formula injection (OWASP "CSV injection"): text that
/// starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`,
/// so no spreadsheet program that opens the exported file evaluates it.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes a one-sheet workbook: row 1 is a merged, bold title spanning all
/// columns, row 2 the bold header row (frozen below it, with an autofilter),
/// data from row 3. Column widths are fitted to the content.
///
/// Text is always written as a string cell, after [`neutralise`]; an invalid
/// `sheet_name` (too long, or with `[]:*?/\`) is adjusted rather than refused.
pub fn write_xlsx(sheet_name: &str, title: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, OfficeError> {
    let mut sheet = SheetWriter::new(None, sheet_name, title, headers)?;
    for row in rows {
        sheet.row(row)?;
    }
    sheet.finish_to_buffer()
}

/// The same workbook as [`write_xlsx`], written row by row in Excel's
/// "constant memory" mode: each row goes to a temporary file (in `tempdir`,
/// or the system's) as soon as the next one starts, so a sheet of any length
/// is written in the memory of one row. Only the column widths are kept.
pub struct SheetWriter {
    workbook: Workbook,
    widths: Vec<usize>,
    headers: usize,
    next_row: u32,
}

impl SheetWriter {
    pub fn new(tempdir: Option<&Path>, sheet_name: &str, title: &str, headers: &[&str]) -> Result<Self, OfficeError> {
        let mut workbook = Workbook::new();
        // Level 2 of 9: the sheet's compression is most of an export's time, and level 2 takes
        // about 0.6 of the default level 6's time for a file about a tenth larger
        // (rust_xlsxwriter's own measurements; Excel itself saves at 3).
        workbook.set_zip_compression_level(2);
        if let Some(dir) = tempdir {
            workbook.set_tempdir(dir).map_err(write_error)?;
        }
        let mut writer = Self { workbook, widths: vec![0; headers.len()], headers: headers.len(), next_row: 0 };
        writer.start(sheet_name, title, headers).map_err(write_error)?;
        Ok(writer)
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.workbook.worksheet_from_index(0)
    }

    fn start(&mut self, sheet_name: &str, title: &str, headers: &[&str]) -> Result<(), XlsxError> {
        let last_col = col_num(headers.len().saturating_sub(1))?;
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sanitise_sheet_name(sheet_name))?;
        let title_format = Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let title = neutralise(title);
        if last_col > 0 {
            sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, &title, &title_format)?;
        } else {
            // A merge needs at least two cells.
            sheet.write_string_with_format(TITLE_ROW, 0, title.as_ref(), &title_format)?;
        }
        sheet.set_row_height(TITLE_ROW, 28)?;

        let header_format = Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_border(FormatBorder::Thin)
            .set_background_color(Color::RGB(0x00D9_D9D9));
        for (col, header) in headers.iter().enumerate() {
            let header = neutralise(header);
            sheet.write_string_with_format(HEADER_ROW, col_num(col)?, header.as_ref(), &header_format)?;
            widen(&mut self.widths, col, text_width(&header) + FILTER_BUTTON_WIDTH);
        }
        self.next_row = FIRST_DATA_ROW;
        Ok(())
    }

    /// Appends one data row (a row longer than the headers is written whole).
    pub fn row(&mut self, cells: &[Cell]) -> Result<(), OfficeError> {
        let row = self.next_row;
        if row == u32::MAX {
            return Err(write_error(XlsxError::RowColumnLimitError));
        }
        if self.widths.len() < cells.len() {
            self.widths.resize(cells.len(), 0);
        }
        for (col, cell) in cells.iter().enumerate() {
            let col_u16 = col_num(col).map_err(write_error)?;
            // A column already at its widest is not measured again (measuring long texts character
            // by character was 7% of a province export thread's time).
            let measure = self.widths[col] + 2 < MAX_COLUMN_WIDTH;
            let width =
                write_cell(self.sheet().map_err(write_error)?, row, col_u16, cell, measure).map_err(write_error)?;
            widen(&mut self.widths, col, width);
        }
        self.next_row = row + 1;
        Ok(())
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u32 {
        self.next_row.saturating_sub(FIRST_DATA_ROW)
    }

    fn close(&mut self) -> Result<(), XlsxError> {
        let headers = self.headers;
        let last_row = self.next_row.saturating_sub(1).max(HEADER_ROW);
        let widths = std::mem::take(&mut self.widths);
        let sheet = self.sheet()?;
        if headers > 0 {
            sheet.autofilter(HEADER_ROW, 0, last_row, col_num(headers - 1)?)?;
        }
        sheet.set_freeze_panes(FIRST_DATA_ROW, 0)?;
        for (col, width) in widths.into_iter().enumerate() {
            let width = (width + 2).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH);
            sheet.set_column_width(col_num(col)?, u32::try_from(width).unwrap_or(60))?;
        }
        Ok(())
    }

    pub fn finish_to_buffer(mut self) -> Result<Vec<u8>, OfficeError> {
        self.close().map_err(write_error)?;
        self.workbook.save_to_buffer().map_err(write_error)
    }

    pub fn finish_to_file(mut self, path: &Path) -> Result<(), OfficeError> {
        self.close().map_err(write_error)?;
        self.workbook.save(path).map_err(write_error)
    }
}

/// Writes one data cell and returns its display width (0 for a text not to be measured).
fn write_cell(sheet: &mut Worksheet, row: u32, col: u16, cell: &Cell, measure: bool) -> Result<usize, XlsxError> {
    match cell {
        Cell::Text(text) => {
            let text = neutralise(text);
            sheet.write_string(row, col, text.as_ref())?;
            Ok(if measure { text_width(&text) } else { 0 })
        }
        Cell::Int(n) if (-MAX_EXACT_INT..=MAX_EXACT_INT).contains(n) => {
            sheet.write_number(row, col, *n as f64)?;
            Ok(n.to_string().len())
        }
        Cell::Int(n) => {
            let text = n.to_string();
            sheet.write_string(row, col, text.as_str())?;
            Ok(text.len())
        }
        Cell::Float(x) if x.is_finite() => {
            sheet.write_number(row, col, *x)?;
            Ok(x.to_string().len().min(15))
        }
        // Excel has no NaN or infinity; a blank is the honest rendering.
        Cell::Float(_) | Cell::Empty => Ok(0),
    }
}

fn widen(widths: &mut [usize], col: usize, width: usize) {
    if let Some(current) = widths.get_mut(col) {
        *current = (*current).max(width);
    }
}

fn col_num(col: usize) -> Result<u16, XlsxError> {
    u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Width in Excel character units of the widest line of `text`.
fn text_width(text: &str) -> usize {
    text.lines().map(|line| line.chars().map(char_width).sum::<usize>()).max().unwrap_or(0)
}

/// East Asian wide and full-width characters take two columns.
fn char_width(c: char) -> usize {
    match u32::from(c) {
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Excel refuses sheet names that are blank, longer than 31 UTF-16 units,
/// contain `[]:*?/\` or start or end with `'`; callers pass display names such
/// as a branch name, so they are adjusted instead of failing the export.
fn sanitise_sheet_name(name: &str) -> String {
    let mut out = String::new();
    let mut units = 0;
    for c in name.trim().chars() {
        let c = if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '_' } else { c };
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        out.push(c);
    }
    let out = out.trim_matches('\'').trim();
    if out.is_empty() { "Sheet1".to_owned() } else { out.to_owned() }
}

fn write_error(error: XlsxError) -> OfficeError {
    OfficeError::Write(match error {
        XlsxError::MaxStringLengthExceeded => "单元格文本超过 Excel 32767 个字符上限".to_owned(),
        XlsxError::RowColumnLimitError => "数据超过 Excel 的行数或列数上限".to_owned(),
        other => other.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn neutralise_prefixes_only_dangerous_starts() {
        for text in ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(text), format!("'{text}"));
        }
        for text in ["", "张三", "1+1", "a=b", " =1"] {
            assert!(matches!(neutralise(text), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn cjk_counts_double() {
        assert_eq!(text_width("abc"), 3);
        assert_eq!(text_width("党支部"), 6);
        assert_eq!(text_width("短\n长一些的行"), 10);
    }

    #[test]
    fn sheet_names_are_made_valid() {
        assert_eq!(sanitise_sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sanitise_sheet_name("''"), "Sheet1");
        assert_eq!(sanitise_sheet_name(&"党".repeat(40)).chars().count(), 31);
    }
}
