//! Demo data (fictional, marked （演示））for the twelve months up to today, at the scale of the
//! seed's year: 23 epidemic prevention meetings ("20余次"), 26 rotations of closed duty with about
//! 2,500 person-times at the demo's roster size (a few people staying on across a handover day, so
//! overlaps are merged), vaccination counts above 95% for officers, workers and prisoners, a year
//! of production-safety and custody checks with their hazards (most signed off, some open, one
//! overdue), sentence-change cases at every stage, the key-prisoner register (the leadership is
//! cleared to read it), and no critical incident in the year.

use jiff::ToSpan;
use jiff::civil::Date;
use platform::db::Tx;
use platform::{AppResult, Ctx};

const SURNAMES: &[&str] =
    &["罗", "蒋", "邓", "田", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔"];
const ORDINALS: &[&str] = &["甲", "乙", "丙", "丁", "戊", "己"];

struct Ctx2 {
    prison: i64,
    units: std::collections::BTreeMap<String, i64>,
    /// (person id, unit id, kind) of the prison's active people.
    people: Vec<(i64, i64, String)>,
    start: Date,
    today: Date,
    now: i64,
}

impl Ctx2 {
    fn unit(&self, code: &str) -> i64 {
        self.units.get(code).copied().unwrap_or(self.prison)
    }
    fn people_of(&self, unit: i64) -> Vec<i64> {
        self.people.iter().filter(|p| p.1 == unit).map(|p| p.0).collect()
    }
    /// Someone of the unit (or of the prison when the unit has nobody).
    fn someone(&self, unit: i64, n: usize) -> i64 {
        let of = self.people_of(unit);
        match of.get(n % of.len().max(1)) {
            Some(p) => *p,
            None => self.people.get(n % self.people.len().max(1)).map(|p| p.0).unwrap_or(0),
        }
    }
    fn day(&self, offset: i64) -> Date {
        self.start.saturating_add(offset.days()).min(self.today)
    }
}

pub async fn seed(ctx: &Ctx, today: Date) -> AppResult<()> {
    let db = &ctx.state.db.pool;
    let prison: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_optional(db).await?;
    let Some(prison) = prison else { return Ok(()) };
    let units: Vec<(String, i64)> = sqlx::query_as("SELECT code, id FROM units WHERE prison_id = $1 ORDER BY id")
        .bind(prison)
        .fetch_all(db)
        .await?;
    let people: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT p.id, p.unit_id, p.kind FROM people p JOIN units u ON u.id = p.unit_id WHERE u.prison_id = $1 \
         AND p.employment_status = 'active' ORDER BY p.id",
    )
    .bind(prison)
    .fetch_all(db)
    .await?;
    if people.is_empty() {
        return Ok(());
    }
    let d = Ctx2 {
        prison,
        units: units.into_iter().collect(),
        people,
        start: today.saturating_sub(364.days()),
        today,
        now: ctx.state.clock.now_ms(),
    };
    // The leadership reads the key-prisoner register: the security administrator's clearance.
    sqlx::query("UPDATE users SET clearance = 2 WHERE username = 'leader' AND clearance < 2").execute(db).await?;
    let mut tx = ctx.state.db.begin().await?;
    key_prisoners(&mut tx, &d).await?;
    sentence_changes(&mut tx, &d).await?;
    inspections(&mut tx, &d).await?;
    epidemic_meetings(&mut tx, &d).await?;
    rosters(&mut tx, &d).await?;
    vaccinations(&mut tx, &d).await?;
    incidents(&mut tx, &d).await?;
    tx.commit().await?;
    Ok(())
}

async fn key_prisoners(tx: &mut Tx, d: &Ctx2) -> AppResult<()> {
    let cats = [
        "sensitive",
        "dangerous",
        "escape_risk",
        "suicide_risk",
        "violent",
        "organised_crime",
        "mental_health",
        "illness",
    ];
    let measures = [
        "落实“三包一”包夹监控，每周个别谈话一次，调整至重点监舍（演示）",
        "纳入重点监控名单，严格物品检查，每半月心理评估一次（演示）",
        "安排老犯帮教，劳动岗位调离工具区，夜间重点巡查（演示）",
        "协调医院会诊，落实病情监测和专人看护（演示）",
    ];
    for n in 0..24_usize {
        let unit = d.unit(&format!("SL-JQ{:02}", n % 10 + 1));
        let risk = ["high", "medium", "medium", "low"][n % 4];
        let listed = d.day((n as i64 * 13) % 300);
        let review = if n == 3 || n == 11 {
            d.today.saturating_sub(5.days())
        } else {
            d.today.saturating_add(((n as i64 * 7) % 80 + 3).days())
        };
        let name = format!("{}某{}（演示）", SURNAMES[n % SURNAMES.len()], ORDINALS[n % ORDINALS.len()]);
        let officer = d.someone(unit, n);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO key_prisoners (unit_id, label, prisoner_no, name, category, risk_level, control_measures, officer_id, listed_on, \
             review_on, created_at, updated_at) VALUES ($1,2,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
        )
        .bind(unit)
        .bind(format!("DEMO{:06}", 320_100 + n * 37))
        .bind(name)
        .bind(cats[n % cats.len()])
        .bind(risk)
        .bind(measures[n % measures.len()])
        .bind(officer)
        .bind(listed.to_string())
        .bind(review.to_string())
        .bind(d.now)
        .fetch_one(&mut **tx)
        .await?;
        let mut day = listed.saturating_add(30.days());
        let mut k = 0;
        while day < d.today && k < 3 {
            sqlx::query(
                "INSERT INTO key_prisoner_reviews (key_prisoner_id, reviewed_on, reviewer_id, conclusion, risk_before, risk_after, \
                 control_measures, note, next_review_on, created_at) VALUES ($1,$2,$3,'keep',$4,$4,'',$5,$6,$7)",
            )
            .bind(id)
            .bind(day.to_string())
            .bind(officer)
            .bind(risk)
            .bind("近期表现平稳，继续落实现有管控措施（演示）")
            .bind(day.saturating_add(30.days()).to_string())
            .bind(d.now)
            .execute(&mut **tx)
            .await?;
            day = day.saturating_add(60.days());
            k += 1;
        }
    }
    Ok(())
}

async fn sentence_changes(tx: &mut Tx, d: &Ctx2) -> AppResult<()> {
    let xfk = d.unit("SL-XFK");
    for n in 0..36_usize {
        let kind = match n % 9 {
            0 | 4 => "parole",
            8 => "medical_parole",
            _ => "commutation",
        };
        let word = match kind {
            "parole" => "假",
            "medical_parole" => "暂",
            _ => "减",
        };
        let unit = d.unit(&format!("SL-JQ{:02}", n % 10 + 1));
        // Four batches a year; the last one, a month old, is still going through its stages.
        let proposed = d.day([0, 100, 200, 330][n / 9 % 4] + (n as i64 % 9) * 3);
        let gaps = [0, 20, 5, 10, 6, if kind == "medical_parole" { 15 } else { 25 }];
        let mut dates: Vec<Option<String>> = Vec::new();
        let mut day = proposed;
        for (i, g) in gaps.iter().enumerate() {
            // One late review in the year (45 days instead of 20).
            let g = if n == 10 && i == 1 { 45 } else { *g };
            day = day.saturating_add(g.days());
            dates.push((day <= d.today).then(|| day.to_string()));
        }
        // Dates must not skip a stage.
        if let Some(first_none) = dates.iter().position(|x| x.is_none()) {
            for x in dates.iter_mut().skip(first_none) {
                *x = None;
            }
        }
        let result = if dates[5].is_some() { if n % 11 == 7 { "rejected" } else { "granted" } } else { "" };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sentence_changes (unit_id, case_no, kind, proposed_on, reviewed_on, publicised_on, meeting_on, submitted_on, \
             decided_on, result, note, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'演示数据，均为虚构',$11,$11) RETURNING id",
        )
        .bind(unit)
        .bind(format!("（{}）{word}字第{:03}号（演示）", proposed.year(), n + 1))
        .bind(kind)
        .bind(proposed.to_string())
        .bind(dates[1].clone())
        .bind(dates[2].clone())
        .bind(dates[3].clone())
        .bind(dates[4].clone())
        .bind(dates[5].clone())
        .bind(result)
        .bind(d.now)
        .fetch_one(&mut **tx)
        .await?;
        let mut officers = vec![d.someone(unit, n), d.someone(xfk, n)];
        officers.dedup();
        for p in officers {
            sqlx::query("INSERT INTO sentence_change_officers (case_id, person_id) VALUES ($1, $2)")
                .bind(id)
                .bind(p)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// (kind, organising unit, every how many days, first day, place)
const PLAN: &[(&str, &str, i64, i64, &str)] = &[
    ("fire", "SL-AQK", 30, 5, "监舍楼、生产车间"),
    ("gas", "SL-AQK", 91, 20, "罪犯伙房、民警食堂"),
    ("electricity", "SL-AQK", 91, 40, "配电房、生产车间"),
    ("flood", "SL-AQK", 30, 150, "围墙、低洼部位、排水沟渠"),
    ("dangerous_goods", "SL-AQK", 180, 60, "危险品仓库"),
    ("hazardous_chemicals", "SL-AQK", 180, 75, "危化品储存间"),
    ("dilapidated_buildings", "SL-AQK", 180, 100, "老监舍楼、附属用房"),
    ("custody_prisoners", "SL-YZK", 60, 10, "各监区"),
    ("custody_rules", "SL-YZK", 60, 20, "各监区"),
    ("custody_links", "SL-YZK", 60, 30, "出收工通道、会见室"),
    ("custody_places", "SL-YZK", 60, 40, "围墙、AB门、监控室"),
    ("custody_items", "SL-YZK", 60, 50, "监舍、劳动现场"),
    ("custody_periods", "SL-ZHZX", 60, 55, "节假日值班岗位"),
    ("ideology", "SL-ZZC", 180, 45, "宣传栏、图书阅览室"),
];

async fn inspections(tx: &mut Tx, d: &Ctx2) -> AppResult<()> {
    let mut n = 0_usize;
    for (kind, org, every, first, place) in PLAN {
        let items: Vec<String> =
            sqlx::query_scalar("SELECT item FROM check_items WHERE kind = $1 AND active = 1 ORDER BY position, id")
                .bind(*kind)
                .fetch_all(&mut **tx)
                .await?;
        let org = d.unit(org);
        let mut off = *first;
        while off < 365 {
            let day = d.day(off);
            if day >= d.today {
                break;
            }
            // Flood checks only in the rainy months.
            if *kind == "flood" && !(5..=9).contains(&day.month()) {
                off += every;
                continue;
            }
            n += 1;
            let target = d.unit(&format!("SL-JQ{:02}", n % 10 + 1));
            let problem_at = n.is_multiple_of(4).then_some(n % items.len().max(1));
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO inspections (unit_id, target_unit_id, kind, inspected_on, place, summary, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
            )
            .bind(org)
            .bind(target)
            .bind(*kind)
            .bind(day.to_string())
            .bind(*place)
            .bind(if problem_at.is_some() { "发现问题已当场交办，登记隐患限期整改（演示）" } else { "检查未发现问题（演示）" })
            .bind(d.now)
            .fetch_one(&mut **tx)
            .await?;
            for (i, item) in items.iter().enumerate() {
                let bad = problem_at == Some(i);
                sqlx::query("INSERT INTO inspection_results (inspection_id, position, item, result, note) VALUES ($1,$2,$3,$4,$5)")
                    .bind(id)
                    .bind(i as i64 + 1)
                    .bind(item)
                    .bind(if bad { "problem" } else { "ok" })
                    .bind(if bad { "存在问题，详见隐患登记（演示）" } else { "" })
                    .execute(&mut **tx)
                    .await?;
            }
            let mut who = vec![d.someone(org, n), d.someone(org, n + 1)];
            who.dedup();
            for p in who {
                sqlx::query("INSERT INTO inspection_inspectors (inspection_id, person_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(p)
                    .execute(&mut **tx)
                    .await?;
            }
            if problem_at.is_some() {
                hazard(tx, d, (id, org, target, *kind, *place), day, n).await?;
            }
            off += every;
        }
    }
    Ok(())
}

/// A hazard found by an inspection: (inspection, organising unit, inspected unit, kind, place).
async fn hazard(tx: &mut Tx, d: &Ctx2, ins: (i64, i64, i64, &str, &str), found: Date, n: usize) -> AppResult<()> {
    let (inspection, org, unit, kind, place) = ins;
    let deadline = found.saturating_add(15.days());
    let age = found.until(d.today).map(|s| s.get_days()).unwrap_or(0);
    // Old ones are signed off; a recent one waits for sign-off; one is overdue; the newest are open.
    let (status, rectified_on, closed_on) = if age > 60 && !n.is_multiple_of(13) {
        ("closed", Some(found.saturating_add(10.days())), Some(found.saturating_add(12.days())))
    } else if age > 20 && !n.is_multiple_of(13) {
        ("rectified", Some(found.saturating_add(9.days())), None)
    } else {
        ("open", None, None)
    };
    let rectified = rectified_on.is_some();
    sqlx::query(
        "INSERT INTO hazards (inspection_id, source_unit_id, unit_id, kind, found_on, place, description, level, deadline, rectification, \
         evidence, rectified_on, status, closed_on, closed_by_name, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16)",
    )
    .bind(inspection)
    .bind(org)
    .bind(unit)
    .bind(kind)
    .bind(found.to_string())
    .bind(place)
    .bind(match kind {
        "fire" => ["灭火器压力不足，部分过期未更换（演示）", "疏散通道堆放杂物（演示）"][n % 2],
        "gas" => "燃气软管老化开裂（演示）",
        "electricity" => "配电箱内线路老化，有裸露接头（演示）",
        "flood" => "排水沟淤堵，雨季有积水风险（演示）",
        "dangerous_goods" | "hazardous_chemicals" => "领用登记不完整，账物不符（演示）",
        "dilapidated_buildings" => "附属用房外墙抹灰空鼓，有脱落风险（演示）",
        "ideology" => "阅览室个别过期刊物未及时清理（演示）",
        _ => "巡查记录不完整，存在漏记（演示）",
    })
    .bind(if n.is_multiple_of(7) { "major" } else { "general" })
    .bind(deadline.to_string())
    .bind(if rectified { "已更换、修复并组织复查（演示）" } else { "" })
    .bind(if rectified { "整改前后照片、复查记录（演示）" } else { "" })
    .bind(rectified_on.map(|x| x.to_string()))
    .bind(status)
    .bind(closed_on.map(|x| x.to_string()))
    .bind(if closed_on.is_some() { "安全生产科（演示）" } else { "" })
    .bind(d.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn epidemic_meetings(tx: &mut Tx, d: &Ctx2) -> AppResult<()> {
    let shk = d.unit("SL-SHK");
    let attendees: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.prison_id = $1 AND p.employment_status = 'active' \
         AND p.leadership_level IN ('division', 'deputy_division', 'section') ORDER BY p.leadership_level DESC, p.id LIMIT 15",
    )
    .bind(d.prison)
    .fetch_all(&mut **tx)
    .await?;
    // Committee meetings in the window: the first few prevention meetings were held at them.
    let committee: Vec<(i64, String)> = sqlx::query_as(
        "SELECT m.id, m.held_on FROM meetings m JOIN units u ON u.id = m.unit_id WHERE m.kind = 'committee_meeting' \
         AND (u.id = $1 OR u.prison_id = $1) AND m.held_on >= $2 AND m.held_on <= $3 ORDER BY m.held_on LIMIT 3",
    )
    .bind(d.prison)
    .bind(d.start.to_string())
    .bind(d.today.to_string())
    .fetch_all(&mut **tx)
    .await?;
    for n in 0..23_usize {
        let (held, meeting) = match committee.get(n) {
            Some((id, on)) => (on.clone(), Some(*id)),
            None => (d.day(n as i64 * 15 + 3).to_string(), None),
        };
        let kind = if n % 2 == 0 { "analysis" } else { "deployment" };
        let title =
            format!("第{}次疫情防控{}（演示）", n + 1, if kind == "analysis" { "专题研判会" } else { "工作部署会" });
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO epidemic_meetings (unit_id, kind, title, held_on, place, host, summary, meeting_id, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,'监狱指挥中心会议室','监狱长（演示）',$5,$6,$7,$7) RETURNING id",
        )
        .bind(shk)
        .bind(kind)
        .bind(&title)
        .bind(&held)
        .bind("研判当前疫情形势，部署人员、车辆、物资管控和卫生管理，安排核酸检测、疫苗接种和入监封闭执勤轮换（演示）")
        .bind(meeting)
        .bind(d.now)
        .fetch_one(&mut **tx)
        .await?;
        for (k, p) in attendees.iter().enumerate() {
            let absent = (k + n) % 11 == 0;
            sqlx::query(
                "INSERT INTO epidemic_meeting_attendance (epidemic_meeting_id, person_id, status, reason) VALUES ($1,$2,$3,$4)",
            )
            .bind(id)
            .bind(*p)
            .bind(if absent { "absent" } else { "present" })
            .bind(if absent { "封闭执勤" } else { "" })
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// 26 rotations of 15 days, each sharing its last day with the next one's first (the handover);
/// a few people stay on across it, and those overlapping stretches count once.
async fn rosters(tx: &mut Tx, d: &Ctx2) -> AppResult<()> {
    let zhzx = d.unit("SL-ZHZX");
    let per = (d.people.len() * 85 / 1000).max(5);
    let mut cursor = 0_usize;
    let mut prev: Vec<i64> = Vec::new();
    for r in 0..26_i64 {
        let from = d.start.saturating_add((r * 14).days());
        let to = from.saturating_add(14.days());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO epidemic_rosters (unit_id, title, place, from_on, to_on, note, created_at, updated_at) \
             VALUES ($1,$2,'监内封闭执勤区',$3,$4,'演示数据，均为虚构',$5,$5) RETURNING id",
        )
        .bind(zhzx)
        .bind(format!("第{}轮入监封闭执勤（演示）", r + 1))
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(d.now)
        .fetch_one(&mut **tx)
        .await?;
        // Two of the previous rotation's newcomers stay on (their stretches share the handover day).
        let mut who: Vec<i64> = prev.iter().skip(2).take(2).copied().collect();
        while who.len() < per && cursor < d.people.len() * 30 {
            let p = d.people[cursor % d.people.len()].0;
            if !who.contains(&p) && !prev.contains(&p) {
                who.push(p);
            }
            cursor += 1;
        }
        for chunk in who.chunks(100) {
            let mut q = platform::db::Sql::new(
                "INSERT INTO epidemic_roster_entries (roster_id, person_id, from_on, to_on) VALUES ",
            );
            for (i, p) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(id)
                    .push(", ")
                    .bind(*p)
                    .push(", ")
                    .bind(from.to_string())
                    .push(", ")
                    .bind(to.to_string())
                    .push(")");
            }
            q.query().execute(&mut **tx).await?;
        }
        prev = who;
    }
    Ok(())
}

async fn vaccinations(tx: &mut Tx, d: &Ctx2) -> AppResult<()> {
    let dates = [d.day(120), d.today.saturating_sub(10.days()).max(d.start)];
    for (code, unit) in &d.units {
        let officers = d.people.iter().filter(|p| p.1 == *unit && p.2 == "officer").count() as i64;
        let workers = d.people.iter().filter(|p| p.1 == *unit && p.2 == "worker").count() as i64;
        let prisoners = if code.starts_with("SL-JQ") { 280 + (*unit % 7) * 10 } else { 0 };
        for (k, at) in dates.iter().enumerate() {
            for (population, total, gap) in
                [("officers", officers, 40), ("workers", workers, 30), ("prisoners", prisoners, 60)]
            {
                if total == 0 {
                    continue;
                }
                // Above 95% everywhere; a little lower at the first count.
                let missing = total / gap + if k == 0 { total / 50 } else { 0 };
                let vaccinated = total - missing;
                sqlx::query(
                    "INSERT INTO epidemic_vaccinations (unit_id, population, as_of, total, vaccinated, boosted, note, created_at, updated_at) \
                     VALUES ($1,$2,$3,$4,$5,$6,'演示数据',$7,$7)",
                )
                .bind(*unit)
                .bind(population)
                .bind(at.to_string())
                .bind(total)
                .bind(vaccinated)
                .bind(vaccinated * 9 / 10)
                .bind(d.now)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

/// None in the demo's year ("六个绝对不能发生" held); one older record of a public-opinion incident.
async fn incidents(tx: &mut Tx, d: &Ctx2) -> AppResult<()> {
    let kind: Option<i64> = sqlx::query_scalar("SELECT id FROM critical_incident_kinds WHERE code = 'public_opinion'")
        .fetch_optional(&mut **tx)
        .await?;
    let Some(kind) = kind else { return Ok(()) };
    sqlx::query(
        "INSERT INTO critical_incidents (unit_id, kind_id, occurred_on, title, facts, handling, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$7)",
    )
    .bind(d.unit("SL-BGS"))
    .bind(kind)
    .bind(d.start.saturating_sub(400.days()).to_string())
    .bind("网络不实信息引发关注（演示）")
    .bind("某自媒体转发涉我监不实信息，阅读量较大（演示）")
    .bind("及时发布情况说明，联系平台处置，未造成不良影响（演示）")
    .bind(d.now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
