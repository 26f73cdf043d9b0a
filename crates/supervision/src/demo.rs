//! Demo data (all fictional, written for the demo): the year's task plan with 45 measures across
//! the departments, most done, some waiting for sign-off, some overdue; one inspection batch under
//! rectification; the letters and major matters of `letters` and `matters`.

use jiff::ToSpan;
use jiff::civil::Date;
use platform::{AppResult, Ctx};

const MEASURES: &[&str] = &[
    "召开党委会专题研究部署年度全面从严治党工作",
    "落实“第一议题”制度，党委会首先学习习近平总书记最新重要讲话精神",
    "制定党委理论学习中心组年度学习计划并按周组织集中学习",
    "与各党支部书记、各部门负责人签订党风廉政建设责任书",
    "开展党支部标准化规范化建设达标验收",
    "组织全体党员开展党纪法规知识测试",
    "开展“5.17”警示教育日活动，组织观看警示教育片",
    "对重点岗位人员开展廉政提醒谈话",
    "全面排查各岗位廉政风险点并更新防控措施",
    "落实重大事项请示报告制度，规范请示报告程序",
    "开展政治巡察反馈问题整改“回头看”",
    "组织党支部书记抓基层党建述职评议",
    "开展民警职工思想动态分析并形成报告",
    "加强意识形态阵地管理，落实意识形态工作责任制",
    "组织开展全员政治轮训",
];

/// The prison's leadership (领导班子), who are the measures' responsible leaders: (name, post,
/// level, demo account linked to them).
const LEADERS: &[(&str, &str, &str, &str)] = &[
    ("周明远", "党委书记、监狱长", "division", "leader"),
    ("郑国栋", "党委副书记、政治委员", "division", ""),
    ("许文澜", "党委委员、副监狱长", "deputy_division", ""),
    ("高志远", "党委委员、副监狱长", "deputy_division", ""),
    ("韩立诚", "党委委员、纪委书记", "deputy_division", "jiwei"),
];

async fn ids(ctx: &Ctx, sql: &'static str) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar(sql).fetch_all(&ctx.state.db.pool).await?)
}

pub async fn seed(ctx: &Ctx, today: Date) -> AppResult<()> {
    let prison: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&ctx.state.db.pool).await?;
    let depts = ids(ctx, "SELECT u.id FROM units u JOIN units p ON p.id = u.prison_id WHERE p.code = 'SL' AND u.kind = 'department' ORDER BY u.sort_order, u.id").await?;
    if depts.len() < 3 {
        return Ok(());
    }
    // The leadership, with the demo's leader and discipline accounts linked to their own records
    // (so the sign-offs can be tried).
    let mut leaders = Vec::new();
    for (name, post, level, account) in LEADERS {
        let mut tx = ctx.state.db.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO people (kind, name, gender, birth_date, unit_id, post, police_rank, leadership_level, party_status, \
             user_id, created_at, updated_at) VALUES ('officer', $1, 'male', '1970-03-01', $2, $3, 'senior_1', $4, 'full', \
             (SELECT id FROM users WHERE username = $5), $6, $6) RETURNING id",
        )
        .bind(*name)
        .bind(prison)
        .bind(*post)
        .bind(*level)
        .bind(*account)
        .bind(ctx.state.clock.now_ms())
        .fetch_one(&mut *tx)
        .await?;
        org::people::service::index(&mut tx, id, prison, name, None, post).await?;
        tx.commit().await?;
        leaders.push(id);
    }
    let year = today.year();
    let start = jiff::civil::date(year, 1, 10).min(today);
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let plan: i64 = sqlx::query_scalar(
        "INSERT INTO task_plans (unit_id, org_id, title, year, doc_number, owner_id, created_at, updated_at) VALUES \
         ($1, (SELECT id FROM party_orgs WHERE code = 'SL-DW'), $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(prison)
    .bind(format!("{year}年度落实全面从严治党主体责任任务安排（演示）"))
    .bind(year as i64)
    .bind(format!("示例党发〔{year}〕3号"))
    .bind(leaders[0])
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let batch: i64 = sqlx::query_scalar(
        "INSERT INTO rectifications (unit_id, source, title, received_on, doc_number, approver_id, created_at, updated_at) \
         VALUES ($1, 'provincial_inspection', '省厅局政治巡察反馈意见整改（演示）', $2, '示例巡反〔演示〕1号', $3, $4, $4) RETURNING id",
    )
    .bind(prison)
    .bind(today.saturating_sub(90.days()).max(start).to_string())
    .bind(leaders[0])
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for n in 0..53_i64 {
        let rect = n >= 45;
        let (number, parent) = if rect { (n - 44, ("rect", batch)) } else { (n + 1, ("plan", plan)) };
        let content = format!("{}（演示）", MEASURES[n as usize % MEASURES.len()]);
        let problem = if rect {
            format!("反馈问题{}：相关制度落实不够到位（演示）", n - 44)
        } else {
            String::new()
        };
        let kind = if rect {
            "date"
        } else {
            match n % 10 {
                3 => "monthly",
                6 => "quarterly",
                9 => "yearly",
                _ => "date",
            }
        };
        let deadline = match kind {
            "date" if rect => today.saturating_add(((n - 50) * 20).days()),
            "date" => jiff::civil::date(year, 1 + (n % 12) as i8, 1).last_of_month(),
            _ => jiff::civil::date(year, 12, 31),
        };
        let lead = depts[n as usize % depts.len()];
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO measures (plan_id, rectification_id, unit_id, year, number, problem, content, leader_id, lead_unit_id, \
             deadline_kind, deadline, created_on, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id",
        )
        .bind((parent.0 == "plan").then_some(parent.1))
        .bind((parent.0 == "rect").then_some(parent.1))
        .bind(prison)
        .bind(year as i64)
        .bind(number)
        .bind(&problem)
        .bind(&content)
        .bind(leaders[n as usize % leaders.len()])
        .bind(lead)
        .bind(kind)
        .bind(deadline.to_string())
        .bind(start.to_string())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for k in 1..=(n % 3) as usize {
            let partner = depts[(n as usize + k * 5) % depts.len()];
            if partner != lead {
                sqlx::query("INSERT INTO measure_units (measure_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(partner)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // The trail: monthly or quarterly reports so far (one gap), and for measures whose date has
        // passed, the request for sign-off and the sign-off, except a few left open.
        let mut steps: Vec<(&str, Date, i64)> = Vec::new();
        match kind {
            "monthly" | "quarterly" => {
                let every = if kind == "monthly" { 1 } else { 3 };
                let mut d = start.first_of_month().saturating_add((every - 1).months()).last_of_month();
                while d < today {
                    let skip = n == 13 && d.month() as i32 >= today.month() as i32 - 1;
                    if !skip {
                        steps.push(("progress", d.saturating_sub(2.days()), 50));
                    }
                    d = d.first_of_month().saturating_add(every.months()).last_of_month();
                }
            }
            _ => {
                let due = deadline <= today;
                let mid = start.saturating_add(((deadline - start).get_days() as i64 / 2).days()).min(today);
                if deadline > start {
                    steps.push(("progress", mid, 60));
                }
                if due {
                    match n % 9 {
                        2 => {}
                        5 => steps.push(("submit", deadline.saturating_sub(3.days()), 100)),
                        _ => {
                            steps.push(("submit", deadline.saturating_sub(3.days()), 100));
                            steps.push(("approve", deadline.saturating_sub(1.day()), 100));
                        }
                    }
                }
            }
        }
        let mut status = "not_started";
        let (mut percent, mut last, mut done_on) = (0_i64, None::<String>, None::<String>);
        for (k, day, pct) in steps {
            let day = day.max(start).min(today);
            let text = match k {
                "progress" => "已按计划推进，相关材料已归档（演示）",
                "submit" => "已全部完成，报请审核销号（演示）",
                _ => "经审核，同意销号（演示）",
            };
            sqlx::query(
                "INSERT INTO measure_progress (measure_id, unit_id, kind, reported_on, text, percent, by_name, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,'演示数据',$7)",
            )
            .bind(id)
            .bind(lead)
            .bind(k)
            .bind(day.to_string())
            .bind(text)
            .bind(pct)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            percent = pct;
            status = match k {
                "progress" => "in_progress",
                "submit" => "submitted",
                _ => "done",
            };
            if k != "approve" {
                last = Some(day.to_string());
            } else {
                done_on = Some(day.to_string());
            }
        }
        sqlx::query("UPDATE measures SET status = $1, percent = $2, last_report_on = $3, done_on = $4 WHERE id = $5")
            .bind(status)
            .bind(percent)
            .bind(last)
            .bind(done_on)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    crate::letters::seed_demo(ctx, today).await?;
    crate::matters::seed_demo(ctx, today).await?;
    Ok(())
}
