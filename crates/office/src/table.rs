use crate::{Limits, OfficeError, Row, Table};

/// The header row must be among this many first non-empty rows, so an
/// export (title row, then header row) and a bare template both qualify,
/// while a file of unrelated data is rejected without reading it all.
const HEADER_SEARCH_ROWS: usize = 5;

/// Turns a stream of rows, from either file format, into a [`Table`]: finds
/// the header row, maps columns to the expected headers and applies the row
/// and cell limits as it goes, so a hostile file is refused early.
pub(crate) struct TableBuilder<'a> {
    expected: &'a [&'a str],
    limits: &'a Limits,
    /// For each expected header, the source column it was found in.
    columns: Option<Vec<usize>>,
    candidates: usize,
    /// Missing headers of the candidate row that came closest, for the error.
    closest_missing: Option<Vec<String>>,
    rows: Vec<Row>,
}

impl<'a> TableBuilder<'a> {
    pub(crate) fn new(expected: &'a [&'a str], limits: &'a Limits) -> Self {
        TableBuilder { expected, limits, columns: None, candidates: 0, closest_missing: None, rows: Vec::new() }
    }

    /// Takes one source row as `(column, text)` pairs; `line` is what the user
    /// sees as its row number.
    pub(crate) fn push(&mut self, line: usize, cells: &[(usize, String)]) -> Result<(), OfficeError> {
        match &self.columns {
            None => self.consider_header(cells),
            Some(columns) => {
                let row = data_row(self.expected, columns, self.limits, line, cells)?;
                let Some(row) = row else { return Ok(()) };
                if self.rows.len() >= self.limits.max_rows {
                    return Err(OfficeError::TooManyRows { max: self.limits.max_rows });
                }
                self.rows.push(row);
                Ok(())
            }
        }
    }

    pub(crate) fn finish(self) -> Result<Table, OfficeError> {
        if self.columns.is_none() {
            return Err(self.missing_headers());
        }
        Ok(Table { rows: self.rows })
    }

    fn consider_header(&mut self, cells: &[(usize, String)]) -> Result<(), OfficeError> {
        if cells.iter().all(|(_, text)| text.trim().is_empty()) {
            return Ok(());
        }
        self.candidates += 1;
        let found: Vec<Option<usize>> = self
            .expected
            .iter()
            .map(|header| {
                let header = header.trim();
                cells.iter().find(|(_, text)| text.trim() == header).map(|(col, _)| *col)
            })
            .collect();
        if let Some(columns) = found.iter().copied().collect::<Option<Vec<usize>>>() {
            self.columns = Some(columns);
            return Ok(());
        }
        let missing: Vec<String> = self
            .expected
            .iter()
            .zip(&found)
            .filter(|(_, col)| col.is_none())
            .map(|(header, _)| header.trim().to_owned())
            .collect();
        if self.closest_missing.as_ref().is_none_or(|closest| missing.len() < closest.len()) {
            self.closest_missing = Some(missing);
        }
        if self.candidates >= HEADER_SEARCH_ROWS {
            return Err(self.missing_headers());
        }
        Ok(())
    }

    fn missing_headers(&self) -> OfficeError {
        OfficeError::MissingHeaders(
            self.closest_missing
                .clone()
                .unwrap_or_else(|| self.expected.iter().map(|header| header.trim().to_owned()).collect()),
        )
    }
}

/// Picks the expected columns out of a source row; `None` for a row with
/// nothing in any of them, which the user sees as empty.
fn data_row(
    expected: &[&str],
    columns: &[usize],
    limits: &Limits,
    line: usize,
    cells: &[(usize, String)],
) -> Result<Option<Row>, OfficeError> {
    let mut values = vec![String::new(); columns.len()];
    for (col, text) in cells {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        for (index, _) in columns.iter().enumerate().filter(|(_, c)| *c == col) {
            if text.chars().count() > limits.max_cell_chars {
                return Err(OfficeError::CellTooLong {
                    line,
                    column: expected.get(index).map_or("", |h| h.trim()).to_owned(),
                    max: limits.max_cell_chars,
                });
            }
            if let Some(value) = values.get_mut(index) {
                text.clone_into(value);
            }
        }
    }
    if values.iter().all(String::is_empty) {
        return Ok(None);
    }
    Ok(Some(Row { line, cells: values }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cells(texts: &[&str]) -> Vec<(usize, String)> {
        texts.iter().map(|t| (*t).to_owned()).enumerate().collect()
    }

    #[test]
    fn header_must_come_within_first_rows() {
        let limits = Limits::default();
        let mut builder = TableBuilder::new(&["姓名"], &limits);
        for line in 1..HEADER_SEARCH_ROWS {
            builder.push(line, &cells(&["杂项"])).unwrap();
        }
        let err = builder.push(HEADER_SEARCH_ROWS, &cells(&["别的"])).unwrap_err();
        assert_eq!(err, OfficeError::MissingHeaders(vec!["姓名".to_owned()]));
    }

    #[test]
    fn closest_candidate_names_the_missing_columns() {
        let limits = Limits::default();
        let mut builder = TableBuilder::new(&["姓名", "电话", "支部"], &limits);
        builder.push(1, &cells(&["标题"])).unwrap();
        builder.push(2, &cells(&["姓名", "支部"])).unwrap();
        assert_eq!(builder.finish().unwrap_err().to_string(), "未找到表头，缺少列：电话");
    }

    #[test]
    fn rows_only_in_ignored_columns_count_as_empty() {
        let limits = Limits::default();
        let mut builder = TableBuilder::new(&["姓名"], &limits);
        builder.push(1, &cells(&["姓名", "备注"])).unwrap();
        builder.push(2, &cells(&["", "只有备注"])).unwrap();
        builder.push(3, &cells(&[" 张三 ", ""])).unwrap();
        let table = builder.finish().unwrap();
        assert_eq!(table.rows, vec![Row { line: 3, cells: vec!["张三".to_owned()] }]);
    }
}
