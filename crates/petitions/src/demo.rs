//! Demo data (fictional, every text marked （演示））: the 二十大 special period of the seed with its
//! leading group and a full duty roster; a current special period whose group is a copy of the
//! first, with a full roster but one gap (a to-do) and two swaps; petitions in every stage — one
//! just received, one escalated (应急启动), several being handled (one due soon, one overdue, one
//! reopened), several closed (one replied late, one not yet reviewed); mediations and receptions;
//! monthly screening rounds with findings; and people and situations under watch. The party
//! office and the leadership are cleared (秘密) for the labelled ledgers.

use crate::domain::*;
use crate::restricted;
use jiff::ToSpan;
use jiff::civil::Date;
use platform::db::Tx;
use platform::{AppResult, Ctx};

/// (name, purpose/duties) of the leading group of the seed.
const GROUP_NAME: &str = "党的二十大期间信访维稳工作领导小组（演示）";
const GROUP_PURPOSE: &str = "统筹党的二十大期间信访维稳工作，确保不发生影响监狱安全稳定的信访事件（演示）。";
const GROUP_DUTIES: &str = "一、研究部署特殊时期信访维稳工作；二、组织矛盾风险排查和重点人员稳控；\
三、指挥突发信访事件的应急处置；四、督促落实值班、接访、排查、调处、稳控五项措施（演示）。";

/// A demo petition: days before today it came in, channel, kind, petitioner type, name, phone,
/// summary, and its steps as (kind, days after receipt, text).
type DemoStep = (&'static str, i64, &'static str);
type DemoCase =
    (i64, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static [DemoStep]);

const CASES: &[DemoCase] = &[
    (
        2,
        "letter",
        "medical",
        "family",
        "周某某（演示）",
        "13900000001",
        "来信反映其在押亲属患慢性病，请求监狱安排专科复诊并告知病情（演示）。",
        &[],
    ),
    (
        5,
        "online",
        "other",
        "public",
        "吴某（演示）",
        "",
        "网上信访反映监狱周边道路施工影响通行，建议加强协调（演示）。",
        &[],
    ),
    (
        1,
        "visit",
        "collective",
        "family",
        "郑某等（演示）",
        "13900000003",
        "罪犯亲属多人到监狱门口聚集，反映会见预约名额不足（演示）。",
        &[(
            "escalate",
            0,
            "启动突发信访事件应急预案，信访办、狱政管理科、指挥中心到场劝导，安排代表到接待室反映诉求（演示）。",
        )],
    ),
    (
        12,
        "phone",
        "contact",
        "family",
        "孙某（演示）",
        "13900000004",
        "来电反映亲情电话拨打时间与其工作时间冲突，请求调整（演示）。",
        &[
            ("handle", 1, "转五监区核实亲情电话安排（演示）。"),
            ("step", 3, "五监区反馈已核实排班情况，正在研究调整方案（演示）。"),
        ],
    ),
    (
        40,
        "visit",
        "custody",
        "family",
        "钱某某（演示）",
        "13900000005",
        "反映其亲属在监区劳动岗位安排不合理，请求调整（演示）。",
        &[
            ("handle", 2, "转三监区、狱政管理科核实（演示）。"),
            ("step", 10, "三监区报告劳动岗位安排依据，狱政管理科复核中（演示）。"),
        ],
    ),
    (
        15,
        "referred",
        "sentence_change",
        "family",
        "李某某（演示）",
        "13900000006",
        "省局转来：反映其亲属减刑考核分计算有误（演示）。",
        &[("handle", 2, "转刑罚执行科复核考核分（演示）。")],
    ),
    (
        20,
        "visit",
        "custody",
        "prisoner",
        "冯某（演示）",
        "",
        "监狱长信箱接待中罪犯反映监舍调整问题（演示）。",
        &[
            ("handle", 1, "转二监区核实（演示）。"),
            ("mediation", 6, "二监区、信访办与其面谈，说明监舍调整依据（演示）。"),
            ("reply", 15, "经核实，监舍调整符合规定，已当面答复并做好思想工作（演示）。"),
        ],
    ),
    (
        70,
        "letter",
        "police_conduct",
        "family",
        "陈某某（演示）",
        "13900000008",
        "来信反映会见时工作人员态度生硬（演示）。",
        &[
            ("handle", 1, "转狱政管理科、纪委办公室核查（演示）。"),
            ("reply", 14, "经调查，已对相关人员批评教育，书面答复信访人（演示）。"),
            ("close", 20, "事件已消除，调查材料、答复意见已整理归档（演示）。"),
            ("review", 21, "审核归档（演示）。"),
            ("reopen", 40, "信访人对处理结果提出新的情况，重新办理（演示）。"),
        ],
    ),
    (
        90,
        "visit",
        "sentence_change",
        "family",
        "黄某（演示）",
        "13900000009",
        "反映其亲属假释呈报材料迟迟未报送（演示）。",
        &[
            ("handle", 2, "转刑罚执行科核实呈报进度（演示）。"),
            ("step", 10, "刑罚执行科说明呈报程序与时间节点（演示）。"),
            ("mediation", 20, "刑罚执行科、信访办与信访人面谈，解释假释条件（演示）。"),
            ("reply", 35, "已书面答复呈报进度及法定程序（演示）。"),
            ("close", 40, "信访人表示理解，事件消除，记录已整理（演示）。"),
            ("review", 42, "审核归档（演示）。"),
        ],
    ),
    (
        80,
        "phone",
        "medical",
        "family",
        "林某（演示）",
        "13900000010",
        "来电反映其亲属住院期间家属探视安排问题（演示）。",
        &[
            ("handle", 1, "转生活卫生科核实（演示）。"),
            ("reply", 20, "已电话答复探视安排（超过答复期限）（演示）。"),
            ("close", 25, "事件消除，记录已整理（演示）。"),
            ("review", 27, "审核归档（演示）。"),
        ],
    ),
    (
        30,
        "mailbox",
        "consultation",
        "officer",
        "何某（演示）",
        "",
        "监狱长信箱：建议完善信访接待室便民设施（演示）。",
        &[
            ("handle", 0, "转办公室研究（演示）。"),
            ("reply", 5, "已答复将增设饮水机和座椅（演示）。"),
            ("close", 6, "建议已采纳，记录已整理（演示）。"),
        ],
    ),
    (
        60,
        "visit",
        "collective",
        "family",
        "罗某等（演示）",
        "13900000012",
        "罪犯亲属十余人集体来访，反映疫情期间会见暂停后恢复安排（演示）。",
        &[
            ("escalate", 0, "启动应急响应，分管领导到场，指挥中心加强门岗警戒（演示）。"),
            ("handle", 0, "组织代表座谈，逐一登记诉求（演示）。"),
            ("step", 0, "信访办、狱政管理科现场解答会见恢复安排（演示）。"),
            ("mediation", 1, "联合调处：与家属代表协商远程视频会见过渡方案（演示）。"),
            ("reply", 3, "书面公告会见恢复时间和预约方式（演示）。"),
            ("close", 10, "聚集事件消除，现场处置记录、调处协议、公告已整理归档（演示）。"),
            ("review", 12, "审核归档（演示）。"),
        ],
    ),
];

/// (days before today, kind, place, visitors, visitor, content, outcome, linked case index)
type DemoReception = (i64, &'static str, &'static str, i64, &'static str, &'static str, &'static str, Option<usize>);

const RECEPTIONS: &[DemoReception] = &[
    (
        1,
        "leader",
        "信访接待室",
        3,
        "郑某等（演示）",
        "集体反映会见预约名额不足，已登记诉求（演示）。",
        "registered",
        Some(2),
    ),
    (20, "leader", "信访接待室", 1, "冯某（演示）", "监狱长接待日，反映监舍调整问题（演示）。", "registered", Some(6)),
    (33, "daily", "信访接待室", 2, "张某（演示）", "咨询罪犯减刑政策，已当场解答（演示）。", "answered", None),
    (
        47,
        "appointment",
        "信访接待室",
        1,
        "赵某（演示）",
        "预约反映亲属劳动报酬问题，已转生活卫生科（演示）。",
        "referred",
        None,
    ),
    (60, "leader", "会见楼", 12, "罗某等（演示）", "分管领导接待集体来访家属代表（演示）。", "registered", Some(11)),
    (75, "outreach", "信访人住所", 1, "黄某（演示）", "带案下访，当面解释假释呈报程序（演示）。", "other", Some(8)),
];

pub async fn seed(ctx: &Ctx, today: Date) -> AppResult<()> {
    let db = &ctx.state.db.pool;
    let unit: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL-XFB'").fetch_optional(db).await?;
    let Some(unit) = unit else { return Ok(()) };
    sqlx::query("UPDATE users SET clearance = 2 WHERE username IN ('party', 'leader') AND clearance < 2")
        .execute(db)
        .await?;
    let handler: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'party'").fetch_optional(db).await?;
    let people: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT p.id, p.leadership_level, p.unit_id FROM people p JOIN units u ON u.id = p.unit_id JOIN units s ON s.id = u.prison_id \
         WHERE s.code = 'SL' AND p.employment_status = 'active' ORDER BY p.id",
    )
    .fetch_all(db)
    .await?;
    // Those who lead the duty (带班领导) and the group: the prison's leadership first, then the
    // heads of departments; everybody else mans the other posts.
    let rank = |level: &str| match level {
        "division" => 0,
        "deputy_division" => 1,
        "section" => 2,
        _ => 3,
    };
    let mut by_rank: Vec<&(i64, String, i64)> = people.iter().filter(|p| rank(&p.1) < 3).collect();
    by_rank.sort_by_key(|p| (rank(&p.1), p.0));
    let leaders: Vec<i64> = by_rank.iter().map(|p| p.0).take(12).collect();
    let staff: Vec<i64> = people.iter().map(|p| p.0).filter(|p| !leaders.contains(p)).collect();
    if leaders.len() < 4 || staff.len() < 12 {
        return Ok(());
    }
    let units: Vec<(String, i64)> = sqlx::query_as(
        "SELECT u.code, u.id FROM units u JOIN units s ON s.id = u.prison_id WHERE s.code = 'SL' AND u.kind = 'department'",
    )
    .fetch_all(db)
    .await?;
    let unit_of = |code: &str| units.iter().find(|(c, _)| c == code).map(|(_, id)| *id).unwrap_or(unit);
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;

    // The seed's special period (二十大) with a full roster, and a current one with one gap.
    let congress = (Date::constant(2022, 10, 9), Date::constant(2022, 10, 23));
    let a =
        period(&mut tx, unit, "党的二十大安保维稳特殊时期（演示）", congress, &["leader", "officer", "reception"], now)
            .await?;
    fill_roster(&mut tx, a, &leaders, &staff, None, now).await?;
    let current = (today.saturating_sub(5.days()), today.saturating_add(9.days()));
    let b = period(
        &mut tx,
        unit,
        "重要会议期间安保维稳特殊时期（演示）",
        current,
        &["leader", "officer", "reception", "night"],
        now,
    )
    .await?;
    let gap_day = today.saturating_add(4.days()).to_string();
    fill_roster(&mut tx, b, &leaders, &staff, Some((&gap_day, "night")), now).await?;
    swaps(&mut tx, b, today, &staff, handler, now).await?;

    // The leading group of the seed, and its copy for the current period.
    let group_a = group(&mut tx, unit, GROUP_NAME, Some(a), "2022-09-26", Some("2022-10-31"), None, now).await?;
    members(&mut tx, group_a, &leaders, &staff).await?;
    let group_b = group(
        &mut tx,
        unit,
        "重要会议期间信访维稳工作领导小组（演示）",
        Some(b),
        &today.saturating_sub(10.days()).to_string(),
        None,
        Some(group_a),
        now,
    )
    .await?;
    members(&mut tx, group_b, &leaders, &staff).await?;

    // Petitions in every stage, with their trails and mediations.
    // Numbered per year in the order received, as registration would have numbered them.
    let mut order: Vec<usize> = (0..CASES.len()).collect();
    order.sort_by_key(|k| std::cmp::Reverse(CASES[*k].0));
    let mut numbers = vec![String::new(); CASES.len()];
    let mut counters: std::collections::BTreeMap<i16, usize> = std::collections::BTreeMap::new();
    for k in order {
        let year = today.saturating_sub(CASES[k].0.days()).year();
        let n = counters.entry(year).or_insert(0);
        *n += 1;
        numbers[k] = format!("XF-{year}-{:04}", *n);
    }
    let mut ids = Vec::new();
    for (k, c) in CASES.iter().enumerate() {
        let at = Placing { unit, today, handler, now, case_no: &numbers[k] };
        let id = petition(ctx, &mut tx, &at, k, c, &unit_of, &leaders).await?;
        ids.push(id);
    }
    for (ago, kind, place, visitors, visitor, content, outcome, case) in RECEPTIONS {
        sqlx::query(
            "INSERT INTO petition_receptions (unit_id, label, received_on, received_time, kind, receiver_id, place, visitors, \
             visitor_name_sealed, visitor_name_masked, content_sealed, outcome, petition_id, created_at, updated_at) \
             VALUES ($1, 2, $2, '09:30', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        )
        .bind(unit)
        .bind(today.saturating_sub(ago.days()).to_string())
        .bind(*kind)
        .bind(leaders[(*ago as usize) % leaders.len()])
        .bind(*place)
        .bind(*visitors)
        .bind(restricted::seal(ctx, visitor))
        .bind(mask_name(visitor))
        .bind(restricted::seal(ctx, content))
        .bind(*outcome)
        .bind(case.and_then(|k| ids.get(k).copied()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }

    screenings(&mut tx, unit, today, (a, congress.0), (b, current.0), &unit_of, &staff, now).await?;
    watches(&mut tx, today, &unit_of, &leaders, &staff, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn period(
    tx: &mut Tx,
    unit: i64,
    name: &str,
    (from, to): (Date, Date),
    posts: &[&str],
    now: i64,
) -> AppResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO stability_periods (unit_id, name, starts_on, ends_on, posts, requirements, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
    )
    .bind(unit)
    .bind(name)
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(posts.join(","))
    .bind("实行24小时值班和领导带班制度，值班人员不得擅离岗位，重要情况第一时间报告（演示）。")
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let mut day = from;
    while day <= to {
        for post in posts {
            sqlx::query(
                "INSERT INTO duty_roster (period_id, unit_id, duty_on, post, updated_at) VALUES ($1,$2,$3,$4,$5)",
            )
            .bind(id)
            .bind(unit)
            .bind(day.to_string())
            .bind(*post)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        day = day.saturating_add(1.day());
    }
    Ok(id)
}

/// Leaders take turns to lead; three disjoint thirds of the staff man the other posts, so nobody
/// is on two posts a day. `gap` leaves one slot empty.
async fn fill_roster(
    tx: &mut Tx,
    period: i64,
    leaders: &[i64],
    staff: &[i64],
    gap: Option<(&str, &str)>,
    now: i64,
) -> AppResult<()> {
    let slots: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, duty_on, post FROM duty_roster WHERE period_id = $1 ORDER BY duty_on, id")
            .bind(period)
            .fetch_all(&mut **tx)
            .await?;
    let third = (staff.len() / 3).max(1);
    let mut day_no = 0usize;
    let mut last_day = String::new();
    for (id, day, post) in slots {
        if day != last_day {
            if !last_day.is_empty() {
                day_no += 1;
            }
            last_day = day.clone();
        }
        if gap.is_some_and(|(d, p)| d == day && p == post) {
            continue;
        }
        let person = match post.as_str() {
            "leader" => leaders[day_no % leaders.len()],
            "officer" => staff[day_no % third],
            "reception" => staff[third + day_no % third],
            _ => staff[(2 * third + day_no % third).min(staff.len() - 1)],
        };
        sqlx::query("UPDATE duty_roster SET person_id = $1, updated_at = $2 WHERE id = $3")
            .bind(person)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Two swaps (调班) in the current period, recorded with their reasons.
async fn swaps(tx: &mut Tx, period: i64, today: Date, staff: &[i64], by: Option<i64>, now: i64) -> AppResult<()> {
    let third = (staff.len() / 3).max(1);
    for (k, (offset, reason)) in
        [(1i64, "原值班民警参加省局业务培训（演示）"), (6, "原值班民警家中有事，申请调班（演示）")].iter().enumerate()
    {
        let day = today.saturating_add(offset.days()).to_string();
        let slot: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, person_id FROM duty_roster WHERE period_id = $1 AND duty_on = $2 AND post = 'officer'",
        )
        .bind(period)
        .bind(&day)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((slot, before)) = slot else { continue };
        // Someone of the officers' third not on duty that day.
        let mut to = None;
        for cand in staff.iter().take(third).skip(k * 3 + 1) {
            let busy: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM duty_roster WHERE period_id = $1 AND duty_on = $2 AND person_id = $3",
            )
            .bind(period)
            .bind(&day)
            .bind(*cand)
            .fetch_one(&mut **tx)
            .await?;
            if busy == 0 {
                to = Some(*cand);
                break;
            }
        }
        let Some(to) = to else { continue };
        sqlx::query("UPDATE duty_roster SET person_id = $1, version = version + 1 WHERE id = $2")
            .bind(to)
            .bind(slot)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO duty_swaps (roster_id, from_person_id, to_person_id, reason, by_user, by_name, created_at) \
             VALUES ($1,$2,$3,$4,$5,'林晓岚',$6)",
        )
        .bind(slot)
        .bind(before)
        .bind(to)
        .bind(*reason)
        .bind(by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn group(
    tx: &mut Tx,
    unit: i64,
    name: &str,
    period: Option<i64>,
    from: &str,
    to: Option<&str>,
    copied_from: Option<i64>,
    now: i64,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO leading_groups (unit_id, name, purpose, period_id, starts_on, ends_on, doc_number, office, duties, copied_from, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
    )
    .bind(unit)
    .bind(name)
    .bind(GROUP_PURPOSE)
    .bind(period)
    .bind(from)
    .bind(to.map(str::to_string))
    .bind(if copied_from.is_none() { "示监党〔2022〕18号（演示）" } else { "" })
    .bind("领导小组办公室设在信访办公室，负责日常工作（演示）")
    .bind(GROUP_DUTIES)
    .bind(copied_from)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

async fn members(tx: &mut Tx, group: i64, leaders: &[i64], staff: &[i64]) -> AppResult<()> {
    let rows: Vec<(i64, &str, &str)> = vec![
        (leaders[0], "head", "全面负责（演示）"),
        (leaders[1], "deputy", "协助组长，分管信访接待和矛盾调处（演示）"),
        (leaders[2], "deputy", "分管安全稳控和应急处置（演示）"),
        (leaders[3], "member", "狱政管理、重点罪犯稳控（演示）"),
        (staff[0], "member", "刑罚执行政策解释（演示）"),
        (staff[1], "office", "信访接待、登记和值班安排（演示）"),
        (staff[2], "office", "信息报送（演示）"),
    ];
    for (k, (person, role, duty)) in rows.iter().enumerate() {
        sqlx::query(
            "INSERT INTO leading_group_members (group_id, person_id, role, duty, position) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(group)
        .bind(*person)
        .bind(*role)
        .bind(*duty)
        .bind(k as i64 + 1)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Where and when a demo petition is registered, and its number.
struct Placing<'a> {
    unit: i64,
    today: Date,
    handler: Option<i64>,
    now: i64,
    case_no: &'a str,
}

#[allow(clippy::too_many_arguments)]
async fn step(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    by: Option<i64>,
    now: i64,
    (kind, from, to): (&str, &str, &str),
    day: Date,
    text: &str,
) -> AppResult<()> {
    let (notified, time) = if kind == "escalate" {
        ("监狱长、分管副监狱长、狱政管理科、指挥中心（演示）", "09:20")
    } else {
        ("", "")
    };
    sqlx::query(
        "INSERT INTO petition_steps (petition_id, kind, stage_from, stage_to, happened_on, happened_time, notified, reply_method, \
         text_sealed, by_user, by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'林晓岚',$11)",
    )
    .bind(id)
    .bind(kind)
    .bind(from)
    .bind(to)
    .bind(day.to_string())
    .bind(time)
    .bind(notified)
    .bind(if kind == "reply" { "written" } else { "" })
    .bind(restricted::seal(ctx, text))
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn petition(
    ctx: &Ctx,
    tx: &mut Tx,
    at: &Placing<'_>,
    k: usize,
    c: &DemoCase,
    unit_of: &dyn Fn(&str) -> i64,
    leaders: &[i64],
) -> AppResult<i64> {
    let (ago, channel, pkind, ptype, name, phone, summary, steps) = *c;
    let (unit, handler, now) = (at.unit, at.handler, at.now);
    let received = at.today.saturating_sub(ago.days());
    let concerned = match pkind {
        "sentence_change" => unit_of("SL-XFK"),
        "medical" => unit_of("SL-SHK"),
        "police_conduct" | "custody" | "contact" => unit_of(&format!("SL-JQ{:02}", 1 + k % 5)),
        _ => unit_of("SL-BGS"),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO petitions (unit_id, label, case_no, received_on, received_time, channel, kind, petitioner_type, \
         petitioner_name_sealed, petitioner_name_masked, petitioner_name_index, petitioner_phone_sealed, petitioner_phone_masked, \
         visitors, summary_sealed, involved_sealed, concerned_unit_id, handler_user_id, escalated, stage, reply_due_on, created_at, updated_at) \
         VALUES ($1, 2, $2, $3, '09:00', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'received', $18, $19, $19) RETURNING id",
    )
    .bind(unit)
    .bind(at.case_no)
    .bind(received.to_string())
    .bind(channel)
    .bind(pkind)
    .bind(ptype)
    .bind(restricted::seal(ctx, name))
    .bind(mask_name(name))
    .bind(restricted::index(ctx, name))
    .bind(restricted::seal(ctx, phone))
    .bind(mask_phone(phone))
    .bind(if pkind == "collective" { 12 } else { 1 })
    .bind(restricted::seal(ctx, summary))
    .bind(restricted::seal(ctx, "在押罪犯一名（演示）"))
    .bind(concerned)
    .bind(handler)
    .bind(i64::from(urgent_kind(pkind)))
    .bind(received.saturating_add(reply_days(pkind).days()).to_string())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    step(ctx, tx, id, handler, now, ("register", "", "received"), received, "接报登记（演示）").await?;
    let (mut stage, mut replied, mut closed, mut reviewed, mut reopened) = ("received", None, None, None, 0i64);
    for (kind, after, text) in steps.iter() {
        let day = received.saturating_add(after.days()).min(at.today);
        let to = match *kind {
            "escalate" => "emergency",
            "handle" | "reopen" => "handling",
            "close" => "closed",
            _ => stage,
        };
        step(ctx, tx, id, handler, now, (kind, stage, to), day, text).await?;
        match *kind {
            "reply" if replied.is_none() => replied = Some(day.to_string()),
            "close" => closed = Some(day.to_string()),
            "review" => reviewed = Some(day.to_string()),
            "reopen" => {
                closed = None;
                reviewed = None;
                reopened += 1;
            }
            "mediation" => {
                let method = if pkind == "collective" { "joint" } else { "talk" };
                sqlx::query(
                    "INSERT INTO petition_mediations (petition_id, unit_id, label, mediated_on, method, mediator_id, parties_sealed, \
                     content_sealed, result, created_at, updated_at) VALUES ($1,$2,2,$3,$4,$5,$6,$7,'agreed',$8,$8)",
                )
                .bind(id)
                .bind(unit)
                .bind(day.to_string())
                .bind(method)
                .bind(leaders[1])
                .bind(restricted::seal(ctx, "信访人、承办部门、信访办（演示）"))
                .bind(restricted::seal(ctx, text))
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
            _ => {}
        }
        stage = to;
    }
    sqlx::query(
        "UPDATE petitions SET stage = $1, escalated = CASE WHEN $2 = 1 THEN 1 ELSE escalated END, replied_on = $3, closed_on = $4, \
         reviewed_by = $5, reviewed_on = $6, reopened = $7, version = $8 WHERE id = $9",
    )
    .bind(stage)
    .bind(i64::from(steps.iter().any(|s| s.0 == "escalate")))
    .bind(replied)
    .bind(closed)
    .bind(reviewed.as_ref().and(handler))
    .bind(reviewed)
    .bind(reopened)
    .bind(1 + steps.iter().filter(|s| s.0 != "mediation").count() as i64)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

async fn round(
    tx: &mut Tx,
    unit: i64,
    now: i64,
    (period, kind): (Option<i64>, &str),
    title: &str,
    day: Date,
    summary: &str,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO stability_screenings (unit_id, period_id, kind, title, screened_on, coverage, organiser, summary, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,'全监各部门、各监区','信访办公室（演示）',$6,$7,$7) RETURNING id",
    )
    .bind(unit)
    .bind(period)
    .bind(kind)
    .bind(title)
    .bind(day.to_string())
    .bind(summary)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// A finding: (unit, category, level, description, status, responsible person).
type DemoFinding<'a> = (i64, &'a str, &'a str, &'a str, &'a str, i64);

async fn finding(tx: &mut Tx, screening: i64, today: Date, now: i64, f: DemoFinding<'_>) -> AppResult<()> {
    let (unit, category, level, text, status, who) = f;
    sqlx::query(
        "INSERT INTO stability_findings (screening_id, unit_id, category, level, description, measures, responsible_id, status, \
         resolved_on, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,'落实专人包案，定期研判（演示）',$6,$7,$8,$9,$9)",
    )
    .bind(screening)
    .bind(unit)
    .bind(category)
    .bind(level)
    .bind(text)
    .bind(who)
    .bind(status)
    .bind((status == "resolved").then(|| today.to_string()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn screenings(
    tx: &mut Tx,
    unit: i64,
    today: Date,
    (period_a, a_from): (i64, Date),
    (period_b, b_from): (i64, Date),
    unit_of: &dyn Fn(&str) -> i64,
    staff: &[i64],
    now: i64,
) -> AppResult<()> {
    let s = round(
        tx,
        unit,
        now,
        (Some(period_a), "special"),
        "党的二十大前矛盾风险专项排查（演示）",
        a_from.saturating_sub(1.day()),
        "逐监区排查信访苗头和重点人员（演示）。",
    )
    .await?;
    let found = [
        (
            unit_of("SL-JQ02"),
            "family",
            "high",
            "罪犯亲属反映会见安排问题，有集体来访苗头（演示）",
            "resolved",
            staff[3],
        ),
        (unit_of("SL-JQ04"), "prisoner", "medium", "个别罪犯对减刑结果不满，情绪波动（演示）", "resolved", staff[4]),
    ];
    for f in found {
        finding(tx, s, today, now, f).await?;
    }
    let s = round(
        tx,
        unit,
        now,
        (Some(period_b), "special"),
        "重要会议前矛盾风险专项排查（演示）",
        b_from.saturating_sub(1.day()).min(today),
        "排查出风险 3 个，均已落实稳控措施（演示）。",
    )
    .await?;
    let found = [
        (
            unit_of("SL-JQ01"),
            "family",
            "high",
            "罪犯亲属李某多次来信反映减刑问题，有进京上访倾向（演示）",
            "controlled",
            staff[5],
        ),
        (unit_of("SL-JQ03"), "officer", "low", "个别民警职工对岗位调整有意见（演示）", "open", staff[6]),
        (unit_of("SL-XFB"), "public_opinion", "medium", "网上出现涉监舆情苗头（演示）", "open", staff[7]),
    ];
    for f in found {
        finding(tx, s, today, now, f).await?;
    }
    // Monthly rounds this year, on the 5th.
    let mut month = today.first_of_year();
    while month.saturating_add(4.days()) <= today {
        let day = month.saturating_add(4.days());
        let title = format!("{}月矛盾纠纷定期排查（演示）", month.month());
        let s =
            round(tx, unit, now, (None, "routine"), &title, day, "各监区、各部门按月报送排查情况（演示）。").await?;
        if month.month() % 3 == 1 {
            let f = (unit_of("SL-JQ05"), "prisoner", "low", "罪犯对伙食调整有意见（演示）", "resolved", staff[8]);
            finding(tx, s, today, now, f).await?;
        }
        month = month.saturating_add(1.month());
    }
    Ok(())
}

/// (unit code, kind, subject, level, reason, measures, started days ago, review in days,
/// finding, status)
type DemoWatch = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    Option<i64>,
    &'static str,
);

async fn watches(
    tx: &mut Tx,
    today: Date,
    unit_of: &dyn Fn(&str) -> i64,
    leaders: &[i64],
    staff: &[i64],
    now: i64,
) -> AppResult<()> {
    let finding: Option<i64> =
        sqlx::query_scalar("SELECT min(f.id) FROM stability_findings f WHERE f.status = 'controlled'")
            .fetch_one(&mut **tx)
            .await?;
    let rows: [DemoWatch; 4] = [
        (
            "SL-JQ01",
            "person",
            "罪犯亲属李某（演示）",
            "high",
            "多次来信反映减刑问题，有进京上访倾向（演示）",
            "包案领导约谈，责任民警每周电话联系，重要会议期间每日掌握动态（演示）",
            20,
            3,
            finding,
            "active",
        ),
        (
            "SL-JQ02",
            "situation",
            "二监区罪犯亲属反映会见安排问题（演示）",
            "medium",
            "会见预约名额紧张，家属意见集中（演示）",
            "增加远程视频会见时段，提前公告预约规则（演示）",
            45,
            20,
            None,
            "active",
        ),
        (
            "SL-XFB",
            "situation",
            "重要会议期间涉监网络舆情（演示）",
            "low",
            "特殊时期舆情敏感（演示）",
            "指定专人每日巡查，发现苗头及时报告（演示）",
            10,
            -2,
            None,
            "active",
        ),
        (
            "SL-JQ04",
            "person",
            "刑满释放人员赵某（演示）",
            "medium",
            "释放前对个人财物处理有意见（演示）",
            "释放前谈话，协调社区做好衔接（演示）",
            120,
            -60,
            None,
            "lifted",
        ),
    ];
    for (k, (code, kind, subject, level, reason, measures, started, review, finding, status)) in rows.iter().enumerate()
    {
        let started_on = today.saturating_sub(started.days());
        let review_on = today.saturating_add(review.days()).max(started_on);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO stability_watches (unit_id, subject_kind, subject, level, reason, measures, responsible_id, leader_id, started_on, \
             review_on, status, lifted_on, finding_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14) RETURNING id",
        )
        .bind(unit_of(code))
        .bind(*kind)
        .bind(*subject)
        .bind(*level)
        .bind(*reason)
        .bind(*measures)
        .bind(staff[5 + k])
        .bind(leaders[k % leaders.len()])
        .bind(started_on.to_string())
        .bind(review_on.to_string())
        .bind(*status)
        .bind((*status == "lifted").then(|| today.saturating_sub(30.days()).to_string()))
        .bind(*finding)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO stability_watch_logs (watch_id, kind, logged_on, text, by_name, created_at) VALUES ($1,'check',$2,$3,'林晓岚',$4)",
        )
        .bind(id)
        .bind(started_on.saturating_add(7.days()).min(today).to_string())
        .bind("责任民警联系核实，情况稳定（演示）。")
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if *status == "lifted" {
            sqlx::query(
                "INSERT INTO stability_watch_logs (watch_id, kind, logged_on, text, by_name, created_at) VALUES ($1,'lift',$2,$3,'林晓岚',$4)",
            )
            .bind(id)
            .bind(today.saturating_sub(30.days()).to_string())
            .bind("经研判风险已消除，解除稳控（演示）。")
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
