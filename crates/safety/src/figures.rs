//! The figures of 安保维稳, each with exactly the records it counted. Values that are not plainly
//! a number of rows are made countable honestly: person-times are the stays that began in the
//! period (overlapping stretches of one person merged), and the days since the last critical
//! incident are the days themselves, the first naming the incident they are counted from.
//! Vaccination rates add up counts per unit, not records of people: their two parts are sums
//! whose records are the unit counts in force at the period's end, each with its amount.

use crate::domain::*;
use crate::{KEYPRISONER_VIEW, SAFETY_VIEW};
use jiff::ToSpan;
use jiff::civil::Date;
use platform::db::Sql;
use platform::figures::{self, Figure, FigureArgs, FigureDef, FigureRecord, FigureValue, Rate, Rows};
use platform::{AppResult, Ctx};

/// The day a "state at the end of the period" is read at: the period's end, or today if earlier.
fn as_of(ctx: &Ctx, to: Date) -> Date {
    to.min(platform::clock::today(&ctx.state.clock))
}

/// epidemic_meetings: prevention meetings held in the period (the seed's "20余次").
pub async fn epidemic_meetings(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT e.id, e.held_on || ' ' || e.title FROM epidemic_meetings e WHERE e.held_on >= ");
    q.bind(from.to_string()).push(" AND e.held_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "e.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY e.held_on, e.id").await?;
    Ok(Figure::count(
        "epidemic_meetings",
        "疫情防控专题研判会、部署会次数",
        "次",
        format!("{from} 至 {to} 召开的疫情防控专题研判会、部署会等会议"),
        figures::records(rows, "/safety/epidemic/meetings/"),
    ))
}

/// closed_duty_person_times: each record one stay that began in the period (the seed's
/// "2500余人次").
pub async fn person_times(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let stays = crate::rosters::stays(ctx, &from.to_string(), &to.to_string()).await?;
    let records: Vec<FigureRecord> = stays
        .into_iter()
        .map(|s| FigureRecord {
            amount: None,
            id: s.id,
            label: format!("{}（{}）{} 起，{}", s.name, s.unit_name, s.from_on, s.title),
            href: format!("/safety/epidemic/rosters/{}", s.roster_id),
        })
        .collect();
    Ok(Figure::count(
        "closed_duty_person_times",
        "入监封闭执勤人次",
        "人次",
        format!(
            "{from} 至 {to} 开始的入监封闭执勤：每人每次连续执勤计 1 人次，同一人重叠（有共同日期）的执勤时段合并为一次，不论登记在哪一轮次"
        ),
        records,
    ))
}

/// inspections_*: inspections in the period, of one kind or of all.
pub async fn inspections(ctx: &Ctx, from: Date, to: Date, kind: Option<&'static str>) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new("SELECT i.id, i.inspected_on, i.kind, i.place FROM inspections i WHERE i.inspected_on >= ");
    q.bind(from.to_string()).push(" AND i.inspected_on <= ").bind(to.to_string());
    if let Some(k) = kind {
        q.push(" AND i.kind = ").bind(k.to_string());
    }
    q.push(" AND ");
    crate::inspections::push_scope(&mut q, user);
    let rows: Rows<(i64, String, String, String)> = figures::fetch(ctx, q, " ORDER BY i.inspected_on, i.id").await?;
    let rows = rows.map(|(id, day, k, place)| (id, format!("{day} {}检查 {place}", label(INSPECTION_KINDS, &k))));
    let (key, name, what) = match kind {
        Some(k) => (kind_key(k), kind_name(k), format!("“{}”类", label(INSPECTION_KINDS, k))),
        None => ("inspections_held", "安全检查次数", "各类".to_string()),
    };
    Ok(Figure::count(
        key,
        name,
        "次",
        format!("{from} 至 {to} 开展的{what}安全检查"),
        figures::records(rows, "/safety/inspections/"),
    ))
}

macro_rules! kinds {
    ($($code:literal => $name:literal),* $(,)?) => {
        fn kind_key(kind: &str) -> &'static str {
            match kind { $($code => concat!("inspections_", $code),)* _ => "inspections_other" }
        }
        fn kind_name(kind: &str) -> &'static str {
            match kind { $($code => concat!($name, "检查次数"),)* _ => "其他检查次数" }
        }
        fn inspection_defs() -> Vec<FigureDef> {
            vec![$(FigureDef {
                key: concat!("inspections_", $code),
                name: concat!($name, "检查次数"),
                definition: concat!("期间内开展的“", $name, "”安全检查"),
                unit: "次",
                need: SAFETY_VIEW,
                compute: |ctx, a| Box::pin(count(inspections(ctx, a.from, a.to, Some($code)))),
            },)*]
        }
    };
}

kinds! {
    "fire" => "消防", "gas" => "燃气", "electricity" => "用电", "flood" => "防汛", "dangerous_goods" => "危险品",
    "hazardous_chemicals" => "危化品", "dilapidated_buildings" => "危旧房", "custody_prisoners" => "重点罪犯",
    "custody_rules" => "重点制度", "custody_links" => "重点环节", "custody_places" => "重点部位",
    "custody_items" => "重点物品", "custody_periods" => "重点时段", "ideology" => "意识形态阵地", "other" => "其他",
}

/// hazards_found / hazards_closed / hazards_overdue.
pub async fn hazards(ctx: &Ctx, from: Date, to: Date, which: &'static str) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT h.id, h.found_on || ' ' || u.name || '：' || h.description FROM hazards h JOIN units u ON u.id = h.unit_id WHERE ",
    );
    let at = as_of(ctx, to);
    let (name, definition) = match which {
        "hazards_found" => {
            q.push("h.found_on >= ").bind(from.to_string()).push(" AND h.found_on <= ").bind(to.to_string());
            ("发现隐患数", format!("{from} 至 {to} 检查和日常巡查中发现的隐患"))
        }
        "hazards_closed" => {
            q.push("h.status = 'closed' AND h.closed_on >= ")
                .bind(from.to_string())
                .push(" AND h.closed_on <= ")
                .bind(to.to_string());
            ("已整改销号隐患数", format!("{from} 至 {to} 整改到位并经检查方销号的隐患（不论何时发现）"))
        }
        _ => {
            q.push(&crate::hazards::overdue_where(at, platform::clock::today(&ctx.state.clock)));
            ("逾期未整改隐患数", format!("截至 {at} 已过整改期限仍未销号的隐患（不论何时发现）"))
        }
    };
    q.push(" AND ");
    crate::hazards::push_scope(&mut q, user);
    let rows: Rows<(i64, String)> = figures::fetch(ctx, q, " ORDER BY h.found_on, h.id").await?;
    let rows = rows.map(|(id, l)| (id, l.chars().take(80).collect()));
    Ok(Figure::count(which, name, "个", definition, figures::records(rows, "/safety/hazards/")))
}

/// sentence_changes_*: cases proposed in the period, of a kind, at a stage (at the period's end
/// or today), or with a late stage.
pub async fn sentence_changes(ctx: &Ctx, from: Date, to: Date, key: &'static str) -> AppResult<Figure> {
    let cases = crate::sentence_changes::proposed_between(ctx, &from.to_string(), &to.to_string()).await?;
    let at = as_of(ctx, to);
    let at_s = at.to_string();
    let code = key.trim_start_matches("sentence_changes_");
    let (name, definition, keep): (&'static str, String, CaseFilter) =
        if let Some(i) = STAGES.iter().position(|(s, _)| *s == code) {
            let stage_name = STAGES[i].1;
            let at_s = at_s.clone();
            (
                stage_name_of(code),
                format!("{from} 至 {to} 提请的减假暂案件中，截至 {at} 处于“{stage_name}”阶段的"),
                Box::new(move |c| c.stage_at(&at_s) == i),
            )
        } else if code == "late" {
            (
                "减假暂案件环节超期数",
                format!("{from} 至 {to} 提请的减假暂案件中，截至 {at} 有环节超过时限完成或仍超时未办的"),
                Box::new(move |c| c.late_at(at)),
            )
        } else {
            let kind = code.to_string();
            (
                kind_case_name(code),
                format!("{from} 至 {to} 提请的{}案件", label(SENTENCE_KINDS, code)),
                Box::new(move |c| c.kind == kind),
            )
        };
    let records: Vec<FigureRecord> = cases
        .iter()
        .filter(|c| keep(c))
        .map(|c| FigureRecord {
            amount: None,
            id: c.id,
            label: format!("{} {} {}", c.case_no, c.kind_label(), STAGES[c.stage_at(&at_s)].1),
            href: format!("/safety/sentence_changes/{}", c.id),
        })
        .collect();
    Ok(Figure::count(key, name, "件", definition, records))
}

type CaseFilter = Box<dyn Fn(&crate::sentence_changes::Case) -> bool>;

fn stage_name_of(code: &str) -> &'static str {
    match code {
        "proposed" => "减假暂案件：监区提请阶段",
        "reviewed" => "减假暂案件：评审阶段",
        "publicised" => "减假暂案件：公示阶段",
        "meeting" => "减假暂案件：办公会审议阶段",
        "submitted" => "减假暂案件：提请裁定/报批阶段",
        _ => "减假暂案件：已裁定/决定",
    }
}

fn kind_case_name(code: &str) -> &'static str {
    match code {
        "commutation" => "减刑案件数",
        "parole" => "假释案件数",
        _ => "暂予监外执行案件数",
    }
}

/// critical_incidents: incidents in the period.
pub async fn incidents(ctx: &Ctx, from: Date, to: Date) -> AppResult<Figure> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT c.id, c.occurred_on || ' ' || k.name || '：' || c.title FROM critical_incidents c \
         JOIN critical_incident_kinds k ON k.id = c.kind_id WHERE c.occurred_on >= ",
    );
    q.bind(from.to_string()).push(" AND c.occurred_on <= ").bind(to.to_string()).push(" AND ");
    user.scope.push_condition(&mut q, "c.unit_id", None);
    let rows = figures::fetch(ctx, q, " ORDER BY c.occurred_on, c.id").await?;
    Ok(Figure::count(
        "critical_incidents",
        "“六个绝对不能发生”事件数",
        "起",
        format!(
            "{from} 至 {to} 发生的罪犯脱逃、狱内重大案件、重大安全生产事故、重大疫情、重大舆情、民警重大违纪违法等事件"
        ),
        figures::records(rows, "/safety/incidents/"),
    ))
}

/// days_since_*: the days after the last incident (of one kind, or of any) up to the period's
/// end (or today), each day a record; with no incident on or before it, the days of the period.
pub async fn days_since(ctx: &Ctx, from: Date, to: Date, kind: Option<&'static str>) -> AppResult<Figure> {
    let at = as_of(ctx, to);
    let last = crate::incidents::last_before(ctx, kind, at).await?;
    let (start, first_note, href) = match &last {
        Some((id, on, kind_name)) => {
            let d: Date = on.parse().unwrap_or(from);
            (d.saturating_add(1.day()), format!("（上次：{on} {kind_name}）"), format!("/safety/incidents/{id}"))
        }
        None => (from, "（统计期内及之前无此类事件，自统计期首日起算）".to_string(), "/safety/incidents".to_string()),
    };
    let mut records = Vec::new();
    let mut day = start;
    while day <= at && records.len() < 100_000 {
        let id = i64::from(day.year()) * 10_000 + i64::from(day.month()) * 100 + i64::from(day.day());
        let label = if records.is_empty() { format!("{day}{first_note}") } else { day.to_string() };
        records.push(FigureRecord { amount: None, id, label, href: href.clone() });
        day = day.saturating_add(1.day());
    }
    let (key, name, what) = match kind {
        Some(k) => {
            (days_key(k), days_name(k), days_name(k).trim_start_matches("距上次").trim_end_matches("天数").to_string())
        }
        None => ("days_since_critical_incident", "距上次重大事件天数", "任一类“六个绝对不能发生”事件".to_string()),
    };
    Ok(Figure::count(
        key,
        name,
        "天",
        format!("截至 {at}，距上次{what}的天数：所计的是上次事件次日至 {at} 的每一天；此前无事件的，自 {from} 起算"),
        records,
    ))
}

fn days_key(kind: &str) -> &'static str {
    match kind {
        "escape" => "days_since_escape",
        "major_case" => "days_since_major_case",
        "production_accident" => "days_since_production_accident",
        "epidemic" => "days_since_epidemic",
        "public_opinion" => "days_since_public_opinion",
        _ => "days_since_officer_misconduct",
    }
}

fn days_name(kind: &str) -> &'static str {
    match kind {
        "escape" => "距上次罪犯脱逃天数",
        "major_case" => "距上次狱内重大案件天数",
        "production_accident" => "距上次重大安全生产事故天数",
        "epidemic" => "距上次重大疫情天数",
        "public_opinion" => "距上次重大舆情天数",
        _ => "距上次民警重大违纪违法天数",
    }
}

/// key_prisoners_listed: key prisoners on the register at the period's end (labelled: the
/// records name the prison area and number, never the prisoner).
pub async fn key_prisoners(ctx: &Ctx, to: Date) -> AppResult<Figure> {
    let user = crate::restricted::reader(ctx).await?;
    let at = as_of(ctx, to).to_string();
    let mut q = Sql::new(
        "SELECT k.id, u.name || ' ' || k.prisoner_no FROM key_prisoners k JOIN units u ON u.id = k.unit_id WHERE k.listed_on <= ",
    );
    q.bind(at.clone()).push(" AND (k.delisted_on IS NULL OR k.delisted_on > ").bind(at.clone()).push(") AND ");
    crate::restricted::push_visible(&mut q, user, "k.unit_id", "k.label");
    let rows = figures::fetch(ctx, q, " ORDER BY u.sort_order, k.prisoner_no").await?;
    Ok(Figure::count(
        "key_prisoners_listed",
        "在册重点罪犯数",
        "人",
        format!("截至 {at} 在册列管的重点罪犯（涉密，按密级统计）"),
        figures::records(rows, "/safety/key_prisoners/"),
    ))
}

/// vaccination_rate_{population}: at the period's end (or today), vaccinated over total of the
/// population, adding up each unit's latest count (the numbers `/safety/epidemic/vaccinations`
/// shows). Both parts list the same counts, the numerator with their vaccinated, the denominator
/// with their totals.
pub async fn vaccination_rate(ctx: &Ctx, to: Date, population: &'static str) -> AppResult<Rate> {
    let at = as_of(ctx, to);
    let counts = crate::vaccinations::counts_at(ctx, population, at).await?;
    let name = label(POPULATIONS, population);
    let part = |amount: fn(&crate::vaccinations::Count) -> i64| -> Vec<FigureRecord> {
        counts
            .iter()
            .map(|c| FigureRecord {
                id: c.id,
                label: format!("{} {} 统计：{} 人中已接种 {} 人", c.unit_name, c.as_of, c.total, c.vaccinated),
                href: format!("/safety/epidemic/vaccinations?unit={}&population={}", c.unit_id, c.population),
                amount: Some(amount(c)),
            })
            .collect()
    };
    let key = match population {
        "officers" => "vaccination_rate_officers",
        "workers" => "vaccination_rate_workers",
        _ => "vaccination_rate_prisoners",
    };
    Ok(Rate::new(
        key,
        rate_name(population),
        format!("截至 {at} 各单位最近一次统计中{name}已接种人数之和 ÷ {name}总人数之和，百分数取整（舍去小数）"),
        Figure::sum(
            key,
            "已接种人数",
            "人",
            format!("截至 {at} 各单位最近一次统计的{name}已接种人数"),
            part(|c| c.vaccinated),
        ),
        Figure::sum(key, "总人数", "人", format!("截至 {at} 各单位最近一次统计的{name}总人数"), part(|c| c.total)),
    ))
}

fn rate_name(population: &str) -> &'static str {
    match population {
        "officers" => "民警疫苗接种率",
        "workers" => "职工疫苗接种率",
        _ => "罪犯疫苗接种率",
    }
}

async fn count(f: impl std::future::Future<Output = AppResult<Figure>>) -> AppResult<FigureValue> {
    Ok(FigureValue::Count(f.await?))
}

fn def(
    key: &'static str,
    name: &'static str,
    definition: &'static str,
    unit: &'static str,
    compute: platform::figures::FigureFn,
) -> FigureDef {
    FigureDef { key, name, definition, unit, need: SAFETY_VIEW, compute }
}

/// This area's entries of the figure catalogue.
pub fn catalogue() -> Vec<FigureDef> {
    let mut v = vec![
        def(
            "epidemic_meetings",
            "疫情防控专题研判会、部署会次数",
            "期间内召开的疫情防控专题研判会、部署会等会议",
            "次",
            |ctx, a: FigureArgs| Box::pin(count(epidemic_meetings(ctx, a.from, a.to))),
        ),
        def(
            "closed_duty_person_times",
            "入监封闭执勤人次",
            "期间内开始的入监封闭执勤，每人每次连续执勤计 1 人次，同一人重叠的执勤时段只计一次",
            "人次",
            |ctx, a| Box::pin(count(person_times(ctx, a.from, a.to))),
        ),
        def("inspections_held", "安全检查次数", "期间内开展的各类安全检查", "次", |ctx, a| {
            Box::pin(count(inspections(ctx, a.from, a.to, None)))
        }),
        def("hazards_found", "发现隐患数", "期间内检查和日常巡查中发现的隐患", "个", |ctx, a| {
            Box::pin(count(hazards(ctx, a.from, a.to, "hazards_found")))
        }),
        def(
            "hazards_closed",
            "已整改销号隐患数",
            "期间内整改到位并经检查方销号的隐患",
            "个",
            |ctx, a| Box::pin(count(hazards(ctx, a.from, a.to, "hazards_closed"))),
        ),
        def(
            "hazards_overdue",
            "逾期未整改隐患数",
            "截至期末（或今天）已过整改期限仍未销号的隐患",
            "个",
            |ctx, a| Box::pin(count(hazards(ctx, a.from, a.to, "hazards_overdue"))),
        ),
        def(
            "critical_incidents",
            "“六个绝对不能发生”事件数",
            "期间内发生的六类重大事件",
            "起",
            |ctx, a| Box::pin(count(incidents(ctx, a.from, a.to))),
        ),
        def(
            "vaccination_rate_officers",
            "民警疫苗接种率",
            "截至期末（或今天）各单位最近一次统计的民警已接种人数之和占民警总人数之和的百分比",
            "%",
            |ctx, a| Box::pin(async move { Ok(FigureValue::Rate(vaccination_rate(ctx, a.to, "officers").await?)) }),
        ),
        def(
            "vaccination_rate_workers",
            "职工疫苗接种率",
            "截至期末（或今天）各单位最近一次统计的职工已接种人数之和占职工总人数之和的百分比",
            "%",
            |ctx, a| Box::pin(async move { Ok(FigureValue::Rate(vaccination_rate(ctx, a.to, "workers").await?)) }),
        ),
        def(
            "vaccination_rate_prisoners",
            "罪犯疫苗接种率",
            "截至期末（或今天）各单位最近一次统计的罪犯已接种人数之和占罪犯总人数之和的百分比",
            "%",
            |ctx, a| Box::pin(async move { Ok(FigureValue::Rate(vaccination_rate(ctx, a.to, "prisoners").await?)) }),
        ),
        def(
            "days_since_critical_incident",
            "距上次重大事件天数",
            "截至期末（或今天）距上次任一类“六个绝对不能发生”事件的天数，所计为其后的每一天；此前无事件的自期初起算",
            "天",
            |ctx, a| Box::pin(count(days_since(ctx, a.from, a.to, None))),
        ),
    ];
    v.extend([
        def(
            "days_since_escape",
            "距上次罪犯脱逃天数",
            "截至期末（或今天）距上次罪犯脱逃的天数；此前无事件的自期初起算",
            "天",
            |ctx, a| Box::pin(count(days_since(ctx, a.from, a.to, Some("escape")))),
        ),
        def(
            "days_since_major_case",
            "距上次狱内重大案件天数",
            "截至期末（或今天）距上次狱内重大案件的天数；此前无事件的自期初起算",
            "天",
            |ctx, a| Box::pin(count(days_since(ctx, a.from, a.to, Some("major_case")))),
        ),
        def(
            "days_since_production_accident",
            "距上次重大安全生产事故天数",
            "截至期末（或今天）距上次重大安全生产事故的天数；此前无事件的自期初起算",
            "天",
            |ctx, a| Box::pin(count(days_since(ctx, a.from, a.to, Some("production_accident")))),
        ),
        def(
            "days_since_epidemic",
            "距上次重大疫情天数",
            "截至期末（或今天）距上次重大疫情的天数；此前无事件的自期初起算",
            "天",
            |ctx, a| Box::pin(count(days_since(ctx, a.from, a.to, Some("epidemic")))),
        ),
        def(
            "days_since_public_opinion",
            "距上次重大舆情天数",
            "截至期末（或今天）距上次重大舆情的天数；此前无事件的自期初起算",
            "天",
            |ctx, a| Box::pin(count(days_since(ctx, a.from, a.to, Some("public_opinion")))),
        ),
        def(
            "days_since_officer_misconduct",
            "距上次民警重大违纪违法天数",
            "截至期末（或今天）距上次民警重大违纪违法的天数；此前无事件的自期初起算",
            "天",
            |ctx, a| Box::pin(count(days_since(ctx, a.from, a.to, Some("officer_misconduct")))),
        ),
    ]);
    v.extend([
        def("sentence_changes_commutation", "减刑案件数", "期间内提请的减刑案件", "件", |ctx, a| {
            Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_commutation")))
        }),
        def("sentence_changes_parole", "假释案件数", "期间内提请的假释案件", "件", |ctx, a| {
            Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_parole")))
        }),
        def(
            "sentence_changes_medical_parole",
            "暂予监外执行案件数",
            "期间内提请的暂予监外执行案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_medical_parole"))),
        ),
        def(
            "sentence_changes_proposed",
            "减假暂案件：监区提请阶段",
            "期间内提请、截至期末仍在监区提请阶段的案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_proposed"))),
        ),
        def(
            "sentence_changes_reviewed",
            "减假暂案件：评审阶段",
            "期间内提请、截至期末处于评审委员会评审阶段的案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_reviewed"))),
        ),
        def(
            "sentence_changes_publicised",
            "减假暂案件：公示阶段",
            "期间内提请、截至期末处于狱内公示阶段的案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_publicised"))),
        ),
        def(
            "sentence_changes_meeting",
            "减假暂案件：办公会审议阶段",
            "期间内提请、截至期末处于监狱长办公会审议阶段的案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_meeting"))),
        ),
        def(
            "sentence_changes_submitted",
            "减假暂案件：提请裁定/报批阶段",
            "期间内提请、截至期末已提请法院裁定或报请批准、尚未裁定/决定的案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_submitted"))),
        ),
        def(
            "sentence_changes_decided",
            "减假暂案件：已裁定/决定",
            "期间内提请、截至期末已裁定或决定的案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_decided"))),
        ),
        def(
            "sentence_changes_late",
            "减假暂案件环节超期数",
            "期间内提请、截至期末有环节超过时限的案件",
            "件",
            |ctx, a| Box::pin(count(sentence_changes(ctx, a.from, a.to, "sentence_changes_late"))),
        ),
    ]);
    v.extend(inspection_defs());
    v.push(FigureDef {
        key: "key_prisoners_listed",
        name: "在册重点罪犯数",
        definition: "截至期末（或今天）在册列管的重点罪犯（涉密，按密级统计）",
        unit: "人",
        need: KEYPRISONER_VIEW,
        compute: |ctx, a| Box::pin(count(key_prisoners(ctx, a.to))),
    });
    v
}
