//! Demo data for this area: materials with publication dates, and `weeks` weeks of meetings for
//! every organisation, following the rules with a few realistic gaps (and two committee meetings
//! that did not open with study). All titles and texts are written for the demo.

use jiff::ToSpan;
use jiff::civil::Date;
use platform::{AppResult, Ctx};

/// What every demo meeting's minutes say (rich text, as the editor writes it).
const DEMO_MINUTES: &str = "<h3>一、学习</h3><p>演示数据：主持人领学所选材料，与会人员逐段学习。</p>\
    <h3>二、讨论</h3><ul><li>结合本部门工作谈学习体会。</li><li>明确下一步落实措施和责任人。</li></ul>\
    <p><strong>会议要求：</strong>会后一周内将学习情况报党委办公室。</p>";

const MATERIALS: &[(&str, &str, &str)] = &[
    ("speech", "在全省监狱系统全面从严治党工作会议上的讲话（演示）", "示例省监狱管理局党委书记（虚构）"),
    ("document", "关于深入开展警示教育的通知（演示）", "示例省监狱管理局党委（虚构）"),
    ("speech", "在监狱党委理论学习中心组专题学习会上的讲话（演示）", "示例省第一监狱党委书记（虚构）"),
    ("document", "关于进一步加强基层党支部标准化规范化建设的意见（演示）", "示例省监狱管理局党委（虚构）"),
    ("book", "党支部工作条例学习辅导（演示摘编）", "示例省第一监狱政治处（虚构）"),
    ("speech", "在安全生产工作会议上的讲话（演示）", "示例省监狱管理局局长（虚构）"),
];

/// Weeks back from `today`; returns (materials, meetings) made.
pub async fn seed(ctx: &Ctx, today: Date, weeks: i64) -> AppResult<(usize, usize)> {
    let db = &ctx.state.db;
    let prison: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&db.pool).await?;
    let mut tx = db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let mut materials = Vec::new();
    for (i, (kind, title, speaker)) in MATERIALS.iter().enumerate() {
        let published = today.saturating_sub(((weeks * 7 * (i as i64 + 1)) / (MATERIALS.len() as i64 + 1)).days());
        let text = format!(
            "{title}。全文为演示而写：坚持全面从严治党，落实“第一议题”制度和“三会一课”，加强警示教育和党风廉政建设。"
        );
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO study_materials (unit_id, kind, title, speaker, published_on, source, full_text, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,'演示数据',$6,$7,$7) RETURNING id",
        )
        .bind(prison)
        .bind(*kind)
        .bind(*title)
        .bind(*speaker)
        .bind(published.to_string())
        .bind(&text)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        platform::search::index(&mut tx, "study_material", id, prison, title, &text).await?;
        materials.push((id, published));
    }
    let orgs: Vec<(i64, String, i64, String, String)> = sqlx::query_as(
        "SELECT id, kind, unit_id, name, founded_on FROM party_orgs WHERE dissolved_on IS NULL AND kind IN ('committee', 'branch') ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let monday = today.saturating_sub((today.weekday().to_monday_zero_offset() as i64).days());
    let mut made = 0;
    for (n, (org, kind, unit, name, founded)) in orgs.iter().enumerate() {
        let members: Vec<(i64,)> = if kind == "committee" {
            sqlx::query_as("SELECT f.person_id FROM org_officers f WHERE f.org_id = $1 AND f.ended_on IS NULL")
                .bind(*org)
                .fetch_all(&mut *tx)
                .await?
        } else {
            sqlx::query_as("SELECT id FROM people WHERE branch_id = $1 AND employment_status = 'active' LIMIT 60")
                .bind(*org)
                .fetch_all(&mut *tx)
                .await?
        };
        for w in 1..=weeks {
            let week = monday.saturating_sub((w * 7).days());
            if week.to_string() < *founded {
                continue;
            }
            // A few gaps: each branch misses one week in the period, at a different week.
            let gap = w == 2 + (n as i64 * 5) % weeks.max(3) && n % 3 == 0;
            let mut plan: Vec<(&str, Date, &str)> = Vec::new();
            if kind == "committee" {
                if !gap {
                    plan.push(("central_group_study", week.saturating_add(2.days()), "党委中心组学习"));
                }
                if w % 2 == 0 {
                    plan.push(("committee_meeting", week, "党委会"));
                }
            } else {
                if !gap {
                    plan.push(("branch_study", week.saturating_add(3.days()), "支部跟进学习"));
                }
                if week.day() <= 7 {
                    plan.push(("branch_committee_meeting", week.saturating_add(1.day()), "支部委员会"));
                    plan.push(("themed_party_day", week.saturating_add(4.days()), "主题党日"));
                    if matches!(week.month(), 1 | 4 | 7 | 10) {
                        plan.push(("branch_assembly", week.saturating_add(2.days()), "支部党员大会"));
                        plan.push(("party_lecture", week.saturating_add(2.days()), "党课"));
                    }
                }
            }
            for (mkind, day, label) in plan {
                if day > today {
                    continue;
                }
                let title = format!("{name}{label}（{day}）");
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO meetings (org_id, unit_id, kind, title, held_on, start_time, place, minutes, created_at, updated_at) \
                     VALUES ($1,$2,$3,$4,$5,'09:00','会议室',$7,$6,$6) RETURNING id",
                )
                .bind(*org)
                .bind(*unit)
                .bind(mkind)
                .bind(&title)
                .bind(day.to_string())
                .bind(now)
                .bind(DEMO_MINUTES)
                .fetch_one(&mut *tx)
                .await?;
                // The newest material published before the meeting is what it studied first.
                let studied = materials.iter().filter(|(_, p)| *p <= day).max_by_key(|(_, p)| *p).map(|(m, _)| *m);
                let first_is_study = !(mkind == "committee_meeting" && (w == 4 || w == 10));
                let mut items: Vec<(&str, String, Option<i64>)> = Vec::new();
                if first_is_study {
                    items.push((
                        "study",
                        "学习习近平新时代中国特色社会主义思想及最新重要讲话精神（演示）".into(),
                        studied,
                    ));
                }
                items.push(if mkind == "committee_meeting" {
                    ("decision", "研究近期重点工作（演示）".into(), None)
                } else {
                    ("discussion", "交流学习体会（演示）".into(), None)
                });
                for (pos, (k, t, m)) in items.iter().enumerate() {
                    sqlx::query("INSERT INTO agenda_items (meeting_id, position, kind, title, material_id) VALUES ($1,$2,$3,$4,$5)")
                        .bind(id)
                        .bind(pos as i64 + 1)
                        .bind(*k)
                        .bind(t)
                        .bind(*m)
                        .execute(&mut *tx)
                        .await?;
                }
                for (k, (p,)) in members.iter().enumerate() {
                    let absent = (k + w as usize).is_multiple_of(17);
                    sqlx::query(
                        "INSERT INTO meeting_attendance (meeting_id, person_id, status, reason) VALUES ($1,$2,$3,$4)",
                    )
                    .bind(id)
                    .bind(*p)
                    .bind(if absent {
                        "absent"
                    } else if (k + w as usize).is_multiple_of(23) {
                        "late"
                    } else {
                        "present"
                    })
                    .bind(if absent { "执勤" } else { "" })
                    .execute(&mut *tx)
                    .await?;
                }
                made += 1;
            }
        }
    }
    // Four completed rounds of rotation training across the prison, each reaching nearly everyone.
    let (path,): (String,) =
        sqlx::query_as("SELECT path FROM units WHERE id = $1").bind(prison).fetch_one(&mut *tx).await?;
    let everyone: Vec<(i64,)> = sqlx::query_as(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employment_status = 'active' AND u.path LIKE $1 ORDER BY p.id",
    )
    .bind(format!("{path}%"))
    .fetch_all(&mut *tx)
    .await?;
    const THEMES: [&str; 4] = [
        "学习贯彻党的二十大精神（第一轮）",
        "全面从严治党主体责任（第二轮）",
        "警示教育与纪律作风（第三轮）",
        "依法治监与安全稳定（第四轮）",
    ];
    for (k, theme) in THEMES.iter().enumerate() {
        let start = today.saturating_sub(((4 - k as i64) * 80).days());
        let end = start.saturating_add(20.days());
        let round: i64 = sqlx::query_scalar(
            "INSERT INTO rotation_rounds (unit_id, round_no, theme, start_on, end_on, target_unit_id, target_kind, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$1,'all',$6,$6) RETURNING id",
        )
        .bind(prison)
        .bind(k as i64 + 1)
        .bind(*theme)
        .bind(start.to_string())
        .bind(end.to_string())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (i, (person,)) in everyone.iter().enumerate() {
            if (i + k) % 41 == 0 {
                continue; // on leave during this round
            }
            sqlx::query("INSERT INTO rotation_attendance (round_id, person_id, attended_on) VALUES ($1,$2,$3)")
                .bind(round)
                .bind(*person)
                .bind(start.saturating_add(((i % 20) as i64).days()).to_string())
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok((materials.len(), made))
}
