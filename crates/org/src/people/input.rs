//! A person's form, parsed into checked values with a Chinese message per field.

use crate::domain::*;
use platform::idcard;
use platform::web::FormCheck;
use platform::{AppError, AppResult};
use serde::Deserialize;

/// As posted by the form or the API: everything text, so a bad value is a field error, not a 400.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub kind: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub police_number: String,
    pub unit_id: String,
    pub post: String,
    pub police_rank: String,
    pub leadership_level: String,
    pub party_status: String,
    pub party_join_date: String,
    pub branch_id: String,
    pub phone: String,
    pub employment_status: String,
    /// The account this person logs in with (optional).
    pub user_id: String,
    pub version: String,
}

/// Checked values, ready for the database (the ID number still in clear: the service seals it).
#[derive(Clone, Debug)]
pub struct PersonInput {
    pub kind: &'static str,
    pub name: String,
    pub gender: &'static str,
    pub birth_date: String,
    pub id_number: Option<String>,
    pub police_number: Option<String>,
    pub unit_id: i64,
    pub post: String,
    pub police_rank: &'static str,
    pub leadership_level: &'static str,
    pub party_status: &'static str,
    pub party_join_date: Option<String>,
    pub branch_id: Option<i64>,
    pub phone: String,
    pub employment_status: &'static str,
    pub user_id: Option<i64>,
    pub version: Option<i64>,
}

fn pick(
    f: &mut FormCheck,
    field: &str,
    label_text: &str,
    v: &str,
    codes: Codes,
    default: Option<&'static str>,
) -> &'static str {
    if v.trim().is_empty()
        && let Some(d) = default
    {
        return d;
    }
    match code_of(codes, v) {
        Some(c) => c,
        None => {
            f.add(field, format!("请选择有效的{label_text}"));
            ""
        }
    }
}

impl PersonForm {
    /// `id_number_required`: a new person needs one; an edit may leave it blank to keep the old.
    pub fn check(&self, id_number_required: bool) -> AppResult<PersonInput> {
        let mut f = FormCheck::new();
        let kind = pick(&mut f, "kind", "人员类别", &self.kind, PERSON_KINDS, None);
        let name = f.text("name", "姓名", &self.name, 30, true);
        let gender = pick(&mut f, "gender", "性别", &self.gender, GENDERS, None);
        let birth = f.date("birth_date", "出生日期", &self.birth_date, true);
        let id_raw = self.id_number.trim();
        let mut id_number = None;
        if id_raw.is_empty() {
            if id_number_required {
                f.add("id_number", "请输入身份证号");
            }
        } else {
            match idcard::parse(id_raw) {
                Ok(card) => {
                    if birth.is_some_and(|b| b != card.birth) {
                        f.add("id_number", "身份证号中的出生日期与所填出生日期不一致");
                    }
                    if !gender.is_empty() && (gender == "male") != card.male {
                        f.add("id_number", "身份证号中的性别与所填性别不一致");
                    }
                    id_number = Some(card.number);
                }
                Err(m) => f.add("id_number", m),
            }
        }
        let police_number = f.code("police_number", "警号", &self.police_number, 16);
        let police_number = if self.police_number.trim().is_empty() {
            f.errors.remove("police_number");
            None
        } else {
            Some(police_number)
        };
        if kind == "officer" && police_number.is_none() {
            f.add("police_number", "民警须填写警号");
        }
        let unit_id = self.unit_id.trim().parse::<i64>().ok();
        if unit_id.is_none() {
            f.add("unit_id", "请选择所在单位");
        }
        let post = f.text("post", "岗位", &self.post, 40, false);
        let police_rank = pick(&mut f, "police_rank", "警员职务等级", &self.police_rank, POLICE_RANKS, Some(""));
        if kind == "worker" && !police_rank.is_empty() {
            f.add("police_rank", "职工没有警员职务等级");
        }
        let leadership_level =
            pick(&mut f, "leadership_level", "领导职务", &self.leadership_level, LEADERSHIP_LEVELS, Some(""));
        let party_status = pick(&mut f, "party_status", "政治面貌", &self.party_status, PARTY_STATUSES, Some("masses"));
        let join = f.date(
            "party_join_date",
            "入党日期",
            &self.party_join_date,
            matches!(party_status, "full" | "probationary"),
        );
        if let (Some(j), Some(b)) = (join, birth)
            && j < b.saturating_add(jiff::Span::new().years(18))
        {
            f.add("party_join_date", "入党日期须在年满 18 岁之后");
        }
        let branch_id = self.branch_id.trim().parse::<i64>().ok();
        if matches!(party_status, "full" | "probationary") && branch_id.is_none() {
            f.add("branch_id", "党员须选择所在党支部");
        }
        let phone = f.mobile("phone", "手机号", &self.phone);
        let employment_status =
            pick(&mut f, "employment_status", "在职状态", &self.employment_status, EMPLOYMENT, Some("active"));
        let version = self.version.trim().parse().ok();
        if !f.ok() {
            return Err(AppError::Validation(f.errors));
        }
        Ok(PersonInput {
            kind,
            name,
            gender,
            birth_date: birth.map(|d| d.to_string()).unwrap_or_default(),
            id_number,
            police_number,
            unit_id: unit_id.unwrap_or_default(),
            post,
            police_rank,
            leadership_level,
            party_status,
            party_join_date: join.map(|d| d.to_string()),
            branch_id: if matches!(party_status, "full" | "probationary") { branch_id } else { None },
            phone,
            employment_status,
            user_id: self.user_id.trim().parse().ok(),
            version,
        })
    }
}
