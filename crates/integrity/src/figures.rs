//! The figures of 清廉建设, each with exactly the records it counted: activities, warning-education
//! events and their attendance, integrity talks (and key posts talked with), risk points and their
//! review coverage, accountability cases. The labelled ones need the discipline permission and
//! apply the clearance like the ledgers themselves.

use crate::domain::*;
use crate::restricted::push_visible;
use crate::{DISCIPLINE_VIEW, INTEGRITY_VIEW};
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, Figure, FigureArgs, FigureDef, FigureRecord, FigureValue, Rate};
use platform::{AppResult, Ctx};

/// integrity_activities: activities held in the period (every kind).
pub async fn activities(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT a.id, a.held_on || ' ' || a.title FROM integrity_activities a WHERE a.held_on >= ");
    q.bind(from.to_string()).push(" AND a.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "a.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY a.held_on, a.id").await?;
    Ok(Figure::count(
        "integrity_activities",
        "清廉活动次数",
        "次",
        format!("{from} 至 {to} 登记的清廉活动（五个一、每月一警、廉政提醒、观看警示片等）"),
        figures::records(rows, "/integrity/activities/"),
    ))
}

/// warning_education_events: warning-education meetings and film viewings in the period.
pub async fn warning_events(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut records = Vec::new();
    for m in crate::talks::warning_meetings(ctx, &from.to_string(), &to.to_string()).await? {
        records.push(FigureRecord {
            amount: None,
            id: m.id,
            label: format!("{} {}", m.held_on, m.title),
            href: format!("/study/meetings/{}", m.id),
        });
    }
    let mut q = Sql::new(
        "SELECT a.id, a.held_on || ' 观看《' || a.film_title || '》' FROM integrity_activities a WHERE a.kind = 'warning_film' AND a.held_on >= ",
    );
    q.bind(from.to_string()).push(" AND a.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "a.unit_id", None);
    q.push(" ORDER BY a.held_on, a.id");
    records.extend(
        figures::records(q.query_as::<(i64, String)>().fetch_all(&ctx.state.db.pool).await?, "/integrity/activities/")
            .into_vec(),
    );
    Ok(Figure::count(
        "warning_education_events",
        "警示教育活动次数",
        "次",
        format!("{from} 至 {to} 召开的警示教育会议和组织观看的警示教育片"),
        records,
    ))
}

/// Attendance at warning-education meetings: present (incl. late) over invited, one record per person.
pub async fn warning_attendance(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let user = ctx.user()?;
    let fetch = |present: bool| {
        let mut q = Sql::new(
            "SELECT m.id, m.held_on || ' ' || m.title || '：' || p.name FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id \
             JOIN people p ON p.id = a.person_id WHERE m.kind = 'warning_education' AND m.held_on >= ",
        );
        q.bind(from.to_string()).push(" AND m.held_on <= ").bind(to.to_string());
        if present {
            q.push(" AND a.status <> 'absent'");
        }
        q.push(" AND ");
        user.scope.push_condition(&mut q, "m.unit_id", None);
        q
    };
    let order = " ORDER BY m.held_on, m.id, p.name";
    let present = figures::fetch(ctx, fetch(true), order).await?;
    let invited = figures::fetch(ctx, fetch(false), order).await?;
    Ok(Rate::new(
        "warning_education_attendance_rate",
        "警示教育到会率",
        format!("{from} 至 {to} 警示教育会议实到人次占应到人次的比例"),
        Figure::count(
            "warning_present",
            "实到人次",
            "人次",
            "出席与迟到".into(),
            figures::records(present, "/study/meetings/"),
        ),
        Figure::count(
            "warning_invited",
            "应到人次",
            "人次",
            "登记的全部参会人员".into(),
            figures::records(invited, "/study/meetings/"),
        ),
    ))
}

/// integrity_talks_held: talks in the period the caller is cleared to read.
pub async fn talks_held(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = crate::restricted::reader(ctx)?;
    let mut q = Sql::new(
        "SELECT t.id, t.talked_on || ' ' || p.name || '（' || t.post || '）' FROM integrity_talks t JOIN people p ON p.id = t.person_id WHERE t.talked_on >= ",
    );
    q.bind(from.to_string()).push(" AND t.talked_on <= ").bind(to.to_string()).push(" AND ");
    push_visible(&mut q, user, "t.unit_id", "t.label");
    let rows = figures::fetch(ctx, q, " ORDER BY t.talked_on, t.id").await?;
    Ok(Figure::count(
        "integrity_talks_held",
        "廉政谈话次数",
        "次",
        format!("{from} 至 {to} 开展的廉政谈话"),
        figures::records(rows, "/integrity/talks/"),
    ))
}

/// Key posts (重点岗位) and those with every risk point reviewed in the period.
pub async fn review_coverage(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let user = ctx.user()?;
    let posts = |reviewed: bool| {
        let mut q = Sql::new(
            "SELECT min(r.id), u.name || ' ' || r.post FROM integrity_risks r JOIN units u ON u.id = r.unit_id WHERE r.key_post = 1 AND ",
        );
        user.scope.push_condition(&mut q, "r.unit_id", None);
        q.push(" GROUP BY r.unit_id, u.name, r.post");
        if reviewed {
            q.push(" HAVING min(coalesce(r.last_review_on, '')) >= ").bind(from.to_string());
        }
        q
    };
    let all = figures::fetch(ctx, posts(false), " ORDER BY 2").await?;
    let done = figures::fetch(ctx, posts(true), " ORDER BY 2").await?;
    Ok(Rate::new(
        "risk_review_coverage",
        "重点岗位风险点复核覆盖率",
        format!("重点岗位中，全部廉政风险点均在 {from} 以后复核过的比例（截至 {to}）"),
        Figure::count(
            "key_posts_reviewed",
            "已复核重点岗位数",
            "个",
            "全部风险点已复核".into(),
            figures::records(done, "/integrity/risks/"),
        ),
        Figure::count(
            "key_posts",
            "重点岗位数",
            "个",
            "廉政风险点登记中标为重点岗位的岗位".into(),
            figures::records(all, "/integrity/risks/"),
        ),
    ))
}

/// Key posts with at least one integrity talk in the period (labelled: needs the clearance).
pub async fn key_post_talks(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let user = crate::restricted::reader(ctx)?;
    let posts = |talked: bool| {
        let mut q = Sql::new(
            "SELECT min(r.id), u.name || ' ' || r.post FROM integrity_risks r JOIN units u ON u.id = r.unit_id WHERE r.key_post = 1 AND ",
        );
        user.scope.push_condition(&mut q, "r.unit_id", None);
        if talked {
            q.push(" AND EXISTS (SELECT 1 FROM integrity_talks t WHERE t.unit_id = r.unit_id AND t.post = r.post AND t.talked_on >= ")
                .bind(from.to_string())
                .push(" AND t.talked_on <= ")
                .bind(to.to_string())
                .push(" AND ");
            push_visible(&mut q, user, "t.unit_id", "t.label");
            q.push(")");
        }
        q.push(" GROUP BY r.unit_id, u.name, r.post");
        q
    };
    let all = figures::fetch(ctx, posts(false), " ORDER BY 2").await?;
    let talked = figures::fetch(ctx, posts(true), " ORDER BY 2").await?;
    Ok(Rate::new(
        "key_post_talk_coverage",
        "重点岗位廉政谈话覆盖率",
        format!("重点岗位中 {from} 至 {to} 开展过廉政谈话的比例"),
        Figure::count(
            "key_posts_talked",
            "已谈话重点岗位数",
            "个",
            "期间内有廉政谈话".into(),
            figures::records(talked, "/integrity/risks/"),
        ),
        Figure::count(
            "key_posts",
            "重点岗位数",
            "个",
            "廉政风险点登记中标为重点岗位的岗位".into(),
            figures::records(all, "/integrity/risks/"),
        ),
    ))
}

/// Risk points of one level currently on the register.
pub async fn risk_points(ctx: &Ctx, level: &'static str) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT r.id, u.name || ' ' || r.post || '：' || r.risk_point FROM integrity_risks r JOIN units u ON u.id = r.unit_id WHERE r.level = ",
    );
    q.bind(level.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "r.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY u.sort_order, r.id").await?;
    Ok(Figure::count(
        "risk_points",
        "廉政风险点数",
        "个",
        format!("登记中风险等级为“{}”的廉政风险点", label(RISK_LEVELS, level)),
        figures::records(rows, "/integrity/risks/"),
    ))
}

/// accountability_cases: cases decided in the period, optionally of one category.
pub async fn cases(ctx: &Ctx, from: Date, to: Date, category: Option<&str>) -> AppResult<Figure> {
    let user = crate::restricted::reader(ctx)?;
    let mut q =
        Sql::new("SELECT c.id, c.case_no || ' ' || c.decided_on FROM accountability_cases c WHERE c.decided_on >= ");
    q.bind(from.to_string()).push(" AND c.decided_on <= ").bind(to.to_string());
    if let Some(cat) = category {
        q.push(" AND c.category = ").bind(cat.to_string());
    }
    q.push(" AND ");
    push_visible(&mut q, user, "c.unit_id", "c.label");
    let rows = figures::fetch(ctx, q, " ORDER BY c.decided_on, c.id").await?;
    Ok(Figure::count(
        "accountability_cases",
        "问责案件数",
        "件",
        format!("{from} 至 {to} 作出处理决定的问责案件"),
        figures::records(rows, "/integrity/cases/"),
    ))
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
            key: "integrity_activities",
            name: "清廉活动次数",
            definition: "期间内登记的清廉活动",
            unit: "次",
            need: INTEGRITY_VIEW,
            compute: |ctx, a: FigureArgs| Box::pin(count(activities(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "warning_education_events",
            name: "警示教育活动次数",
            definition: "期间内召开的警示教育会议和组织观看的警示教育片",
            unit: "次",
            need: INTEGRITY_VIEW,
            compute: |ctx, a| Box::pin(count(warning_events(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "warning_education_attendance_rate",
            name: "警示教育到会率",
            definition: "期间内警示教育会议实到人次占应到人次的比例",
            unit: "%",
            need: INTEGRITY_VIEW,
            compute: |ctx, a| Box::pin(rate(warning_attendance(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "monthly_warning_compliance_rate",
            name: "每月一警落实率",
            definition: "期间内已到期的月份中纪委召开了警示教育会议的比例",
            unit: "%",
            need: INTEGRITY_VIEW,
            compute: |ctx, a| Box::pin(rate(study::figures::compliance_rate(ctx, "monthly_warning", a.from, a.to))),
        },
        FigureDef {
            key: "integrity_talks_held",
            name: "廉政谈话次数",
            definition: "期间内开展的廉政谈话（涉密，按密级统计）",
            unit: "次",
            need: DISCIPLINE_VIEW,
            compute: |ctx, a| Box::pin(count(talks_held(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "risk_review_coverage",
            name: "重点岗位风险点复核覆盖率",
            definition: "重点岗位中全部廉政风险点均在期间内复核过的比例",
            unit: "%",
            need: INTEGRITY_VIEW,
            compute: |ctx, a| Box::pin(rate(review_coverage(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "key_post_talk_coverage",
            name: "重点岗位廉政谈话覆盖率",
            definition: "重点岗位中期间内开展过廉政谈话的比例（涉密，按密级统计）",
            unit: "%",
            need: DISCIPLINE_VIEW,
            compute: |ctx, a| Box::pin(rate(key_post_talks(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "risk_points_medium",
            name: "中风险廉政风险点数",
            definition: "登记中风险等级为中的廉政风险点（不随期间变化）",
            unit: "个",
            need: INTEGRITY_VIEW,
            compute: |ctx, _| Box::pin(count(risk_points(ctx, "medium"))),
        },
        FigureDef {
            key: "risk_points_high",
            name: "高风险廉政风险点数",
            definition: "登记中风险等级为高的廉政风险点（不随期间变化）",
            unit: "个",
            need: INTEGRITY_VIEW,
            compute: |ctx, _| Box::pin(count(risk_points(ctx, "high"))),
        },
        FigureDef {
            key: "accountability_cases",
            name: "问责案件数",
            definition: "期间内作出处理决定的问责案件（涉密，按密级统计）",
            unit: "件",
            need: DISCIPLINE_VIEW,
            compute: |ctx, a| Box::pin(count(cases(ctx, a.from, a.to, None))),
        },
    ]
}
