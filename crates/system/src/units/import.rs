//! Importing units from a spreadsheet (编码, 名称, 类型, 上级单位编码, 排序, 联系电话, 职责简介).

use super::service::{self, KINDS, UnitInput};
use office::Row;
use platform::db::Tx;
use platform::ledger::{ImportOutcome, Importer, RowError};
use platform::registry::BoxFuture;
use platform::{AppError, AppResult, Ctx};

pub struct UnitImporter;

const HEADERS: &[&str] = &["单位编码", "单位名称", "类型", "上级单位编码", "排序", "联系电话", "职责简介"];

impl Importer for UnitImporter {
    fn ledger(&self) -> &'static str {
        "单位"
    }
    fn list_path(&self) -> &'static str {
        "/system/units"
    }
    fn need(&self) -> &'static str {
        platform::perm::UNIT_EDIT
    }
    fn headers(&self) -> &'static [&'static str] {
        HEADERS
    }
    fn notes(&self) -> &'static [&'static str] {
        &[
            "类型填写：省局、监狱 或 科室/监区。",
            "上级单位编码须是已有单位，或本文件中位于前面的行。",
            "单位编码只能包含字母、数字、- 和 _，不能重复。",
        ]
    }
    fn example(&self) -> Vec<Vec<String>> {
        vec![
            ["SL-XX", "新建监区（示例）", "科室/监区", "SL", "99", "0571-00000000", "示例行，导入前请删除"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ]
    }
    fn run<'a>(
        &'a self,
        ctx: &'a Ctx,
        tx: &'a mut Tx,
        rows: &'a [Row],
        _target: Option<i64>,
    ) -> BoxFuture<'a, AppResult<ImportOutcome>> {
        Box::pin(async move {
            let user = ctx.user()?;
            let mut out = ImportOutcome::default();
            let now = ctx.state.clock.now_ms();
            for row in rows {
                let c = |i: usize| row.cells.get(i).cloned().unwrap_or_default();
                let err = |col: usize, reason: String| RowError { line: row.line, column: HEADERS[col].into(), reason };
                let kind = KINDS.iter().find(|(_, n)| *n == c(2)).map(|(k, _)| k.to_string()).unwrap_or_default();
                if kind.is_empty() {
                    out.errors.push(err(2, format!("类型“{}”无效，应为 省局、监狱 或 科室/监区", c(2))));
                    continue;
                }
                let sort = match c(4).parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) if c(4).is_empty() => Some(0),
                    Err(_) => {
                        out.errors.push(err(4, "排序须为整数".into()));
                        continue;
                    }
                };
                let parent = match service::by_code(tx, &c(3)).await? {
                    Some(p) if user.scope.covers_unit(p.id, &p.path) => p,
                    _ => {
                        out.errors.push(err(3, format!("上级单位编码“{}”不存在或不在您的管理范围内", c(3))));
                        continue;
                    }
                };
                let raw = UnitInput {
                    parent_id: Some(parent.id),
                    code: c(0),
                    name: c(1),
                    kind,
                    sort_order: sort,
                    phone: c(5),
                    description: c(6),
                    version: None,
                };
                let input = match service::check(&raw, true) {
                    Ok(i) => i,
                    Err(AppError::Validation(f)) => {
                        for (field, reason) in f {
                            let col = match field.as_str() {
                                "code" => 0,
                                "name" => 1,
                                "sort_order" => 4,
                                "phone" => 5,
                                _ => 6,
                            };
                            out.errors.push(err(col, reason));
                        }
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                match service::create_unit(tx, &input, Some(&parent), now).await {
                    Ok(_) => out.rows += 1,
                    Err(AppError::Validation(f)) => {
                        for (field, reason) in f {
                            out.errors.push(err(if field == "code" { 0 } else { 3 }, reason));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }
}
