//! 工作报告: templates whose text embeds catalogue figures, rendered for a period and a unit as an
//! HTML preview (every figure a link to its records) and as a .docx in the layout of official
//! documents (GB/T 9704: A4; margins 37/35/28/26 mm; title in 方正小标宋简体 二号; body in
//! 仿宋_GB2312 三号 on a fixed 28.95 pt line; headings in 黑体 / 楷体_GB2312; page numbers "— 1 —").

use crate::catalogue::{compute_value, narrowed_unit_name};
use crate::template::{self, Block, Piece};
use crate::{FIGURE_VIEW, REPORT_EDIT};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::audit::Event;
use platform::error::FieldErrors;
use platform::figures::FigureArgs;
use platform::perm::Need;
use platform::routes::Routes;
use platform::web::form::{FormPairs, pairs_from_json};
use platform::web::{FormCheck, Frame, Html, redirect_with_flash};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::BTreeMap;

type Q = Query<BTreeMap<String, String>>;

pub const DEFAULT_TITLE: &str = "{{unit}}{{year}}年度加强党的政治建设工作情况报告";

/// The default template follows the seed's report: its five sections and its figures.
pub const DEFAULT_BODY: &str = "\
今年以来，{{unit}}党委坚持以习近平新时代中国特色社会主义思想为指导，把党的政治建设摆在首位，现将{{from}}至{{to}}的工作情况报告如下。
# 一、坚持理论武装，筑牢政治忠诚
严格落实“第一议题”制度，党委会落实“第一议题”{{committee_meetings_with_first_agenda_study}}次，落实率{{first_agenda_compliance_rate}}%；坚持每周一次党委中心组学习、每周一次党支部跟进学习，党委中心组未按周学习{{central_group_study_weeks_missed}}周，支部跟进学习落实率{{branch_study_compliance_rate}}%；开展全员轮训，已在全监范围内完成{{rotation_training_rounds_completed}}轮集中学习轮训。
# 二、坚持固本强基，夯实组织基础
对基层党支部设置进行调整，新成立{{branches_founded}}个基层党支部；统筹推进干部调整，涉及民警{{people_in_personnel_changes}}名，其中调整正科级领导职务{{leadership_adjustments_zhengke}}名，免去{{zhengke_removals_senior_rank}}名四级高级警长以上干部的正科级职务，交流副科级干部{{post_exchanges_fuke}}名。
# 三、坚持全面从严，深化清廉机关建设
研究制定年度落实全面从严治党主体责任任务安排，提出{{measures_in_task_plans}}项具体工作措施，工作措施完成率{{measures_completion_rate}}%，逾期事项{{measures_overdue}}项；党风廉政建设责任书签订率{{responsibility_letters_signed}}%；巡察反馈问题销号率{{rectification_problems_closed}}%。开展清廉活动{{integrity_activities}}次，警示教育{{warning_education_events}}次，“每月一警”落实率{{monthly_warning_compliance_rate}}%；组织党纪法规知识测试{{exams_held}}次，参考率{{discipline_exam_participation_rate}}%。
# 四、坚持教育培训，提升履职能力
组织各类培训{{trainings_held}}期，开展防逃、消防、防暴等应急处突演练{{drills_held}}次，年度普法计划完成率{{legal_plan_completion_rate}}%。
# 五、坚持底线思维，确保安全稳定
严格落实“五安全一稳定”工作要求。召开疫情防控专题会议{{epidemic_meetings|余}}次，落实封闭执勤{{closed_duty_person_times|余}}人次，民警、职工、罪犯新冠疫苗接种率分别达到{{vaccination_rate_officers|以上}}、{{vaccination_rate_workers|以上}}、{{vaccination_rate_prisoners|以上}}；开展安全检查{{inspections_held}}次，排查隐患{{hazards_found}}处、整改销号{{hazards_closed}}处。落实值班、接访、排查、调处、稳控五项措施，受理信访事项{{petitions_received}}件，按期答复率{{petitions_replied_on_time_rate}}%，开展矛盾纠纷排查{{screening_rounds_held}}轮。";

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ReportTemplate {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub body: String,
    pub version: i64,
}

async fn load(ctx: &Ctx, which: &str) -> AppResult<ReportTemplate> {
    if which.is_empty() || which == "default" {
        return Ok(ReportTemplate {
            id: 0,
            name: "默认模板（按示例报告结构）".into(),
            title: DEFAULT_TITLE.into(),
            body: DEFAULT_BODY.into(),
            version: 0,
        });
    }
    let id: i64 = which.parse().map_err(|_| AppError::BadRequest("template 须为模板编号或 default".into()))?;
    platform::ledger::get_in_scope(
        ctx,
        "SELECT t.id, t.name, t.title, t.body, t.version FROM report_templates t",
        "t.id",
        id,
        "t.unit_id",
        None,
        "report_template",
    )
    .await
}

/// Parses a template and checks every figure it names exists in the catalogue.
pub fn check(ctx: &Ctx, title: &str, body: &str) -> AppResult<(Vec<Piece>, Vec<Block>)> {
    let mut c = FormCheck::new();
    let t = template::pieces(title).map_err(|e| AppError::field("title", e))?;
    let blocks = template::parse(body).map_err(|e| AppError::field("body", e))?;
    let unknown: Vec<String> = template::keys(&t, &blocks)
        .into_iter()
        .filter(|k| !ctx.state.registry.figures.iter().any(|d| d.key == k))
        .collect();
    if !unknown.is_empty() {
        c.add("body", format!("模板引用了不存在的指标：{}", unknown.join("、")));
    }
    c.finish()?;
    Ok((t, blocks))
}

/// A rendered piece: text, or a figure's written value with its drill-down link.
#[derive(Clone, Debug, Serialize)]
pub struct Part {
    pub text: String,
    pub href: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rendered {
    pub title: Vec<Part>,
    /// (level: 0 paragraph, 1, 2 headings; parts)
    pub blocks: Vec<(u8, Vec<Part>)>,
    pub from: String,
    pub to: String,
    /// key → (value, is a rate), as computed.
    pub figures: BTreeMap<String, (i64, bool)>,
}

impl Rendered {
    pub fn title_text(&self) -> String {
        self.title.iter().map(|p| p.text.as_str()).collect()
    }
}

pub async fn render(ctx: &Ctx, which: &str, q: &BTreeMap<String, String>) -> AppResult<Rendered> {
    let t = load(ctx, which).await?;
    let (title, blocks) = check(ctx, &t.title, &t.body)?;
    let today = platform::clock::today(&ctx.state.clock);
    let ask = crate::catalogue::ask_from(q, today)?;
    let unit_name = narrowed_unit_name(ctx, ask.unit).await?;
    let mut figures = BTreeMap::new();
    for key in template::keys(&title, &blocks) {
        let def = ctx.state.registry.figure(&key).ok_or(AppError::NotFound)?;
        // A figure the reader may not see is left out of the report rather than leaking.
        if !ctx.can(def.need) {
            continue;
        }
        figures.insert(key, compute_value(ctx, &def, &ask).await?);
    }
    let qs = |key: &str| {
        let mut s = format!("/reports/figures/{key}?from={}&to={}", ask.args.from, ask.args.to);
        if let Some(u) = ask.unit {
            s.push_str(&format!("&unit={u}"));
        }
        s
    };
    let FigureArgs { from, to } = ask.args;
    let write = |pieces: &[Piece]| -> Vec<Part> {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => Part { text: t.clone(), href: None },
                Piece::Var(v) => Part {
                    text: match v.as_str() {
                        "year" => to.year().to_string(),
                        "from" => from.to_string(),
                        "to" => to.to_string(),
                        _ => unit_name.clone(),
                    },
                    href: None,
                },
                Piece::Figure { key, format } => match figures.get(key) {
                    Some((v, rate)) => Part { text: template::format(*v, *format, *rate), href: Some(qs(key)) },
                    None => Part { text: "（无权查看）".into(), href: None },
                },
            })
            .collect()
    };
    let rendered_blocks = blocks
        .iter()
        .map(|b| match b {
            Block::Heading1(p) => (1, write(p)),
            Block::Heading2(p) => (2, write(p)),
            Block::Paragraph(p) => (0, write(p)),
        })
        .collect();
    Ok(Rendered { title: write(&title), blocks: rendered_blocks, from: from.to_string(), to: to.to_string(), figures })
}

/// The .docx of a rendered report.
pub fn docx(r: &Rendered) -> AppResult<Vec<u8>> {
    use docx_rs::*;
    let mm = |v: f64| (v / 25.4 * 1440.0).round() as i32;
    let fixed = || LineSpacing::new().line_rule(LineSpacingType::Exact).line(579);
    let run = |text: &str, font: &str, size: usize| {
        Run::new().add_text(text).size(size).fonts(RunFonts::new().east_asia(font).ascii(font).hi_ansi(font))
    };
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(mm(37.0))
                .bottom(mm(35.0))
                .left(mm(28.0))
                .right(mm(26.0))
                .header(mm(15.0))
                .footer(mm(28.0) / 2),
        )
        .default_fonts(RunFonts::new().east_asia("仿宋_GB2312").ascii("Times New Roman").hi_ansi("Times New Roman"))
        .default_size(32)
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(44)
                .fonts(RunFonts::new().east_asia("方正小标宋简体"))
                .align(AlignmentType::Center),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .size(32)
                .fonts(RunFonts::new().east_asia("黑体"))
                .outline_lvl(0),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .size(32)
                .fonts(RunFonts::new().east_asia("楷体_GB2312"))
                .outline_lvl(1),
        )
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(run("— ", "宋体", 28))
                    .add_page_num(PageNum::new())
                    .add_run(run(" —", "宋体", 28)),
            ),
        );
    let title: String = r.title_text();
    doc = doc.add_paragraph(
        Paragraph::new()
            .style("Title")
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(700).after(400))
            .add_run(run(&title, "方正小标宋简体", 44)),
    );
    for (level, parts) in &r.blocks {
        let text: String = parts.iter().map(|p| p.text.as_str()).collect();
        let (style, font) = match level {
            1 => ("Heading1", "黑体"),
            2 => ("Heading2", "楷体_GB2312"),
            _ => ("Normal", "仿宋_GB2312"),
        };
        let mut p =
            Paragraph::new().line_spacing(fixed()).indent(None, Some(SpecialIndentType::FirstLine(640)), None, None);
        if style != "Normal" {
            p = p.style(style);
        }
        doc = doc.add_paragraph(p.add_run(run(&text, font, 32)));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| anyhow::anyhow!("docx: {e}"))?;
    Ok(out.into_inner())
}

pub fn routes(r: Routes) -> Routes {
    let (view, edit) = (Need::Perm(FIGURE_VIEW), Need::Perm(REPORT_EDIT));
    r.get("/reports/work", view, "工作报告（预览，每个数字可查来源）", preview_page)
        .get("/reports/work/docx", view, "下载工作报告（.docx，公文格式）", docx_download)
        .get("/reports/templates", edit, "报告模板", templates_page)
        .post("/reports/templates", edit, "保存报告模板", save_page)
        .get("/reports/templates/{id}", edit, "修改报告模板页", edit_page)
        .post("/reports/templates/{id}/delete", edit, "删除报告模板", delete_page)
        .get(
            "/api/v1/work_reports/render",
            view,
            "生成工作报告（template=编号|default, from, to, unit, format=html|docx|json）",
            api_render,
        )
        .get("/api/v1/report_templates", edit, "报告模板列表", api_templates)
        .post("/api/v1/report_templates", edit, "新增报告模板（name, title, body）", api_create)
}

#[derive(Template)]
#[template(path = "work_report.html")]
struct PreviewPage {
    frame: Frame,
    r: Rendered,
    templates: Vec<(String, String)>,
    chosen: String,
    query: String,
    unit: String,
}

async fn templates_of(ctx: &Ctx) -> AppResult<Vec<(i64, String)>> {
    let user = ctx.user()?;
    let mut q = platform::db::Sql::new("SELECT t.id, t.name FROM report_templates t WHERE ");
    user.scope.push_condition(&mut q, "t.unit_id", None);
    q.push(" ORDER BY t.id");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

async fn preview_page(ctx: Ctx, q: Q) -> AppResult<Response> {
    let which = q.get("template").cloned().unwrap_or_else(|| "default".into());
    let r = render(&ctx, &which, &q.0).await?;
    let mut templates = vec![("default".to_string(), "默认模板".to_string())];
    templates.extend(templates_of(&ctx).await?.into_iter().map(|(id, n)| (id.to_string(), n)));
    let query = format!(
        "template={which}&from={}&to={}{}",
        r.from,
        r.to,
        q.get("unit").map(|u| format!("&unit={u}")).unwrap_or_default()
    );
    let frame = Frame::new(&ctx, "工作报告", "/reports/work", &[("目标与报告", ""), ("工作报告", "")]);
    let unit = q.get("unit").cloned().unwrap_or_default();
    Ok(Html(PreviewPage { frame, r, templates, chosen: which, query, unit }).into_response())
}

fn docx_response(r: &Rendered) -> AppResult<Response> {
    let bytes = docx(r)?;
    Ok(platform::web::download(
        bytes,
        &format!("{}.docx", r.title_text()),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ))
}

async fn docx_download(ctx: Ctx, q: Q) -> AppResult<Response> {
    let which = q.get("template").cloned().unwrap_or_else(|| "default".into());
    let r = render(&ctx, &which, &q.0).await?;
    ctx.state.audit_alone(&ctx.actor(), Event::ok("export", "work_report", &which).detail(r.title_text())).await?;
    docx_response(&r)
}

async fn api_render(ctx: Ctx, q: Q) -> AppResult<Response> {
    let which = q.get("template").cloned().unwrap_or_else(|| "default".into());
    let r = render(&ctx, &which, &q.0).await?;
    match q.get("format").map(String::as_str).unwrap_or("json") {
        "docx" => docx_response(&r),
        "html" => {
            let mut html = format!("<h1>{}</h1>", escape(&r.title_text()));
            for (level, parts) in &r.blocks {
                let tag = match level {
                    1 => "h2",
                    2 => "h3",
                    _ => "p",
                };
                html.push_str(&format!("<{tag}>"));
                for p in parts {
                    match &p.href {
                        Some(h) => html.push_str(&format!("<a href=\"{}\">{}</a>", escape(h), escape(&p.text))),
                        None => html.push_str(&escape(&p.text)),
                    }
                }
                html.push_str(&format!("</{tag}>"));
            }
            Ok(([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
        }
        "json" => Ok(Json(r).into_response()),
        _ => Err(AppError::BadRequest("format 只能是 html、docx 或 json".into())),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Template)]
#[template(path = "report_templates.html")]
struct TemplatesPage {
    frame: Frame,
    rows: Vec<(i64, String)>,
    id: Option<i64>,
    f: FormPairs,
    errors: FieldErrors,
}

async fn templates_view(ctx: &Ctx, id: Option<i64>, f: FormPairs, errors: FieldErrors) -> AppResult<Response> {
    let rows = templates_of(ctx).await?;
    let frame = Frame::new(
        ctx,
        "报告模板",
        "/reports/work",
        &[("目标与报告", ""), ("工作报告", "/reports/work"), ("报告模板", "")],
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(TemplatesPage { frame, rows, id, f, errors })).into_response())
}

async fn templates_page(ctx: Ctx) -> AppResult<Response> {
    let f = FormPairs::from(vec![
        ("name".into(), "本监狱年度报告".into()),
        ("title".into(), DEFAULT_TITLE.into()),
        ("body".into(), DEFAULT_BODY.into()),
    ]);
    templates_view(&ctx, None, f, FieldErrors::new()).await
}

async fn edit_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = load(&ctx, &id.to_string()).await?;
    let f = FormPairs::from(vec![
        ("id".into(), t.id.to_string()),
        ("name".into(), t.name),
        ("title".into(), t.title),
        ("body".into(), t.body),
        ("version".into(), t.version.to_string()),
    ]);
    templates_view(&ctx, Some(id), f, FieldErrors::new()).await
}

/// Creates (no `id`) or updates a template; one naming an unknown figure is refused with the name.
pub async fn save(ctx: &Ctx, f: &FormPairs) -> AppResult<i64> {
    let mut c = FormCheck::new();
    let name = c.text("name", "模板名称", &f.get("name"), 50, true);
    let title = c.text("title", "报告标题", &f.get("title"), 200, true);
    let body = c.long_text("body", "报告正文", &f.get("body"), 50_000, true);
    c.finish()?;
    check(ctx, &title, &body)?;
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let mut tx = ctx.state.db.begin().await?;
    let id = match f.get("id").trim().parse::<i64>() {
        Ok(id) if id > 0 => {
            load(ctx, &id.to_string()).await?;
            let version =
                f.get("version").trim().parse::<i64>().map_err(|_| AppError::field("version", "缺少版本号"))?;
            let n = sqlx::query(
                "UPDATE report_templates SET name = $1, title = $2, body = $3, version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6",
            )
            .bind(&name)
            .bind(&title)
            .bind(&body)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            platform::ledger::expect_one_updated(n)?;
            ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "report_template", id).detail(name)).await?;
            id
        }
        _ => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO report_templates (unit_id, name, title, body, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$5) RETURNING id",
            )
            .bind(user.prison_id.unwrap_or(user.unit_id))
            .bind(&name)
            .bind(&title)
            .bind(&body)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "report_template", id).detail(name)).await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

async fn save_page(ctx: Ctx, body: String) -> AppResult<Response> {
    let f = FormPairs::parse(&body);
    match save(&ctx, &f).await {
        Ok(id) => Ok(redirect_with_flash(&format!("/reports/work?template={id}"), "报告模板已保存")),
        Err(AppError::Validation(errors)) => {
            let id = f.get("id").trim().parse().ok().filter(|i: &i64| *i > 0);
            templates_view(&ctx, id, f, errors).await
        }
        Err(e) => Err(e),
    }
}

async fn delete_page(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = load(&ctx, &id.to_string()).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM report_templates WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "report_template", id).detail(t.name)).await?;
    tx.commit().await?;
    Ok(redirect_with_flash("/reports/templates", "报告模板已删除"))
}

async fn api_templates(ctx: Ctx) -> AppResult<Response> {
    let rows = templates_of(&ctx).await?;
    let items: Vec<_> = rows.into_iter().map(|(id, name)| serde_json::json!({"id": id, "name": name})).collect();
    Ok(Json(serde_json::json!({ "items": items, "total": items.len() })).into_response())
}

async fn api_create(
    ctx: Ctx,
    b: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let f = pairs_from_json(b)?;
    let id = save(&ctx, &f).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}
