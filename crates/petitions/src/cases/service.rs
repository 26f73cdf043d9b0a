//! Petitions (信访件, labelled): registration with a generated case number (XF-YYYY-NNNN), the
//! petitioner's name, ID number, phone and address and the case details sealed with SM4, and the
//! four stages as an enforced workflow — 接报 → 应急启动 (only when escalated) → 处置 → 消除后整理记录
//! — each move a step of the trail with who and when, guarded by the record's version so that two
//! handlers moving the same case at once make one move and one conflict. The reply is due a number
//! of days after receipt that depends on the kind; 已超期 is never stored but derived from the clock.

use crate::domain::*;
use crate::restricted::{self, excerpt, push_visible};
use crate::{PETITION_EDIT, shared};
use jiff::ToSpan;
use jiff::civil::Date;
use platform::audit::Event;
use platform::db::{Sql, Tx};
use platform::web::form::FormPairs;
use platform::web::{FormCheck, ListParams, Paged, list::fetch_page};
use platform::{AppError, AppResult, Ctx};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Petition {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub label: i64,
    pub case_no: String,
    pub received_on: String,
    pub received_time: String,
    pub channel: String,
    pub kind: String,
    pub petitioner_type: String,
    /// The petitioner's name, masked as in every list.
    pub petitioner_masked: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub visitors: i64,
    pub concerned_unit_id: Option<i64>,
    pub concerned_unit_name: Option<String>,
    pub handler_user_id: Option<i64>,
    pub handler_name: Option<String>,
    pub escalated: i64,
    pub stage: String,
    pub reply_due_on: String,
    pub replied_on: Option<String>,
    pub closed_on: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_on: Option<String>,
    pub reopened: i64,
    pub version: i64,
    /// 1 when the reply is overdue today (derived in the query).
    pub overdue: i64,
    /// 1 when the reply is due within 5 days and not yet given.
    pub due_soon: i64,
    #[serde(skip)]
    pub summary_sealed: String,
    /// The summary (decrypted); a list carries its first characters only.
    #[sqlx(skip)]
    pub summary: String,
}

impl Petition {
    pub fn channel_label(&self) -> &'static str {
        label(CHANNELS, &self.channel)
    }
    pub fn kind_label(&self) -> &'static str {
        label(KIND_CODES, &self.kind)
    }
    pub fn type_label(&self) -> &'static str {
        label(PETITIONER_TYPES, &self.petitioner_type)
    }
    pub fn stage_label(&self) -> &'static str {
        label(STAGES, &self.stage)
    }
    pub fn stage_tag(&self) -> &'static str {
        match self.stage.as_str() {
            "received" => "blue",
            "emergency" => "red",
            "handling" => "orange",
            _ => "green",
        }
    }
    /// The reply's timeliness in words.
    pub fn reply_status(&self) -> &'static str {
        match (&self.replied_on, self.overdue, self.due_soon) {
            (Some(r), ..) if *r <= self.reply_due_on => "按期答复",
            (Some(_), ..) => "超期答复",
            (None, 1, _) => "已超期未答复",
            (None, _, 1) => "即将到期",
            _ => "待答复",
        }
    }
    pub fn reply_tag(&self) -> &'static str {
        match self.reply_status() {
            "按期答复" => "green",
            "超期答复" | "已超期未答复" => "red",
            "即将到期" => "orange",
            _ => "gray",
        }
    }
    /// The index of the stage in the four (for the stage bar).
    pub fn stage_index(&self) -> usize {
        STAGES.iter().position(|(c, _)| *c == self.stage).unwrap_or(0)
    }
}

/// SQL (0/1): the reply is overdue at `at`. The date is formatted by us, never typed by a user.
pub fn overdue_expr(at: Date) -> String {
    format!("(CASE WHEN p.replied_on IS NULL AND p.stage <> 'closed' AND p.reply_due_on < '{at}' THEN 1 ELSE 0 END)")
}

/// SQL (0/1): the reply is due within 5 days of `at` and not given yet.
pub fn due_soon_expr(at: Date) -> String {
    let soon = at.saturating_add(5.days());
    format!(
        "(CASE WHEN p.replied_on IS NULL AND p.stage <> 'closed' AND p.reply_due_on >= '{at}' AND p.reply_due_on <= '{soon}' THEN 1 ELSE 0 END)"
    )
}

fn cols(at: Date) -> String {
    format!(
        "p.id, p.unit_id, u.name AS unit_name, p.label, p.case_no, p.received_on, p.received_time, p.channel, p.kind, \
         p.petitioner_type, p.petitioner_name_masked AS petitioner_masked, p.petitioner_id_masked AS id_number_masked, \
         p.petitioner_phone_masked AS phone_masked, p.visitors, p.concerned_unit_id, cu.name AS concerned_unit_name, \
         p.handler_user_id, h.display_name AS handler_name, p.escalated, p.stage, p.reply_due_on, p.replied_on, p.closed_on, \
         p.reviewed_by, r.display_name AS reviewed_by_name, p.reviewed_on, p.reopened, p.version, {} AS overdue, {} AS due_soon, p.summary_sealed",
        overdue_expr(at),
        due_soon_expr(at)
    )
}

const FROM: &str = "FROM petitions p JOIN units u ON u.id = p.unit_id LEFT JOIN units cu ON cu.id = p.concerned_unit_id \
    LEFT JOIN users h ON h.id = p.handler_user_id LEFT JOIN users r ON r.id = p.reviewed_by";

pub const SORTS: &[(&str, &str)] =
    &[("received_on", "p.received_on"), ("case_no", "p.case_no"), ("reply_due_on", "p.reply_due_on")];

/// Filters: stage, channel, kind, status (overdue|due_soon|unreplied|replied|late), escalated=1,
/// from/to (received), year, handler (account id), mine=1, q (case number), who (the keyed index
/// of the petitioner's exact name or ID number, from `lookup_key`). Without a sort: newest first.
pub async fn list(ctx: &Ctx, p: &ListParams) -> AppResult<Paged<Petition>> {
    let user = restricted::reader(ctx)?;
    let today = platform::clock::today(&ctx.state.clock);
    let (stage, channel, kind, status) = (
        p.get("stage").to_string(),
        p.get("channel").to_string(),
        p.get("kind").to_string(),
        p.get("status").to_string(),
    );
    let (from, to, q) = (p.get("from").to_string(), p.get("to").to_string(), p.get("q").to_string());
    let escalated = p.get("escalated") == "1";
    let year = p.get_i64("year");
    let handler = if p.get("mine") == "1" { Some(user.id) } else { p.get_i64("handler") };
    // The petitioner is looked up by the keyed index of the exact name or ID number (`who`), so
    // the name itself never travels in a URL; `lookup` turns what was typed into the index.
    let who = p.get("who").trim().to_ascii_lowercase();
    let who_index = (!who.is_empty()).then(|| who.clone());
    let mut p = p.clone();
    if !p.raw.contains_key("sort") {
        p.order_sql = "p.received_on DESC, p.case_no DESC".into();
    }
    let mut page = fetch_page::<Petition>(
        &ctx.state.db,
        &cols(today),
        "p.id",
        |s: &mut Sql| {
            s.push(FROM).push(" WHERE ");
            push_visible(s, user, "p.unit_id", "p.label");
            for (col, v) in [("p.stage", &stage), ("p.channel", &channel), ("p.kind", &kind)] {
                if !v.is_empty() {
                    s.push(" AND ").push(col).push(" = ").bind(v.clone());
                }
            }
            match status.as_str() {
                "overdue" => {
                    s.push(" AND ").push(&overdue_expr(today)).push(" = 1");
                }
                "due_soon" => {
                    s.push(" AND ").push(&due_soon_expr(today)).push(" = 1");
                }
                "unreplied" => {
                    s.push(" AND p.replied_on IS NULL");
                }
                "replied" => {
                    s.push(" AND p.replied_on IS NOT NULL");
                }
                "late" => {
                    s.push(" AND p.replied_on > p.reply_due_on");
                }
                _ => {}
            }
            if escalated {
                s.push(" AND p.escalated = 1");
            }
            if !from.is_empty() {
                s.push(" AND p.received_on >= ").bind(from.clone());
            }
            if !to.is_empty() {
                s.push(" AND p.received_on <= ").bind(to.clone());
            }
            if let Some(y) = year {
                s.push(" AND p.received_on >= ")
                    .bind(format!("{y}-01-01"))
                    .push(" AND p.received_on <= ")
                    .bind(format!("{y}-12-31"));
            }
            if let Some(h) = handler {
                s.push(" AND p.handler_user_id = ").bind(h);
            }
            if !q.is_empty() {
                s.push(" AND p.case_no LIKE ").bind(platform::db::like_contains(&q)).push(" ESCAPE '\\'");
            }
            if let Some(ix) = &who_index {
                s.push(" AND (p.petitioner_name_index = ")
                    .bind(ix.clone())
                    .push(" OR p.petitioner_id_index = ")
                    .bind(ix.clone())
                    .push(")");
            }
        },
        &p,
    )
    .await?;
    for item in page.items.iter_mut() {
        item.summary = excerpt(&restricted::open(ctx, &item.summary_sealed, &item.case_no)?, 40);
    }
    restricted::audit_list(ctx, "petition", &p.query_with(&[])).await?;
    Ok(page)
}

/// The `who` filter for a petitioner's exact name or ID number as typed.
pub fn lookup_key(ctx: &Ctx, typed: &str) -> String {
    restricted::index(ctx, typed.trim())
}

/// The whole summary of every row of a list (for the export).
pub fn open_summaries(ctx: &Ctx, items: &mut [Petition]) -> AppResult<()> {
    for item in items.iter_mut() {
        item.summary = restricted::open(ctx, &item.summary_sealed, &item.case_no)?;
    }
    Ok(())
}

/// One petition the caller may read (audited), with its summary opened.
pub async fn get(ctx: &Ctx, id: i64) -> AppResult<Petition> {
    let today = platform::clock::today(&ctx.state.clock);
    let mut p: Petition =
        restricted::get_one(ctx, &format!("SELECT {} {FROM}", cols(today)), "p", id, "petition").await?;
    p.summary = restricted::open(ctx, &p.summary_sealed, &p.case_no)?;
    Ok(p)
}

/// The petitioner's confidential fields and the case details, opened (for a reader who has just
/// been allowed to read the petition by `get`). The ID number stays masked.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Details {
    pub petitioner_name: String,
    pub petitioner_phone: String,
    pub petitioner_address: String,
    pub involved: String,
}

pub async fn details(ctx: &Ctx, p: &Petition) -> AppResult<Details> {
    let (name, phone, address, involved): (String, String, String, String) = sqlx::query_as(
        "SELECT petitioner_name_sealed, petitioner_phone_sealed, petitioner_address_sealed, involved_sealed FROM petitions WHERE id = $1",
    )
    .bind(p.id)
    .fetch_one(&ctx.state.db.pool)
    .await?;
    Ok(Details {
        petitioner_name: restricted::open(ctx, &name, &p.case_no)?,
        petitioner_phone: restricted::open(ctx, &phone, &p.case_no)?,
        petitioner_address: restricted::open(ctx, &address, &p.case_no)?,
        involved: restricted::open(ctx, &involved, &p.case_no)?,
    })
}

/// The full ID number, for a reader of the petition; every view is audited as sensitive.
pub async fn reveal_id_number(ctx: &Ctx, id: i64) -> AppResult<String> {
    let p = get(ctx, id).await?;
    let sealed: String = sqlx::query_scalar("SELECT petitioner_id_sealed FROM petitions WHERE id = $1")
        .bind(id)
        .fetch_one(&ctx.state.db.pool)
        .await?;
    let plain = restricted::open(ctx, &sealed, &p.case_no)?;
    ctx.state
        .audit_alone(
            &ctx.actor(),
            Event::ok("view_sensitive", "petition", id).detail(format!("查看 {} 信访人的身份证号", p.case_no)),
        )
        .await?;
    Ok(plain)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Step {
    pub id: i64,
    pub kind: String,
    pub stage_from: String,
    pub stage_to: String,
    pub happened_on: String,
    pub happened_time: String,
    pub notified: String,
    pub reply_method: String,
    #[serde(skip)]
    pub text_sealed: String,
    #[sqlx(skip)]
    pub text: String,
    pub by_name: String,
    pub created_at: i64,
}

impl Step {
    pub fn kind_label(&self) -> &'static str {
        label(STEP_KINDS, &self.kind)
    }
    pub fn moved(&self) -> bool {
        self.stage_from != self.stage_to
    }
    pub fn from_label(&self) -> &'static str {
        label(STAGES, &self.stage_from)
    }
    pub fn to_label(&self) -> &'static str {
        label(STAGES, &self.stage_to)
    }
    pub fn method_label(&self) -> &'static str {
        label(REPLY_METHODS, &self.reply_method)
    }
    pub fn recorded_at(&self) -> String {
        platform::clock::format_ms(self.created_at)
    }
}

/// The trail of a petition the caller has read, oldest first, texts opened.
pub async fn trail(ctx: &Ctx, p: &Petition) -> AppResult<Vec<Step>> {
    let mut rows: Vec<Step> = sqlx::query_as(
        "SELECT id, kind, stage_from, stage_to, happened_on, happened_time, notified, reply_method, text_sealed, by_name, created_at \
         FROM petition_steps WHERE petition_id = $1 ORDER BY id",
    )
    .bind(p.id)
    .fetch_all(&ctx.state.db.pool)
    .await?;
    for s in rows.iter_mut() {
        s.text = restricted::open(ctx, &s.text_sealed, &p.case_no)?;
    }
    Ok(rows)
}

/// Other petitions of the same petitioner (same name or ID number) the caller may read:
/// (id, case number, received on, stage label).
pub async fn same_petitioner(ctx: &Ctx, id: i64) -> AppResult<Vec<(i64, String, String, String)>> {
    let user = restricted::reader(ctx)?;
    let mut q = Sql::new("SELECT o.id, o.case_no, o.received_on, o.stage FROM petitions o JOIN petitions p ON p.id = ");
    q.bind(id).push(
        " WHERE o.id <> p.id AND (o.petitioner_name_index = p.petitioner_name_index \
         OR (p.petitioner_id_index IS NOT NULL AND o.petitioner_id_index = p.petitioner_id_index)) AND ",
    );
    push_visible(&mut q, user, "o.unit_id", "o.label");
    q.push(" ORDER BY o.received_on DESC LIMIT 20");
    let rows: Vec<(i64, String, String, String)> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    Ok(rows.into_iter().map(|(i, c, d, s)| (i, c, d, label(STAGES, &s).to_string())).collect())
}

/// A petition as the page form and the API give it.
#[derive(Clone, Debug)]
pub struct PetitionInput {
    pub unit_id: Option<i64>,
    pub received_on: Date,
    pub received_time: String,
    pub channel: String,
    pub kind: String,
    pub urgent: bool,
    pub petitioner_type: String,
    pub petitioner_name: String,
    /// None: unchanged on an edit (the form never shows the full number).
    pub id_number: Option<String>,
    pub phone: String,
    pub address: String,
    pub visitors: i64,
    pub summary: String,
    pub involved: String,
    pub concerned_unit_id: Option<i64>,
    pub handler_user_id: Option<i64>,
    pub version: Option<i64>,
}

/// Reads a petition form. Stage, case number, label, reply and review fields are never read from
/// it: they change only through the steps.
pub fn parse(f: &FormPairs, today: Date) -> AppResult<PetitionInput> {
    let mut c = FormCheck::new();
    let unit_id = c.opt_id("unit_id", "登记部门", &f.get("unit_id"));
    let received_on = c.date("received_on", "接报日期", &f.get("received_on"), true);
    if received_on.is_some_and(|d| d > today) {
        c.add("received_on", "接报日期不能晚于今天");
    }
    let received_time = shared::time_of_day(&mut c, "received_time", "接报时间", &f.get("received_time"));
    let channel = c.choice("channel", "信访渠道", &f.get("channel"), CHANNELS);
    let kind = c.choice("kind", "信访类别", &f.get("kind"), KIND_CODES);
    let urgent = matches!(f.get("urgent").as_str(), "1" | "true" | "on");
    let petitioner_type = c.choice("petitioner_type", "信访人身份", &f.get("petitioner_type"), PETITIONER_TYPES);
    let petitioner_name = c.text("petitioner_name", "信访人姓名", &f.get("petitioner_name"), 50, true);
    let raw_id = f.get("id_number");
    let id_number = if raw_id.trim().is_empty() {
        None
    } else {
        match platform::idcard::parse(&raw_id) {
            Ok(card) => Some(card.number),
            Err(msg) => {
                c.add("id_number", msg);
                None
            }
        }
    };
    let phone = c.text("phone", "联系电话", &f.get("phone"), 20, false);
    if !phone.is_empty() && !phone.chars().all(|ch| ch.is_ascii_digit() || ch == '-') {
        c.add("phone", "联系电话只能包含数字和 -");
    }
    let address = c.text("address", "住址", &f.get("address"), 200, false);
    let visitors = if f.get("visitors").trim().is_empty() {
        1
    } else {
        c.int("visitors", "人数", &f.get("visitors"), 1, 10_000)
    };
    let summary = c.long_text("summary", "信访事项", &f.get("summary"), 5000, true);
    let involved = c.long_text("involved", "涉及人员", &f.get("involved"), 1000, false);
    let concerned_unit_id = c.opt_id("concerned_unit_id", "涉及单位", &f.get("concerned_unit_id"));
    let handler_user_id = c.opt_id("handler_user_id", "承办人", &f.get("handler_user_id"));
    c.finish()?;
    Ok(PetitionInput {
        unit_id,
        received_on: received_on.unwrap_or(today),
        received_time,
        channel,
        kind,
        urgent,
        petitioner_type,
        petitioner_name,
        id_number,
        phone,
        address,
        visitors,
        summary,
        involved,
        concerned_unit_id,
        handler_user_id,
        version: f.get("version").trim().parse().ok(),
    })
}

/// The unit the petition is registered in (in the caller's scope), and the concerned unit and the
/// handler checked against the caller's prison.
async fn check(ctx: &Ctx, i: &PetitionInput) -> AppResult<i64> {
    let unit = shared::unit_in_scope(ctx, i.unit_id).await?;
    if let Some(u) = i.concerned_unit_id
        && !shared::is_prison_department(ctx, u).await?
    {
        return Err(AppError::field("concerned_unit_id", "请选择本监狱的部门"));
    }
    if let Some(h) = i.handler_user_id
        && !shared::handlers(ctx).await?.iter().any(|(id, _)| *id == h)
    {
        return Err(AppError::field("handler_user_id", "承办人须为有信访办理权限且密级足够的本监狱账号"));
    }
    Ok(unit)
}

/// The next case number of a year: XF-YYYY-NNNN, one more than the highest so far.
async fn next_case_no(tx: &mut Tx, year: i16) -> AppResult<String> {
    let prefix = format!("XF-{year}-");
    let n: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(CAST(substr(case_no, 9) AS BIGINT)), 0) FROM petitions WHERE case_no LIKE $1",
    )
    .bind(format!("{prefix}%"))
    .fetch_one(&mut **tx)
    .await?;
    Ok(format!("{prefix}{:04}", n + 1))
}

fn due_on(received: Date, kind: &str) -> String {
    received.saturating_add(reply_days(kind).days()).to_string()
}

/// Registers a petition (接报) with its first step. Two registrations racing for the same number:
/// the loser tries again with the next one.
pub async fn create(ctx: &Ctx, i: &PetitionInput) -> AppResult<(i64, String)> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    let unit = check(ctx, i).await?;
    let mut attempt = 0;
    loop {
        match create_once(ctx, i, unit).await {
            Err(AppError::Conflict(_)) if attempt < 3 => attempt += 1,
            other => return other,
        }
    }
}

async fn create_once(ctx: &Ctx, i: &PetitionInput, unit: i64) -> AppResult<(i64, String)> {
    let user = ctx.user()?;
    let now = ctx.state.clock.now_ms();
    let id_number = i.id_number.clone().unwrap_or_default();
    let mut tx = ctx.state.db.begin().await?;
    let case_no = next_case_no(&mut tx, i.received_on.year()).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO petitions (unit_id, label, case_no, received_on, received_time, channel, kind, petitioner_type, \
         petitioner_name_sealed, petitioner_name_masked, petitioner_name_index, petitioner_id_sealed, petitioner_id_index, \
         petitioner_id_masked, petitioner_phone_sealed, petitioner_phone_masked, petitioner_address_sealed, visitors, \
         summary_sealed, involved_sealed, concerned_unit_id, handler_user_id, escalated, stage, reply_due_on, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,'received',$24,$25,$26,$26) RETURNING id",
    )
    .bind(unit)
    .bind(RESTRICTED)
    .bind(&case_no)
    .bind(i.received_on.to_string())
    .bind(&i.received_time)
    .bind(&i.channel)
    .bind(&i.kind)
    .bind(&i.petitioner_type)
    .bind(restricted::seal(ctx, &i.petitioner_name))
    .bind(mask_name(&i.petitioner_name))
    .bind(restricted::index(ctx, &i.petitioner_name))
    .bind(restricted::seal(ctx, &id_number))
    .bind((!id_number.is_empty()).then(|| restricted::index(ctx, &id_number)))
    .bind(platform::idcard::mask(&id_number))
    .bind(restricted::seal(ctx, &i.phone))
    .bind(mask_phone(&i.phone))
    .bind(restricted::seal(ctx, &i.address))
    .bind(i.visitors)
    .bind(restricted::seal(ctx, &i.summary))
    .bind(restricted::seal(ctx, &i.involved))
    .bind(i.concerned_unit_id)
    .bind(i.handler_user_id)
    .bind(i64::from(i.urgent || urgent_kind(&i.kind)))
    .bind(due_on(i.received_on, &i.kind))
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_step(
        ctx,
        &mut tx,
        id,
        &NewStep {
            kind: "register",
            stage_from: "",
            stage_to: "received",
            happened_on: i.received_on.to_string(),
            happened_time: i.received_time.clone(),
            notified: String::new(),
            reply_method: String::new(),
            text: format!("{}，{}", label(CHANNELS, &i.channel), label(KIND_CODES, &i.kind)),
        },
    )
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "petition", id).detail(case_no.clone())).await?;
    tx.commit().await?;
    Ok((id, case_no))
}

/// Changes the registered facts (not the stage, never after the case is closed); the reply
/// deadline follows a changed kind or date until the reply is given.
pub async fn update(ctx: &Ctx, id: i64, i: &PetitionInput) -> AppResult<()> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    let before = get(ctx, id).await?;
    let version = i.version.ok_or_else(|| AppError::field("version", "缺少版本号"))?;
    if before.stage == "closed" {
        return Err(AppError::Conflict("该信访件已办结，须先“重新办理”才能修改".into()));
    }
    let unit = check(ctx, i).await?;
    let due = match before.replied_on {
        Some(_) => before.reply_due_on.clone(),
        None => due_on(i.received_on, &i.kind),
    };
    // Raising the case to an emergency by its kind or the tick only counts before handling starts.
    let escalated = before.escalated == 1 || (before.stage == "received" && (i.urgent || urgent_kind(&i.kind)));
    let mut tx = ctx.state.db.begin().await?;
    let mut q = Sql::new("UPDATE petitions SET unit_id = ");
    q.bind(unit)
        .push(", received_on = ")
        .bind(i.received_on.to_string())
        .push(", received_time = ")
        .bind(i.received_time.clone())
        .push(", channel = ")
        .bind(i.channel.clone())
        .push(", kind = ")
        .bind(i.kind.clone())
        .push(", petitioner_type = ")
        .bind(i.petitioner_type.clone())
        .push(", petitioner_name_sealed = ")
        .bind(restricted::seal(ctx, &i.petitioner_name))
        .push(", petitioner_name_masked = ")
        .bind(mask_name(&i.petitioner_name))
        .push(", petitioner_name_index = ")
        .bind(restricted::index(ctx, &i.petitioner_name))
        .push(", petitioner_phone_sealed = ")
        .bind(restricted::seal(ctx, &i.phone))
        .push(", petitioner_phone_masked = ")
        .bind(mask_phone(&i.phone))
        .push(", petitioner_address_sealed = ")
        .bind(restricted::seal(ctx, &i.address))
        .push(", visitors = ")
        .bind(i.visitors)
        .push(", summary_sealed = ")
        .bind(restricted::seal(ctx, &i.summary))
        .push(", involved_sealed = ")
        .bind(restricted::seal(ctx, &i.involved))
        .push(", concerned_unit_id = ")
        .bind(i.concerned_unit_id)
        .push(", handler_user_id = ")
        .bind(i.handler_user_id)
        .push(", escalated = ")
        .bind(i64::from(escalated))
        .push(", reply_due_on = ")
        .bind(due);
    if let Some(n) = &i.id_number {
        q.push(", petitioner_id_sealed = ")
            .bind(restricted::seal(ctx, n))
            .push(", petitioner_id_index = ")
            .bind(restricted::index(ctx, n))
            .push(", petitioner_id_masked = ")
            .bind(platform::idcard::mask(n));
    }
    q.push(", version = version + 1, updated_at = ")
        .bind(ctx.state.clock.now_ms())
        .push(" WHERE id = ")
        .bind(id)
        .push(" AND version = ")
        .bind(version)
        .push(" AND stage <> 'closed'");
    let n = q.query().execute(&mut *tx).await?.rows_affected();
    platform::ledger::expect_one_updated(n)?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("update", "petition", id).detail(before.case_no)).await?;
    tx.commit().await?;
    Ok(())
}

/// Only a case still at 接报 with nothing but its registration may be deleted (a wrong entry).
pub async fn delete(ctx: &Ctx, id: i64) -> AppResult<()> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    let p = get(ctx, id).await?;
    let mut tx = ctx.state.db.begin().await?;
    let steps: i64 = sqlx::query_scalar("SELECT count(*) FROM petition_steps WHERE petition_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let linked: i64 = sqlx::query_scalar("SELECT count(*) FROM petition_mediations WHERE petition_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if p.stage != "received" || steps > 1 || linked > 0 {
        return Err(AppError::Conflict("已进入办理流程的信访件不能删除".into()));
    }
    sqlx::query("UPDATE petition_receptions SET petition_id = NULL WHERE petition_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM petitions WHERE id = $1 AND stage = 'received'").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "petition", id).detail(p.case_no)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct NewStep {
    pub kind: &'static str,
    pub stage_from: &'static str,
    pub stage_to: &'static str,
    pub happened_on: String,
    pub happened_time: String,
    pub notified: String,
    pub reply_method: String,
    pub text: String,
}

/// Writes one step of the trail inside the change's transaction; the text is sealed.
pub async fn insert_step(ctx: &Ctx, tx: &mut Tx, petition: i64, s: &NewStep) -> AppResult<i64> {
    let user = ctx.user()?;
    Ok(sqlx::query_scalar(
        "INSERT INTO petition_steps (petition_id, kind, stage_from, stage_to, happened_on, happened_time, notified, reply_method, \
         text_sealed, by_user, by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
    )
    .bind(petition)
    .bind(s.kind)
    .bind(s.stage_from)
    .bind(s.stage_to)
    .bind(&s.happened_on)
    .bind(&s.happened_time)
    .bind(&s.notified)
    .bind(&s.reply_method)
    .bind(restricted::seal(ctx, &s.text))
    .bind(user.id)
    .bind(&user.display_name)
    .bind(ctx.state.clock.now_ms())
    .fetch_one(&mut **tx)
    .await?)
}

/// A step as posted: which one, the version the poster saw, when it happened and its text.
#[derive(Clone, Debug)]
pub struct StepInput {
    pub kind: &'static str,
    pub version: i64,
    pub happened_on: Date,
    pub happened_time: String,
    pub notified: String,
    pub reply_method: String,
    pub text: String,
}

pub fn parse_step(f: &FormPairs, today: Date) -> AppResult<StepInput> {
    let mut c = FormCheck::new();
    let kind = c.choice("kind", "办理环节", &f.get("kind"), POSTED_STEPS);
    let kind = POSTED_STEPS.iter().find(|(k, _)| *k == kind).map(|(k, _)| *k).unwrap_or("");
    let version = f.get("version").trim().parse::<i64>().ok();
    if version.is_none() {
        c.add("version", "缺少版本号");
    }
    let happened_on = if f.get("happened_on").trim().is_empty() {
        Some(today)
    } else {
        c.date("happened_on", "日期", &f.get("happened_on"), true)
    };
    if happened_on.is_some_and(|d| d > today) {
        c.add("happened_on", "日期不能晚于今天");
    }
    let happened_time = shared::time_of_day(&mut c, "happened_time", "时间", &f.get("happened_time"));
    let notified = c.text("notified", "通知对象", &f.get("notified"), 500, false);
    let reply_method = if f.get("reply_method").trim().is_empty() {
        String::new()
    } else {
        c.choice("reply_method", "答复方式", &f.get("reply_method"), REPLY_METHODS)
    };
    let text = c.long_text("text", "内容", &f.get("text"), 5000, false);
    c.finish()?;
    Ok(StepInput {
        kind,
        version: version.unwrap_or_default(),
        happened_on: happened_on.unwrap_or(today),
        happened_time,
        notified,
        reply_method,
        text,
    })
}

/// What a step does to the case: the stage it goes to and the fields it sets.
struct Move {
    to: &'static str,
    escalated: i64,
    replied_on: Option<String>,
    closed_on: Option<String>,
    reviewed_by: Option<i64>,
    reviewed_on: Option<String>,
    reopened: i64,
}

fn stage_code(stage: &str) -> &'static str {
    STAGES.iter().find(|(c, _)| *c == stage).map(|(c, _)| *c).unwrap_or("received")
}

/// The rules of the four stages. Returns the move, or a field error naming what is missing.
fn plan(p: &Petition, i: &StepInput, user_id: i64) -> AppResult<Move> {
    let stage = stage_code(&p.stage);
    let day = i.happened_on.to_string();
    let wrong = |what: &str| -> AppError {
        AppError::field("kind", format!("当前处于“{}”阶段，不能{what}", label(STAGES, stage)))
    };
    let need = |field: &str, msg: &str, ok: bool| -> AppResult<()> {
        if ok { Ok(()) } else { Err(AppError::field(field, msg.to_string())) }
    };
    if day < p.received_on {
        return Err(AppError::field("happened_on", "日期不能早于接报日期"));
    }
    let mut m = Move {
        to: stage,
        escalated: p.escalated,
        replied_on: p.replied_on.clone(),
        closed_on: p.closed_on.clone(),
        reviewed_by: p.reviewed_by,
        reviewed_on: p.reviewed_on.clone(),
        reopened: p.reopened,
    };
    match i.kind {
        "escalate" => {
            if stage != "received" {
                return Err(wrong("启动应急响应（应急响应须在接报后、处置前启动）"));
            }
            need("notified", "请填写已通知的领导和部门", !i.notified.is_empty())?;
            need("happened_time", "请填写通知时间", !i.happened_time.is_empty())?;
            need("text", "请填写启动的应急措施", !i.text.is_empty())?;
            m.to = "emergency";
            m.escalated = 1;
        }
        "handle" => {
            match stage {
                "received" if p.escalated == 1 => {
                    return Err(AppError::field(
                        "kind",
                        "该件为突发信访事件，须先“启动应急响应”（记录通知了谁、何时通知），不能跳过应急启动直接处置",
                    ));
                }
                "received" | "emergency" => {}
                _ => return Err(wrong("转入处置")),
            }
            m.to = "handling";
        }
        "step" => {
            if stage != "handling" {
                return Err(wrong("登记处置措施（须先转入处置）"));
            }
            need("text", "请填写处置措施", !i.text.is_empty())?;
        }
        "reply" => {
            if stage != "handling" {
                return Err(wrong("答复信访人（须先转入处置）"));
            }
            need("reply_method", "请选择答复方式", !i.reply_method.is_empty())?;
            need("text", "请填写答复意见", !i.text.is_empty())?;
            if m.replied_on.is_none() {
                m.replied_on = Some(day.clone());
            }
        }
        "close" => {
            if stage != "handling" {
                return Err(wrong("办结（须经处置并答复信访人）"));
            }
            need("kind", "尚未答复信访人，不能办结", p.replied_on.is_some())?;
            need("text", "请填写事件消除情况和整理的记录", !i.text.is_empty())?;
            m.to = "closed";
            m.closed_on = Some(day.clone());
        }
        "review" => {
            if stage != "closed" {
                return Err(wrong("审核归档（须先办结并整理记录）"));
            }
            need("kind", "该件已审核归档", p.reviewed_on.is_none())?;
            m.reviewed_by = Some(user_id);
            m.reviewed_on = Some(day.clone());
        }
        "reopen" => {
            if stage != "closed" {
                return Err(wrong("重新办理（只有已办结的信访件可以重新办理）"));
            }
            need("text", "请填写重新办理的原因", !i.text.is_empty())?;
            m.to = "handling";
            m.closed_on = None;
            m.reviewed_by = None;
            m.reviewed_on = None;
            m.reopened += 1;
        }
        _ => return Err(AppError::field("kind", "请选择有效的办理环节")),
    }
    Ok(m)
}

/// Records a step: the version posted must be the current one (else 409, nothing written), then
/// the stage rules apply (else 422), then one UPDATE guarded by that version moves the case and
/// the step and its audit row are written in the same transaction.
pub async fn record_step(ctx: &Ctx, id: i64, i: &StepInput) -> AppResult<i64> {
    let user = restricted::reader(ctx)?;
    if !user.can(PETITION_EDIT) {
        return Err(AppError::Forbidden);
    }
    let p = get(ctx, id).await?;
    if p.version != i.version {
        return Err(AppError::stale());
    }
    let m = plan(&p, i, user.id)?;
    let mut tx = ctx.state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE petitions SET stage = $1, escalated = $2, replied_on = $3, closed_on = $4, reviewed_by = $5, reviewed_on = $6, \
         reopened = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10",
    )
    .bind(m.to)
    .bind(m.escalated)
    .bind(m.replied_on.clone())
    .bind(m.closed_on.clone())
    .bind(m.reviewed_by)
    .bind(m.reviewed_on.clone())
    .bind(m.reopened)
    .bind(ctx.state.clock.now_ms())
    .bind(id)
    .bind(i.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    platform::ledger::expect_one_updated(n)?;
    let step = insert_step(
        ctx,
        &mut tx,
        id,
        &NewStep {
            kind: i.kind,
            stage_from: stage_code(&p.stage),
            stage_to: m.to,
            happened_on: i.happened_on.to_string(),
            happened_time: i.happened_time.clone(),
            notified: i.notified.clone(),
            reply_method: i.reply_method.clone(),
            text: i.text.clone(),
        },
    )
    .await?;
    let detail = format!("{} {}", p.case_no, label(STEP_KINDS, i.kind));
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok(i.kind, "petition", id).detail(detail)).await?;
    tx.commit().await?;
    Ok(step)
}

/// For figures and statistics: the petitions the caller may read that were received in a period,
/// with what the counts need.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Fact {
    pub id: i64,
    pub case_no: String,
    pub received_on: String,
    pub channel: String,
    pub kind: String,
    pub stage: String,
    pub escalated: i64,
    pub reply_due_on: String,
    pub replied_on: Option<String>,
    pub closed_on: Option<String>,
}

/// `col` (received_on or closed_on) within `from`..`to`.
pub async fn facts(ctx: &Ctx, col: &str, from: Date, to: Date) -> AppResult<Vec<Fact>> {
    let user = restricted::reader(ctx)?;
    let col = if col == "closed_on" { "p.closed_on" } else { "p.received_on" };
    let mut q = Sql::new(
        "SELECT p.id, p.case_no, p.received_on, p.channel, p.kind, p.stage, p.escalated, p.reply_due_on, p.replied_on, p.closed_on \
         FROM petitions p WHERE ",
    );
    q.push(col).push(" >= ").bind(from.to_string()).push(" AND ").push(col).push(" <= ").bind(to.to_string());
    q.push(" AND ");
    push_visible(&mut q, user, "p.unit_id", "p.label");
    q.push(" ORDER BY p.received_on, p.case_no");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

/// Median days from receipt to closing over the given cases (None when there are none).
pub fn median_days(closed: &[Fact]) -> Option<f64> {
    let mut days: Vec<i64> = closed
        .iter()
        .filter_map(|f| {
            let r = f.received_on.parse::<Date>().ok()?;
            let c = f.closed_on.as_deref()?.parse::<Date>().ok()?;
            Some((c - r).get_days() as i64)
        })
        .collect();
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    Some(if n % 2 == 1 { days[n / 2] as f64 } else { (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0 })
}
