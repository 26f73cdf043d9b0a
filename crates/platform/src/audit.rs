//! The audit chain: append-only rows, each carrying an HMAC-SM3 over its fields and the previous
//! row's MAC, written in the same transaction as the change it records.

use crate::db::{Backend, Db, Tx};
use hmac::{Hmac, KeyInit, Mac};
use sm3::Sm3;
use sqlx::Row;

type HmacSm3 = Hmac<Sm3>;

/// Who did it, from where: taken from the request context.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub addr: String,
    pub request_id: String,
}

/// What happened.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub event: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub detail: String,
    pub ok: bool,
}

impl<'a> Event<'a> {
    pub fn ok(event: &'a str, object_type: &'a str, object_id: impl ToString) -> Self {
        Self { event, object_type, object_id: object_id.to_string(), detail: String::new(), ok: true }
    }
    pub fn failed(event: &'a str, object_type: &'a str, object_id: impl ToString) -> Self {
        Self { ok: false, ..Self::ok(event, object_type, object_id) }
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
}

#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub user_id: Option<i64>,
    pub username: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub addr: String,
    pub event: String,
    pub object_type: String,
    pub object_id: String,
    pub detail: String,
    pub result: String,
    pub request_id: String,
    pub mac: String,
}

impl AuditRow {
    /// The row's MAC over its fields (not `mac`) chained to the previous row's MAC.
    pub fn compute_mac(&self, key: &[u8], prev_mac: &str) -> String {
        // Length-prefixed fields, so no two different rows encode to the same bytes.
        let mut mac = <HmacSm3 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable_key());
        let fields: [String; 14] = [
            prev_mac.to_string(),
            self.seq.to_string(),
            self.at.to_string(),
            self.user_id.map(|v| v.to_string()).unwrap_or_default(),
            self.username.clone(),
            self.role.clone(),
            self.unit_id.map(|v| v.to_string()).unwrap_or_default(),
            self.addr.clone(),
            self.event.clone(),
            self.object_type.clone(),
            self.object_id.clone(),
            self.detail.clone(),
            self.result.clone(),
            self.request_id.clone(),
        ];
        for f in fields {
            mac.update(&(f.len() as u64).to_be_bytes());
            mac.update(f.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

// HMAC accepts keys of any length, so construction cannot fail.
fn unreachable_key() -> HmacSm3 {
    panic!("HMAC accepts any key length")
}

/// The statement that inserts one audit row, its values bound by [`AuditRow::bind`] ($14 is the MAC).
macro_rules! insert_row {
    () => {
        concat!(insert_row!(columns), " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)")
    };
    (select) => {
        concat!(insert_row!(columns), " SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14")
    };
    (columns) => {
        "INSERT INTO audit_log (seq, at, user_id, username, role, unit_id, addr, event, object_type, \
         object_id, detail, result, request_id, mac)"
    };
}

/// The audit head as this process last moved it (PostgreSQL): the next row is chained to it
/// without reading the head first, in one statement that moves the head only if it is still that
/// one, so a guess made stale by another process's rows, a purge or a rolled-back transaction
/// writes nothing, and the row is then chained to the head the statement found. A writer holds
/// the writers' turn while it appends: the guess saves one of its round trips.
#[derive(Default)]
pub struct LastHead(std::sync::Mutex<Option<(i64, String)>>);

impl LastHead {
    fn get(&self) -> Option<(i64, String)> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
    fn set(&self, seq: i64, mac: &str) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((seq, mac.to_string()));
    }
}

/// Appends one row in `tx`. Updating the head serialises writers on both databases (a row lock
/// in PostgreSQL, the write lock in SQLite) so the chain has no forks.
pub async fn append(
    tx: &mut Tx,
    key: &[u8],
    last: &LastHead,
    now_ms: i64,
    actor: &Actor,
    ev: Event<'_>,
) -> Result<i64, sqlx::Error> {
    let mut row = AuditRow {
        seq: 0,
        at: now_ms,
        user_id: actor.user_id,
        username: actor.username.clone(),
        role: actor.role.clone(),
        unit_id: actor.unit_id,
        addr: actor.addr.clone(),
        event: ev.event.to_string(),
        object_type: ev.object_type.to_string(),
        object_id: ev.object_id,
        detail: truncate(&ev.detail, 2000),
        result: if ev.ok { "成功" } else { "失败" }.to_string(),
        request_id: actor.request_id.clone(),
        mac: String::new(),
    };
    if Backend::of(tx) == Backend::Sqlite {
        let (seq, prev): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, mac")
                .fetch_one(&mut **tx)
                .await?;
        row.seq = seq;
        row.mac = row.compute_mac(key, &prev);
        row.bind(sqlx::query(insert_row!())).execute(&mut **tx).await?;
        sqlx::query("UPDATE audit_head SET mac = $1 WHERE id = 1").bind(&row.mac).execute(&mut **tx).await?;
        return Ok(seq);
    }
    // PostgreSQL: chained to the guess. The head is locked first (as every writer of the chain
    // locks it before the audit tables' change counters, which the statement's triggers move even
    // when it writes nothing), then moved and the row written only if it is still the guess; the
    // statement answers with the head it found.
    let guess = last.get().unwrap_or((-1, String::new()));
    row.seq = guess.0 + 1;
    row.mac = row.compute_mac(key, &guess.1);
    let found = row
        .bind(sqlx::query(concat!(
            "WITH cur AS (SELECT seq, mac FROM audit_head WHERE id = 1 FOR UPDATE), \
             h AS (UPDATE audit_head SET seq = $1, mac = $14 WHERE id = 1 \
             AND EXISTS (SELECT 1 FROM cur WHERE seq = $15 AND mac = $16) RETURNING id), \
             r AS (",
            insert_row!(select),
            " FROM h) SELECT seq, mac FROM cur"
        )))
        .bind(guess.0)
        .bind(&guess.1)
        .fetch_one(&mut **tx)
        .await?;
    let found: (i64, String) = (found.try_get(0)?, found.try_get(1)?);
    if found != guess {
        // Another process's rows, a purge or a rolled-back transaction: chained to the head
        // found, which this transaction now holds.
        row.seq = found.0 + 1;
        row.mac = row.compute_mac(key, &found.1);
        row.bind(sqlx::query(concat!(
            "WITH r AS (",
            insert_row!(),
            ") UPDATE audit_head SET seq = $1, mac = $14 WHERE id = 1"
        )))
        .execute(&mut **tx)
        .await?;
    }
    last.set(row.seq, &row.mac);
    Ok(row.seq)
}

impl AuditRow {
    fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        q.bind(self.seq)
            .bind(self.at)
            .bind(self.user_id)
            .bind(&self.username)
            .bind(&self.role)
            .bind(self.unit_id)
            .bind(&self.addr)
            .bind(&self.event)
            .bind(&self.object_type)
            .bind(&self.object_id)
            .bind(&self.detail)
            .bind(&self.result)
            .bind(&self.request_id)
            .bind(&self.mac)
    }
}

/// Appends many rows at once, chained exactly as `append` would chain them one by one: one head
/// update and multi-row inserts (a data generator's or a bulk job's history). Returns the last seq.
pub async fn append_many(tx: &mut Tx, key: &[u8], rows: &[(i64, Actor, Event<'_>)]) -> Result<i64, sqlx::Error> {
    if rows.is_empty() {
        let (seq,): (i64,) = sqlx::query_as("SELECT seq FROM audit_head WHERE id = 1").fetch_one(&mut **tx).await?;
        return Ok(seq);
    }
    let (first, mut prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq - $1 + 1, mac")
            .bind(rows.len() as i64)
            .fetch_one(&mut **tx)
            .await?;
    let mut built = Vec::with_capacity(rows.len());
    for (i, (at, actor, ev)) in rows.iter().enumerate() {
        let mut row = AuditRow {
            seq: first + i as i64,
            at: *at,
            user_id: actor.user_id,
            username: actor.username.clone(),
            role: actor.role.clone(),
            unit_id: actor.unit_id,
            addr: actor.addr.clone(),
            event: ev.event.to_string(),
            object_type: ev.object_type.to_string(),
            object_id: ev.object_id.clone(),
            detail: truncate(&ev.detail, 2000),
            result: if ev.ok { "成功" } else { "失败" }.to_string(),
            request_id: actor.request_id.clone(),
            mac: String::new(),
        };
        row.mac = row.compute_mac(key, &prev);
        prev = row.mac.clone();
        built.push(row);
    }
    // One cached single-row statement per row: faster than multi-row statements through the
    // database-neutral driver.
    for r in &built {
        r.bind(sqlx::query(insert_row!())).execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET mac = $1 WHERE id = 1").bind(&prev).execute(&mut **tx).await?;
    Ok(first + rows.len() as i64 - 1)
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok {
        rows: i64,
    },
    /// The first row whose MAC, sequence or link does not check out.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// The per-row part of [`verify`], without the database: feed it the rows from the anchor on in
/// seq order, then the head. Seq arithmetic wraps (as release builds always did), so a tampered
/// anchor or row at the end of the range is a broken chain, not an overflow panic.
#[derive(Clone, Debug)]
pub struct ChainCheck {
    anchor_seq: i64,
    prev: String,
    expected: i64,
}

impl ChainCheck {
    pub fn new(anchor_seq: i64, anchor_mac: String) -> Self {
        Self { anchor_seq, prev: anchor_mac, expected: anchor_seq.wrapping_add(1) }
    }

    /// The seq the next row must have.
    pub fn expected(&self) -> i64 {
        self.expected
    }

    /// Checks the next row's seq and MAC against the chain so far.
    pub fn step(&mut self, row: &AuditRow, key: &[u8]) -> Result<(), Verdict> {
        let expected = self.expected;
        if row.seq != expected {
            return Err(Verdict::Broken { seq: expected, reason: format!("缺少第 {expected} 条记录") });
        }
        if row.compute_mac(key, &self.prev) != row.mac {
            return Err(Verdict::Broken { seq: row.seq, reason: "校验码不符：记录被篡改".into() });
        }
        self.prev.clone_from(&row.mac);
        self.expected = expected.wrapping_add(1);
        Ok(())
    }

    /// Checks the head against the last row; the rows after the anchor when it matches.
    pub fn finish(self, head_seq: i64, head_mac: &str) -> Result<i64, Verdict> {
        let last = self.expected.wrapping_sub(1);
        if head_seq != last || head_mac != self.prev {
            return Err(Verdict::Broken {
                seq: self.expected, reason: "链尾与记录不符：末尾记录被删除".into()
            });
        }
        Ok(last.wrapping_sub(self.anchor_seq))
    }
}

/// Recomputes the whole chain in order from its anchor, a page at a time so memory stays flat.
pub async fn verify(db: &Db, key: &[u8]) -> anyhow::Result<Verdict> {
    let (anchor_seq, anchor_mac): (i64, String) =
        sqlx::query_as("SELECT anchor_seq, anchor_mac FROM audit_head WHERE id = 1").fetch_one(&db.pool).await?;
    let mut check = ChainCheck::new(anchor_seq, anchor_mac);
    loop {
        let page: Vec<AuditRow> = sqlx::query_as("SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 1000")
            .bind(check.expected())
            .fetch_all(&db.pool)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            if let Err(broken) = check.step(row, key) {
                return Ok(broken);
            }
        }
    }
    let (head_seq, head_mac): (i64, String) =
        sqlx::query_as("SELECT seq, mac FROM audit_head WHERE id = 1").fetch_one(&db.pool).await?;
    let rows = match check.finish(head_seq, &head_mac) {
        Ok(rows) => rows,
        Err(broken) => return Ok(broken),
    };
    let older: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE seq <= $1")
        .bind(anchor_seq)
        .fetch_one(&db.pool)
        .await?;
    if older > 0 {
        return Ok(Verdict::Broken { seq: anchor_seq, reason: "锚点之前仍有记录：锚点被改动".into() });
    }
    if anchor_seq > 0 {
        // A purge leaves a row (itself checked by the chain) naming the anchor; none means the
        // oldest rows were removed by someone else.
        let purges: i64 =
            sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'audit_purge' AND object_id = $1")
                .bind(anchor_seq.to_string())
                .fetch_one(&db.pool)
                .await?;
        if purges == 0 {
            return Ok(Verdict::Broken {
                seq: anchor_seq.wrapping_add(1),
                reason: "最早的记录被删除，且没有相应的清理记录".into(),
            });
        }
    }
    Ok(Verdict::Ok { rows })
}

/// The shortest retention SECURITY.md allows: six months.
pub const MIN_RETENTION_DAYS: i64 = 183;

/// Removes rows older than `before_ms` (which must lie at least `MIN_RETENTION_DAYS` back) and
/// moves the anchor to the last removed row, so the rest still verifies. Returns the rows removed.
pub async fn purge(db: &Db, key: &[u8], now_ms: i64, before_ms: i64, actor: &Actor) -> anyhow::Result<i64> {
    if before_ms > now_ms - MIN_RETENTION_DAYS * 86_400_000 {
        anyhow::bail!("审计日志至少保存 {MIN_RETENTION_DAYS} 天（六个月），不能清理更近的记录");
    }
    let mut tx = db.begin().await?;
    // The head row first, before the rows go (which moves the audit log's change counter): the
    // order every audit writer keeps (see `Db::begin_audit`).
    let (old_anchor,): (i64,) =
        sqlx::query_as("UPDATE audit_head SET anchor_seq = anchor_seq WHERE id = 1 RETURNING anchor_seq")
            .fetch_one(&mut *tx)
            .await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, mac FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1")
            .bind(before_ms)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((anchor, mac)) = last else { return Ok(0) };
    match db.backend {
        Backend::Sqlite => {
            sqlx::query("UPDATE audit_head SET purging = 1 WHERE id = 1").execute(&mut *tx).await?;
        }
        Backend::Postgres => {
            sqlx::query("SET LOCAL gangju.audit_purge = 'on'").execute(&mut *tx).await?;
        }
    }
    let n = sqlx::query("DELETE FROM audit_log WHERE seq <= $1").bind(anchor).execute(&mut *tx).await?.rows_affected();
    sqlx::query("UPDATE audit_head SET anchor_seq = $1, anchor_mac = $2, purging = 0 WHERE id = 1")
        .bind(anchor)
        .bind(&mac)
        .execute(&mut *tx)
        .await?;
    let detail = format!("清理第 {} 至 {anchor} 条（{} 之前）", old_anchor + 1, crate::clock::format_ms(before_ms));
    append(
        &mut tx,
        key,
        &LastHead::default(),
        now_ms,
        actor,
        Event::ok("audit_purge", "audit_log", anchor).detail(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test-audit-key";

    fn chain(anchor_seq: i64, anchor_mac: &str, n: i64) -> Vec<AuditRow> {
        let mut rows: Vec<AuditRow> = Vec::new();
        for seq in anchor_seq.wrapping_add(1)..=anchor_seq.wrapping_add(n) {
            let prev = rows.last().map_or(anchor_mac.to_owned(), |r| r.mac.clone());
            let mut row = AuditRow {
                seq,
                at: 1_700_000_000_000,
                user_id: Some(7),
                username: "张三".into(),
                role: "branch_secretary".into(),
                unit_id: None,
                addr: "127.0.0.1".into(),
                event: "login".into(),
                object_type: "user".into(),
                object_id: "7".into(),
                detail: String::new(),
                result: "成功".into(),
                request_id: format!("req-{seq}"),
                mac: String::new(),
            };
            row.mac = row.compute_mac(KEY, &prev);
            rows.push(row);
        }
        rows
    }

    fn check(
        anchor_seq: i64,
        anchor_mac: &str,
        rows: &[AuditRow],
        head_seq: i64,
        head_mac: &str,
    ) -> Result<i64, Verdict> {
        let mut check = ChainCheck::new(anchor_seq, anchor_mac.to_owned());
        for row in rows {
            check.step(row, KEY)?;
        }
        check.finish(head_seq, head_mac)
    }

    #[test]
    fn chain_check_names_the_first_broken_row() {
        let mut rows = chain(10, "anchor", 3);
        let head = rows[2].mac.clone();
        assert_eq!(check(10, "anchor", &rows, 13, &head), Ok(3));
        rows[1].detail = "改过".into();
        assert_eq!(
            check(10, "anchor", &rows, 13, &head),
            Err(Verdict::Broken { seq: 12, reason: "校验码不符：记录被篡改".into() })
        );
        rows.remove(1);
        assert_eq!(
            check(10, "anchor", &rows, 13, &head),
            Err(Verdict::Broken { seq: 12, reason: "缺少第 12 条记录".into() })
        );
        rows.pop();
        assert_eq!(
            check(10, "anchor", &rows, 13, &head),
            Err(Verdict::Broken { seq: 12, reason: "链尾与记录不符：末尾记录被删除".into() })
        );
    }

    /// Found by the audit_chain fuzz target: an anchor (or row) seq of i64::MAX in a tampered
    /// database overflowed, a panic in debug builds.
    #[test]
    fn chain_check_at_the_end_of_the_seq_range_does_not_overflow() {
        assert_eq!(check(i64::MAX, "", &[], i64::MAX, ""), Ok(0));
        let stray = chain(0, "", 1);
        assert!(matches!(check(i64::MAX, "", &stray, i64::MAX, ""), Err(Verdict::Broken { seq: i64::MIN, .. })));
        let last = chain(i64::MAX - 1, "anchor", 1);
        assert_eq!(last[0].seq, i64::MAX);
        assert_eq!(check(i64::MAX - 1, "anchor", &last, i64::MAX, &last[0].mac), Ok(1));
        assert!(matches!(
            check(i64::MAX - 1, "anchor", &last, 0, &last[0].mac),
            Err(Verdict::Broken { seq: i64::MIN, .. })
        ));
    }
}
