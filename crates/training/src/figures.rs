//! The figures of 教育培训, each with exactly the records it counted: trainings held and the
//! attendances they had, training coverage and the people with no training in a period, drills
//! held (all, and 防逃、消防、防暴 each) with the problems they found and those signed off, the
//! legal-education plan's completion and the activities by law. Trainings by kind, drills by kind
//! and 学时 per person are the summaries of the ledgers' pages and APIs.

use crate::TRAINING_VIEW;
use crate::domain::*;
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, Figure, FigureArgs, FigureDef, FigureRecord, FigureValue, Rate, Rows};
use platform::{AppResult, Ctx};

/// trainings_held: training sessions that started in the period.
pub async fn trainings_held(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT t.id, t.start_on || ' ' || k.name || '：' || t.title FROM trainings t JOIN training_kinds k ON k.id = t.kind_id \
         WHERE t.start_on >= ",
    );
    q.bind(from.to_string()).push(" AND t.start_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "t.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY t.start_on, t.id").await?;
    Ok(Figure::count(
        "trainings_held",
        "培训次数",
        "次",
        format!("{from} 至 {to} 举办的培训（按开始日期，各培训类别合计）"),
        figures::records(rows, "/training/sessions/"),
    ))
}

/// training_attendances: people present or late at the period's trainings, one per person and
/// training.
pub async fn attendances(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT t.id, t.start_on || ' ' || t.title || '：' || p.name FROM training_attendance a \
         JOIN trainings t ON t.id = a.training_id JOIN people p ON p.id = a.person_id \
         WHERE a.status <> 'absent' AND t.start_on >= ",
    );
    q.bind(from.to_string()).push(" AND t.start_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "t.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY t.start_on, t.id, p.name, p.id").await?;
    Ok(Figure::count(
        "training_attendances",
        "参训人次",
        "人次",
        format!("{from} 至 {to} 举办的培训中出席（含迟到）的人次"),
        figures::records(rows, "/training/sessions/"),
    ))
}

/// Active people of the caller's scope, with or without an attended training in the period.
async fn people(ctx: &Ctx, from: Date, to: Date, trained: Option<bool>) -> AppResult<Rows<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT p.id, u.name || ' ' || p.name FROM people p JOIN units u ON u.id = p.unit_id \
         WHERE p.employment_status = 'active' AND ",
    );
    user.scope.push_condition(&mut q, "p.unit_id", Some("p.user_id"));
    if let Some(t) = trained {
        q.push(if t { " AND EXISTS" } else { " AND NOT EXISTS" });
        q.push(
            " (SELECT 1 FROM training_attendance a JOIN trainings t ON t.id = a.training_id WHERE a.person_id = p.id \
             AND a.status <> 'absent' AND t.start_on >= ",
        )
        .bind(from.to_string())
        .push(" AND t.start_on <= ")
        .bind(to.to_string())
        .push(")");
    }
    figures::fetch(ctx, q, " ORDER BY u.sort_order, p.name, p.id").await
}

/// people_without_training: active people with no training attended in the period.
pub async fn people_without_training(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let rows = people(ctx, from, to, Some(false)).await?;
    Ok(Figure::count(
        "people_without_training",
        "未参训人数",
        "人",
        format!("在职人员中 {from} 至 {to} 没有参加任何培训（出席或迟到）的人数"),
        figures::records(rows, "/training/people/"),
    ))
}

/// training_coverage_rate: active people with a training attended in the period, over all.
pub async fn coverage(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let trained = people(ctx, from, to, Some(true)).await?;
    let all = people(ctx, from, to, None).await?;
    Ok(Rate::new(
        "training_coverage_rate",
        "培训覆盖率",
        format!("在职人员中 {from} 至 {to} 参加过培训的比例"),
        Figure::count(
            "people_trained",
            "参训人数",
            "人",
            "期间内参加过培训".into(),
            figures::records(trained, "/training/people/"),
        ),
        Figure::count(
            "people_active",
            "在职人数",
            "人",
            "全部在职人员".into(),
            figures::records(all, "/training/people/"),
        ),
    ))
}

/// drills_held: drills in the period, of one kind or all.
pub async fn drills_held(ctx: &Ctx, from: Date, to: Date, kind: Option<&'static str>) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT d.id, d.held_on || ' ' || d.title FROM drills d WHERE d.held_on >= ");
    q.bind(from.to_string()).push(" AND d.held_on <= ").bind(to.to_string());
    if let Some(k) = kind {
        q.push(" AND d.kind = ").bind(k.to_string());
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "d.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY d.held_on, d.id").await?;
    let (key, name, def) = match kind {
        Some("escape") => ("drills_held_escape", "防逃演练次数", format!("{from} 至 {to} 组织的防逃应急处突演练")),
        Some("fire") => ("drills_held_fire", "消防演练次数", format!("{from} 至 {to} 组织的消防应急演练")),
        Some("riot") => ("drills_held_riot", "防暴演练次数", format!("{from} 至 {to} 组织的防暴应急处突演练")),
        Some(k) => ("drills_held", "应急演练次数", format!("{from} 至 {to} 组织的{}演练", label(DRILL_KINDS, k))),
        None => ("drills_held", "应急演练次数", format!("{from} 至 {to} 组织的应急处突演练（各类别合计）")),
    };
    Ok(Figure::count(key, name, "次", def, figures::records(rows, "/training/drills/")))
}

/// The problems found by the period's drills (in scope), optionally only those signed off by `to`.
async fn drill_problems(ctx: &Ctx, from: Date, to: Date, closed: bool) -> AppResult<Rows<FigureRecord>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT m.id, d.title || ' 问题' || CAST(m.number AS TEXT) || '：' || m.problem FROM measures m \
         JOIN drills d ON d.rectification_id = m.rectification_id WHERE d.held_on >= ",
    );
    q.bind(from.to_string()).push(" AND d.held_on <= ").bind(to.to_string());
    if closed {
        q.push(" AND m.status = 'done' AND m.done_on <= ").bind(to.to_string());
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "d.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY d.held_on, d.id, m.number").await?;
    Ok(figures::records(rows, "/supervision/measures/"))
}

/// drill_problems_found: problems found by the period's drills.
pub async fn problems_found(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    Ok(Figure::count(
        "drill_problems_found",
        "演练发现问题数",
        "个",
        format!("{from} 至 {to} 组织的演练发现并转入整改的问题"),
        drill_problems(ctx, from, to, false).await?,
    ))
}

/// drill_problems_closed_rate: of those problems, the ones signed off (销号) by the period's end.
pub async fn problems_closed(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let closed = drill_problems(ctx, from, to, true).await?;
    let found = drill_problems(ctx, from, to, false).await?;
    Ok(Rate::new(
        "drill_problems_closed_rate",
        "演练发现问题整改销号率",
        format!("{from} 至 {to} 组织的演练发现的问题中，截至 {to} 已审核销号的比例"),
        Figure::count("drill_problems_closed", "已销号问题数", "个", format!("截至 {to} 已销号"), closed),
        Figure::count("drill_problems_found", "发现问题数", "个", "期间内演练发现的全部问题".into(), found),
    ))
}

/// Items of the legal-education plans of the period's years (visible), optionally only those
/// done by the period's end.
async fn plan_items(ctx: &Ctx, from: Date, to: Date, done: bool) -> AppResult<Rows<FigureRecord>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT i.id, lp.title || ' 第' || CAST(i.number AS TEXT) || '项：' || i.content, i.plan_id FROM legal_plan_items i \
         JOIN legal_plans lp ON lp.id = i.plan_id WHERE lp.year >= ",
    );
    q.bind(from.year() as i64).push(" AND lp.year <= ").bind(to.year() as i64);
    if done {
        q.push(" AND i.done_on IS NOT NULL AND i.done_on <= ").bind(to.to_string());
    }
    q.push(" AND (");
    user.scope.push_condition(&mut q, "lp.unit_id", None);
    q.push(" OR ");
    user.scope.push_condition(&mut q, "i.lead_unit_id", None);
    q.push(")");
    let rows: Rows<(i64, String, i64)> = figures::fetch(ctx, q, " ORDER BY lp.year, lp.id, i.number").await?;
    Ok(rows.map(|(id, label, plan)| FigureRecord {
        amount: None,
        id,
        label,
        href: format!("/training/legal/plans/{plan}#item-{id}"),
    }))
}

/// legal_plan_completion_rate: items of the year's plans done by the period's end, over all.
pub async fn plan_completion(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let done = plan_items(ctx, from, to, true).await?;
    let all = plan_items(ctx, from, to, false).await?;
    let years = if from.year() == to.year() {
        format!("{} 年度", to.year())
    } else {
        format!("{} 至 {} 年度", from.year(), to.year())
    };
    Ok(Rate::new(
        "legal_plan_completion_rate",
        "普法计划完成率",
        format!("{years}普法工作计划的事项中，截至 {to} 已完成的比例"),
        Figure::count("legal_plan_items_done", "已完成事项数", "项", format!("截至 {to} 已登记完成"), done),
        Figure::count("legal_plan_items", "计划事项数", "项", format!("{years}普法计划的全部事项"), all),
    ))
}

/// legal_activities: legal-education activities in the period, or those covering one law.
pub async fn legal_activities(ctx: &Ctx, from: Date, to: Date, law: Option<&'static str>) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT e.id, e.held_on || ' ' || e.title FROM legal_education e WHERE e.held_on >= ");
    q.bind(from.to_string()).push(" AND e.held_on <= ").bind(to.to_string());
    if let Some(l) = law {
        q.push(" AND EXISTS (SELECT 1 FROM legal_education_laws l WHERE l.activity_id = e.id AND l.law = ");
        q.bind(l.to_string()).push(")");
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "e.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY e.held_on, e.id").await?;
    let (key, name) = match law {
        Some("constitution") => ("legal_activities_constitution", "宪法宣传教育次数"),
        Some("civil_code") => ("legal_activities_civil_code", "民法典宣传教育次数"),
        Some("anti_organized_crime") => ("legal_activities_anti_organized_crime", "反有组织犯罪法宣传教育次数"),
        Some("work_safety") => ("legal_activities_work_safety", "安全生产法宣传教育次数"),
        _ => ("legal_activities", "普法活动次数"),
    };
    let def = match law {
        Some(l) => format!("{from} 至 {to} 开展的宣传{}的普法活动", label(LAWS, l)),
        None => format!("{from} 至 {to} 开展的普法活动（案例、漫画、答题等各种形式）"),
    };
    Ok(Figure::count(key, name, "次", def, figures::records(rows, "/training/legal/activities/")))
}

async fn count(f: impl std::future::Future<Output = AppResult<Figure>>) -> AppResult<FigureValue> {
    Ok(FigureValue::Count(f.await?))
}

async fn rate(f: impl std::future::Future<Output = AppResult<Rate>>) -> AppResult<FigureValue> {
    Ok(FigureValue::Rate(f.await?))
}

/// This area's entries of the figure catalogue.
pub fn catalogue() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "trainings_held",
            name: "培训次数",
            definition: "期间内举办的培训（按开始日期，各培训类别合计；分类别见培训记录的按类别统计）",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a: FigureArgs| Box::pin(count(trainings_held(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "training_attendances",
            name: "参训人次",
            definition: "期间内举办的培训中出席（含迟到）的人次",
            unit: "人次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(attendances(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "training_coverage_rate",
            name: "培训覆盖率",
            definition: "在职人员中期间内参加过培训的比例（每人学时见学时统计）",
            unit: "%",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(rate(coverage(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "people_without_training",
            name: "未参训人数",
            definition: "在职人员中期间内没有参加任何培训的人数（缺省期间为今年）",
            unit: "人",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(people_without_training(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "drills_held",
            name: "应急演练次数",
            definition: "期间内组织的防逃、消防、防暴等应急处突演练",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(drills_held(ctx, a.from, a.to, None))),
        },
        FigureDef {
            key: "drills_held_escape",
            name: "防逃演练次数",
            definition: "期间内组织的防逃演练",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(drills_held(ctx, a.from, a.to, Some("escape")))),
        },
        FigureDef {
            key: "drills_held_fire",
            name: "消防演练次数",
            definition: "期间内组织的消防演练",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(drills_held(ctx, a.from, a.to, Some("fire")))),
        },
        FigureDef {
            key: "drills_held_riot",
            name: "防暴演练次数",
            definition: "期间内组织的防暴演练",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(drills_held(ctx, a.from, a.to, Some("riot")))),
        },
        FigureDef {
            key: "drill_problems_found",
            name: "演练发现问题数",
            definition: "期间内组织的演练发现并转入整改的问题",
            unit: "个",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(problems_found(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "drill_problems_closed_rate",
            name: "演练发现问题整改销号率",
            definition: "期间内组织的演练发现的问题中，截至期末已审核销号的比例",
            unit: "%",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(rate(problems_closed(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "legal_plan_completion_rate",
            name: "普法计划完成率",
            definition: "期间所跨年度普法工作计划的事项中，截至期末已完成的比例",
            unit: "%",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(rate(plan_completion(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "legal_activities",
            name: "普法活动次数",
            definition: "期间内开展的普法活动（案例普法、漫画普法、答题普法等）",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(legal_activities(ctx, a.from, a.to, None))),
        },
        FigureDef {
            key: "legal_activities_constitution",
            name: "宪法宣传教育次数",
            definition: "期间内开展的宣传宪法的普法活动",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(legal_activities(ctx, a.from, a.to, Some("constitution")))),
        },
        FigureDef {
            key: "legal_activities_civil_code",
            name: "民法典宣传教育次数",
            definition: "期间内开展的宣传民法典的普法活动",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(legal_activities(ctx, a.from, a.to, Some("civil_code")))),
        },
        FigureDef {
            key: "legal_activities_anti_organized_crime",
            name: "反有组织犯罪法宣传教育次数",
            definition: "期间内开展的宣传反有组织犯罪法的普法活动",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(legal_activities(ctx, a.from, a.to, Some("anti_organized_crime")))),
        },
        FigureDef {
            key: "legal_activities_work_safety",
            name: "安全生产法宣传教育次数",
            definition: "期间内开展的宣传安全生产法的普法活动",
            unit: "次",
            need: TRAINING_VIEW,
            compute: |ctx, a| Box::pin(count(legal_activities(ctx, a.from, a.to, Some("work_safety")))),
        },
    ]
}
