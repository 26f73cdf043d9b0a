//! The figures of 主体责任, each with exactly the records it counted: measures in the year's task
//! plans (the seed's 45), overdue measures and the completion rate by department at a date,
//! responsibility letters signed over due, rectification problems closed over found.

use crate::measures::service::{done_at_sql, overdue_expr, push_scope};
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, Figure, FigureDef, FigureRecord, FigureValue, Rate, Rows};
use platform::{AppResult, Ctx};

/// A counted measure's page: `{MEASURE}{id}`.
const MEASURE: &str = "/supervision/measures/";

/// Measures of a kind ("plan" | "rect") visible to the caller, with an extra condition.
async fn measures_where(ctx: &Ctx, kind: &str, cond: impl Fn(&mut Sql)) -> AppResult<Rows<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT m.id, coalesce(tp.title, rc.title, '') || ' 第' || CAST(m.number AS TEXT) || '项：' || m.content FROM measures m \
         LEFT JOIN task_plans tp ON tp.id = m.plan_id LEFT JOIN rectifications rc ON rc.id = m.rectification_id WHERE ",
    );
    q.push(if kind == "plan" { "m.plan_id IS NOT NULL" } else { "m.rectification_id IS NOT NULL" });
    cond(&mut q);
    q.push(" AND ");
    push_scope(&mut q, &user.scope);
    figures::fetch(ctx, q, " ORDER BY m.year, m.plan_id, m.rectification_id, m.number").await
}

/// measures_in_task_plans: the measures of the task plans of the years `from`..=`to` cover.
pub async fn measures_in_task_plans(ctx: &Ctx, from: Date, to: Date, dept: Option<i64>) -> AppResult<Figure> {
    let rows = measures_where(ctx, "plan", |q| {
        q.push(" AND m.year >= ").bind(from.year() as i64).push(" AND m.year <= ").bind(to.year() as i64);
        if let Some(d) = dept {
            q.push(" AND m.lead_unit_id = ").bind(d);
        }
    })
    .await?;
    let def = format!("{} 至 {} 年度任务安排中的工作措施（每项措施计 1）", from.year(), to.year());
    Ok(Figure::count("measures_in_task_plans", "任务安排工作措施数", "项", def, figures::records(rows, MEASURE)))
}

/// measures_overdue: measures (plans and rectification) overdue at `at`.
pub async fn measures_overdue(ctx: &Ctx, at: Date, dept: Option<i64>) -> AppResult<Figure> {
    let mut all = Rows::All(Vec::new());
    for kind in ["plan", "rect"] {
        all = all.chain(
            measures_where(ctx, kind, |q| {
                q.push(" AND ").push(&overdue_expr(at)).push(" = 1");
                if let Some(d) = dept {
                    q.push(" AND m.lead_unit_id = ").bind(d);
                }
            })
            .await?,
        );
    }
    let def = format!("截至 {at} 未销号且已过完成时限（按月、按季度的措施为上一期未报告进展）的督办事项");
    Ok(Figure::count("measures_overdue", "逾期督办事项数", "项", def, figures::records(all, MEASURE)))
}

/// measures_completion_rate: measures of the year's plans signed off by `at`, over all of them.
pub async fn completion_rate(ctx: &Ctx, at: Date, dept: Option<i64>) -> AppResult<Rate> {
    let year = at.year() as i64;
    let filter = |q: &mut Sql| {
        q.push(" AND m.year = ").bind(year).push(" AND m.created_on <= ").bind(at.to_string());
        if let Some(d) = dept {
            q.push(" AND m.lead_unit_id = ").bind(d);
        }
    };
    let all = measures_where(ctx, "plan", filter).await?;
    let done = measures_where(ctx, "plan", |q| {
        filter(q);
        q.push(" AND ").push(&done_at_sql(at));
    })
    .await?;
    Ok(Rate::new(
        "measures_completion_rate",
        "工作措施完成率",
        format!("{year} 年度任务安排的工作措施中，截至 {at} 已审核销号的比例"),
        Figure::count(
            "measures_done",
            "已销号措施数",
            "项",
            format!("截至 {at} 已销号"),
            figures::records(done, MEASURE),
        ),
        Figure::count(
            "measures_due",
            "措施总数",
            "项",
            format!("{year} 年度任务安排的全部措施"),
            figures::records(all, MEASURE),
        ),
    ))
}

/// rectification_problems_closed: problems of inspection batches signed off by `at`, over all.
pub async fn rectification_closed(ctx: &Ctx, at: Date) -> AppResult<Rate> {
    let filter = |q: &mut Sql| {
        q.push(" AND m.created_on <= ").bind(at.to_string());
    };
    let all = measures_where(ctx, "rect", filter).await?;
    let closed = measures_where(ctx, "rect", |q| {
        filter(q);
        q.push(" AND ").push(&done_at_sql(at));
    })
    .await?;
    Ok(Rate::new(
        "rectification_problems_closed",
        "整改问题销号率",
        format!("巡察、监督反馈的问题中，截至 {at} 已由审核人销号的比例（其余为未销号）"),
        Figure::count(
            "rectification_closed",
            "已销号问题数",
            "个",
            format!("截至 {at} 已销号"),
            figures::records(closed, MEASURE),
        ),
        Figure::count(
            "rectification_found",
            "反馈问题数",
            "个",
            "各批次反馈的全部问题".into(),
            figures::records(all, MEASURE),
        ),
    ))
}

/// responsibility_letters_signed: signatures recorded on the year's letters, over signatories.
pub async fn letters_signed(ctx: &Ctx, year: i64) -> AppResult<Rate> {
    let (signed, due) = crate::letters::signed_counts(ctx, year).await?;
    let rec = |rows: Vec<(i64, String)>| {
        rows.into_iter()
            .map(|(id, label)| FigureRecord { amount: None, id, label, href: format!("/supervision/letters/{id}") })
            .collect::<Vec<_>>()
    };
    Ok(Rate::new(
        "responsibility_letters_signed",
        "责任书签订率",
        format!("{year} 年度党风廉政建设责任书应签人员中已签订的比例"),
        Figure::count("responsibility_letters_signed_count", "已签订人数", "人", "已记录签订日期".into(), rec(signed)),
        Figure::count("responsibility_letters_due", "应签人数", "人", "责任书的全部签订人".into(), rec(due)),
    ))
}

/// This area's entries of the figure catalogue; figures "at a date" are taken at the period's end.
pub fn catalogue() -> Vec<FigureDef> {
    use crate::SUP_VIEW;
    vec![
        FigureDef {
            key: "measures_in_task_plans",
            name: "任务安排工作措施数",
            definition: "期间所跨年度的任务安排中的工作措施（每项计 1）",
            unit: "项",
            need: SUP_VIEW,
            compute: |ctx, a| {
                Box::pin(async move { Ok(FigureValue::Count(measures_in_task_plans(ctx, a.from, a.to, None).await?)) })
            },
        },
        FigureDef {
            key: "measures_overdue",
            name: "逾期督办事项数",
            definition: "截至期末未销号且已过完成时限的工作措施和整改问题（按月、按季度的措施为上一期未报告进展）",
            unit: "项",
            need: SUP_VIEW,
            compute: |ctx, a| Box::pin(async move { Ok(FigureValue::Count(measures_overdue(ctx, a.to, None).await?)) }),
        },
        FigureDef {
            key: "measures_completion_rate",
            name: "工作措施完成率",
            definition: "期末所在年度任务安排的工作措施中，截至期末已审核销号的比例",
            unit: "%",
            need: SUP_VIEW,
            compute: |ctx, a| Box::pin(async move { Ok(FigureValue::Rate(completion_rate(ctx, a.to, None).await?)) }),
        },
        FigureDef {
            key: "responsibility_letters_signed",
            name: "责任书签订率",
            definition: "期末所在年度党风廉政建设责任书应签人员中已签订的比例",
            unit: "%",
            need: SUP_VIEW,
            compute: |ctx, a| {
                Box::pin(async move { Ok(FigureValue::Rate(letters_signed(ctx, a.to.year() as i64).await?)) })
            },
        },
        FigureDef {
            key: "rectification_problems_closed",
            name: "整改问题销号率",
            definition: "巡察、监督反馈的问题中，截至期末已由审核人销号的比例",
            unit: "%",
            need: SUP_VIEW,
            compute: |ctx, a| Box::pin(async move { Ok(FigureValue::Rate(rectification_closed(ctx, a.to).await?)) }),
        },
    ]
}
