//! 五带头: what each member of the leadership did themselves: study, research visits (调查研究),
//! self-examination, criticism and rectification. A ledger per person, with a count per kind.

use crate::{STUDY_EDIT, STUDY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::db::Sql;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

pub const KINDS: &[(&str, &str)] = &[
    ("study", "带头学习"),
    ("research", "调查研究"),
    ("self_exam", "检视剖析"),
    ("criticism", "批评与自我批评"),
    ("rectification", "整改落实"),
];

pub fn routes(r: Routes) -> Routes {
    r.get("/study/duties", Need::Perm(STUDY_VIEW), "五带头记录", list_page)
        .post("/study/duties", Need::Perm(STUDY_EDIT), "新增五带头记录", create_page)
        .get("/api/v1/leadership_duties", Need::Perm(STUDY_VIEW), "五带头记录", api_list)
        .post("/api/v1/leadership_duties", Need::Perm(STUDY_EDIT), "新增五带头记录", api_create)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Duty {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub unit_id: i64,
    pub kind: String,
    pub done_on: String,
    pub title: String,
    pub content: String,
}

impl Duty {
    pub fn kind_label(&self) -> &'static str {
        crate::domain::label(KINDS, &self.kind)
    }
}

const SORTS: &[(&str, &str)] = &[("done_on", "d.done_on"), ("person", "p.name")];

pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Duty>> {
    let user = ctx.user()?;
    let (person, kind) = (p.get_i64("person"), p.get("kind").to_string());
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "d.done_on DESC".into();
    }
    Ok(fetch_page::<Duty>(
        &ctx.state.db,
        "d.id, d.person_id, p.name AS person_name, d.unit_id, d.kind, d.done_on, d.title, d.content",
        "d.id",
        |q: &mut Sql| {
            q.push("FROM leadership_duties d JOIN people p ON p.id = d.person_id WHERE ");
            user.scope.push_condition(q, "d.unit_id", Some("p.user_id"));
            if let Some(pid) = person {
                q.push(" AND d.person_id = ").bind(pid);
            }
            if !kind.is_empty() {
                q.push(" AND d.kind = ").bind(kind.clone());
            }
        },
        &p,
    )
    .await?)
}

/// Records one; the person must hold a leadership post (副科 and above) and be in scope.
pub async fn create(ctx: &Ctx, f: &FormPairs) -> AppResult<i64> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "类别", &f.get("kind"), KINDS);
    let day = c.date("done_on", "日期", &f.get("done_on"), true);
    let title = c.text("title", "事项", &f.get("title"), 100, true);
    let content = c.long_text("content", "内容", &f.get("content"), 5000, false);
    let person = f.get("person_id").trim().parse::<i64>().ok();
    c.finish()?;
    let p = org::people::service::get(ctx, person.unwrap_or_default())
        .await
        .map_err(|_| AppError::field("person_id", "请选择人员"))?;
    if !matches!(p.leadership_level.as_str(), "deputy_section" | "section" | "deputy_division" | "division") {
        return Err(AppError::field("person_id", format!("{} 不担任领导职务", p.name)));
    }
    let mut tx = ctx.state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO leadership_duties (person_id, unit_id, kind, done_on, title, content, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(p.id)
    .bind(p.unit_id)
    .bind(&kind)
    .bind(day.map(|d| d.to_string()).unwrap_or_default())
    .bind(&title)
    .bind(&content)
    .bind(ctx.user()?.id)
    .bind(ctx.state.clock.now_ms())
    .fetch_one(&mut *tx)
    .await?;
    ctx.state
        .audit(&mut tx, &ctx.actor(), Event::ok("create", "leadership_duty", id).detail(format!("{}：{title}", p.name)))
        .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Template)]
#[template(path = "duties_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Duty>,
    offset: i64,
    pager: Pager,
    kinds: &'static [(&'static str, &'static str)],
    leaders: Vec<(i64, String, String)>,
    today: String,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Query<BTreeMap<String, String>>) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let user = ctx.user()?;
    let mut lq = Sql::new(
        "SELECT p.id, p.name, u.name FROM people p JOIN units u ON u.id = p.unit_id WHERE p.employment_status = 'active' \
         AND p.leadership_level IN ('deputy_section', 'section', 'deputy_division', 'division') AND ",
    );
    user.scope.push_condition(&mut lq, "p.unit_id", Some("p.user_id"));
    lq.push(" ORDER BY u.sort_order, p.id LIMIT 500");
    let leaders = lq.query_as().fetch_all(&ctx.state.db.pool).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/study/duties", "五带头", &[("学习教育", ""), ("五带头", "")]);
    let today = platform::clock::today(&ctx.state.clock).to_string();
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: KINDS,
        leaders,
        today,
        can_edit: ctx.can(STUDY_EDIT),
    })
    .into_response())
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    match create(&ctx, &FormPairs::parse(&body)).await {
        Ok(_) => Ok(redirect_with_flash("/study/duties", "已记录")),
        Err(AppError::Validation(e)) => {
            Ok(redirect_with_flash("/study/duties", &e.into_values().collect::<Vec<_>>().join("；")))
        }
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Query<BTreeMap<String, String>>) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let Json(v) = b.map_err(|_| AppError::BadRequest("请求体须为 JSON 对象".into()))?;
    let text =
        |k: &str| v.get(k).map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string())).unwrap_or_default();
    let pairs: Vec<(String, String)> =
        ["person_id", "kind", "done_on", "title", "content"].iter().map(|k| (k.to_string(), text(k))).collect();
    let id = create(&ctx, &FormPairs::from(pairs)).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}
