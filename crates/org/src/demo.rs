//! Demo data for this area: a Party committee and discipline committee, branches before and after
//! a reorganisation, generated fictional people, elections with some terms about to end, and a
//! year of personnel changes that reproduces the seed report's figures. Every name is generated;
//! every ID number uses the unassigned region code 99, so none can belong to a real person.

use crate::elections::service::ElectionForm;
use crate::orgs::service::{OrgInput, insert as insert_org};
use crate::people::input::PersonInput;
use jiff::civil::Date;
use jiff::{Span, ToSpan};
use platform::{AppResult, Ctx};

/// A small, deterministic generator (xorshift64*): the same demo every time, no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡",
    "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "沈",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "华", "志", "建", "国", "文", "辉", "晨", "宇", "浩", "然", "博", "思", "佳", "欣", "宁", "凯",
    "瑞", "峰", "鑫", "琳", "晶", "亮", "春", "海", "斌", "波", "红", "燕",
];

/// An 18-character ID number with region 99xxxx (no such province), a real birth date and a
/// correct check character.
fn fake_id(rng: &mut Rng, birth: Date, male: bool) -> String {
    let seq = rng.below(50) * 2 + if male { 1 } else { 0 };
    let body = format!("99{:04}{}{:02}{}", rng.below(10_000), birth.strftime("%Y%m%d"), rng.below(100), seq % 10);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

pub struct Seeded {
    pub people: usize,
    pub orgs: usize,
}

/// Fills the demo prison (unit code `SL`) with this area's records. `people` is how many to make
/// (1,200 for the demo; tests use fewer). `today` anchors terms and the year of changes.
pub async fn seed(ctx: &Ctx, people: usize, today: Date) -> AppResult<Seeded> {
    let db = &ctx.state.db;
    let prison: (i64, String) =
        sqlx::query_as("SELECT id, path FROM units WHERE code = 'SL'").fetch_one(&db.pool).await?;
    let depts: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, code, name FROM units WHERE parent_id = $1 ORDER BY sort_order, id")
            .bind(prison.0)
            .fetch_all(&db.pool)
            .await?;
    let mut tx = db.begin().await?;
    let org =
        |code: &str, name: &str, kind: &'static str, unit: i64, founded: &str, dissolved: Option<&str>, sort: i64| {
            OrgInput {
                parent_id: None,
                code: code.into(),
                name: name.into(),
                kind,
                unit_id: unit,
                founded_on: founded.into(),
                dissolved_on: dissolved.map(String::from),
                term_years: if kind == "committee" || kind == "discipline_committee" { 5 } else { 3 },
                sort_order: sort,
                description: "演示数据，均为虚构。".into(),
                version: None,
            }
        };
    let committee_id = insert_org(
        ctx,
        &mut tx,
        &org("SL-DW", "中共示例省第一监狱委员会", "committee", prison.0, "2010-06-18", None, 0),
        None,
    )
    .await?;
    let committee = crate::orgs::service::Org {
        id: committee_id,
        parent_id: None,
        code: "SL-DW".into(),
        name: String::new(),
        kind: "committee".into(),
        path: format!("/{committee_id}/"),
        unit_id: prison.0,
        unit_name: String::new(),
        founded_on: String::new(),
        dissolved_on: None,
        term_years: 5,
        sort_order: 0,
        description: String::new(),
        version: 1,
        members: 0,
    };
    insert_org(
        ctx,
        &mut tx,
        &org("SL-JW-DW", "中共示例省第一监狱纪律检查委员会", "discipline_committee", prison.0, "2010-06-18", None, 1),
        Some(&committee),
    )
    .await?;
    let mut n_orgs = 2;
    // Before the 2022 reorganisation: six branches by building, dissolved on the day the new ones were founded.
    for (i, name) in
        ["第一党支部", "第二党支部", "第三党支部", "第四党支部", "第五党支部", "第六党支部"].iter().enumerate()
    {
        let o = org(
            &format!("SL-ZB-OLD{}", i + 1),
            name,
            "branch",
            prison.0,
            "2015-03-01",
            Some("2022-03-15"),
            50 + i as i64,
        );
        insert_org(ctx, &mut tx, &o, Some(&committee)).await?;
        n_orgs += 1;
    }
    // After it: one branch per department or prison area (19 founded on one day), plus the retirees' branch.
    let mut branch_of_unit = std::collections::HashMap::new();
    for (i, (unit_id, code, name)) in depts.iter().enumerate() {
        let bname =
            if name.ends_with("监区") { format!("{name}党支部") } else { format!("机关{name}党支部") };
        let founded = if i < 19 { "2022-03-15" } else { "2016-07-01" };
        let id = insert_org(
            ctx,
            &mut tx,
            &org(&format!("{code}-ZB"), &bname, "branch", *unit_id, founded, None, i as i64),
            Some(&committee),
        )
        .await?;
        branch_of_unit.insert(*unit_id, id);
        n_orgs += 1;
    }
    let retirees = insert_org(
        ctx,
        &mut tx,
        &org("SL-LTX-ZB", "离退休干部党支部", "branch", prison.0, "2012-05-04", None, 99),
        Some(&committee),
    )
    .await?;
    n_orgs += 1;

    // People: unit heads at 正科 (most of them 四级高级警长 or above), deputies at 副科, the rest staff.
    let mut rng = Rng(0x5EED_2022_0000_0001);
    const RANKS: &[&str] =
        &["constable_2", "constable_1", "sergeant_4", "sergeant_3", "sergeant_2", "sergeant_1", "senior_4", "senior_3"];
    let mut made = 0;
    let mut used_police = std::collections::HashSet::new();
    for k in 0..people {
        let (unit_id, _, _) = &depts[k % depts.len().max(1)];
        let male = rng.below(10) < 7;
        let year = 1965 + rng.below(35) as i16;
        let birth =
            Date::new(year, 1 + rng.below(12) as i8, 1 + rng.below(28) as i8).unwrap_or(Date::constant(1980, 1, 1));
        let name = format!(
            "{}{}{}",
            rng.pick(SURNAMES),
            rng.pick(GIVEN),
            if rng.below(3) == 0 { "" } else { rng.pick(GIVEN) }
        );
        let officer = rng.below(100) < 85;
        let round = k / depts.len().max(1);
        let (level, rank) = match round {
            0 | 1 => (
                "section",
                if rng.below(10) < 8 { *rng.pick(&["senior_4", "senior_3", "senior_2"]) } else { "sergeant_1" },
            ),
            2 | 3 => ("deputy_section", *rng.pick(&["sergeant_2", "sergeant_1", "senior_4"])),
            _ => ("staff", *rng.pick(RANKS)),
        };
        let officer = officer || round < 4;
        let roll = rng.below(100);
        let status = if roll < 68 {
            "full"
        } else if roll < 73 {
            "probationary"
        } else if roll < 78 {
            "activist"
        } else {
            "masses"
        };
        let member = matches!(status, "full" | "probationary");
        let join = if status == "probationary" {
            today.saturating_sub(Span::new().days(200))
        } else {
            birth.saturating_add(Span::new().years(23 + rng.below(8) as i64))
        };
        let retired = year < 1966;
        let mut police = String::new();
        while officer && (police.is_empty() || used_police.contains(&police)) {
            police = format!("33{:05}", rng.below(100_000));
        }
        used_police.insert(police.clone());
        let input = PersonInput {
            kind: if officer { "officer" } else { "worker" },
            name,
            gender: if male { "male" } else { "female" },
            birth_date: birth.to_string(),
            id_number: Some(fake_id(&mut rng, birth, male)),
            police_number: officer.then_some(police),
            unit_id: *unit_id,
            post: if round < 2 {
                "主要负责人".into()
            } else if round < 4 {
                "副职".into()
            } else {
                (*rng.pick(&["管教民警", "内勤", "科员", "值班民警", "生产管理"])).into()
            },
            police_rank: if officer { rank } else { "" },
            leadership_level: level,
            party_status: status,
            party_join_date: member.then(|| join.to_string()),
            branch_id: if !member {
                None
            } else if retired {
                Some(retirees)
            } else {
                branch_of_unit.get(unit_id).copied()
            },
            phone: format!("199{:08}", rng.below(100_000_000)),
            employment_status: if retired { "retired" } else { "active" },
            user_id: None,
            version: None,
        };
        match crate::people::service::insert(ctx, &mut tx, &input).await {
            Ok(_) => made += 1,
            // A generated ID number can repeat one already made; that person is simply skipped.
            Err(platform::AppError::Validation(_)) => {}
            Err(e) => return Err(e),
        }
    }
    tx.commit().await?;
    elections(ctx, today, committee_id).await?;
    changes(ctx, today, &mut rng).await?;
    Ok(Seeded { people: made, orgs: n_orgs })
}

/// The 4th congress elects the committee; branches elected in 2025, a few whose terms end soon.
async fn elections(ctx: &Ctx, today: Date, committee: i64) -> AppResult<()> {
    let form = crate::elections::congress::CongressForm {
        org_id: committee.to_string(),
        session_no: "4".into(),
        name: "中共示例省第一监狱第四次代表大会".into(),
        held_on: "2022-04-20".into(),
        delegates: "120".into(),
        description: "选举产生新一届监狱党委和监狱纪委（演示数据）".into(),
    };
    let congress = Some(crate::elections::congress::create(ctx, &form).await?);
    let orgs: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, kind FROM party_orgs WHERE dissolved_on IS NULL ORDER BY id")
            .fetch_all(&ctx.state.db.pool)
            .await?;
    for (i, (org, kind)) in orgs.iter().enumerate() {
        let members: Vec<(i64,)> = sqlx::query_as(
            "SELECT p.id FROM people p JOIN party_orgs o ON o.id = p.branch_id WHERE p.party_status = 'full' AND p.employment_status = 'active' \
             AND (o.id = $1 OR $2 = 1) ORDER BY p.leadership_level DESC, p.id LIMIT 5",
        )
        .bind(*org)
        .bind(i64::from(*org == committee || kind == "discipline_committee"))
        .fetch_all(&ctx.state.db.pool)
        .await?;
        if members.len() < 3 {
            continue;
        }
        // Three branches' terms: ending in 25 and 75 days, and ended 40 days ago; the rest later.
        let held = match (kind.as_str(), i % 7) {
            ("committee" | "discipline_committee", _) => Date::constant(2022, 4, 20),
            (_, 3) => today.saturating_sub(3.years()).saturating_add(25.days()),
            (_, 4) => today.saturating_sub(3.years()).saturating_add(75.days()),
            (_, 5) => today.saturating_sub(3.years()).saturating_sub(40.days()),
            _ => today.saturating_sub(20.months()),
        };
        let posts = ["secretary", "deputy_secretary", "member", "member", "member"];
        let officers = members.iter().zip(posts).map(|((p,), post)| format!("{post}:{p}")).collect();
        let form = ElectionForm {
            org_id: org.to_string(),
            kind: "term".into(),
            held_on: held.to_string(),
            term_years: String::new(),
            notes: "演示数据".into(),
            congress_id: congress
                .filter(|_| kind == "committee" || kind == "discipline_committee")
                .map(|c| c.to_string())
                .unwrap_or_default(),
            officers,
        };
        crate::elections::service::create(ctx, &form).await?;
    }
    Ok(())
}

/// A year of changes: 4 正科 level adjustments, 13 removals from 正科 of people ranked 四级高级警长
/// or above, 6 post exchanges of 副科, and transfers and promotions, 210 people in all.
/// (id, leadership level, police rank, unit id)
type Officer = (i64, String, String, i64);

async fn changes(ctx: &Ctx, today: Date, rng: &mut Rng) -> AppResult<()> {
    let people: Vec<Officer> = sqlx::query_as(
        "SELECT id, leadership_level, police_rank, unit_id FROM people WHERE employment_status = 'active' AND kind = 'officer' ORDER BY id",
    )
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let units: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM units WHERE code LIKE 'SL-%' ORDER BY id").fetch_all(&ctx.state.db.pool).await?;
    let senior = |r: &str| matches!(r, "senior_4" | "senior_3" | "senior_2" | "senior_1");
    let mut plan: Vec<(i64, &'static str)> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let mut take =
        |pred: &dyn Fn(&Officer) -> bool, kind: &'static str, n: usize, plan: &mut Vec<(i64, &'static str)>| {
            let chosen: Vec<i64> =
                people.iter().filter(|p| pred(p) && !taken.contains(&p.0)).take(n).map(|p| p.0).collect();
            for id in chosen {
                taken.insert(id);
                plan.push((id, kind));
            }
        };
    take(&|p| p.1 == "section" && senior(&p.2), "removal", 13, &mut plan);
    take(&|p| p.1 == "section", "level_change", 4, &mut plan);
    take(&|p| p.1 == "deputy_section", "post_exchange", 6, &mut plan);
    let wanted = 210usize.min(people.len() * 3 / 4);
    let rest = wanted.saturating_sub(plan.len());
    take(&|p| p.1 == "staff", "transfer", rest / 2, &mut plan);
    let rest = wanted.saturating_sub(plan.len());
    take(&|p| p.1 == "staff" && !senior(&p.2), "rank_promotion", rest, &mut plan);
    for (i, (person, kind)) in plan.iter().enumerate() {
        let day = today.saturating_sub(Span::new().days(1 + (i as i64 * 7) % 360));
        let mut f = crate::changes::service::ChangeForm {
            person_id: person.to_string(),
            kind: kind.to_string(),
            effective_on: day.to_string(),
            doc_number: format!("示狱党〔{}〕{}号", day.year(), 10 + i),
            reason: "演示数据".into(),
            ..Default::default()
        };
        match *kind {
            "level_change" => f.after_post = "主要负责人（调整）".into(),
            "post_exchange" => f.after_post = "交流任职".into(),
            "transfer" => f.after_unit_id = units[rng.below(units.len())].0.to_string(),
            "rank_promotion" => f.after_rank = "sergeant_1".into(),
            _ => {}
        }
        crate::changes::service::create(ctx, &f).await?;
    }
    Ok(())
}
