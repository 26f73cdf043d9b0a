//! The figures of 信访稳定, each with exactly the records it counted: petitions received (and by
//! channel, kind and stage), replies on time, overdue replies, escalations (应急启动), cases
//! closed, receptions and mediations — labelled, so they need `petition:view` and apply the
//! clearance like the ledgers — and screening rounds held, findings, watches and the duty roster's
//! coverage of the special periods. The median of the handling days is a median, not a count: it
//! is a statistic of the 信访统计 page and its API, not an entry of this catalogue.

use crate::cases::service::{self as cases, Fact};
use crate::domain::*;
use crate::restricted::{self, push_visible};
use crate::{PETITION_VIEW, STABILITY_VIEW};
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, Figure, FigureArgs, FigureDef, FigureRecord, FigureValue, Rate};
use platform::{AppResult, Ctx};

fn case_records(rows: &[&Fact]) -> Vec<FigureRecord> {
    rows.iter()
        .map(|f| FigureRecord {
            amount: None,
            id: f.id,
            label: format!("{} {}", f.case_no, f.received_on),
            href: format!("/petitions/cases/{}", f.id),
        })
        .collect()
}

/// petitions_received: petitions received in the period.
pub async fn received(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let rows = cases::facts(ctx, "received_on", from, to).await?;
    Ok(Figure::count(
        "petitions_received",
        "受理信访件数",
        "件",
        format!("{from} 至 {to} 接报登记的信访件"),
        case_records(&rows.iter().collect::<Vec<_>>()),
    ))
}

/// Petitions received in the period with one value of a field (channel, kind or stage now).
pub async fn with_code(
    ctx: &Ctx,
    a: FigureArgs,
    key: &'static str,
    name: &'static str,
    field: &str,
    code: &str,
) -> AppResult<Figure> {
    let rows = cases::facts(ctx, "received_on", a.from, a.to).await?;
    let (picked, what): (Vec<&Fact>, String) = match field {
        "channel" => {
            (rows.iter().filter(|f| f.channel == code).collect(), format!("渠道为“{}”", label(CHANNELS, code)))
        }
        "kind" => (rows.iter().filter(|f| f.kind == code).collect(), format!("类别为“{}”", label(KIND_CODES, code))),
        _ => (rows.iter().filter(|f| f.stage == code).collect(), format!("目前处于“{}”阶段", label(STAGES, code))),
    };
    Ok(Figure::count(key, name, "件", format!("{} 至 {} 接报的信访件中{what}的", a.from, a.to), case_records(&picked)))
}

/// The cases whose reply is due or given (given, or the deadline passed before `today`), and of
/// those the ones replied on or before the deadline: (on time, due).
pub fn on_time_parts(rows: &[Fact], today: Date) -> (Vec<&Fact>, Vec<&Fact>) {
    let today = today.to_string();
    let due: Vec<&Fact> = rows.iter().filter(|f| f.replied_on.is_some() || f.reply_due_on < today).collect();
    let on_time: Vec<&Fact> =
        due.iter().copied().filter(|f| f.replied_on.as_deref().is_some_and(|r| r <= f.reply_due_on.as_str())).collect();
    (on_time, due)
}

/// petitions_replied_on_time_rate: of the petitions received in the period whose reply is given
/// or due, those replied by the deadline of their kind.
pub async fn replied_on_time(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let today = platform::clock::today(&ctx.state.clock);
    let rows = cases::facts(ctx, "received_on", from, to).await?;
    let (on_time, due) = on_time_parts(&rows, today);
    Ok(Rate::new(
        "petitions_replied_on_time_rate",
        "信访件按期答复率",
        format!("{from} 至 {to} 接报的信访件中，已答复或答复期限已过的，在期限内答复信访人的比例"),
        Figure::count(
            "petitions_replied_on_time",
            "按期答复件数",
            "件",
            "在答复期限内答复".into(),
            case_records(&on_time),
        ),
        Figure::count(
            "petitions_reply_due",
            "应答复件数",
            "件",
            "已答复或答复期限已过（截至今天）".into(),
            case_records(&due),
        ),
    ))
}

/// petitions_reply_overdue: petitions received in the period not replied and past the deadline.
pub async fn reply_overdue(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let rows = cases::facts(ctx, "received_on", from, to).await?;
    let late: Vec<&Fact> =
        rows.iter().filter(|f| f.replied_on.is_none() && f.stage != "closed" && f.reply_due_on < today).collect();
    Ok(Figure::count(
        "petitions_reply_overdue",
        "超期未答复信访件数",
        "件",
        format!("{from} 至 {to} 接报、截至今天已过答复期限仍未答复的信访件"),
        case_records(&late),
    ))
}

/// petitions_closed: petitions closed (消除后整理记录) in the period.
pub async fn closed(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let rows = cases::facts(ctx, "closed_on", from, to).await?;
    Ok(Figure::count(
        "petitions_closed",
        "办结信访件数",
        "件",
        format!("{from} 至 {to} 事件消除、整理记录办结的信访件"),
        case_records(&rows.iter().collect::<Vec<_>>()),
    ))
}

/// petitions_escalated: emergency responses started (应急启动) in the period, one per step.
pub async fn escalations(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = restricted::reader(ctx)?;
    let mut q = Sql::new(
        "SELECT p.id, p.case_no || ' ' || s.happened_on || ' ' || s.happened_time FROM petition_steps s \
         JOIN petitions p ON p.id = s.petition_id WHERE s.kind = 'escalate' AND s.happened_on >= ",
    );
    q.bind(from.to_string()).push(" AND s.happened_on <= ").bind(to.to_string()).push(" AND ");
    push_visible(&mut q, user, "p.unit_id", "p.label");
    let rows = figures::fetch(ctx, q, " ORDER BY s.happened_on, s.id").await?;
    Ok(Figure::count(
        "petitions_escalated",
        "应急响应启动次数",
        "次",
        format!("{from} 至 {to} 对突发信访事件启动应急响应的次数"),
        figures::records(rows, "/petitions/cases/"),
    ))
}

/// petition_receptions_held: reception records (接访) in the period.
pub async fn receptions(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = restricted::reader(ctx)?;
    let mut q = Sql::new(
        "SELECT r.id, r.received_on || ' ' || r.visitor_name_masked FROM petition_receptions r WHERE r.received_on >= ",
    );
    q.bind(from.to_string()).push(" AND r.received_on <= ").bind(to.to_string()).push(" AND ");
    push_visible(&mut q, user, "r.unit_id", "r.label");
    let rows = figures::fetch(ctx, q, " ORDER BY r.received_on, r.id").await?;
    Ok(Figure::count(
        "petition_receptions_held",
        "接访次数",
        "次",
        format!("{from} 至 {to} 登记的接访（领导接访、日常接待、预约接访、带案下访）"),
        figures::records(rows, "/petitions/receptions/"),
    ))
}

/// petition_mediations_held: mediations (调处) in the period.
pub async fn mediations(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = restricted::reader(ctx)?;
    let mut q = Sql::new(
        "SELECT p.id, p.case_no || ' ' || m.mediated_on FROM petition_mediations m JOIN petitions p ON p.id = m.petition_id \
         WHERE m.mediated_on >= ",
    );
    q.bind(from.to_string()).push(" AND m.mediated_on <= ").bind(to.to_string()).push(" AND ");
    push_visible(&mut q, user, "m.unit_id", "m.label");
    let rows = figures::fetch(ctx, q, " ORDER BY m.mediated_on, m.id").await?;
    Ok(Figure::count(
        "petition_mediations_held",
        "矛盾调处次数",
        "次",
        format!("{from} 至 {to} 对信访件开展的调处"),
        figures::records(rows, "/petitions/cases/"),
    ))
}

/// screening_rounds_held: screening rounds (排查) held in the period.
pub async fn screening_rounds(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q =
        Sql::new("SELECT s.id, s.screened_on || ' ' || s.title FROM stability_screenings s WHERE s.screened_on >= ");
    q.bind(from.to_string()).push(" AND s.screened_on <= ").bind(to.to_string()).push(" AND ");
    crate::screenings::push_scope(&mut q, &user.scope);
    let rows = figures::fetch(ctx, q, " ORDER BY s.screened_on, s.id").await?;
    Ok(Figure::count(
        "screening_rounds_held",
        "矛盾风险排查次数",
        "次",
        format!("{from} 至 {to} 开展的信访维稳矛盾风险排查（定期、节前和特殊时期专项排查）"),
        figures::records(rows, "/petitions/screenings/"),
    ))
}

/// screening_findings: risks found by the rounds held in the period.
pub async fn findings(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT s.id, s.screened_on || ' ' || u.name || '：' || f.description FROM stability_findings f \
         JOIN stability_screenings s ON s.id = f.screening_id JOIN units u ON u.id = f.unit_id WHERE s.screened_on >= ",
    );
    q.bind(from.to_string()).push(" AND s.screened_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "f.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY s.screened_on, f.id").await?;
    Ok(Figure::count(
        "screening_findings",
        "排查发现风险数",
        "个",
        format!("{from} 至 {to} 的排查中发现的矛盾风险"),
        figures::records(rows, "/petitions/screenings/"),
    ))
}

/// stability_watches_active: people and situations under watch at some time in the period.
pub async fn watches(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT w.id, w.subject FROM stability_watches w WHERE w.started_on <= ");
    q.bind(to.to_string()).push(" AND (w.lifted_on IS NULL OR w.lifted_on >= ").bind(from.to_string()).push(") AND ");
    user.scope.push_condition(&mut q, "w.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY w.started_on, w.id").await?;
    Ok(Figure::count(
        "stability_watches_active",
        "稳控对象数",
        "个",
        format!("{from} 至 {to} 期间处于稳控中的人员和事项"),
        figures::records(rows, "/petitions/watches/"),
    ))
}

fn slots_sql(user: &platform::CurrentUser, from: Date, to: Date, filled: Option<bool>) -> Sql {
    let mut q = Sql::new(
        "SELECT d.period_id, s.name || ' ' || d.duty_on || ' ' || CASE d.post WHEN 'leader' THEN '带班领导' WHEN 'officer' THEN '值班民警' \
         WHEN 'reception' THEN '信访接待' ELSE '夜间值守' END FROM duty_roster d JOIN stability_periods s ON s.id = d.period_id WHERE d.duty_on >= ",
    );
    q.bind(from.to_string()).push(" AND d.duty_on <= ").bind(to.to_string());
    match filled {
        Some(true) => {
            q.push(" AND d.person_id IS NOT NULL");
        }
        Some(false) => {
            q.push(" AND d.person_id IS NULL");
        }
        None => {}
    }
    q.push(" AND ");
    user.scope.push_condition(&mut q, "d.unit_id", None);
    q
}

const SLOT_ORDER: &str = " ORDER BY d.duty_on, d.id";

/// duty_roster_coverage_rate: of the duty slots of the special periods within the period, those
/// with someone on duty.
pub async fn roster_coverage(ctx: &Ctx, from: Date, to: Date) -> AppResult<Rate> {
    let user = ctx.user()?;
    let filled = figures::fetch(ctx, slots_sql(user, from, to, Some(true)), SLOT_ORDER).await?;
    let all = figures::fetch(ctx, slots_sql(user, from, to, None), SLOT_ORDER).await?;
    Ok(Rate::new(
        "duty_roster_coverage_rate",
        "特殊时期值班覆盖率",
        format!("{from} 至 {to} 特殊时期值班表中已安排人员的班次占全部班次（天数 × 岗位）的比例"),
        Figure::count(
            "duty_slots_filled",
            "已排班班次",
            "个",
            "已安排值班人员".into(),
            figures::records(filled, "/petitions/periods/"),
        ),
        Figure::count(
            "duty_slots",
            "应值班班次",
            "个",
            "特殊时期每天每个值班岗位".into(),
            figures::records(all, "/petitions/periods/"),
        ),
    ))
}

/// duty_roster_gaps: duty slots within the period with nobody on duty.
pub async fn roster_gaps(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let rows = figures::fetch(ctx, slots_sql(user, from, to, Some(false)), SLOT_ORDER).await?;
    Ok(Figure::count(
        "duty_roster_gaps",
        "值班空缺班次",
        "个",
        format!("{from} 至 {to} 特殊时期值班表中尚未安排人员的班次"),
        figures::records(rows, "/petitions/periods/"),
    ))
}

async fn count(f: impl std::future::Future<Output = AppResult<Figure>>) -> AppResult<FigureValue> {
    Ok(FigureValue::Count(f.await?))
}

async fn rate(f: impl std::future::Future<Output = AppResult<Rate>>) -> AppResult<FigureValue> {
    Ok(FigureValue::Rate(f.await?))
}

/// A catalogue entry counting the petitions received with one code of a field.
macro_rules! per_code {
    ($key:literal, $name:literal, $field:literal, $code:literal, $definition:literal) => {
        FigureDef {
            key: $key,
            name: $name,
            definition: $definition,
            unit: "件",
            need: PETITION_VIEW,
            compute: |ctx, a| Box::pin(count(with_code(ctx, a, $key, $name, $field, $code))),
        }
    };
}

/// This area's entries of the figure catalogue.
pub fn catalogue() -> Vec<FigureDef> {
    vec![
        FigureDef {
            key: "petitions_received",
            name: "受理信访件数",
            definition: "期间内接报登记的信访件（涉密，按密级统计）",
            unit: "件",
            need: PETITION_VIEW,
            compute: |ctx, a: FigureArgs| Box::pin(count(received(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "petitions_replied_on_time_rate",
            name: "信访件按期答复率",
            definition: "期间内接报的信访件中，已答复或答复期限已过的，在按类别确定的期限内答复的比例",
            unit: "%",
            need: PETITION_VIEW,
            compute: |ctx, a| Box::pin(rate(replied_on_time(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "petitions_reply_overdue",
            name: "超期未答复信访件数",
            definition: "期间内接报、截至今天已过答复期限仍未答复的信访件",
            unit: "件",
            need: PETITION_VIEW,
            compute: |ctx, a| Box::pin(count(reply_overdue(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "petitions_closed",
            name: "办结信访件数",
            definition: "期间内事件消除、整理记录办结的信访件",
            unit: "件",
            need: PETITION_VIEW,
            compute: |ctx, a| Box::pin(count(closed(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "petitions_escalated",
            name: "应急响应启动次数",
            definition: "期间内对突发信访事件启动应急响应（应急启动阶段）的次数",
            unit: "次",
            need: PETITION_VIEW,
            compute: |ctx, a| Box::pin(count(escalations(ctx, a.from, a.to))),
        },
        per_code!("petitions_channel_visit", "来访件数", "channel", "visit", "期间内接报、渠道为来访的信访件"),
        per_code!("petitions_channel_letter", "来信件数", "channel", "letter", "期间内接报、渠道为来信的信访件"),
        per_code!("petitions_channel_phone", "来电件数", "channel", "phone", "期间内接报、渠道为来电的信访件"),
        per_code!(
            "petitions_channel_online",
            "网上信访件数",
            "channel",
            "online",
            "期间内接报、渠道为网上信访的信访件"
        ),
        per_code!(
            "petitions_channel_referred",
            "上级转交件数",
            "channel",
            "referred",
            "期间内接报、由上级转交的信访件"
        ),
        per_code!(
            "petitions_channel_mailbox",
            "监狱长信箱件数",
            "channel",
            "mailbox",
            "期间内接报、来自监狱长信箱的信访件"
        ),
        per_code!(
            "petitions_kind_sentence_change",
            "减刑假释暂予监外执行类信访件数",
            "kind",
            "sentence_change",
            "期间内接报、类别为减刑、假释、暂予监外执行的信访件"
        ),
        per_code!(
            "petitions_kind_custody",
            "狱政管理类信访件数",
            "kind",
            "custody",
            "期间内接报、类别为狱政管理与罪犯权益的信访件"
        ),
        per_code!(
            "petitions_kind_medical",
            "医疗卫生类信访件数",
            "kind",
            "medical",
            "期间内接报、类别为罪犯医疗与生活卫生的信访件"
        ),
        per_code!(
            "petitions_kind_contact",
            "会见通信类信访件数",
            "kind",
            "contact",
            "期间内接报、类别为会见、通信与亲情电话的信访件"
        ),
        per_code!(
            "petitions_kind_police_conduct",
            "民警执法作风类信访件数",
            "kind",
            "police_conduct",
            "期间内接报、类别为民警执法与作风的信访件"
        ),
        per_code!(
            "petitions_kind_collective",
            "集体访突发事件件数",
            "kind",
            "collective",
            "期间内接报、类别为集体访、突发信访事件的信访件"
        ),
        per_code!(
            "petitions_kind_consultation",
            "咨询建议类信访件数",
            "kind",
            "consultation",
            "期间内接报、类别为政策咨询与意见建议的信访件"
        ),
        per_code!("petitions_kind_other", "其他诉求类信访件数", "kind", "other", "期间内接报、类别为其他诉求的信访件"),
        per_code!(
            "petitions_stage_received",
            "处于接报阶段的信访件数",
            "stage",
            "received",
            "期间内接报、目前处于接报阶段的信访件"
        ),
        per_code!(
            "petitions_stage_emergency",
            "处于应急启动阶段的信访件数",
            "stage",
            "emergency",
            "期间内接报、目前处于应急启动阶段的信访件"
        ),
        per_code!(
            "petitions_stage_handling",
            "处于处置阶段的信访件数",
            "stage",
            "handling",
            "期间内接报、目前处于处置阶段的信访件"
        ),
        per_code!(
            "petitions_stage_closed",
            "已消除并整理记录的信访件数",
            "stage",
            "closed",
            "期间内接报、目前已事件消除并整理记录的信访件"
        ),
        FigureDef {
            key: "petition_receptions_held",
            name: "接访次数",
            definition: "期间内登记的接访（领导接访、日常接待、预约接访、带案下访）",
            unit: "次",
            need: PETITION_VIEW,
            compute: |ctx, a| Box::pin(count(receptions(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "petition_mediations_held",
            name: "矛盾调处次数",
            definition: "期间内对信访件开展的调处",
            unit: "次",
            need: PETITION_VIEW,
            compute: |ctx, a| Box::pin(count(mediations(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "screening_rounds_held",
            name: "矛盾风险排查次数",
            definition: "期间内开展的信访维稳矛盾风险排查",
            unit: "次",
            need: STABILITY_VIEW,
            compute: |ctx, a| Box::pin(count(screening_rounds(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "screening_findings",
            name: "排查发现风险数",
            definition: "期间内的排查中发现的矛盾风险",
            unit: "个",
            need: STABILITY_VIEW,
            compute: |ctx, a| Box::pin(count(findings(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "stability_watches_active",
            name: "稳控对象数",
            definition: "期间内处于稳控中的人员和事项",
            unit: "个",
            need: STABILITY_VIEW,
            compute: |ctx, a| Box::pin(count(watches(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "duty_roster_coverage_rate",
            name: "特殊时期值班覆盖率",
            definition: "期间内特殊时期值班表中已安排人员的班次占全部班次的比例",
            unit: "%",
            need: STABILITY_VIEW,
            compute: |ctx, a| Box::pin(rate(roster_coverage(ctx, a.from, a.to))),
        },
        FigureDef {
            key: "duty_roster_gaps",
            name: "值班空缺班次",
            definition: "期间内特殊时期值班表中尚未安排人员的班次",
            unit: "个",
            need: STABILITY_VIEW,
            compute: |ctx, a| Box::pin(count(roster_gaps(ctx, a.from, a.to))),
        },
    ]
}
