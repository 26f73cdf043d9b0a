//! Demo data (fictional, every title marked （演示））: a year of trainings across the catalogue
//! with attendance (a few people never trained, a few absences), a drill of each kind with the
//! units and people taking part, three of them with problems under rectification (some signed
//! off), and the year's legal-education plan with its items and the activities held for them.

use jiff::ToSpan;
use jiff::civil::Date;
use platform::db::Tx;
use platform::{AppResult, Ctx};

/// At most how many attend each of the trainings (a whole-prison session is bigger than a
/// specialised one).
const CAPS: &[usize] = &[60, 90, 240, 300, 150, 320, 40, 280, 45, 180, 300, 150];

/// (kind, title, organiser unit code, trainer, 学时 ×10, audience, attendees: every n-th person)
const TRAININGS: &[(&str, &str, &str, &str, i64, &str, usize)] = &[
    (
        "党务知识",
        "党支部书记和党务干部党务知识专题培训（演示）",
        "SL-ZZC",
        "省委党校 王教授（演示）",
        40,
        "党支部书记、支部委员、党务干部",
        6,
    ),
    (
        "安全生产标准化创建",
        "安全生产标准化创建培训（演示）",
        "SL-AQK",
        "安全生产科 刘工程师（演示）",
        30,
        "各部门安全员、监区负责人",
        5,
    ),
    ("依法治监", "依法治监专题培训（演示）", "SL-XFK", "刑罚执行科 陈科长（演示）", 30, "全体民警", 3),
    (
        "心理健康",
        "民警心理健康与压力调适专题培训（演示）",
        "SL-ZZC",
        "心理咨询师 赵老师（演示）",
        20,
        "全体民警职工",
        3,
    ),
    ("管教业务", "管教业务专题培训（第一期）（演示）", "SL-YZK", "狱政管理科 孙科长（演示）", 40, "各监区管教民警", 4),
    ("消防知识", "消防知识培训暨灭火器实操（演示）", "SL-AQK", "消防救援站 教官（演示）", 20, "全体民警职工", 3),
    (
        "新闻视角与写作",
        "新闻视角与写作知识专题培训（演示）",
        "SL-BGS",
        "报社 周编辑（演示）",
        25,
        "各部门信息员、宣传骨干",
        8,
    ),
    ("网络安全", "网络安全与保密培训（演示）", "SL-ZHZX", "指挥中心 吴工程师（演示）", 15, "全体民警职工", 3),
    (
        "专兼职纪检干部",
        "专兼职纪检干部业务培训（演示）",
        "SL-JW",
        "纪委办公室 韩书记（演示）",
        30,
        "专兼职纪检干部、支部纪检委员",
        7,
    ),
    ("交通安全", "交通安全培训（演示）", "SL-BGS", "交警大队 民警（演示）", 10, "驾驶员、全体民警职工", 4),
    ("安全生产", "安全生产培训（演示）", "SL-AQK", "安全生产科 刘工程师（演示）", 20, "全体民警职工", 3),
    ("管教业务", "管教业务专题培训（第二期）（演示）", "SL-YZK", "狱政管理科 孙科长（演示）", 40, "各监区管教民警", 4),
];

/// (kind, title, organiser, place, commander, participating units, rating, scenario, evaluation,
/// problems: (problem, rectification, lead unit, days after the drill, signed off))
type DemoProblem = (&'static str, &'static str, &'static str, i64, bool);
type DemoDrill = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    &'static [DemoProblem],
);

const DRILLS: &[DemoDrill] = &[
    (
        "escape",
        "监区罪犯脱逃应急处置演练（演示）",
        "SL-YZK",
        "一监区、监狱围墙周界",
        "副监狱长（演示）",
        &["SL-YZK", "SL-ZHZX", "SL-JQ01", "SL-JQ02"],
        "good",
        "模拟一名罪犯在劳动现场脱离监控，指挥中心接报后启动预案，封控监区、清点人数、设卡追捕。",
        "接报、封控、清点人数流程基本顺畅；周界设卡用时偏长，对讲机通信有盲区。",
        &[
            (
                "周界设卡到位用时超过预案要求（演示）",
                "修订设卡路线，每季度开展一次设卡专项训练（演示）",
                "SL-ZHZX",
                30,
                true,
            ),
            ("劳动现场西侧对讲机信号盲区（演示）", "增设信号中继设备并复测（演示）", "SL-ZHZX", 60, false),
        ],
    ),
    (
        "fire",
        "监舍楼火灾疏散与初期扑救演练（演示）",
        "SL-AQK",
        "三监区监舍楼",
        "安全生产科科长（演示）",
        &["SL-AQK", "SL-SHK", "SL-JQ03"],
        "excellent",
        "模拟监舍楼三层电气线路起火，值班民警报警、组织罪犯按路线疏散，义务消防队使用灭火器和消火栓扑救。",
        "疏散有序，用时符合要求；个别消火栓水带老化。",
        &[("三层消火栓水带老化、接口漏水（演示）", "更换水带并全面排查消防器材（演示）", "SL-AQK", 20, true)],
    ),
    (
        "riot",
        "罪犯群体性骚乱处置演练（演示）",
        "SL-ZHZX",
        "监狱操场",
        "政治委员（演示）",
        &["SL-ZHZX", "SL-YZK", "SL-JQ04", "SL-JQ05"],
        "pass",
        "模拟罪犯在集体活动中聚集起哄，应急处置队按预案喊话、隔离、带离为首人员。",
        "处置队集结迅速；喊话和分区隔离衔接不够紧密，个别队员装备穿戴不规范。",
        &[("应急处置队装备穿戴不规范（演示）", "组织装备穿戴和使用专项训练（演示）", "SL-ZHZX", 45, false)],
    ),
    (
        "hostage",
        "劫持人质事件应急处置演练（演示）",
        "SL-ZHZX",
        "会见楼",
        "副监狱长（演示）",
        &["SL-ZHZX", "SL-YZK"],
        "good",
        "模拟罪犯在会见时劫持一名工作人员，谈判、警戒、处置小组协同处置。",
        "谈判与警戒配合较好，处置果断。",
        &[],
    ),
    (
        "disaster",
        "防汛抢险应急演练（演示）",
        "SL-AQK",
        "监狱北侧排水渠",
        "安全生产科科长（演示）",
        &["SL-AQK", "SL-CWK", "SL-SHK"],
        "good",
        "模拟连续强降雨导致排水渠水位上涨，组织抢险队封堵、转移物资、加固围墙。",
        "物资储备充足，抢险队到位及时。",
        &[],
    ),
    (
        "other",
        "突发停电应急处置演练（演示）",
        "SL-AQK",
        "监狱配电房",
        "安全生产科科长（演示）",
        &["SL-AQK", "SL-ZHZX"],
        "pass",
        "模拟主电源故障，启动备用发电机，保障监控和照明。",
        "备用电源切换正常，切换用时略长。",
        &[],
    ),
];

/// (month, day, content, law, lead unit)
const PLAN_ITEMS: &[(i8, i8, &str, &str, &str)] = &[
    (1, 31, "制定并印发年度普法依法治理工作计划（演示）", "", "SL-ZZC"),
    (3, 31, "组织党委理论学习中心组专题学习宪法（演示）", "constitution", "SL-ZZC"),
    (4, 15, "开展“4·15”全民国家安全教育日宣传（演示）", "national_security", "SL-BGS"),
    (4, 30, "组织反有组织犯罪法专题学习和案例普法（演示）", "anti_organized_crime", "SL-XFK"),
    (5, 31, "开展“美好生活·民法典相伴”民法典宣传月活动（演示）", "civil_code", "SL-ZZC"),
    (6, 30, "结合“安全生产月”开展安全生产法漫画普法（演示）", "work_safety", "SL-AQK"),
    (8, 31, "编印监狱法漫画普法读本（演示）", "prison_law", "SL-JYK"),
    (9, 30, "组织全体民警职工参加法律知识答题（演示）", "", "SL-ZZC"),
    (12, 10, "开展“12·4”国家宪法日宣传活动（演示）", "constitution", "SL-ZZC"),
    (12, 31, "总结年度普法工作并报送上级（演示）", "", "SL-ZZC"),
];

/// (month, day, form, laws, title, organiser unit, audience, plan item number, attendance taken)
type DemoActivity =
    (i8, i8, &'static str, &'static [&'static str], &'static str, &'static str, &'static str, i64, bool);

const ACTIVITIES: &[DemoActivity] = &[
    (
        3,
        20,
        "lecture",
        &["constitution"],
        "党委理论学习中心组宪法专题学习（演示）",
        "SL-ZZC",
        "党委委员、中层领导干部",
        2,
        true,
    ),
    (4, 15, "exhibit", &["national_security"], "国家安全教育日展板宣传（演示）", "SL-BGS", "全体民警职工", 3, false),
    (
        4,
        22,
        "case",
        &["anti_organized_crime"],
        "以案释法：反有组织犯罪法典型案例解读（演示）",
        "SL-XFK",
        "刑罚执行科、各监区民警",
        4,
        true,
    ),
    (
        5,
        20,
        "case",
        &["civil_code", "constitution"],
        "民法典宣传月：身边的民法典案例（演示）",
        "SL-ZZC",
        "全体民警职工",
        5,
        true,
    ),
    (6, 16, "comic", &["work_safety"], "安全生产法漫画展（演示）", "SL-AQK", "全体民警职工", 6, false),
    (
        9,
        20,
        "quiz",
        &["constitution", "civil_code", "anti_organized_crime", "work_safety"],
        "法律知识网上答题（演示）",
        "SL-ZZC",
        "全体民警职工",
        8,
        true,
    ),
    (12, 4, "lecture", &["constitution"], "国家宪法日专题讲座（演示）", "SL-ZZC", "全体民警职工", 9, true),
];

async fn unit_of(tx: &mut Tx, code: &str) -> AppResult<Option<(i64, String)>> {
    Ok(sqlx::query_as("SELECT id, name FROM units WHERE code = $1").bind(code).fetch_optional(&mut **tx).await?)
}

pub async fn seed(ctx: &Ctx, today: Date) -> AppResult<()> {
    let db = &ctx.state.db.pool;
    let Some(prison) =
        sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE code = 'SL'").fetch_optional(db).await?
    else {
        return Ok(());
    };
    // Active people of the prison, with their unit's code: (id, unit id, unit code).
    let people: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT p.id, p.unit_id, u.code FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE u.prison_id = $1 AND p.employment_status = 'active' ORDER BY p.id",
    )
    .bind(prison)
    .fetch_all(db)
    .await?;
    if people.is_empty() {
        return Ok(());
    }
    let now = ctx.state.clock.now_ms();
    let jan1 = jiff::civil::date(today.year(), 1, 1);
    let elapsed = i64::from((today - jan1).get_days().max(0));
    let mut tx = ctx.state.db.begin().await?;

    // A year of trainings, spread from January to today. Every eleventh person is never picked
    // (the people with no training this year); every thirteenth attendee was absent.
    let n = TRAININGS.len() as i64;
    for (i, (kind, title, unit, trainer, hours, audience, every)) in TRAININGS.iter().enumerate() {
        let Some(kind_id) = sqlx::query_scalar::<_, i64>("SELECT id FROM training_kinds WHERE name = $1")
            .bind(*kind)
            .fetch_optional(&mut *tx)
            .await?
        else {
            continue;
        };
        let Some((unit_id, unit_name)) = unit_of(&mut tx, unit).await? else { continue };
        let start = jan1.saturating_add((elapsed * (i as i64 + 1) / (n + 1)).days());
        let end = if *hours >= 40 { start.saturating_add(1.day()).min(today) } else { start };
        let content = format!(
            "<p>演示数据，均为虚构。{title}，{unit_name}组织，{trainer}授课。</p><ul><li>讲授相关法规制度和业务要点。</li>\
             <li>结合典型案例开展讨论，现场答疑。</li></ul>"
        );
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO trainings (unit_id, kind_id, title, start_on, end_on, organiser, trainer, place, hours_tenths, audience, \
             content, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,'监狱教育培训中心',$8,$9,$10,$11,$11) RETURNING id",
        )
        .bind(unit_id)
        .bind(kind_id)
        .bind(*title)
        .bind(start.to_string())
        .bind(end.to_string())
        .bind(&unit_name)
        .bind(*trainer)
        .bind(*hours)
        .bind(*audience)
        .bind(content)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let picked = people
            .iter()
            .enumerate()
            .filter(|(k, p)| {
                p.0 % 11 != 0 && ((k + i).is_multiple_of(*every) || (*kind == "专兼职纪检干部" && p.2 == "SL-JW"))
            })
            .take(CAPS[i % CAPS.len()]);
        for (k, (_, (person, _, _))) in picked.enumerate() {
            let (status, reason) = match k % 13 {
                12 => ("absent", if k % 2 == 0 { "值班备勤" } else { "病假" }),
                5 => ("late", ""),
                _ => ("present", ""),
            };
            sqlx::query(
                "INSERT INTO training_attendance (training_id, person_id, status, reason) VALUES ($1,$2,$3,$4)",
            )
            .bind(id)
            .bind(*person)
            .bind(status)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
    }

    // A drill of each kind; problems of three of them go to a rectification batch, approved by
    // the prison's head (the leader account's person, when the demo linked one).
    let approver: Option<i64> = sqlx::query_scalar(
        "SELECT coalesce((SELECT p.id FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'leader'), \
         (SELECT min(p.id) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.prison_id = $1 AND p.leadership_level = 'division'))",
    )
    .bind(prison)
    .fetch_one(&mut *tx)
    .await?;
    let m = DRILLS.len() as i64;
    for (i, (kind, title, unit, place, commander, units, rating, scenario, evaluation, problems)) in
        DRILLS.iter().enumerate()
    {
        let Some((unit_id, _)) = unit_of(&mut tx, unit).await? else { continue };
        let held = jan1.saturating_add((elapsed * (i as i64 + 1) / (m + 1)).days());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO drills (unit_id, kind, title, scenario, held_on, place, commander, rating, evaluation, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id",
        )
        .bind(unit_id)
        .bind(*kind)
        .bind(*title)
        .bind(*scenario)
        .bind(held.to_string())
        .bind(*place)
        .bind(*commander)
        .bind(*rating)
        .bind(format!("{evaluation}（演示）"))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let mut unit_ids = Vec::new();
        for code in units.iter() {
            if let Some((u, _)) = unit_of(&mut tx, code).await? {
                sqlx::query("INSERT INTO drill_units (drill_id, unit_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(u)
                    .execute(&mut *tx)
                    .await?;
                unit_ids.push(u);
            }
        }
        let taking_part: Vec<i64> = people.iter().filter(|p| unit_ids.contains(&p.1)).map(|p| p.0).take(16).collect();
        for (k, person) in taking_part.iter().enumerate() {
            let role = match k {
                0 => "commander",
                1 => "evaluator",
                _ => "participant",
            };
            sqlx::query("INSERT INTO drill_people (drill_id, person_id, role) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(*person)
                .bind(role)
                .execute(&mut *tx)
                .await?;
        }
        let Some(approver) = approver else { continue };
        if problems.is_empty() {
            continue;
        }
        let batch: i64 = sqlx::query_scalar(
            "INSERT INTO rectifications (unit_id, source, title, received_on, approver_id, created_at, updated_at) \
             VALUES ($1, 'other', $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(prison)
        .bind(format!("{}发现问题整改", title.trim_end_matches("（演示）")) + "（演示）")
        .bind(held.to_string())
        .bind(approver)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE drills SET rectification_id = $1 WHERE id = $2")
            .bind(batch)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (k, (problem, fix, lead, days, closed)) in problems.iter().enumerate() {
            let Some((lead_id, _)) = unit_of(&mut tx, lead).await? else { continue };
            let deadline = held.saturating_add(days.days());
            // Signed off only when the work was due by today; the rest are still open.
            let done = *closed && deadline <= today;
            let done_on = done.then(|| deadline.saturating_sub(2.days()).max(held).to_string());
            let mid: i64 = sqlx::query_scalar(
                "INSERT INTO measures (rectification_id, unit_id, year, number, problem, content, leader_id, lead_unit_id, \
                 deadline_kind, deadline, status, percent, last_report_on, done_on, created_on, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'date',$9,$10,$11,$12,$12,$13,$14,$14) RETURNING id",
            )
            .bind(batch)
            .bind(prison)
            .bind(deadline.year() as i64)
            .bind(k as i64 + 1)
            .bind(*problem)
            .bind(*fix)
            .bind(approver)
            .bind(lead_id)
            .bind(deadline.to_string())
            .bind(if done { "done" } else { "not_started" })
            .bind(if done { 100_i64 } else { 0 })
            .bind(done_on.clone())
            .bind(held.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(day) = done_on {
                for (step, text) in
                    [("submit", "已完成整改，报请审核销号（演示）"), ("approve", "经审核，同意销号（演示）")]
                {
                    sqlx::query(
                        "INSERT INTO measure_progress (measure_id, unit_id, kind, reported_on, text, percent, by_name, created_at) \
                         VALUES ($1,$2,$3,$4,$5,100,'演示数据',$6)",
                    )
                    .bind(mid)
                    .bind(lead_id)
                    .bind(step)
                    .bind(&day)
                    .bind(text)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
    }

    // The year's legal-education plan of the political department, its items (those due before
    // today done, but for one left overdue), and the activities held for them so far.
    if let Some((zzc, zzc_name)) = unit_of(&mut tx, "SL-ZZC").await? {
        let year = today.year();
        let plan: i64 = sqlx::query_scalar(
            "INSERT INTO legal_plans (unit_id, year, title, doc_number, summary, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id",
        )
        .bind(zzc)
        .bind(year as i64)
        .bind(format!("{year}年度普法依法治理工作计划（演示）"))
        .bind(format!("示例政发〔{year}〕8号"))
        .bind(
            "深入学习贯彻习近平法治思想，把法治工作与业务工作同部署、同安排、同推进；通过案例普法、漫画普法、答题普法等形式，\
             组织开展宪法、民法典、反有组织犯罪法、安全生产法宣传教育。（演示）",
        )
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let mut item_ids = Vec::new();
        for (k, (month, day, content, law, lead)) in PLAN_ITEMS.iter().enumerate() {
            let Some((lead_id, _)) = unit_of(&mut tx, lead).await? else { continue };
            let deadline = Date::new(year, *month, *day).unwrap_or(jiff::civil::date(year, 12, 31));
            let left_overdue = *law == "prison_law";
            let done_on = (deadline < today && !left_overdue).then(|| deadline.saturating_sub(3.days()).to_string());
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO legal_plan_items (plan_id, number, content, law, lead_unit_id, deadline, done_on, done_note, \
                 created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id",
            )
            .bind(plan)
            .bind(k as i64 + 1)
            .bind(*content)
            .bind(*law)
            .bind(lead_id)
            .bind(deadline.to_string())
            .bind(done_on.clone())
            .bind(if done_on.is_some() { "已按计划完成，材料已归档（演示）" } else { "" })
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            item_ids.push((k as i64 + 1, id));
        }
        let exam: Option<i64> = sqlx::query_scalar("SELECT min(id) FROM exams").fetch_one(&mut *tx).await?;
        for (a, (month, day, form, laws, title, unit, audience, item, attendance)) in ACTIVITIES.iter().enumerate() {
            let Ok(held) = Date::new(year, *month, *day) else { continue };
            if held > today {
                continue;
            }
            let Some((unit_id, unit_name)) = unit_of(&mut tx, unit).await? else { continue };
            let item_id = item_ids.iter().find(|(n, _)| n == item).map(|(_, id)| *id);
            let attendees: Vec<i64> = if *attendance {
                people.iter().filter(|p| (p.0 as usize + a).is_multiple_of(4)).map(|p| p.0).take(80).collect()
            } else {
                Vec::new()
            };
            let participants = if *attendance {
                attendees.len() as i64 - (attendees.len() as i64) / 20
            } else {
                (people.len() as i64) * 2 / 3
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO legal_education (unit_id, plan_item_id, form, title, held_on, place, organiser, audience, participants, \
                 exam_id, content, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,'监狱教育培训中心',$6,$7,$8,$9,$10,$11,$11) RETURNING id",
            )
            .bind(unit_id)
            .bind(item_id)
            .bind(*form)
            .bind(*title)
            .bind(held.to_string())
            .bind(&unit_name)
            .bind(*audience)
            .bind(participants)
            .bind(if *form == "quiz" { exam } else { None })
            .bind(format!("<p>演示数据，均为虚构。{title}，{zzc_name}统筹、{unit_name}组织。</p>"))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for law in laws.iter() {
                sqlx::query("INSERT INTO legal_education_laws (activity_id, law) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*law)
                    .execute(&mut *tx)
                    .await?;
            }
            for (k, person) in attendees.iter().enumerate() {
                let (status, reason) = if k % 20 == 19 { ("absent", "外出执行任务") } else { ("present", "") };
                sqlx::query(
                    "INSERT INTO legal_education_attendance (activity_id, person_id, status, reason) VALUES ($1,$2,$3,$4)",
                )
                .bind(id)
                .bind(*person)
                .bind(status)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
