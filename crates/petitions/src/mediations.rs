//! 调处 (labelled, through its case): a mediation of a petition being handled — when, how, by whom,
//! the parties, what was done and the result — recorded from the case while it is at 处置, and a
//! step of the case's trail. The list of every mediation the caller may read, and its export.

use crate::cases::service::{self as cases, NewStep, Petition};
use crate::domain::*;
use crate::restricted::{self, excerpt, push_visible};
use crate::{PETITION_EDIT, PETITION_VIEW, shared};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use office::Cell;
use platform::audit::Event;
use platform::db::Sql;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(PETITION_VIEW), Need::Perm(PETITION_EDIT));
    r.get("/petitions/mediations", view, "矛盾调处", list_page)
        .get("/petitions/mediations/export", view, "导出调处记录", export)
        .post("/petitions/cases/{id}/mediations", edit, "登记调处（信访件处置阶段）", create_page)
        .get("/api/v1/petition_mediations", view, "调处记录列表（petition, method, result, from, to）", api_list)
        .post(
            "/api/v1/petition_mediations",
            edit,
            "登记调处（petition_id, mediated_on, method, mediator_id, parties, content, result）",
            api_create,
        )
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Mediation {
    pub id: i64,
    pub petition_id: i64,
    pub case_no: String,
    pub unit_id: i64,
    pub label: i64,
    pub mediated_on: String,
    pub method: String,
    pub mediator_id: Option<i64>,
    pub mediator_name: Option<String>,
    pub result: String,
    #[serde(skip)]
    pub parties_sealed: String,
    #[serde(skip)]
    pub content_sealed: String,
    #[sqlx(skip)]
    pub parties: String,
    #[sqlx(skip)]
    pub content: String,
}

impl Mediation {
    pub fn method_label(&self) -> &'static str {
        label(MEDIATION_METHODS, &self.method)
    }
    pub fn result_label(&self) -> &'static str {
        label(MEDIATION_RESULTS, &self.result)
    }
    pub fn result_tag(&self) -> &'static str {
        match self.result.as_str() {
            "agreed" => "green",
            "partial" => "blue",
            "failed" => "red",
            _ => "orange",
        }
    }
    fn open(&mut self, ctx: &Ctx) -> AppResult<()> {
        self.parties = restricted::open(ctx, &self.parties_sealed, &self.case_no)?;
        self.content = restricted::open(ctx, &self.content_sealed, &self.case_no)?;
        Ok(())
    }
}

const COLS: &str = "m.id, m.petition_id, p.case_no, m.unit_id, m.label, m.mediated_on, m.method, m.mediator_id, \
    k.name AS mediator_name, m.result, m.parties_sealed, m.content_sealed";
const FROM: &str =
    "FROM petition_mediations m JOIN petitions p ON p.id = m.petition_id LEFT JOIN people k ON k.id = m.mediator_id";
const SORTS: &[(&str, &str)] = &[("mediated_on", "m.mediated_on"), ("case_no", "p.case_no")];

/// Filters: petition, method, result, from, to. Both the mediation and its case must be readable.
pub async fn list(ctx: &Ctx, p: &ListParams, full: bool) -> AppResult<Paged<Mediation>> {
    let user = restricted::reader(ctx)?;
    let (method, result, from, to) =
        (p.get("method").to_string(), p.get("result").to_string(), p.get("from").to_string(), p.get("to").to_string());
    let petition = p.get_i64("petition");
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "m.mediated_on DESC".into();
    }
    let mut page = fetch_page::<Mediation>(
        &ctx.state.db,
        COLS,
        "m.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            push_visible(q, user, "m.unit_id", "m.label");
            q.push(" AND ");
            push_visible(q, user, "p.unit_id", "p.label");
            for (col, v) in [("m.method", &method), ("m.result", &result)] {
                if !v.is_empty() {
                    q.push(" AND ").push(col).push(" = ").bind(v.clone());
                }
            }
            if !from.is_empty() {
                q.push(" AND m.mediated_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                q.push(" AND m.mediated_on <= ").bind(to.clone());
            }
            if let Some(id) = petition {
                q.push(" AND m.petition_id = ").bind(id);
            }
        },
        &p,
    )
    .await?;
    for m in page.items.iter_mut() {
        m.open(ctx)?;
        if !full {
            m.content = excerpt(&m.content, 60);
        }
    }
    restricted::audit_list(ctx, "petition_mediation", &p.query_with(&[])).await?;
    Ok(page)
}

/// The mediations of a case the caller has just read, oldest first.
pub async fn for_case(ctx: &Ctx, p: &Petition) -> AppResult<Vec<Mediation>> {
    let user = restricted::reader(ctx)?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" ").push(FROM).push(" WHERE m.petition_id = ").bind(p.id).push(" AND ");
    push_visible(&mut q, user, "m.unit_id", "m.label");
    q.push(" ORDER BY m.mediated_on, m.id");
    let mut rows: Vec<Mediation> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    for m in rows.iter_mut() {
        m.open(ctx)?;
    }
    Ok(rows)
}

pub struct MediationInput {
    pub petition_id: i64,
    pub mediated_on: jiff::civil::Date,
    pub method: String,
    pub mediator_id: Option<i64>,
    pub parties: String,
    pub content: String,
    pub result: String,
}

pub fn parse(f: &FormPairs, petition_id: Option<i64>, today: jiff::civil::Date) -> AppResult<MediationInput> {
    let mut c = FormCheck::new();
    let petition_id = petition_id.or_else(|| f.get("petition_id").trim().parse().ok());
    if petition_id.is_none() {
        c.add("petition_id", "请指定调处的信访件");
    }
    let day = c.date("mediated_on", "调处日期", &f.get("mediated_on"), true);
    if day.is_some_and(|d| d > today) {
        c.add("mediated_on", "调处日期不能晚于今天");
    }
    let method = c.choice("method", "调处方式", &f.get("method"), MEDIATION_METHODS);
    let mediator_id = c.opt_id("mediator_id", "调处人", &f.get("mediator_id"));
    let parties = c.text("parties", "参与各方", &f.get("parties"), 300, false);
    let content = c.long_text("content", "调处情况", &f.get("content"), 5000, true);
    let result = c.choice("result", "调处结果", &f.get("result"), MEDIATION_RESULTS);
    c.finish()?;
    Ok(MediationInput {
        petition_id: petition_id.unwrap_or_default(),
        mediated_on: day.unwrap_or(today),
        method,
        mediator_id,
        parties,
        content,
        result,
    })
}

/// Records a mediation of a case at 处置: the case must be readable and still at 处置 when the
/// mediation is written (checked by the same statement that touches it), and the trail gets a step.
pub async fn create(ctx: &Ctx, i: &MediationInput) -> AppResult<i64> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    let p = cases::get(ctx, i.petition_id).await?;
    if p.stage != "handling" {
        return Err(AppError::field(
            "petition_id",
            format!("信访件处于“{}”阶段，调处须在处置阶段登记", p.stage_label()),
        ));
    }
    if i.mediated_on.to_string() < p.received_on {
        return Err(AppError::field("mediated_on", "调处日期不能早于接报日期"));
    }
    if let Some(m) = i.mediator_id
        && !shared::person_ok(ctx, m).await?
    {
        return Err(AppError::field("mediator_id", "调处人须为本监狱在职人员"));
    }
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query("UPDATE petitions SET updated_at = $1 WHERE id = $2 AND stage = 'handling'")
        .bind(now)
        .bind(p.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(AppError::stale());
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO petition_mediations (petition_id, unit_id, label, mediated_on, method, mediator_id, parties_sealed, content_sealed, \
         result, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
    )
    .bind(p.id)
    .bind(p.unit_id)
    .bind(p.label)
    .bind(i.mediated_on.to_string())
    .bind(&i.method)
    .bind(i.mediator_id)
    .bind(restricted::seal(ctx, &i.parties))
    .bind(restricted::seal(ctx, &i.content))
    .bind(&i.result)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let text =
        format!("{}，{}：{}", label(MEDIATION_METHODS, &i.method), label(MEDIATION_RESULTS, &i.result), i.content);
    cases::insert_step(
        ctx,
        &mut tx,
        p.id,
        &NewStep {
            kind: "mediation",
            stage_from: "handling",
            stage_to: "handling",
            happened_on: i.mediated_on.to_string(),
            happened_time: String::new(),
            notified: String::new(),
            reply_method: String::new(),
            text,
        },
    )
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "petition_mediation", id).detail(p.case_no.clone()))
        .await?;
    tx.commit().await?;
    Ok(id)
}

async fn create_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f, Some(id), platform::clock::today(&ctx.state.clock)) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(redirect_with_flash(&format!("/petitions/cases/{id}#mediations"), "调处情况已登记")),
        Err(AppError::Validation(errors)) => crate::cases::view_with_errors(&ctx, id, f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "mediations_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Mediation>,
    offset: i64,
    pager: Pager,
    export_q: String,
    methods: Codes,
    results: Codes,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p, false).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/petitions/mediations", "矛盾调处", &[("安保维稳", ""), ("矛盾调处", "")]);
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        export_q,
        methods: MEDIATION_METHODS,
        results: MEDIATION_RESULTS,
    })
    .into_response())
}

pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers = ["案件编号", "调处日期", "调处方式", "调处人", "参与各方", "调处情况", "调处结果"];
    platform::ledger::export_list(
        &ctx,
        "矛盾调处",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(list(c, p, true)),
        |m| {
            vec![
                Cell::from(m.case_no.clone()),
                Cell::from(m.mediated_on.clone()),
                Cell::from(m.method_label()),
                Cell::from(m.mediator_name.clone().unwrap_or_default()),
                Cell::from(m.parties.clone()),
                Cell::from(m.content.clone()),
                Cell::from(m.result_label()),
            ]
        },
    )
    .await
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true), true).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let i = parse(&pairs_from_json(b)?, None, platform::clock::today(&ctx.state.clock))?;
    let id = create(&ctx, &i).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}
