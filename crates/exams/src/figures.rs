//! The figures of the exams, each with exactly the records it counted: exams held (closed) in a
//! period, participation (candidates who sat over candidates) and pass rate (who passed over who
//! sat), over the exams closed in the period and the candidates in the caller's scope.

use crate::EXAM_VIEW;
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, Figure, FigureDef, FigureRecord, FigureValue, Rate, Rows};
use platform::{AppResult, Ctx};

fn ms(d: Date, end: bool) -> i64 {
    let d = if end { d.saturating_add(jiff::Span::new().days(1)) } else { d };
    platform::clock::local_ms(d.to_datetime(jiff::civil::Time::midnight())).unwrap_or_default()
}

/// exams_held: exams whose window closed in the period.
pub async fn exams_held(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    crate::sitting::close_overdue(ctx, None).await?;
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT e.id, e.title FROM exams e WHERE e.closes_at >= ");
    q.bind(ms(from, false))
        .push(" AND e.closes_at < ")
        .bind(ms(to, true))
        .push(" AND e.closes_at <= ")
        .bind(ctx.state.clock.now_ms());
    q.push(" AND ");
    user.scope.push_condition(&mut q, "e.unit_id", None);
    let rows: Rows<(i64, String)> = figures::fetch(ctx, q, " ORDER BY e.closes_at, e.id").await?;
    let records = figures::records(rows, "/exams/");
    Ok(Figure::count("exams_held", "举行考试次数", "次", format!("{from} 至 {to} 结束的考试"), records))
}

/// Candidates (in scope) of the exams closed in the period; `sat`/`passed` narrow them.
async fn candidates(ctx: &Ctx, from: Date, to: Date, which: &str) -> AppResult<Rows<FigureRecord>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT e.id, e.title || '：' || p.name FROM exam_candidates c JOIN exams e ON e.id = c.exam_id JOIN people p ON p.id = c.person_id \
         WHERE e.closes_at >= ",
    );
    q.bind(ms(from, false))
        .push(" AND e.closes_at < ")
        .bind(ms(to, true))
        .push(" AND e.closes_at <= ")
        .bind(ctx.state.clock.now_ms());
    match which {
        "sat" => {
            q.push(" AND EXISTS (SELECT 1 FROM exam_attempts a WHERE a.exam_id = e.id AND a.person_id = c.person_id AND a.submitted_at IS NOT NULL)");
        }
        "passed" => {
            q.push(" AND EXISTS (SELECT 1 FROM exam_attempts a WHERE a.exam_id = e.id AND a.person_id = c.person_id AND a.passed = 1)");
        }
        _ => {}
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "p.unit_id", None);
    let rows: Rows<(i64, String)> = figures::fetch(ctx, q, " ORDER BY e.id, p.name").await?;
    Ok(figures::records(rows, "/exams/"))
}

pub async fn participation(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    crate::sitting::close_overdue(ctx, None).await?;
    let sat = candidates(ctx, from, to, "sat").await?;
    let all = candidates(ctx, from, to, "").await?;
    Ok(Rate::new(
        "discipline_exam_participation_rate",
        "党纪法规知识测试参考率",
        format!("{from} 至 {to} 结束的考试中，应考人员实际参加的比例"),
        Figure::count("exam_sat", "参考人次", "人次", "交卷的应考人员".into(), sat),
        Figure::count("exam_candidates", "应考人次", "人次", "考试的全部应考人员".into(), all),
    ))
}

pub async fn pass_rate(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    crate::sitting::close_overdue(ctx, None).await?;
    let passed = candidates(ctx, from, to, "passed").await?;
    let sat = candidates(ctx, from, to, "sat").await?;
    Ok(Rate::new(
        "discipline_exam_pass_rate",
        "党纪法规知识测试及格率",
        format!("{from} 至 {to} 结束的考试中，参考人员及格的比例"),
        Figure::count("exam_passed", "及格人次", "人次", "及格的参考人员".into(), passed),
        Figure::count("exam_sat", "参考人次", "人次", "交卷的应考人员".into(), sat),
    ))
}

pub fn catalogue() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "exams_held",
            name: "举行考试次数",
            definition: "期间内结束的考试",
            unit: "次",
            need: EXAM_VIEW,
            compute: |ctx, a| Box::pin(async move { Ok(FigureValue::Count(exams_held(ctx, a.from, a.to).await?)) }),
        },
        FigureDef {
            key: "discipline_exam_participation_rate",
            name: "党纪法规知识测试参考率",
            definition: "期间内结束的考试中，应考人员实际参加的比例",
            unit: "%",
            need: EXAM_VIEW,
            compute: |ctx, a| Box::pin(async move { Ok(FigureValue::Rate(participation(ctx, a.from, a.to).await?)) }),
        },
        FigureDef {
            key: "discipline_exam_pass_rate",
            name: "党纪法规知识测试及格率",
            definition: "期间内结束的考试中，参考人员及格的比例",
            unit: "%",
            need: EXAM_VIEW,
            compute: |ctx, a| Box::pin(async move { Ok(FigureValue::Rate(pass_rate(ctx, a.from, a.to).await?)) }),
        },
    ]
}
