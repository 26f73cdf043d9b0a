//! Demo data (fictional, written for the demo): a year of monthly warning-education meetings of
//! the discipline committee with one month missing, integrity talks with most key posts, a few
//! accountability cases; the activities, compilation and risk register of the other modules. The
//! discipline account is cleared for the labelled ledgers.

use jiff::ToSpan;
use jiff::civil::Date;
use platform::{AppResult, Ctx};

pub async fn seed(ctx: &Ctx, today: Date) -> AppResult<()> {
    crate::compilations::seed_demo(ctx, today).await?;
    crate::activities::seed_demo(ctx, today).await?;
    crate::risks::seed_demo(ctx, today).await?;
    let db = &ctx.state.db.pool;
    sqlx::query("UPDATE users SET clearance = 2 WHERE username = 'jiwei'").execute(db).await?;
    let jw: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, unit_id FROM party_orgs WHERE kind = 'discipline_committee' AND code = 'SL-JW-DW'")
            .fetch_optional(db)
            .await?;
    let Some((jw, jw_unit)) = jw else { return Ok(()) };
    // Those who attend: the section heads and deputies of the prison (中层领导干部).
    let attendees: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id JOIN units s ON s.id = u.prison_id WHERE s.code = 'SL' \
         AND p.employment_status = 'active' AND p.leadership_level IN ('section', 'deputy_section', 'division', 'deputy_division') ORDER BY p.id LIMIT 60",
    )
    .fetch_all(db)
    .await?;
    let case_material: Option<i64> =
        sqlx::query_scalar("SELECT min(id) FROM study_materials WHERE kind = 'warning_case'").fetch_one(db).await?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let mut month = Date::new(today.year(), 1, 1).unwrap_or(today);
    while month <= today {
        let day = month.saturating_add(14.days());
        // One month without 每月一警 (a realistic gap the rule shows).
        if day <= today && month.month() != 8 {
            let title = format!("{}月“每月一警”警示教育会（演示）", month.month());
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (org_id, unit_id, kind, title, held_on, start_time, place, minutes, created_at, updated_at) \
                 VALUES ($1,$2,'warning_education',$3,$4,'15:00','监狱会议中心','<p>通报典型案例，开展以案促改（演示）。</p>',$5,$5) RETURNING id",
            )
            .bind(jw)
            .bind(jw_unit)
            .bind(&title)
            .bind(day.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO agenda_items (meeting_id, position, kind, title, material_id) VALUES ($1, 1, 'study', '以案为鉴：学习典型案例（演示）', $2)")
                .bind(id)
                .bind(case_material)
                .execute(&mut *tx)
                .await?;
            for (k, p) in attendees.iter().enumerate() {
                let absent = (k + month.month() as usize).is_multiple_of(17);
                sqlx::query(
                    "INSERT INTO meeting_attendance (meeting_id, person_id, status, reason) VALUES ($1,$2,$3,$4)",
                )
                .bind(id)
                .bind(*p)
                .bind(if absent { "absent" } else { "present" })
                .bind(if absent { "值班" } else { "" })
                .execute(&mut *tx)
                .await?;
            }
        }
        month = month.saturating_add(1.month());
    }
    // Talks: the discipline secretary with someone of most key posts, spread over the year.
    let talker: Option<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN users u ON u.id = p.user_id WHERE u.username = 'jiwei' UNION ALL \
         SELECT min(id) FROM people WHERE leadership_level = 'division' LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let posts: Vec<(i64, String)> =
        sqlx::query_as("SELECT DISTINCT unit_id, post FROM integrity_risks WHERE key_post = 1 ORDER BY unit_id, post")
            .fetch_all(&mut *tx)
            .await?;
    if let Some(talker) = talker {
        for (k, (unit, post)) in posts.iter().enumerate() {
            if k % 7 == 3 {
                continue; // a few key posts still without a talk: the to-dos show them
            }
            let person: Option<i64> = sqlx::query_scalar(
                "SELECT min(id) FROM people WHERE unit_id = $1 AND employment_status = 'active' AND id <> $2",
            )
            .bind(*unit)
            .bind(talker)
            .fetch_one(&mut *tx)
            .await?;
            let Some(person) = person else { continue };
            let day = Date::new(today.year(), 1 + (k % 10) as i8, 10).unwrap_or(today).min(today);
            sqlx::query(
                "INSERT INTO integrity_talks (unit_id, label, talker_id, person_id, post, kind, talked_on, summary, created_at, updated_at) \
                 VALUES ($1, 2, $2, $3, $4, 'reminder', $5, '提醒严守廉洁纪律，落实岗位廉政风险防控措施（演示）。', $6, $6)",
            )
            .bind(*unit)
            .bind(talker)
            .bind(person)
            .bind(post)
            .bind(day.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    // A few fictional accountability cases.
    let people: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.unit_id FROM people p JOIN units u ON u.id = p.unit_id JOIN units s ON s.id = u.prison_id \
         WHERE s.code = 'SL' AND p.employment_status = 'active' AND p.leadership_level = 'staff' ORDER BY p.id LIMIT 40",
    )
    .fetch_all(&mut *tx)
    .await?;
    let cases = [
        ("poor_implementation", "criticism", "落实安全检查制度走过场，隐患整改不及时（演示）。", "decided"),
        ("eight_rules", "admonishment", "违规接受管理服务对象宴请（演示）。", "closed"),
        ("prison_rules", "party_discipline", "违反监管制度，为罪犯违规传递物品（演示）。", "decided"),
        ("lax_management", "talk_reminder", "对所属民警日常教育管理不严（演示）。", "investigating"),
    ];
    for (k, (category, handling, facts, status)) in cases.iter().enumerate() {
        let Some((person, unit)) = people.get(k * 7).copied() else { break };
        let decided =
            (*status != "investigating").then(|| today.saturating_sub(((k as i64 + 1) * 40).days()).to_string());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accountability_cases (unit_id, label, case_no, category, facts, handling, decided_on, status, created_at, updated_at) \
             VALUES ($1, 2, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(unit)
        .bind(format!("WZ-{}-{:03}", today.year(), k + 1))
        .bind(*category)
        .bind(*facts)
        .bind(*handling)
        .bind(decided)
        .bind(*status)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO case_people (case_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(person)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
