//! 会议记录: the meetings ledger, recording a meeting with attendance taken from the
//! organisation's members in a few clicks, its page, and the API.

pub mod service;

use crate::domain::*;
use crate::{STUDY_EDIT, STUDY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::FormPairs;
use platform::web::list::{ListScreen, Pager};
use platform::web::{Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{AGENDA_ROWS, Meeting, SORTS};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(STUDY_VIEW), Need::Perm(STUDY_EDIT));
    r.get("/study/meetings", view, "会议记录", list_page)
        .get("/study/meetings/export", view, "导出会议记录（三会一课台账）", export)
        .get("/study/meetings/new", edit, "录入会议页", new_page)
        .post("/study/meetings", edit, "录入会议", create_page)
        .get("/study/meetings/{id}", view, "会议详情", view_page)
        .get("/study/meetings/{id}/edit", edit, "修改会议页", edit_page)
        .post("/study/meetings/{id}", edit, "修改会议", update_page)
        .post("/study/meetings/{id}/delete", edit, "删除会议", delete_page)
        .get("/api/v1/meetings", view, "会议列表", api_list)
        .post(
            "/api/v1/meetings",
            edit,
            "录入会议（agenda: [{kind,title,material_id}], attendance: [{person_id,status,reason}]）",
            api_create,
        )
        .get("/api/v1/meetings/{id}", view, "会议详情（含议题与出席）", api_get)
        .put(
            "/api/v1/meetings/{id}",
            edit,
            "修改会议（与录入相同的字段，另加 version；议题与出席整体替换）",
            api_update,
        )
        .delete("/api/v1/meetings/{id}", edit, "删除会议", api_delete)
}

#[derive(Template)]
#[template(path = "meetings_list.html")]
struct ListPage {
    frame: Frame,
    export_q: String,
    p: ListParams,
    rows: Vec<Meeting>,
    offset: i64,
    pager: Pager,
    kinds: Codes,
    orgs: Vec<org::orgs::service::Org>,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let orgs = org::orgs::service::tree(&ctx, false).await?;
    let ListScreen { frame, pager, offset, export_q } =
        ListScreen::new(&ctx, &p, &page, "/study/meetings", "会议记录", &[("学习教育", ""), ("会议记录", "")]);
    Ok(Html(ListPage {
        frame,
        export_q,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: MEETING_KINDS,
        orgs,
        can_edit: ctx.can(STUDY_EDIT),
    })
    .into_response())
}

/// The meetings ledger (三会一课台账) with the list's filters: date, organisation, kind, title,
/// host, recorder, attendance, whether the study came first, and the minutes as plain text.
pub(crate) async fn export(ctx: Ctx, q: Q) -> AppResult<Response> {
    use office::Cell;
    let (p, filters) = ListParams::for_export(q.0, SORTS);
    let headers =
        ["日期", "党组织", "会议类别", "标题", "地点", "主持人", "记录人", "应到", "实到", "第一项议程", "会议记录"];
    platform::ledger::export_list(
        &ctx,
        "会议记录",
        &headers,
        p,
        &filters,
        |c, p| Box::pin(service::list(c, p)),
        |m| {
            vec![
                Cell::from(m.held_on.clone()),
                Cell::from(m.org_name.clone()),
                Cell::from(m.kind_label()),
                Cell::from(m.title.clone()),
                Cell::from(m.place.clone()),
                Cell::from(m.host_name.clone().unwrap_or_default()),
                Cell::from(m.recorder_name.clone().unwrap_or_default()),
                Cell::Int(m.invited),
                Cell::Int(m.present),
                Cell::from(if m.first_kind.is_empty() {
                    String::new()
                } else {
                    label(AGENDA_KINDS, &m.first_kind).to_string()
                }),
                Cell::from(platform::richtext::to_text(&m.minutes)),
            ]
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct FormPage {
    frame: Frame,
    /// `None` when recording a new meeting.
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
    orgs: Vec<org::orgs::service::Org>,
    members: Vec<(i64, String, String)>,
    materials: Vec<(i64, String)>,
    kinds: Codes,
    agenda_kinds: Codes,
    rows: Vec<usize>,
    /// The minutes as the editor starts from them: cleaned, even when a rejected post is shown again.
    minutes: String,
}

async fn form(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let title = if id.is_some() { "修改会议" } else { "录入会议" };
    let frame =
        Frame::new(ctx, title, "/study/meetings", &[("学习教育", ""), ("会议记录", "/study/meetings"), (title, "")]);
    let orgs = org::orgs::service::tree(ctx, true).await?;
    // The organisation's members (itself and everything under it) are offered for attendance.
    let mut members: Vec<(i64, String, String)> = match f.get("org_id").trim().parse::<i64>() {
        Ok(o) => {
            let mut raw = BTreeMap::new();
            raw.insert("org".to_string(), o.to_string());
            raw.insert("per_page".to_string(), "200".to_string());
            raw.insert("employment_status".to_string(), "active".to_string());
            let p = ListParams::parse(raw, org::people::service::SORTS, true);
            org::people::service::list(ctx, &p).await?.items.into_iter().map(|x| (x.id, x.name, x.unit_name)).collect()
        }
        Err(_) => Vec::new(),
    };
    // People already recorded who are no longer listed under the organisation (moved, retired) stay
    // on the form, so an edit does not drop them silently.
    let listed: std::collections::HashSet<i64> = members.iter().map(|m| m.0).collect();
    let missing: Vec<i64> =
        f.prefixed("att_").into_iter().filter_map(|(p, _)| p.parse().ok()).filter(|p| !listed.contains(p)).collect();
    members.extend(service::people_named(ctx, &missing).await?);
    let mut raw = BTreeMap::new();
    raw.insert("per_page".to_string(), "50".to_string());
    let materials = crate::materials::list(ctx, &ListParams::parse(raw, &[("published_on", "m.published_on")], true))
        .await?
        .items
        .into_iter()
        .map(|m| (m.id, format!("{}（{}）", m.title, m.published_on)))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let rows = (1..=AGENDA_ROWS).collect();
    let minutes = platform::richtext::clean(&f.get("minutes"));
    Ok((
        status,
        Html(FormPage {
            frame,
            id,
            f,
            errors,
            orgs,
            members,
            materials,
            kinds: MEETING_KINDS,
            agenda_kinds: AGENDA_KINDS,
            rows,
            minutes,
        }),
    )
        .into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let today = platform::clock::today(&ctx.state.clock).to_string();
    let pairs = vec![
        ("org_id".to_string(), q.get("org").cloned().unwrap_or_default()),
        ("kind".to_string(), q.get("kind").cloned().unwrap_or_else(|| "branch_study".into())),
        ("held_on".to_string(), today),
        ("agenda_kind_1".to_string(), "study".to_string()),
    ];
    form(&ctx, None, FormPairs::from(pairs), FieldErrors::new()).await
}

/// `choose=1` (选择, after picking the organisation) re-renders with its members.
async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    if f.get("choose") == "1" {
        return form(&ctx, None, f, FieldErrors::new()).await;
    }
    let today = platform::clock::today(&ctx.state.clock);
    let res = match service::parse(&f, today) {
        Ok(i) => service::create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/study/meetings/{id}"), "会议已录入")),
        Err(AppError::Validation(errors)) => form(&ctx, None, f, errors).await,
        Err(e) => Err(e),
    }
}

/// The recorded meeting as the pairs its form posts.
async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (m, agenda, attendance) = service::details(&ctx, id).await?;
    let mut pairs = vec![
        ("org_id".to_string(), m.org_id.to_string()),
        ("kind".to_string(), m.kind.clone()),
        ("title".to_string(), m.title.clone()),
        ("held_on".to_string(), m.held_on.clone()),
        ("start_time".to_string(), m.start_time.clone()),
        ("place".to_string(), m.place.clone()),
        ("host_id".to_string(), m.host_id.map(|x| x.to_string()).unwrap_or_default()),
        ("recorder_id".to_string(), m.recorder_id.map(|x| x.to_string()).unwrap_or_default()),
        ("minutes".to_string(), m.minutes_html()),
        ("version".to_string(), m.version.to_string()),
    ];
    for a in &agenda {
        let n = a.position;
        pairs.push((format!("agenda_kind_{n}"), a.kind.clone()));
        pairs.push((format!("agenda_title_{n}"), a.title.clone()));
        pairs.push((format!("agenda_material_{n}"), a.material_id.map(|x| x.to_string()).unwrap_or_default()));
    }
    for a in &attendance {
        pairs.push((format!("att_{}", a.person_id), a.status.clone()));
        pairs.push((format!("reason_{}", a.person_id), a.reason.clone()));
    }
    form(&ctx, Some(id), FormPairs::from(pairs), FieldErrors::new()).await
}

async fn update_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    if f.get("choose") == "1" {
        return form(&ctx, Some(id), f, FieldErrors::new()).await;
    }
    let today = platform::clock::today(&ctx.state.clock);
    let res = match service::parse(&f, today) {
        Ok(i) => service::update(&ctx, id, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(redirect_with_flash(&format!("/study/meetings/{id}"), "会议已修改")),
        Err(AppError::Validation(errors)) => form(&ctx, Some(id), f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "meeting_view.html")]
struct ViewPage {
    frame: Frame,
    m: Meeting,
    agenda: Vec<service::AgendaItem>,
    attendance: Vec<service::Attendance>,
    files: Vec<platform::attachments::Attachment>,
    can_edit: bool,
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (m, agenda, attendance) = service::details(&ctx, id).await?;
    let files = platform::attachments::list_for(&ctx, "meeting", id).await?;
    let frame = Frame::new(
        &ctx,
        &m.title,
        "/study/meetings",
        &[("学习教育", ""), ("会议记录", "/study/meetings"), ("会议详情", "")],
    );
    Ok(Html(ViewPage { frame, m, agenda, attendance, files, can_edit: ctx.can(STUDY_EDIT) }).into_response())
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    service::delete(&ctx, id).await?;
    Ok(redirect_with_flash("/study/meetings", "会议已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(service::list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (m, agenda, attendance) = service::details(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "meeting": m, "agenda": agenda, "attendance": attendance })).into_response())
}

/// The JSON body becomes the same pairs the page form posts, so both are checked by one parser.
fn json_input(
    ctx: &Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<service::MeetingInput> {
    let Json(v) = b.map_err(|_| AppError::BadRequest("请求体须为 JSON 对象".into()))?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut pairs = Vec::new();
    for k in
        ["org_id", "kind", "title", "held_on", "start_time", "place", "host_id", "recorder_id", "minutes", "version"]
    {
        pairs.push((k.to_string(), v.get(k).map(text).unwrap_or_default()));
    }
    for (i, item) in v.get("agenda").and_then(|a| a.as_array()).into_iter().flatten().take(AGENDA_ROWS).enumerate() {
        let n = i + 1;
        pairs.push((format!("agenda_kind_{n}"), item.get("kind").map(text).unwrap_or_default()));
        pairs.push((format!("agenda_title_{n}"), item.get("title").map(text).unwrap_or_default()));
        pairs.push((format!("agenda_material_{n}"), item.get("material_id").map(text).unwrap_or_default()));
    }
    for a in v.get("attendance").and_then(|a| a.as_array()).into_iter().flatten().take(5000) {
        let pid = a.get("person_id").map(text).unwrap_or_default();
        pairs.push((format!("att_{pid}"), a.get("status").map(text).unwrap_or_default()));
        pairs.push((format!("reason_{pid}"), a.get("reason").map(text).unwrap_or_default()));
    }
    service::parse(&FormPairs::from(pairs), platform::clock::today(&ctx.state.clock))
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let input = json_input(&ctx, b)?;
    let id = service::create(&ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_update(
    ctx: Ctx,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let input = json_input(&ctx, b)?;
    service::update(&ctx, id, &input).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn api_delete(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    service::delete(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
