//! 案例汇编: compilations of warning cases (#4's study materials of kind `warning_case`), each
//! of a unit, listing its cases in the order they were added.

use crate::activities::{departments, unit_in_scope};
use crate::{INTEGRITY_EDIT, INTEGRITY_VIEW};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::db::{Sql, like_contains};
use platform::error::FieldErrors;
use platform::ledger::get_in_scope;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::list::{ListScreen, Pager, fetch_page};
use platform::web::{FormCheck, Frame, Html, ListParams, Paged, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;
type JsonBody = Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>;

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(INTEGRITY_VIEW), Need::Perm(INTEGRITY_EDIT));
    r.get("/integrity/compilations", view, "案例汇编", list_page)
        .get("/integrity/compilations/new", edit, "新增案例汇编页", new_page)
        .post("/integrity/compilations", edit, "新增案例汇编", create_page)
        .get("/integrity/compilations/{id}", view, "案例汇编详情（所收案例）", view_page)
        .post("/integrity/compilations/{id}/cases", edit, "向汇编加入警示案例", add_page)
        .post("/integrity/compilations/{id}/cases/{material_id}/delete", edit, "从汇编移出案例", remove_page)
        .post("/integrity/compilations/{id}/delete", edit, "删除案例汇编", delete_page)
        .get("/api/v1/case_compilations", view, "案例汇编列表（q）", api_list)
        .post("/api/v1/case_compilations", edit, "新增案例汇编（unit_id, title, compiled_on, description）", api_create)
        .get("/api/v1/case_compilations/{id}", view, "案例汇编详情（含所收案例，按顺序）", api_get)
        .post("/api/v1/case_compilations/{id}/cases", edit, "向汇编加入警示案例（material_id），排在最后", api_add)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Compilation {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub compiled_on: String,
    pub description: String,
    pub cases: i64,
    pub version: i64,
}

/// One case of a compilation: a warning-case study material.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CaseItem {
    pub position: i64,
    pub material_id: i64,
    pub title: String,
    pub speaker: String,
    pub published_on: String,
    pub source: String,
}

const COLS: &str = "c.id, c.unit_id, u.name AS unit_name, c.title, c.compiled_on, c.description, \
    (SELECT count(*) FROM compilation_cases x WHERE x.compilation_id = c.id) AS cases, c.version";
const FROM: &str = "FROM case_compilations c JOIN units u ON u.id = c.unit_id";
pub const SORTS: &[(&str, &str)] = &[("compiled_on", "c.compiled_on"), ("title", "c.title")];

/// Filter: q (title, description).
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Compilation>> {
    let user = ctx.user()?;
    let text = p.get("q").to_string();
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "c.compiled_on DESC".into();
    }
    Ok(fetch_page::<Compilation>(
        &ctx.state.db,
        COLS,
        "c.id",
        |q: &mut Sql| {
            q.push(FROM).push(" WHERE ");
            user.scope.push_condition(q, "c.unit_id", None);
            if !text.is_empty() {
                let like = like_contains(&text);
                q.push(" AND (c.title LIKE ").bind(like.clone()).push(" ESCAPE '\\' OR c.description LIKE ");
                q.bind(like).push(" ESCAPE '\\')");
            }
        },
        &p,
    )
    .await?)
}

/// One compilation in the caller's scope (a miss is audited and answered NotFound).
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Compilation> {
    let select = format!("SELECT {COLS} {FROM}");
    get_in_scope(ctx, &select, "c.id", id, "c.unit_id", None, "case_compilation").await
}

/// The cases of a compilation, in order.
pub async fn cases(ctx: &Ctx, id: i64) -> AppResult<Vec<CaseItem>> {
    Ok(sqlx::query_as(
        "SELECT x.position, x.material_id, m.title, m.speaker, m.published_on, m.source FROM compilation_cases x \
         JOIN study_materials m ON m.id = x.material_id WHERE x.compilation_id = $1 ORDER BY x.position, x.material_id",
    )
    .bind(id)
    .fetch_all(&ctx.state.db.pool)
    .await?)
}

/// Warning cases the caller can see that are not yet in the compilation: (id, "标题（日期）").
async fn candidates(ctx: &Ctx, id: i64) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT m.id, m.title || '（' || m.published_on || '）' FROM study_materials m WHERE m.kind = 'warning_case' \
         AND NOT EXISTS (SELECT 1 FROM compilation_cases x WHERE x.material_id = m.id AND x.compilation_id = ",
    );
    q.bind(id).push(") AND ");
    user.scope.push_condition(&mut q, "m.unit_id", None);
    q.push(" ORDER BY m.published_on DESC, m.id DESC LIMIT 500");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

pub struct CompilationInput {
    pub unit_id: Option<i64>,
    pub title: String,
    pub compiled_on: String,
    pub description: String,
}

pub fn parse(f: &FormPairs) -> AppResult<CompilationInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "部门", &f.get("unit_id"));
    let title = c.text("title", "汇编名称", &f.get("title"), 200, true);
    let day = c.date("compiled_on", "汇编日期", &f.get("compiled_on"), true);
    let description = c.long_text("description", "说明", &f.get("description"), 2000, false);
    c.finish()?;
    Ok(CompilationInput { unit_id, title, compiled_on: day.map(|d| d.to_string()).unwrap_or_default(), description })
}

pub async fn create(ctx: &Ctx, i: &CompilationInput) -> AppResult<i64> {
    let (unit, unit_name) = unit_in_scope(ctx, i.unit_id, false).await?;
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO case_compilations (unit_id, title, compiled_on, description, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$5) RETURNING id",
    )
    .bind(unit)
    .bind(&i.title)
    .bind(&i.compiled_on)
    .bind(&i.description)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("{unit_name}《{}》{}", i.title, i.compiled_on);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "case_compilation", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Appends a warning case the caller can see to the compilation.
pub async fn add_case(ctx: &Ctx, id: i64, f: &FormPairs) -> AppResult<()> {
    let comp = get(ctx, id).await?;
    let Ok(material) = f.get("material_id").trim().parse::<i64>() else {
        return Err(AppError::field("material_id", "请选择警示案例"));
    };
    let m = study::materials::get(ctx, material).await.map_err(|e| match e {
        AppError::NotFound => AppError::field("material_id", "请选择您可查看的警示案例"),
        other => other,
    })?;
    if m.kind != "warning_case" {
        return Err(AppError::field("material_id", format!("“{}”不是警示案例，不能编入案例汇编", m.title)));
    }
    let mut tx = ctx.state.db.begin().await?;
    let listed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM compilation_cases WHERE compilation_id = $1 AND material_id = $2")
            .bind(id)
            .bind(material)
            .fetch_one(&mut *tx)
            .await?;
    if listed > 0 {
        return Err(AppError::field("material_id", format!("“{}”已在本汇编中", m.title)));
    }
    let last: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM compilation_cases WHERE compilation_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let position = last.unwrap_or(0) + 1;
    sqlx::query("INSERT INTO compilation_cases (compilation_id, material_id, position) VALUES ($1,$2,$3)")
        .bind(id)
        .bind(material)
        .bind(position)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE case_compilations SET updated_at = $1 WHERE id = $2")
        .bind(ctx.state.clock.now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let detail = format!("《{}》第 {position} 篇：{}", comp.title, m.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "case_compilation", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a case out; the ones after it move up.
pub async fn remove_case(ctx: &Ctx, id: i64, material: i64) -> AppResult<()> {
    let comp = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let found: Option<(i64, String)> = sqlx::query_as(
        "SELECT x.position, m.title FROM compilation_cases x JOIN study_materials m ON m.id = x.material_id \
         WHERE x.compilation_id = $1 AND x.material_id = $2",
    )
    .bind(id)
    .bind(material)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((position, title)) = found else { return Err(AppError::NotFound) };
    sqlx::query("DELETE FROM compilation_cases WHERE compilation_id = $1 AND material_id = $2")
        .bind(id)
        .bind(material)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE compilation_cases SET position = position - 1 WHERE compilation_id = $1 AND position > $2")
        .bind(id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE case_compilations SET updated_at = $1 WHERE id = $2")
        .bind(ctx.state.clock.now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let detail = format!("《{}》移出：{title}", comp.title);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "case_compilation", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let comp = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM compilation_cases WHERE compilation_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM case_compilations WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let detail = format!("{}《{}》（{} 篇）", comp.unit_name, comp.title, comp.cases);
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "case_compilation", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "compilations_list.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    rows: Vec<Compilation>,
    offset: i64,
    pager: Pager,
    can_edit: bool,
}

async fn list_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let p = ListParams::parse(q.0, SORTS, false);
    let page = list(&ctx, &p).await?;
    let ListScreen { frame, pager, offset, .. } =
        ListScreen::new(&ctx, &p, &page, "/integrity/compilations", "案例汇编", &[("清廉建设", ""), ("案例汇编", "")]);
    Ok(Html(ListPage { frame, p, rows: page.items, offset, pager, can_edit: ctx.can(INTEGRITY_EDIT) }).into_response())
}

#[derive(Template)]
#[template(path = "compilation_form.html")]
struct FormPage {
    frame: Frame,
    f: FormPairs,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
}

async fn form(ctx: &Ctx, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let frame = Frame::new(
        ctx,
        "新增案例汇编",
        "/integrity/compilations",
        &[("清廉建设", ""), ("案例汇编", "/integrity/compilations"), ("新增", "")],
    );
    let units = departments(ctx).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(FormPage { frame, f, errors, units })).into_response())
}

async fn new_page(ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let pairs = vec![
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("compiled_on".to_string(), platform::clock::today(&ctx.state.clock).to_string()),
    ];
    form(&ctx, FormPairs::from(pairs), FieldErrors::new()).await
}

async fn create_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    let res = match parse(&f) {
        Ok(i) => create(&ctx, &i).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(redirect_with_flash(&format!("/integrity/compilations/{id}"), "案例汇编已保存，请加入警示案例")),
        Err(AppError::Validation(errors)) => form(&ctx, f, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "compilation_view.html")]
struct ViewPage {
    frame: Frame,
    c: Compilation,
    rows: Vec<CaseItem>,
    candidates: Vec<(i64, String)>,
    can_edit: bool,
    /// Why the last post was refused (nothing was saved).
    error: Option<String>,
}

async fn render_view(ctx: &Ctx, id: i64, error: Option<String>) -> AppResult<Response> {
    let c = get(ctx, id).await?;
    let rows = cases(ctx, id).await?;
    let can_edit = ctx.can(INTEGRITY_EDIT);
    let candidates = if can_edit { candidates(ctx, id).await? } else { Vec::new() };
    let frame = Frame::new(
        ctx,
        &c.title,
        "/integrity/compilations",
        &[("清廉建设", ""), ("案例汇编", "/integrity/compilations"), ("汇编详情", "")],
    );
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Html(ViewPage { frame, c, rows, candidates, can_edit, error })).into_response())
}

async fn view_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    render_view(&ctx, id, None).await
}

async fn add_page(ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match add_case(&ctx, id, &f).await {
        Ok(()) => Ok(redirect_with_flash(&format!("/integrity/compilations/{id}"), "案例已加入汇编")),
        Err(AppError::Validation(e)) => {
            render_view(&ctx, id, Some(e.into_values().collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(e),
    }
}

async fn remove_page(ctx: Ctx, Path((id, material)): Path<(i64, i64)>) -> AppResult<Response> {
    remove_case(&ctx, id, material).await?;
    Ok(redirect_with_flash(&format!("/integrity/compilations/{id}"), "案例已移出汇编"))
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    delete(&ctx, id).await?;
    Ok(redirect_with_flash("/integrity/compilations", "案例汇编已删除"))
}

async fn api_list(ctx: Ctx, q: Q) -> AppResult<Response> {
    Ok(Json(list(&ctx, &ListParams::parse(q.0, SORTS, true)).await?).into_response())
}

async fn api_get(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = get(&ctx, id).await?;
    let rows = cases(&ctx, id).await?;
    Ok(Json(serde_json::json!({ "compilation": c, "cases": rows })).into_response())
}

async fn api_create(ctx: Ctx, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = create(&ctx, &parse(&f)?).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

async fn api_add(ctx: Ctx, Path(id): Path<i64>, b: JsonBody) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    add_case(&ctx, id, &f).await?;
    Ok(StatusCode::CREATED.into_response())
}

/// Demo: four warning-case materials (fictional) and one compilation of them.
pub async fn seed_demo(ctx: &Ctx, today: jiff::civil::Date) -> AppResult<()> {
    use jiff::ToSpan;
    let prison: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE code = 'SL'").fetch_one(&ctx.state.db.pool).await?;
    let depts: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM units WHERE prison_id = $1 AND kind = 'department' ORDER BY sort_order, id",
    )
    .bind(prison)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    let unit = depts.iter().find(|(_, n)| n.contains("纪委")).or(depts.first()).map(|d| d.0).unwrap_or(prison);
    const CASES: [(&str, &str); 4] = [
        (
            "某监区民警违规为罪犯传递物品、收受罪犯家属财物被开除党籍案（演示）",
            "某监区民警甲多次违规为罪犯传递香烟、手机充值卡等物品，收受罪犯家属财物折合人民币2万余元，受到开除党籍、开除公职处分，涉嫌犯罪问题移送司法机关。",
        ),
        (
            "某科室负责人违规收受礼金、接受宴请被党纪处分案（演示）",
            "某科室负责人乙在节日期间收受管理服务对象所送礼金，多次接受可能影响公正执行公务的宴请，受到党内严重警告处分。",
        ),
        (
            "某民警公车私用并违规报销个人费用被诫勉案（演示）",
            "某民警丙多次将公务用车用于接送家属等私人事务，并将个人加油费用在单位违规报销，受到诫勉处理，退缴违规报销款项。",
        ),
        (
            "某监区领导履行“一岗双责”不力被问责案（演示）",
            "某监区领导丁对分管范围内民警违规违纪问题失管失察，履行“一岗双责”不力，受到通报批评并作书面检查。",
        ),
    ];
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let mut ids = Vec::new();
    for (n, (title, facts)) in CASES.iter().enumerate() {
        let published = today.saturating_sub((200 - 40 * n as i64).days());
        let text = format!("演示数据，均为虚构。{facts}警示：全体党员干部要以案为鉴、以案促改，严守纪律规矩。");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO study_materials (unit_id, kind, title, speaker, published_on, source, full_text, created_at, updated_at) \
             VALUES ($1,'warning_case',$2,$3,$4,'演示数据',$5,$6,$6) RETURNING id",
        )
        .bind(prison)
        .bind(*title)
        .bind("监狱纪委（演示）")
        .bind(published.to_string())
        .bind(&text)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        platform::search::index(&mut tx, "study_material", id, prison, title, &text).await?;
        ids.push(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO case_compilations (unit_id, title, compiled_on, description, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$5) RETURNING id",
    )
    .bind(unit)
    .bind("以案为鉴、警钟长鸣——身边的警示教育案例汇编（演示）")
    .bind(today.saturating_sub(20.days()).to_string())
    .bind("演示数据，均为虚构。收录近年来发生在身边的违纪违法典型案例，供各党支部开展警示教育时学习讨论。")
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (n, m) in ids.iter().enumerate() {
        sqlx::query("INSERT INTO compilation_cases (compilation_id, material_id, position) VALUES ($1,$2,$3)")
            .bind(id)
            .bind(*m)
            .bind(n as i64 + 1)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
