//! 信访件 pages and API: the labelled list (masked petitioner, overdue replies first to the eye),
//! registration, one case with its stage bar, the steps the current stage allows, the trail, its
//! mediations, the same petitioner's other cases and its files; export; the statistics page; the
//! handler's to-dos.

pub mod service;

use crate::domain::*;
use crate::restricted;
use crate::{PETITION_EDIT, PETITION_VIEW, shared};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use office::Cell;
use platform::attachments::AttachmentOwner;
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::registry::{BoxFuture, Todo, TodoSource};
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager};
use platform::web::{Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{Petition, SORTS, Step};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(PETITION_VIEW), Need::Perm(PETITION_EDIT));
    r.get("/petitions/cases", view, "信访件", list_page)
        .get("/petitions/cases/export", view, "导出信访件", export)
        .get("/petitions/cases/new", edit, "接报登记页", new_page)
        .post("/petitions/cases", edit, "接报登记", create_page)
        .get("/petitions/cases/{id}", view, "信访件详情（含办理轨迹）", view_page)
        .get("/petitions/cases/{id}/edit", edit, "修改信访件页", edit_page)
        .post("/petitions/cases/{id}", edit, "修改信访件", update_page)
        .post("/petitions/cases/{id}/delete", edit, "删除信访件（仅接报阶段）", delete_page)
        .post("/petitions/cases/{id}/steps", edit, "办理环节（应急启动、处置、答复、办结、审核、重新办理）", step_page)
        .post("/petitions/cases/{id}/id_number", view, "查看信访人完整身份证号（留痕）", reveal_page)
        .post("/petitions/cases/lookup", view, "按信访人姓名或身份证号查找（不出现在地址中）", lookup_page)
        .get("/petitions/stats", view, "信访统计", stats_page)
        .get(
            "/api/v1/petitions",
            view,
            "信访件列表（stage, channel, kind, status=overdue|due_soon|unreplied|replied|late, from, to, mine, who）",
            api_list,
        )
        .post(
            "/api/v1/petitions/lookup",
            view,
            "按信访人完整姓名或身份证号查找（petitioner，另可带列表的筛选条件）；返回列表与 who",
            api_lookup,
        )
        .post(
            "/api/v1/petitions",
            edit,
            "接报登记（received_on, received_time, channel, kind, urgent, petitioner_type, petitioner_name, id_number, phone, address, visitors, summary, involved, concerned_unit_id, handler_user_id, unit_id）",
            api_create,
        )
        .get("/api/v1/petitions/stats", view, "信访统计（from, to）：按渠道、类别、阶段，按期答复率，办理天数中位数", api_stats)
        .get("/api/v1/petitions/{id}", view, "信访件详情（信访人信息、办理轨迹）", api_get)
        .put("/api/v1/petitions/{id}", edit, "修改信访件（另加 version；阶段只能通过办理环节改变）", api_update)
        .delete("/api/v1/petitions/{id}", edit, "删除信访件（仅接报阶段）", api_delete)
        .get("/api/v1/petitions/{id}/steps", view, "办理轨迹", api_steps)
        .post(
            "/api/v1/petitions/{id}/steps",
            edit,
            "办理环节（kind: escalate|handle|step|reply|close|review|reopen, version, happened_on, happened_time, notified, reply_method, text）",
            api_step,
        )
        .get("/api/v1/petitions/{id}/id_number", view, "信访人完整身份证号（留痕）", api_reveal)
}

#[derive(Template)]
#[template(path = "petitions_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Petition>,
    offset: i64,
    pager: Pager,
    export_q: String,
    channels: Codes,
    kinds: Codes,
    stages: Codes,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/petitions/cases", "信访件", &[("安保维稳", ""), ("信访件", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        channels: CHANNELS,
        kinds: KIND_CODES,
        stages: STAGES,
        can_edit: ctx.can(PETITION_EDIT),
    })
    .into_response())
}

/// The export carries masked identifiers only, like the list; it is audited by the shared export.
pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = [
        "案件编号",
        "接报时间",
        "渠道",
        "类别",
        "信访人",
        "身份",
        "身份证号",
        "人数",
        "信访事项",
        "涉及单位",
        "承办人",
        "阶段",
        "答复期限",
        "答复日期",
        "答复情况",
        "办结日期",
    ];
    platform::ledger::export_list(
        &ctx,
        "信访件",
        &headers,
        p,
        &filters,
        |c, p| {
            Box::pin(async move {
                let mut page = service::list(c, p).await?;
                service::open_summaries(c, &mut page.items)?;
                Ok(page)
            })
        },
        |x| {
            vec![
                Cell::from(x.case_no.clone()),
                Cell::from(format!("{} {}", x.received_on, x.received_time).trim().to_string()),
                Cell::from(x.channel_label()),
                Cell::from(x.kind_label()),
                Cell::from(x.petitioner_masked.clone()),
                Cell::from(x.type_label()),
                Cell::from(x.id_number_masked.clone()),
                Cell::Int(x.visitors),
                Cell::from(x.summary.clone()),
                Cell::from(x.concerned_unit_name.clone().unwrap_or_default()),
                Cell::from(x.handler_name.clone().unwrap_or_default()),
                Cell::from(x.stage_label()),
                Cell::from(x.reply_due_on.clone()),
                Cell::from(x.replied_on.clone().unwrap_or_default()),
                Cell::from(x.reply_status()),
                Cell::from(x.closed_on.clone().unwrap_or_default()),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "petition_form.html")]
struct FormPage {
    frame: Frame,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    /// The masked ID number on file (an edit never shows the full one).
    id_masked: String,
    units: Vec<(i64, String)>,
    depts: Vec<(i64, String)>,
    handlers: Vec<(i64, String)>,
    channels: Codes,
    kinds: Codes,
    types: Codes,
    today: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors, id_masked: String) -> AppResult<Response> {
    let title = if id.is_some() { "修改信访件" } else { "接报登记" };
    let frame =
        Frame::new(ctx, title, "/petitions/cases", &[("安保维稳", ""), ("信访件", "/petitions/cases"), (title, "")]);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        frame,
        id,
        f,
        errors,
        id_masked,
        units: shared::departments(ctx).await?,
        depts: shared::prison_departments(ctx).await?,
        handlers: shared::handlers(ctx).await?,
        channels: CHANNELS,
        kinds: KIND_CODES,
        types: PETITIONER_TYPES,
        today: platform::clock::today(&ctx.state.clock).to_string(),
    };
    Ok((status, Html(page)).into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let user = ctx.user()?;
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let pairs = vec![
        ("received_on".to_string(), today),
        ("channel".to_string(), q.get("channel").cloned().unwrap_or_else(|| "visit".into())),
        ("kind".to_string(), "custody".to_string()),
        ("petitioner_type".to_string(), "family".to_string()),
        ("visitors".to_string(), "1".to_string()),
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("handler_user_id".to_string(), user.id.to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new(), String::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match service::parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => service::create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok((id, case_no)) => Ok(redirect_with_flash(&format!("/petitions/cases/{id}"), &format!("已登记 {case_no}"))),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors, String::new()).await,
        Err(e) => Err(e),
    }
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let p = service::get(&ctx, id).await?;
    let d = service::details(&ctx, &p).await?;
    let pairs = vec![
        ("unit_id".to_string(), p.unit_id.to_string()),
        ("received_on".to_string(), p.received_on.clone()),
        ("received_time".to_string(), p.received_time.clone()),
        ("channel".to_string(), p.channel.clone()),
        ("kind".to_string(), p.kind.clone()),
        ("urgent".to_string(), if p.escalated == 1 { "1".into() } else { String::new() }),
        ("petitioner_type".to_string(), p.petitioner_type.clone()),
        ("petitioner_name".to_string(), d.petitioner_name),
        ("phone".to_string(), d.petitioner_phone),
        ("address".to_string(), d.petitioner_address),
        ("visitors".to_string(), p.visitors.to_string()),
        ("summary".to_string(), p.summary.clone()),
        ("involved".to_string(), d.involved),
        ("concerned_unit_id".to_string(), p.concerned_unit_id.map(|x| x.to_string()).unwrap_or_default()),
        ("handler_user_id".to_string(), p.handler_user_id.map(|x| x.to_string()).unwrap_or_default()),
        ("version".to_string(), p.version.to_string()),
    ];
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new(), p.id_number_masked).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match service::parse(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => service::update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/petitions/cases/{id}"), "信访件已修改")),
        Err(AppError::Validation(errors)) => {
            let masked = service::get(&ctx, id).await.map(|p| p.id_number_masked).unwrap_or_default();
            form(&ctx, Some(id), f, errors, masked).await
        }
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    service::delete(&ctx, id).await?;
    Ok(redirect_with_flash("/petitions/cases", "信访件已删除"))
}

/// What the current stage allows next: (step code, label).
fn next_steps(p: &Petition) -> Vec<(&'static str, &'static str)> {
    let codes: &[&str] = match p.stage.as_str() {
        "received" if p.escalated == 1 => &["escalate"],
        "received" => &["handle", "escalate"],
        "emergency" => &["handle"],
        "handling" if p.replied_on.is_some() => &["step", "reply", "close"],
        "handling" => &["step", "reply"],
        "closed" if p.reviewed_on.is_none() => &["review", "reopen"],
        _ => &["reopen"],
    };
    codes.iter().map(|c| (*c, label(POSTED_STEPS, c))).collect()
}

#[derive(Template)]
#[template(path = "petition_view.html")]
struct ViewPage {
    frame: Frame,
    p: Petition,
    d: service::Details,
    id_number: Option<String>,
    trail: Vec<Step>,
    mediations: Vec<crate::mediations::Mediation>,
    others: Vec<(i64, String, String, String)>,
    files: Vec<platform::attachments::Attachment>,
    next: Vec<(&'static str, &'static str)>,
    /// The four stages for the stage bar: (label, "done" | "current" | "todo" | "skipped").
    bar: Vec<(&'static str, &'static str)>,
    methods: Codes,
    mediation_methods: Codes,
    mediation_results: Codes,
    mediators: Vec<(i64, String)>,
    can_edit: bool,
    f: FormPairs,
    errors: FieldErrors,
    today: String,
}

/// "done", "current" or "todo" for each stage; 应急启动 is "skipped" when the case was not escalated.
fn stage_bar(p: &Petition) -> Vec<(&'static str, &'static str)> {
    let at = p.stage_index();
    STAGES
        .iter()
        .enumerate()
        .map(|(index, (_, name))| {
            let state = if index == 1 && p.escalated == 0 && at >= 1 {
                "skipped"
            } else {
                match index.cmp(&at) {
                    std::cmp::Ordering::Less => "done",
                    std::cmp::Ordering::Equal if p.stage == "closed" && p.reviewed_on.is_some() => "done",
                    std::cmp::Ordering::Equal => "current",
                    std::cmp::Ordering::Greater => "todo",
                }
            };
            (*name, state)
        })
        .collect()
}

async fn view(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors, id_number: Option<String>) -> AppResult<Response> {
    let p = service::get(ctx, id).await?;
    let d = service::details(ctx, &p).await?;
    let trail = service::trail(ctx, &p).await?;
    let mediations = crate::mediations::for_case(ctx, &p).await?;
    let others = service::same_petitioner(ctx, id).await?;
    let files = platform::attachments::list_for(ctx, "petition", id).await?;
    let can_edit = ctx.can(PETITION_EDIT);
    let mediators =
        if can_edit && p.stage == "handling" { shared::prison_people(ctx, true).await? } else { Vec::new() };
    let frame = Frame::new(
        ctx,
        &p.case_no,
        "/petitions/cases",
        &[("安保维稳", ""), ("信访件", "/petitions/cases"), ("详情", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let next = if can_edit { next_steps(&p) } else { Vec::new() };
    let bar = stage_bar(&p);
    let page = ViewPage {
        frame,
        p,
        d,
        id_number,
        trail,
        mediations,
        others,
        files,
        next,
        bar,
        methods: REPLY_METHODS,
        mediation_methods: MEDIATION_METHODS,
        mediation_results: MEDIATION_RESULTS,
        mediators,
        can_edit,
        f,
        errors,
        today: platform::clock::today(&ctx.state.clock).to_string(),
    };
    Ok((status, Html(page)).into_response())
}

/// Shows a case again after a refused step or mediation, the form kept and the field marked.
pub async fn view_with_errors(ctx: &Ctx, id: i64, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    view(ctx, id, f, errors, None).await
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new(), None).await
}

async fn reveal_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let n = service::reveal_id_number(&ctx, id).await?;
    view(&ctx, id, FormPairs::from(Vec::new()), FieldErrors::new(), Some(n)).await
}

async fn step_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match service::parse_step(&f, platform::clock::today(&ctx.state.clock)) {
        Ok(i) => service::record_step(&ctx, id, &i).await.map(|_| i.kind),
        Err(e) => Err(e),
    };
    match res {
        Ok(kind) => {
            Ok(redirect_with_flash(&format!("/petitions/cases/{id}"), &format!("已{}", label(STEP_KINDS, kind))))
        }
        Err(AppError::Validation(errors)) => view(&ctx, id, f, errors, None).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "petition_stats.html")]
struct StatsPage {
    frame: Frame,
    s: Stats,
}

/// The statistics of a period: counts by channel, kind and stage (each linking to the list),
/// escalations, the on-time reply rate and the median days from receipt to closing.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Stats {
    pub from: String,
    pub to: String,
    pub received: i64,
    pub by_channel: Vec<(String, String, i64)>,
    pub by_kind: Vec<(String, String, i64)>,
    pub by_stage: Vec<(String, String, i64)>,
    pub escalated: i64,
    pub overdue: i64,
    pub replied_due: i64,
    pub replied_on_time: i64,
    pub on_time_percent: i64,
    pub closed: i64,
    /// The median of the days from receipt to closing of the cases closed in the period (a median,
    /// not a count: it is shown here, not in the figure catalogue).
    pub median_days: Option<f64>,
}

impl Stats {
    pub fn median_text(&self) -> String {
        match self.median_days {
            Some(d) if d.fract() == 0.0 => format!("{d:.0} 天"),
            Some(d) => format!("{d:.1} 天"),
            None => "—".into(),
        }
    }
}

pub async fn stats(ctx: &Ctx, from: Date, to: Date) -> AppResult<Stats> {
    let today = platform::clock::today(&ctx.state.clock);
    let rows = service::facts(ctx, "received_on", from, to).await?;
    let count = |codes: Codes, pick: fn(&service::Fact) -> &str| {
        codes
            .iter()
            .map(|(c, l)| (c.to_string(), l.to_string(), rows.iter().filter(|r| pick(r) == *c).count() as i64))
            .collect::<Vec<_>>()
    };
    let by_channel = count(CHANNELS, |r| &r.channel);
    let by_kind = count(KIND_CODES, |r| &r.kind);
    let by_stage = count(STAGES, |r| &r.stage);
    let (on_time, due) = crate::figures::on_time_parts(&rows, today);
    let closed = service::facts(ctx, "closed_on", from, to).await?;
    let escalated = crate::figures::escalations(ctx, from, to).await?.value;
    let overdue = rows
        .iter()
        .filter(|r| r.replied_on.is_none() && r.stage != "closed" && r.reply_due_on < today.to_string())
        .count() as i64;
    Ok(Stats {
        from: from.to_string(),
        to: to.to_string(),
        received: rows.len() as i64,
        by_channel,
        by_kind,
        by_stage,
        escalated,
        overdue,
        replied_due: due.len() as i64,
        replied_on_time: on_time.len() as i64,
        on_time_percent: if due.is_empty() { 0 } else { on_time.len() as i64 * 100 / due.len() as i64 },
        closed: closed.len() as i64,
        median_days: service::median_days(&closed),
    })
}

fn period(ctx: &Ctx, q: &BTreeMap<String, String>) -> AppResult<(Date, Date)> {
    let today = platform::clock::today(&ctx.state.clock);
    let date = |k: &str, d: Date| -> AppResult<Date> {
        match q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(d),
            Some(v) => v.parse::<Date>().map_err(|_| AppError::BadRequest(format!("{k} 须为 YYYY-MM-DD 格式的日期"))),
        }
    };
    let (from, to) = (date("from", today.first_of_year())?, date("to", today.last_of_year())?);
    if from > to {
        return Err(AppError::BadRequest("开始日期不能晚于结束日期".into()));
    }
    Ok((from, to))
}

async fn stats_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    restricted::reader(&ctx)?;
    let (from, to) = period(&ctx, &q.0)?;
    let s = stats(&ctx, from, to).await?;
    restricted::audit_list(&ctx, "petition_stats", &format!("from={from}&to={to}")).await?;
    let frame = Frame::new(&ctx, "信访统计", "/petitions/stats", &[("安保维稳", ""), ("信访统计", "")]);
    Ok(Html(StatsPage { frame, s }).into_response())
}

async fn api_stats(ctx: Ctx, q: Q) -> AppResult<Response> {
    restricted::reader(&ctx)?;
    let (from, to) = period(&ctx, &q.0)?;
    let s = stats(&ctx, from, to).await?;
    restricted::audit_list(&ctx, "petition_stats", &format!("from={from}&to={to}")).await?;
    Ok(Json(s).into_response())
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(service::list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

/// The petitioner typed in a form body, never in the address: the list filtered by its index.
async fn lookup_page(ctx: Ctx, body: String) -> AppResult<Response> {
    restricted::reader(&ctx)?;
    let f = FormPairs::parse(&body);
    let typed = f.get("petitioner");
    if typed.trim().is_empty() {
        return Ok(axum::response::Redirect::to("/petitions/cases").into_response());
    }
    let who = service::lookup_key(&ctx, &typed);
    Ok(axum::response::Redirect::to(&format!("/petitions/cases?who={who}")).into_response())
}

async fn api_lookup(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    restricted::reader(&ctx)?;
    let f = pairs_from_json(b)?;
    let typed = f.get("petitioner");
    if typed.trim().is_empty() {
        return Err(AppError::field("petitioner", "请输入信访人的完整姓名或身份证号"));
    }
    let who = service::lookup_key(&ctx, &typed);
    let mut raw: BTreeMap<String, String> = BTreeMap::new();
    for k in ["stage", "channel", "kind", "status", "from", "to", "page", "per_page"] {
        let v = f.get(k);
        if !v.is_empty() {
            raw.insert(k.to_string(), v);
        }
    }
    raw.insert("who".to_string(), who.clone());
    let page = service::list(&ctx, &ListParams::parse(raw, SORTS, true)).await?;
    Ok(Json(serde_json::json!({ "items": page.items, "total": page.total, "page": page.page,
        "per_page": page.per_page, "who": who }))
    .into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let p = service::get(&ctx, id).await?;
    let d = service::details(&ctx, &p).await?;
    let trail = service::trail(&ctx, &p).await?;
    let steps: Vec<_> = trail.iter().map(step_json).collect();
    Ok(Json(serde_json::json!({ "petition": p, "details": d, "steps": steps })).into_response())
}

fn step_json(s: &Step) -> serde_json::Value {
    serde_json::json!({"id": s.id, "kind": s.kind, "stage_from": s.stage_from, "stage_to": s.stage_to,
        "happened_on": s.happened_on, "happened_time": s.happened_time, "notified": s.notified,
        "reply_method": s.reply_method, "text": s.text, "by_name": s.by_name, "created_at": s.created_at})
}

async fn api_steps(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let p = service::get(&ctx, id).await?;
    let trail = service::trail(&ctx, &p).await?;
    let items: Vec<_> = trail.iter().map(step_json).collect();
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": total })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let i = service::parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    let (id, case_no) = service::create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id, "case_no": case_no }))).into_response())
}

async fn api_update(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = service::parse(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    service::update(&ctx, id, &i).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    service::delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_step(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let i = service::parse_step(&pairs_from_json(b)?, platform::clock::today(&ctx.state.clock))?;
    let step = service::record_step(&ctx, id, &i).await?;
    let p = service::get(&ctx, id).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": step, "stage": p.stage, "version": p.version })))
        .into_response())
}

async fn api_reveal(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let n = service::reveal_id_number(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "id": id, "id_number": n })).into_response())
}

/// A petition's files: only someone who may read the petition (permission, scope and clearance).
pub struct PetitionAttachments;

impl AttachmentOwner for PetitionAttachments {
    fn view_perm(&self) -> &'static str {
        PETITION_VIEW
    }
    fn edit_perm(&self) -> &'static str {
        PETITION_EDIT
    }
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>> {
        Box::pin(async move { Ok(service::get(ctx, owner_id).await?.unit_id) })
    }
    fn page(&self, owner_id: i64) -> String {
        format!("/petitions/cases/{owner_id}")
    }
    fn labelled(&self) -> bool {
        true
    }
}

/// For the handler: each of their cases whose reply is due within 5 days or overdue. For the
/// others who handle petitions: every overdue reply they may read that is not their own.
pub struct ReplyTodos;

impl TodoSource for ReplyTodos {
    fn todos<'a>(&'a self, ctx: &'a Ctx) -> BoxFuture<'a, AppResult<Vec<Todo>>> {
        Box::pin(async move {
            let Ok(user) = restricted::reader(ctx) else { return Ok(Vec::new()) };
            let today = platform::clock::today(&ctx.state.clock);
            let mut q = platform::db::Sql::new("SELECT p.id, p.case_no, p.reply_due_on, ");
            q.push(&service::overdue_expr(today))
                .push(" AS overdue, CASE WHEN p.handler_user_id = ")
                .bind(user.id)
                .push(" THEN 1 ELSE 0 END AS mine FROM petitions p WHERE p.replied_on IS NULL AND p.stage <> 'closed' AND ((p.handler_user_id = ")
                .bind(user.id)
                .push(" AND p.reply_due_on <= ")
                .bind(today.saturating_add(jiff::ToSpan::days(5)).to_string());
            if user.can(PETITION_EDIT) {
                q.push(") OR ").push(&service::overdue_expr(today)).push(" = 1) AND ");
            } else {
                q.push(")) AND ");
            }
            // `+p.unit_id`: the open cases are few and petitions_open finds them; without the `+`
            // SQLite went through every case of the units in scope (12 times slower at a prison).
            restricted::push_visible(&mut q, user, "+p.unit_id", "p.label");
            q.push(" ORDER BY p.reply_due_on, p.id LIMIT 50");
            let rows: Vec<(i64, String, String, i64, i64)> = q.fetch_fresh(&ctx.state.db).await?;
            Ok(rows
                .into_iter()
                .map(|(id, case_no, due, overdue, mine)| Todo {
                    title: format!("信访件 {case_no} {}", if overdue == 1 { "答复已超期" } else { "即将到答复期限" }),
                    detail: match (mine, overdue) {
                        (1, 1) => format!("您承办的信访件答复期限 {due} 已过，请尽快答复信访人"),
                        (1, _) => format!("您承办的信访件须在 {due} 前答复信访人"),
                        _ => format!("答复期限 {due} 已过，尚未答复信访人"),
                    },
                    due: Some(due),
                    href: format!("/petitions/cases/{id}"),
                    level: if overdue == 1 { "overdue" } else { "due_soon" },
                    source: "信访稳定",
                })
                .collect())
        })
    }
}
