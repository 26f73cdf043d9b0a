//! 换届选举: the elections ledger, recording an election with the officers elected, and the API.

pub mod congress;
pub mod service;

use crate::domain::{ELECTION_KINDS, OFFICER_POSTS};
use crate::{ORG_EDIT, ORG_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::error::FieldErrors;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::list::{ListScreen, Pager};
use platform::web::{Frame, Html, ListParams, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use service::{Election, ElectionForm, SORTS};
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub fn routes(r: Routes) -> Routes {
    r.get("/org/elections", Need::Perm(ORG_VIEW), "换届选举台账", list_page)
        .get("/org/elections/new", Need::Perm(ORG_EDIT), "录入选举页", new_page)
        .post("/org/elections", Need::Perm(ORG_EDIT), "录入选举", create_page)
        .post("/org/congresses", Need::Perm(ORG_EDIT), "录入党代会", congress_create)
        .get("/api/v1/congresses", Need::Perm(ORG_VIEW), "党代会列表", api_congresses)
        .post("/api/v1/congresses", Need::Perm(ORG_EDIT), "录入党代会", api_congress_create)
        .get("/api/v1/elections", Need::Perm(ORG_VIEW), "选举列表", api_list)
        .post("/api/v1/elections", Need::Perm(ORG_EDIT), "录入选举（officers: [\"secretary:人员id\", …]）", api_create)
}

#[derive(Template)]
#[template(path = "elections_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Election>,
    offset: i64,
    pager: Pager,
    kinds: crate::domain::Codes,
    due: Vec<(i64, String, String)>,
    today: String,
    can_edit: bool,
    congresses: Vec<congress::Congress>,
    committees: Vec<crate::orgs::service::Org>,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = service::list(&ctx, &p).await?;
    let today = platform::clock::today(&ctx.state.clock);
    let due = service::terms_ending(&ctx, &today.saturating_add(jiff::Span::new().days(90)).to_string()).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/org/elections", "换届选举", &[("组织与队伍", ""), ("换届选举", "")]);
    let can_edit = ctx.can(ORG_EDIT);
    let congresses = congress::list(&ctx).await?;
    let committees =
        crate::orgs::service::tree(&ctx, true).await?.into_iter().filter(|o| o.kind == "committee").collect();
    Ok(Html(ListPage {
        frame,
        p,
        rows: page.items,
        offset,
        pager,
        kinds: ELECTION_KINDS,
        due,
        today: today.to_string(),
        can_edit,
        congresses,
        committees,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "election_form.html")]
struct FormPage {
    frame: Frame,
    f: ElectionForm,
    errors: FieldErrors,
    orgs: Vec<crate::orgs::service::Org>,
    members: Vec<(i64, String, String)>,
    kinds: crate::domain::Codes,
    posts: crate::domain::Codes,
    /// Up to 9 rows of (post, person id) for the officers table.
    slots: Vec<(String, String)>,
    congresses: Vec<congress::Congress>,
}

async fn form(ctx: &Ctx, f: ElectionForm, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(
        ctx,
        "录入选举",
        "/org/elections",
        &[("组织与队伍", ""), ("换届选举", "/org/elections"), ("录入选举", "")],
    );
    let orgs = crate::orgs::service::tree(ctx, true).await?;
    // Full members of the chosen organisation (and below) may be elected.
    let members = match f.org_id.trim().parse::<i64>() {
        Ok(org) => {
            let mut raw = BTreeMap::new();
            raw.insert("org".to_string(), org.to_string());
            raw.insert("party_status".to_string(), "full".to_string());
            raw.insert("per_page".to_string(), "200".to_string());
            let p = ListParams::parse(raw, crate::people::service::SORTS, true);
            crate::people::service::list(ctx, &p)
                .await?
                .items
                .into_iter()
                .map(|x| (x.id, x.name, x.unit_name))
                .collect()
        }
        Err(_) => Vec::new(),
    };
    let mut slots: Vec<(String, String)> =
        f.officers.iter().filter_map(|o| o.split_once(':')).map(|(a, b)| (a.to_string(), b.to_string())).collect();
    while slots.len() < 9 {
        slots.push((if slots.is_empty() { "secretary" } else { "member" }.to_string(), String::new()));
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let congresses = congress::list(ctx).await?;
    let page =
        FormPage { frame, f, errors, orgs, members, kinds: ELECTION_KINDS, posts: OFFICER_POSTS, slots, congresses };
    Ok((status, Html(page)).into_response())
}

async fn new_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let f = ElectionForm {
        org_id: q.get("org").cloned().unwrap_or_default(),
        kind: q.get("kind").cloned().unwrap_or_else(|| "term".into()),
        ..Default::default()
    };
    form(&ctx, f, FieldErrors::new()).await
}

/// The form posts `post_1`/`person_1` … `post_9`/`person_9`; filled pairs become officers.
/// `choose=1` (the 选择 button after picking an organisation) re-renders with its members.
async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let pairs = platform::web::form::FormPairs::parse(&body);
    let get = |k: &str| pairs.get(k);
    let officers = (1..=9)
        .filter_map(|i| {
            let person = get(&format!("person_{i}"));
            (!person.is_empty()).then(|| format!("{}:{person}", get(&format!("post_{i}"))))
        })
        .collect();
    let f = ElectionForm {
        org_id: get("org_id"),
        kind: get("kind"),
        held_on: get("held_on"),
        term_years: get("term_years"),
        notes: get("notes"),
        congress_id: get("congress_id"),
        officers,
    };
    if get("choose") == "1" {
        return form(&ctx, f, FieldErrors::new()).await;
    }
    match service::create(&ctx, &f).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/org/orgs/{}", f.org_id), "选举结果已录入")),
        Err(AppError::Validation(errors)) => form(&ctx, f, errors).await,
        Err(e) => Err(e),
    }
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, true);
    Ok(Json(service::list(&ctx, &p).await?).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f: ElectionForm = platform::web::form::form_from_json(b)?;
    let id = service::create(&ctx, &f).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn congress_create(ctx: Ctx, f: axum::Form<congress::CongressForm>) -> AppResult<Response> {
    match congress::create(&ctx, &f).await {
        Ok(_) => Ok(redirect_with_flash("/org/elections", "党代会已录入")),
        Err(AppError::Validation(errors)) => Ok(redirect_with_flash(
            "/org/elections",
            &format!("党代会未录入：{}", errors.into_values().collect::<Vec<_>>().join("；")),
        )),
        Err(e) => Err(e),
    }
}

async fn api_congresses(ctx: Ctx) -> AppResult<Response> {
    let items = congress::list(&ctx).await?;
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": 200 })).into_response())
}

async fn api_congress_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f: congress::CongressForm = platform::web::form::form_from_json(b)?;
    let id = congress::create(&ctx, &f).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}
