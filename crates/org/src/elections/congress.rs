//! 党代会: a Party congress of a committee (e.g. the 4th), with the elections it held.

use platform::audit::Event;
use platform::db::Sql;
use platform::web::FormCheck;
use platform::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Congress {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub session_no: i64,
    pub name: String,
    pub held_on: String,
    pub delegates: i64,
    pub description: String,
    pub elections: i64,
}

pub async fn list(ctx: &Ctx) -> AppResult<Vec<Congress>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT c.id, c.org_id, o.name AS org_name, c.session_no, c.name, c.held_on, c.delegates, c.description, \
         (SELECT count(*) FROM elections e WHERE e.congress_id = c.id) AS elections \
         FROM congresses c JOIN party_orgs o ON o.id = c.org_id WHERE ",
    );
    user.scope.push_condition(&mut q, "c.unit_id", None);
    q.push(" ORDER BY c.held_on DESC, c.id DESC LIMIT 200");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CongressForm {
    pub org_id: String,
    pub session_no: String,
    pub name: String,
    pub held_on: String,
    pub delegates: String,
    pub description: String,
}

/// Records a congress of a committee.
pub async fn create(ctx: &Ctx, form: &CongressForm) -> AppResult<i64> {
    let mut f = FormCheck::new();
    let session = f.int("session_no", "届次", &form.session_no, 1, 99);
    let name = f.text("name", "名称", &form.name, 60, true);
    let held = f.date("held_on", "召开日期", &form.held_on, true);
    let delegates = f.int("delegates", "代表人数", &form.delegates, 0, 10_000);
    let description = f.long_text("description", "说明", &form.description, 2000, false);
    if session == 0 {
        f.add("session_no", "请输入届次");
    }
    let org = match form.org_id.trim().parse::<i64>() {
        Ok(id) => crate::orgs::service::get(ctx, id).await.ok(),
        Err(_) => None,
    };
    match &org {
        Some(o) if o.kind == "committee" => {}
        Some(_) => f.add("org_id", "党代会须由党委召开"),
        None => f.add("org_id", "请选择党委"),
    }
    f.finish()?;
    let (Some(org), Some(held)) = (org, held) else { return Err(AppError::NotFound) };
    let mut tx = ctx.state.db.begin().await?;
    let now = ctx.state.clock.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO congresses (org_id, unit_id, session_no, name, held_on, delegates, description, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
    )
    .bind(org.id)
    .bind(org.unit_id)
    .bind(session)
    .bind(&name)
    .bind(held.to_string())
    .bind(delegates)
    .bind(&description)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "congress", id).detail(name)).await?;
    tx.commit().await?;
    Ok(id)
}
