//! The figures of this area (seed §一, §二(二)): each a function over the records, within the
//! caller's data scope, returning the value with exactly the records behind it.

use platform::db::Sql;
use platform::figures::{self, Figure, FigureArgs, FigureDef, FigureRecord, FigureValue, Rows};
use platform::registry::BoxFuture;
use platform::{AppResult, Ctx};

/// "新成立19个基层党支部": branches founded between `from` and `to` (inclusive, YYYY-MM-DD).
pub async fn branches_founded(ctx: &Ctx, from: &str, to: &str) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT o.id, o.name FROM party_orgs o WHERE o.kind = 'branch' AND o.founded_on >= ");
    q.bind(from.to_string()).push(" AND o.founded_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "o.unit_id", None);
    let rows: Rows<(i64, String)> = figures::fetch(ctx, q, " ORDER BY o.founded_on, o.id").await?;
    let records = figures::records(rows, "/org/orgs/");
    Ok(Figure::count(
        "org.branches_founded",
        "新成立党支部数",
        "个",
        format!("{from} 至 {to} 成立的党支部（含已撤销的）"),
        records,
    ))
}

/// Active organisations whose current term has ended or ends within 90 days of `as_of`.
pub async fn orgs_due_for_election(ctx: &Ctx, as_of: jiff::civil::Date) -> AppResult<Figure> {
    let until = as_of.saturating_add(jiff::Span::new().days(90)).to_string();
    let rows = crate::elections::service::terms_ending(ctx, &until).await?;
    let records: Vec<FigureRecord> = rows
        .into_iter()
        .map(|(id, name, end)| FigureRecord {
            amount: None,
            id,
            label: format!("{name}（任期至 {end}）"),
            href: format!("/org/orgs/{id}"),
        })
        .collect();
    Ok(Figure::count(
        "org.orgs_due_for_election",
        "应换届党组织数",
        "个",
        format!("截至 {as_of} 任期已满或 90 天内届满的党组织"),
        records,
    ))
}

/// Filters for the personnel-change figures.
#[derive(Clone, Copy, Default)]
pub struct ChangeFilter<'a> {
    pub kind: Option<&'a str>,
    pub before_level: Option<&'a str>,
    /// Ranks at or above this one (e.g. "senior_4" for 四级高级警长以上), before the change.
    pub min_before_rank: Option<&'a str>,
}

/// People (distinct) with personnel changes effective between `from` and `to` matching `filter`.
/// "涉及民警210名" is the unfiltered figure; "免去13名四级高级警长以上干部的正科级职务" is kind
/// removal, before_level section, min_before_rank senior_4.
pub async fn people_changed(ctx: &Ctx, from: &str, to: &str, filter: ChangeFilter<'_>) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT p.id, p.name, min(c.effective_on) FROM personnel_changes c JOIN people p ON p.id = c.person_id WHERE c.effective_on >= ",
    );
    q.bind(from.to_string()).push(" AND c.effective_on <= ").bind(to.to_string());
    if let Some(k) = filter.kind {
        q.push(" AND c.kind = ").bind(k.to_string());
    }
    if let Some(l) = filter.before_level {
        q.push(" AND c.before_level = ").bind(l.to_string());
    }
    if let Some(r) = filter.min_before_rank {
        let ladder = crate::domain::POLICE_RANKS;
        let at = crate::domain::rank_of(ladder, r);
        q.push(" AND c.before_rank IN (");
        for (i, (code, _)) in ladder.iter().enumerate().skip(at.max(1)) {
            if i > at.max(1) {
                q.push(", ");
            }
            q.bind(code.to_string());
        }
        q.push(")");
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "c.unit_id", None);
    q.push(" GROUP BY p.id, p.name");
    let rows: Rows<(i64, String, String)> = figures::fetch(ctx, q, " ORDER BY p.id").await?;
    let records = rows.map(|(id, name, d)| FigureRecord {
        amount: None,
        id,
        label: format!("{name}（{d}）"),
        href: format!("/org/people/{id}"),
    });
    let mut what = Vec::new();
    if let Some(k) = filter.kind {
        what.push(format!("类型为{}", crate::domain::label(crate::domain::CHANGE_KINDS, k)));
    }
    if let Some(l) = filter.before_level {
        what.push(format!("调整前为{}", crate::domain::label(crate::domain::LEADERSHIP_LEVELS, l)));
    }
    if let Some(r) = filter.min_before_rank {
        what.push(format!("调整前职务等级为{}及以上", crate::domain::label(crate::domain::POLICE_RANKS, r)));
    }
    let def = format!(
        "{from} 至 {to} 生效的职务调整{}所涉及的人数（同一人只计一次）",
        if what.is_empty() { String::new() } else { format!("中{}", what.join("、")) }
    );
    Ok(Figure::count("org.people_changed", "职务调整涉及人数", "人", def, records))
}

/// Party members (正式 and 预备, or one status) in an organisation and everything under it
/// (or everywhere in scope), among people in service.
pub async fn party_members(ctx: &Ctx, status: Option<&str>, org: Option<i64>) -> AppResult<Figure> {
    let mut q = Sql::new("SELECT p.id, p.name ");
    push_party_members(ctx, &mut q, status, org).await?;
    let rows: Rows<(i64, String)> = figures::fetch(ctx, q, " ORDER BY p.id").await?;
    let records = figures::records(rows, "/org/people/");
    let what = status.map(|s| crate::domain::label(crate::domain::PARTY_STATUSES, s)).unwrap_or("党员（正式、预备）");
    Ok(Figure::count("org.party_members", "党员人数", "人", format!("在职人员中的{what}"), records))
}

/// `FROM people p WHERE …` of [`party_members`].
async fn push_party_members(ctx: &Ctx, q: &mut Sql, status: Option<&str>, org: Option<i64>) -> AppResult<()> {
    let user = ctx.user()?;
    let path = match org {
        Some(id) => Some(crate::orgs::service::get(ctx, id).await?.path),
        None => None,
    };
    q.push("FROM people p WHERE p.employment_status = 'active' AND ");
    match status {
        Some(s) => {
            q.push("p.party_status = ").bind(s.to_string());
        }
        None => {
            q.push("p.party_status IN ('full', 'probationary')");
        }
    }
    if let Some(path) = path {
        q.push(" AND p.branch_id IN (SELECT id FROM party_orgs WHERE ");
        platform::scope::push_under(q, "path", &path);
        q.push(")");
    }
    q.push(" AND ");
    user.scope.push_condition(q, "p.unit_id", Some("p.user_id"));
    Ok(())
}

/// This area's entries of the figure catalogue.
pub fn catalogue() -> Vec<FigureDef> {
    fn changes<'a>(
        ctx: &'a Ctx,
        a: FigureArgs,
        filter: ChangeFilter<'static>,
    ) -> BoxFuture<'a, AppResult<FigureValue>> {
        Box::pin(async move {
            Ok(FigureValue::Count(people_changed(ctx, &a.from.to_string(), &a.to.to_string(), filter).await?))
        })
    }
    vec![
        FigureDef {
            key: "branches_founded",
            name: "新成立党支部数",
            definition: "成立日期在期间内的党支部",
            unit: "个",
            need: crate::ORG_VIEW,
            compute: |ctx, a| {
                Box::pin(async move {
                    Ok(FigureValue::Count(branches_founded(ctx, &a.from.to_string(), &a.to.to_string()).await?))
                })
            },
        },
        FigureDef {
            key: "people_in_personnel_changes",
            name: "涉及干部调整人数",
            definition: "期间内生效的任职、免职、交流、职务调整、晋升、调动所涉及的人数（每人计 1）",
            unit: "人",
            need: crate::PERSON_VIEW,
            compute: |ctx, a| changes(ctx, a, ChangeFilter::default()),
        },
        FigureDef {
            key: "leadership_adjustments_zhengke",
            name: "正科级职务调整人数",
            definition: "期间内调整正科级领导职务的人数",
            unit: "人",
            need: crate::PERSON_VIEW,
            compute: |ctx, a| {
                changes(
                    ctx,
                    a,
                    ChangeFilter { kind: Some("level_change"), before_level: Some("section"), ..Default::default() },
                )
            },
        },
        FigureDef {
            key: "zhengke_removals_senior_rank",
            name: "免去正科级职务的四级高级警长以上干部人数",
            definition: "期间内被免去正科级领导职务、免职前为四级高级警长及以上的人数",
            unit: "人",
            need: crate::PERSON_VIEW,
            compute: |ctx, a| {
                changes(
                    ctx,
                    a,
                    ChangeFilter {
                        kind: Some("removal"),
                        before_level: Some("section"),
                        min_before_rank: Some("senior_4"),
                    },
                )
            },
        },
        FigureDef {
            key: "post_exchanges_fuke",
            name: "副科级干部交流人数",
            definition: "期间内岗位交流、交流前为副科级领导职务的人数",
            unit: "人",
            need: crate::PERSON_VIEW,
            compute: |ctx, a| {
                changes(
                    ctx,
                    a,
                    ChangeFilter {
                        kind: Some("post_exchange"),
                        before_level: Some("deputy_section"),
                        ..Default::default()
                    },
                )
            },
        },
        FigureDef {
            key: "party_members",
            name: "党员人数",
            definition: "当前在册的正式党员和预备党员（不随期间变化）",
            unit: "人",
            need: crate::PERSON_VIEW,
            compute: |ctx, _| Box::pin(async move { Ok(FigureValue::Count(party_members(ctx, None, None).await?)) }),
        },
    ]
}
