//! 花名册导入: one row per person. Every row is checked (unit, branch, ID number checksum and
//! uniqueness, police number uniqueness, dates) and all are imported in one transaction, or none.

use super::input::PersonForm;
use office::Row;
use platform::db::Tx;
use platform::ledger::{ImportOutcome, Importer, RowError};
use platform::registry::BoxFuture;
use platform::{AppError, AppResult, Ctx};
use std::collections::HashMap;

pub struct RosterImporter;

const HEADERS: &[&str] = &[
    "姓名",
    "类别",
    "性别",
    "出生日期",
    "身份证号",
    "警号",
    "单位编码",
    "岗位",
    "警员职务等级",
    "领导职务",
    "政治面貌",
    "入党日期",
    "所在支部编码",
    "手机号",
];

/// Which column a form field's error belongs to.
fn column_of(field: &str) -> usize {
    match field {
        "name" => 0,
        "kind" => 1,
        "gender" => 2,
        "birth_date" => 3,
        "id_number" => 4,
        "police_number" => 5,
        "unit_id" => 6,
        "post" => 7,
        "police_rank" => 8,
        "leadership_level" => 9,
        "party_status" => 10,
        "party_join_date" => 11,
        "branch_id" => 12,
        _ => 13,
    }
}

async fn lookup(
    tx: &mut Tx,
    cache: &mut HashMap<String, Option<i64>>,
    sql: &'static str,
    code: &str,
) -> Result<Option<i64>, sqlx::Error> {
    if let Some(v) = cache.get(code) {
        return Ok(*v);
    }
    let id: Option<i64> = sqlx::query_scalar(sql).bind(code).fetch_optional(&mut **tx).await?;
    cache.insert(code.to_string(), id);
    Ok(id)
}

impl Importer for RosterImporter {
    fn ledger(&self) -> &'static str {
        "人员花名册"
    }
    fn list_path(&self) -> &'static str {
        "/org/people"
    }
    fn need(&self) -> &'static str {
        crate::PERSON_EDIT
    }
    fn headers(&self) -> &'static [&'static str] {
        HEADERS
    }
    fn notes(&self) -> &'static [&'static str] {
        &[
            "类别：民警 或 职工；性别：男 或 女；日期写作 1985-06-01。",
            "身份证号须为 18 位且校验位正确，与出生日期、性别一致；警号、身份证号不能与已有人员或本文件其他行重复。",
            "单位编码、所在支部编码须是已有的、在您管理范围内的单位与党支部；正式党员、预备党员须填写入党日期和所在支部。",
            "警员职务等级如 四级警长、四级高级警长；领导职务为 科员、副科、正科、副处、正处，或留空。",
        ]
    }
    fn example(&self) -> Vec<Vec<String>> {
        vec![
            [
                "张示例",
                "民警",
                "男",
                "1985-06-01",
                "",
                "3300123",
                "SL-JQ01",
                "管教民警",
                "三级警长",
                "",
                "正式党员",
                "2008-07-01",
                "",
                "13800000000",
            ]
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
            let mut out = ImportOutcome::default();
            let (mut units, mut orgs) = (HashMap::new(), HashMap::new());
            for row in rows {
                let c = |i: usize| row.cells.get(i).cloned().unwrap_or_default();
                let err = |col: usize, reason: String| RowError { line: row.line, column: HEADERS[col].into(), reason };
                let unit = lookup(tx, &mut units, "SELECT id FROM units WHERE code = $1", &c(6)).await?;
                let branch = if c(12).is_empty() {
                    None
                } else {
                    lookup(tx, &mut orgs, "SELECT id FROM party_orgs WHERE code = $1", &c(12)).await?
                };
                if unit.is_none() {
                    out.errors.push(err(6, format!("单位编码“{}”不存在", c(6))));
                }
                if !c(12).is_empty() && branch.is_none() {
                    out.errors.push(err(12, format!("党支部编码“{}”不存在", c(12))));
                }
                let form = PersonForm {
                    name: c(0),
                    kind: c(1),
                    gender: c(2),
                    birth_date: c(3),
                    id_number: c(4),
                    police_number: c(5),
                    unit_id: unit.map(|u| u.to_string()).unwrap_or_default(),
                    post: c(7),
                    police_rank: c(8),
                    leadership_level: c(9),
                    party_status: c(10),
                    party_join_date: c(11),
                    branch_id: branch.map(|b| b.to_string()).unwrap_or_default(),
                    phone: c(13),
                    employment_status: "active".into(),
                    user_id: String::new(),
                    version: String::new(),
                };
                let result = match form.check(true) {
                    Ok(input) => super::service::insert(ctx, tx, &input).await.map(|_| ()),
                    Err(AppError::Validation(mut f)) => {
                        let id = platform::idcard::parse(&c(4)).ok().map(|card| card.number);
                        let dups =
                            super::service::duplicates(ctx, tx, Some(c(5).as_str()), id.as_deref(), None).await?;
                        for (k, v) in dups {
                            f.entry(k).or_insert(v);
                        }
                        Err(AppError::Validation(f))
                    }
                    Err(e) => Err(e),
                };
                match result {
                    Ok(()) => out.rows += 1,
                    Err(AppError::Validation(f)) => {
                        for (field, reason) in f {
                            // The unit and branch codes were reported above already.
                            if unit.is_none() && field == "unit_id"
                                || !c(12).is_empty() && branch.is_none() && field == "branch_id"
                            {
                                continue;
                            }
                            out.errors.push(err(column_of(&field), reason));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }
}
