//! The figures of this area: rotation rounds (in `rotation`), compliance rate per rule, 第一议题
//! compliance of committee meetings, study sessions per organisation, median follow-up latency.

use crate::rules::service::{Status, compliance, rule};
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, Figure, FigureDef, FigureRecord, FigureValue, Rate, Rows};
use platform::{AppResult, Ctx};

/// Periods held over periods due (held + missed; exempt and not-yet-due periods do not count).
pub async fn compliance_rate(ctx: &Ctx, code: &str, from: Date, to: Date) -> AppResult<Rate> {
    let (r, held, due, _) = compliance_cells(ctx, code, from, to).await?;
    let def = format!("{from} 至 {to}，“{}”已到期的周期中落实的比例", r.name);
    Ok(Rate::new(
        "study.compliance_rate",
        "制度落实率",
        def,
        Figure::count("study.compliance_held", "已落实周期数", "个", "已落实的周期".into(), held),
        Figure::count("study.compliance_due", "已到期周期数", "个", "已落实与缺失的周期".into(), due),
    ))
}

/// The periods a rule was missed in (e.g. weeks without a central-group study).
pub async fn compliance_missed(ctx: &Ctx, code: &str, from: Date, to: Date) -> AppResult<Figure> {
    let (r, _, _, missed) = compliance_cells(ctx, code, from, to).await?;
    let def = format!("{from} 至 {to}，“{}”已到期而未落实的周期（豁免的周期不计）", r.name);
    Ok(Figure::count("study.compliance_missed", "未落实周期数", "个", def, missed))
}

type Cells = (crate::rules::service::Rule, Vec<FigureRecord>, Vec<FigureRecord>, Vec<FigureRecord>);

/// (rule, held, due = held + missed, missed) periods of every organisation the rule covers.
async fn compliance_cells(ctx: &Ctx, code: &str, from: Date, to: Date) -> AppResult<Cells> {
    let r = rule(ctx, code).await?;
    let rows = compliance(ctx, &r, from, to).await?;
    let (mut held, mut due, mut missed) = (Vec::new(), Vec::new(), Vec::new());
    for row in &rows {
        for c in &row.cells {
            let rec = FigureRecord {
                amount: None,
                id: row.org_id,
                label: format!("{} {}（{} 至 {}）", row.org_name, c.label, c.start, c.end),
                href: format!("/study/meetings?org={}&from={}&to={}", row.org_id, c.start, c.end),
            };
            if matches!(c.status, Status::Held | Status::Missed) {
                due.push(rec.clone());
            }
            match c.status {
                Status::Held => held.push(rec),
                Status::Missed => missed.push(rec),
                _ => {}
            }
        }
    }
    Ok((r, held, due, missed))
}

async fn committee_meetings(ctx: &Ctx, from: Date, to: Date, study_first: bool) -> AppResult<Rows<FigureRecord>> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT m.id, m.title FROM meetings m WHERE m.kind = 'committee_meeting' AND m.held_on >= ");
    q.bind(from.to_string()).push(" AND m.held_on <= ").bind(to.to_string());
    if study_first {
        q.push(
            " AND (SELECT g.kind FROM agenda_items g WHERE g.meeting_id = m.id ORDER BY g.position LIMIT 1) = 'study'",
        );
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "m.unit_id", None);
    let rows: Rows<(i64, String)> = figures::fetch(ctx, q, " ORDER BY m.held_on, m.id").await?;
    Ok(figures::records(rows, "/study/meetings/"))
}

/// 第一议题: committee meetings whose first agenda item is study, over all committee meetings.
pub async fn first_agenda_compliance(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let ok = committee_meetings(ctx, from, to, true).await?;
    let all = committee_meetings(ctx, from, to, false).await?;
    Ok(Rate::new(
        "study.first_agenda_compliance",
        "第一议题落实率",
        format!("{from} 至 {to} 召开的党委会中，第一个议题为学习的比例"),
        Figure::count("study.first_agenda_ok", "第一议题为学习的党委会", "次", "第一个议题为学习".into(), ok),
        Figure::count("study.committee_meetings", "党委会次数", "次", "全部党委会".into(), all),
    ))
}

/// Study sessions (central group study and branch follow-up study) held, for one organisation or all.
pub async fn study_sessions(ctx: &Ctx, org: Option<i64>, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT m.id, m.title FROM meetings m WHERE m.kind IN ('central_group_study', 'branch_study') AND m.held_on >= ",
    );
    q.bind(from.to_string()).push(" AND m.held_on <= ").bind(to.to_string());
    if let Some(o) = org {
        q.push(" AND m.org_id = ").bind(o);
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "m.unit_id", None);
    let rows: Rows<(i64, String)> = figures::fetch(ctx, q, " ORDER BY m.held_on, m.id").await?;
    let records = figures::records(rows, "/study/meetings/");
    Ok(Figure::count("study.sessions", "学习次数", "次", format!("{from} 至 {to} 的中心组学习与支部跟进学习"), records))
}

/// (material id, title, organisation, days from publication to its first study there) for the
/// materials published between `from` and `to`, shortest first.
async fn latency_pairs(ctx: &Ctx, from: Date, to: Date) -> AppResult<Vec<(i64, String, String, i64)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT s.id, s.title, s.published_on, o.name, min(m.held_on) FROM agenda_items g JOIN meetings m ON m.id = g.meeting_id \
         JOIN study_materials s ON s.id = g.material_id JOIN party_orgs o ON o.id = m.org_id WHERE s.published_on >= ",
    );
    q.bind(from.to_string()).push(" AND s.published_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "m.unit_id", None);
    q.push(" GROUP BY s.id, s.title, s.published_on, o.id, o.name LIMIT 100000");
    let rows: Vec<(i64, String, String, String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let mut pairs: Vec<(i64, String, String, i64)> = rows
        .into_iter()
        .filter_map(|(id, title, published, org, first)| {
            let days = (first.parse::<Date>().ok()? - published.parse::<Date>().ok()?).get_days() as i64;
            Some((id, title, org, days))
        })
        .collect();
    pairs.sort_by_key(|p| p.3);
    Ok(pairs)
}

/// The median number of days from a material's publication (between `from` and `to`) to its first
/// study by each organisation; for an even count the lower middle. Records: each (organisation,
/// material) pair with its days.
pub async fn median_latency(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let pairs = latency_pairs(ctx, from, to).await?;
    let median = if pairs.is_empty() { 0 } else { pairs[(pairs.len() - 1) / 2].3 };
    Ok(Figure {
        key: "study.median_latency",
        name: "跟进学习时效（中位数）",
        definition: format!("{from} 至 {to} 发表的学习材料，从发表到各组织首次学习的天数的中位数"),
        unit: "天",
        value: median,
        records: pairs
            .into_iter()
            .map(|(id, title, org, days)| FigureRecord {
                amount: None,
                id,
                label: format!("{org}：{title}，{days} 天"),
                href: format!("/study/materials/{id}"),
            })
            .collect(),
        summed: false,
    })
}

/// Organisations by their average days from publication to first study, slowest first:
/// (organisation, average days, materials studied).
pub async fn slowest_orgs(ctx: &Ctx, from: Date, to: Date) -> AppResult<Vec<(String, i64, i64)>> {
    let mut by_org: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
    for (_, _, org, days) in latency_pairs(ctx, from, to).await? {
        let e = by_org.entry(org).or_default();
        e.0 += days;
        e.1 += 1;
    }
    let mut out: Vec<(String, i64, i64)> = by_org.into_iter().map(|(o, (sum, n))| (o, sum / n.max(1), n)).collect();
    out.sort_by_key(|(_, avg, _)| std::cmp::Reverse(*avg));
    Ok(out)
}

/// This area's entries of the figure catalogue.
pub fn catalogue() -> Vec<FigureDef> {
    use crate::STUDY_VIEW;
    vec![
        FigureDef {
            key: "rotation_training_rounds_completed",
            name: "完成全员轮训轮数",
            definition: "结束日期在期间内（且已结束）的全员轮训批次",
            unit: "轮",
            need: STUDY_VIEW,
            compute: |ctx, a| {
                Box::pin(async move {
                    let f = crate::rotation::rounds_completed(ctx, &a.from.to_string(), &a.to.to_string()).await?;
                    Ok(FigureValue::Count(f))
                })
            },
        },
        FigureDef {
            key: "committee_meetings_with_first_agenda_study",
            name: "落实“第一议题”的党委会次数",
            definition: "期间内第一个议题为学习的党委会",
            unit: "次",
            need: STUDY_VIEW,
            compute: |ctx, a| {
                Box::pin(
                    async move { Ok(FigureValue::Count(first_agenda_compliance(ctx, a.from, a.to).await?.numerator)) },
                )
            },
        },
        FigureDef {
            key: "first_agenda_compliance_rate",
            name: "“第一议题”落实率",
            definition: "期间内第一个议题为学习的党委会占全部党委会的比例",
            unit: "%",
            need: STUDY_VIEW,
            compute: |ctx, a| {
                Box::pin(async move { Ok(FigureValue::Rate(first_agenda_compliance(ctx, a.from, a.to).await?)) })
            },
        },
        FigureDef {
            key: "central_group_study_weeks_missed",
            name: "党委中心组未学习周数",
            definition: "期间内已到期、未举行党委中心组学习的周（按上海时区的 ISO 周，豁免周不计）",
            unit: "周",
            need: STUDY_VIEW,
            compute: |ctx, a| {
                Box::pin(async move {
                    Ok(FigureValue::Count(compliance_missed(ctx, "central_group_weekly", a.from, a.to).await?))
                })
            },
        },
        FigureDef {
            key: "branch_study_compliance_rate",
            name: "支部每周跟进学习落实率",
            definition: "期间内各党支部已到期的周中举行了跟进学习的比例",
            unit: "%",
            need: STUDY_VIEW,
            compute: |ctx, a| {
                Box::pin(async move {
                    Ok(FigureValue::Rate(compliance_rate(ctx, "branch_study_weekly", a.from, a.to).await?))
                })
            },
        },
        FigureDef {
            key: "study_sessions",
            name: "学习次数",
            definition: "期间内举行的党委中心组学习和支部跟进学习",
            unit: "次",
            need: STUDY_VIEW,
            compute: |ctx, a| {
                Box::pin(async move { Ok(FigureValue::Count(study_sessions(ctx, None, a.from, a.to).await?)) })
            },
        },
    ]
}
