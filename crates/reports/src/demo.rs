//! Demo goal frameworks: the bureau's 八大工程 and the prison's “1425” goal, both marked as
//! examples (the seed names them without breaking them down), and the 六大建设 the seed lists,
//! each with indicators measured by catalogue figures, some naming compliance rules, and demo
//! measures linked to them.

use jiff::civil::Date;
use platform::{AppResult, Ctx};

/// (name, figure, comparison, target, rule)
type Indicator = (&'static str, &'static str, &'static str, i64, Option<&'static str>);

const SIX: &[(&str, &[Indicator])] = &[
    (
        "政治能力建设",
        &[
            ("党委会落实“第一议题”", "first_agenda_compliance_rate", "at_least", 100, None),
            ("党委中心组每周学习", "central_group_study_weeks_missed", "at_most", 0, Some("central_group_weekly")),
            ("支部每周跟进学习", "branch_study_compliance_rate", "at_least", 95, Some("branch_study_weekly")),
        ],
    ),
    (
        "业务能力建设",
        &[
            ("组织各类培训", "trainings_held", "at_least", 12, None),
            ("应急处突演练", "drills_held", "at_least", 6, None),
        ],
    ),
    (
        "执行能力建设",
        &[
            ("主体责任工作措施完成率", "measures_completion_rate", "at_least", 100, None),
            ("逾期督办事项", "measures_overdue", "at_most", 0, None),
        ],
    ),
    ("群众工作能力建设", &[("信访事项按期答复率", "petitions_replied_on_time_rate", "at_least", 100, None)]),
    (
        "统筹能力建设",
        &[
            ("安全检查", "inspections_held", "at_least", 12, None),
            ("隐患整改销号", "hazards_closed", "at_least", 20, None),
        ],
    ),
    (
        "廉政能力建设",
        &[
            ("每月一警", "monthly_warning_compliance_rate", "at_least", 100, Some("monthly_warning")),
            ("党纪法规知识测试参考率", "discipline_exam_participation_rate", "at_least", 95, None),
        ],
    ),
];

async fn node(
    ctx: &Ctx,
    unit: i64,
    parent: Option<i64>,
    kind: &str,
    (name, description): (&str, &str),
    order: i64,
    indicator: Option<&Indicator>,
) -> AppResult<i64> {
    let now = ctx.state.clock.now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO goal_nodes (unit_id, parent_id, kind, name, description, sort_order, figure_key, comparison, target, rule_code, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
    )
    .bind(unit)
    .bind(parent)
    .bind(kind)
    .bind(name)
    .bind(description)
    .bind(order)
    .bind(indicator.map(|i| i.1))
    .bind(indicator.map(|i| i.2).unwrap_or("at_least"))
    .bind(indicator.map(|i| i.3))
    .bind(indicator.and_then(|i| i.4))
    .bind(now)
    .fetch_one(&ctx.state.db.pool)
    .await?)
}

async fn indicators(ctx: &Ctx, unit: i64, parent: i64, list: &[Indicator]) -> AppResult<Vec<i64>> {
    let mut out = Vec::new();
    for (i, ind) in list.iter().enumerate() {
        out.push(node(ctx, unit, Some(parent), "indicator", (ind.0, ""), i as i64 + 1, Some(ind)).await?);
    }
    Ok(out)
}

/// Links the year's measures whose text contains `word` (at most `n`) to an indicator.
async fn link(ctx: &Ctx, indicator: i64, year: i16, word: &str, n: i64) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO measure_goal_links (measure_id, indicator_id) SELECT m.id, $1 FROM measures m \
         WHERE m.year = $2 AND m.plan_id IS NOT NULL AND m.content LIKE $3 ORDER BY m.number LIMIT $4",
    )
    .bind(indicator)
    .bind(year as i64)
    .bind(format!("%{word}%"))
    .bind(n)
    .execute(&ctx.state.db.pool)
    .await?;
    Ok(())
}

pub async fn seed(ctx: &Ctx, today: Date) -> AppResult<()> {
    let unit = |code: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE code = $1")
            .bind(code)
            .fetch_optional(&ctx.state.db.pool)
            .await
    };
    let (Some(bureau), Some(prison)) = (unit("SJ").await?, unit("SL").await?) else { return Ok(()) };
    let year = today.year();

    let eight = node(
        ctx,
        bureau,
        None,
        "framework",
        ("省局“八大工程”（示例）", "演示数据：工程名称与指标为示例，请按省局文件修改。"),
        1,
        None,
    )
    .await?;
    let g = node(ctx, bureau, Some(eight), "goal", ("政治建警工程（示例）", ""), 1, None).await?;
    indicators(ctx, bureau, g, &[("全员轮训轮次", "rotation_training_rounds_completed", "at_least", 4, None)]).await?;
    let g = node(ctx, bureau, Some(eight), "goal", ("清廉监狱工程（示例）", ""), 2, None).await?;
    indicators(ctx, bureau, g, &[("清廉活动", "integrity_activities", "at_least", 10, None)]).await?;

    let goal = node(
        ctx,
        prison,
        None,
        "framework",
        ("“1425”工作目标（示例分解）", "演示数据：报告只写明“1425”工作目标，此处的分解为示例，请按本监实际修改。"),
        2,
        None,
    )
    .await?;
    let g = node(ctx, prison, Some(goal), "goal", ("守住监管安全底线", "六个绝对不能发生"), 1, None).await?;
    indicators(
        ctx,
        prison,
        g,
        &[
            ("“六个绝对不能发生”事件", "critical_incidents", "at_most", 0, None),
            ("安全天数", "days_since_critical_incident", "at_least", 300, None),
        ],
    )
    .await?;
    let g = node(ctx, prison, Some(goal), "goal", ("压实全面从严治党主体责任", ""), 2, None).await?;
    let ids =
        indicators(ctx, prison, g, &[("责任书签订率", "responsibility_letters_signed", "at_least", 100, None)]).await?;
    link(ctx, ids[0], year, "责任", 3).await?;

    let six = node(
        ctx,
        prison,
        None,
        "framework",
        ("“六大建设”", "政治能力、业务能力、执行能力、群众工作能力、统筹能力、廉政能力建设"),
        3,
        None,
    )
    .await?;
    for (i, (name, list)) in SIX.iter().enumerate() {
        let g = node(ctx, prison, Some(six), "goal", (name, ""), i as i64 + 1, None).await?;
        let ids = indicators(ctx, prison, g, list).await?;
        match *name {
            "政治能力建设" => link(ctx, ids[0], year, "学习", 4).await?,
            "执行能力建设" => {
                link(ctx, ids[0], year, "", 6).await?;
                link(ctx, ids[1], year, "", 6).await?;
            }
            "廉政能力建设" => link(ctx, ids[0], year, "警示", 3).await?,
            _ => {}
        }
    }
    Ok(())
}
