use thiserror::Error;

/// Why a spreadsheet could not be read or written.
///
/// The messages are shown to end users as they are, so they are in plain
/// Simplified Chinese and never carry file system paths or parser internals.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OfficeError {
    #[error("文件为空")]
    Empty,
    #[error("文件超过 {max_mb} MB 上限")]
    TooLarge { max_mb: usize },
    #[error("无法识别的文件：请上传 Excel (.xlsx) 或 CSV 文件")]
    NotATable,
    #[error("文件已损坏，无法读取：{0}")]
    Corrupt(String),
    #[error("文件解压后体积异常，已拒绝（可能是恶意文件）")]
    Bomb,
    #[error("未找到表头，缺少列：{}", .0.join("、"))]
    MissingHeaders(Vec<String>),
    #[error("数据行数超过 {max} 行上限，请分批导入")]
    TooManyRows { max: usize },
    #[error("第 {line} 行“{column}”超过 {max} 个字符")]
    CellTooLong { line: usize, column: String, max: usize },
    #[error("生成 Excel 文件失败：{0}")]
    Write(String),
}
