//! Chinese full-text search in the database itself: text is segmented with jieba and stored as
//! space-separated words in `search_docs`, indexed by SQLite FTS5 or a PostgreSQL tsvector, so
//! every node searches the same data with no separate index to keep in sync.

use crate::context::Ctx;
use crate::db::{Backend, Sql, Tx};
use crate::error::AppResult;
use crate::web::{Frame, Html};
use askama::Template;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use jieba_rs::Jieba;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Domain words the general dictionary would split.
const DOMAIN_WORDS: &[&str] = &[
    "三会一课",
    "第一议题",
    "主题党日",
    "组织生活会",
    "民主生活会",
    "中心组学习",
    "党风廉政",
    "警示教育",
    "每月一警",
    "廉政提醒",
    "全面从严治党",
    "从严治党",
    "减假暂",
    "监区",
    "党支部",
    "党总支",
    "党小组",
    "纪检",
    "信访",
    "维稳",
    "五安全",
];

/// The words text is cut into: jieba's dictionary less its rarest words (data/README.md). With
/// jieba's whole dictionary the segmenter held about 20 MiB more of the server's memory (the
/// province run's highest mark fell from 134–137 to 110–116 MiB without it). A compound the list lacks (反腐败) is cut into the words it holds (反, 腐败), for the
/// records and for the query alike.
const WORD_LIST: &str = include_str!("../data/search_words.txt");

/// Names how the index is made: the word list, the domain words and what each kind indexes. A
/// database whose index was made another way is indexed anew at start
/// ([`index_anew_if_made_otherwise`]).
pub const INDEXING: &str = "jieba-0.11 freq>=5, domain words 2, people 1, inner words 4-8";

fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(|| {
        let mut j = Jieba::empty();
        if let Err(e) = j.load_dict(&mut WORD_LIST.as_bytes()) {
            // The list is part of the program and checked by a test; this cannot happen.
            tracing::error!("search word list unreadable: {e}");
        }
        for w in DOMAIN_WORDS {
            j.add_word(w, Some(100_000), None);
        }
        j
    })
}

/// The longest word looked for inside a longer one.
const INNER_WORDS_MAX: usize = 8;

/// Words of a text, for indexing: the search-mode cut also yields the short words inside long
/// ones ("党风廉政建设" gives 党风, 廉政, 建设 too), but only those of two and three characters;
/// the longer words inside a longer one are added here ("全面从严治党" gives 从严治党 too, which
/// a query for 从严治党 asks for).
pub fn words(text: &str) -> String {
    let j = jieba();
    let mut out: Vec<String> = Vec::new();
    for token in j.cut_for_search(text, true) {
        let word = token.word.trim();
        if word.is_empty() || !word.chars().any(char::is_alphanumeric) {
            continue;
        }
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        // Only words of up to INNER_WORDS_MAX characters are looked for: a long token (a number,
        // a code) costs a few lookups per character.
        let longest = chars.len().min(INNER_WORDS_MAX + 1);
        for len in 4..longest {
            for start in 0..=chars.len() - len {
                let from = chars[start].0;
                let to = chars.get(start + len).map_or(word.len(), |c| c.0);
                if j.has_word(&word[from..to]) {
                    out.push(word[from..to].to_lowercase());
                }
            }
        }
        out.push(word.to_lowercase());
    }
    out.join(" ")
}

fn query_words(q: &str) -> Vec<String> {
    jieba()
        .cut(q, true)
        .into_iter()
        .map(|w| w.word.trim().to_lowercase())
        .filter(|w| !w.is_empty() && w.chars().any(char::is_alphanumeric))
        .take(12)
        .collect()
}

/// Indexes (or re-indexes) one record's text, in the caller's transaction.
pub async fn index(
    tx: &mut Tx,
    kind: &str,
    record_id: i64,
    unit_id: i64,
    title: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    remove(tx, kind, record_id).await?;
    insert(tx, kind, record_id, unit_id, title, body).await
}

/// A record's document, where it has none.
async fn insert(
    tx: &mut Tx,
    kind: &str,
    record_id: i64,
    unit_id: i64,
    title: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO search_docs (kind, record_id, unit_id, title, words) VALUES ($1,$2,$3,$4,$5)")
        .bind(kind)
        .bind(record_id)
        .bind(unit_id)
        .bind(title)
        .bind(words(&format!("{title} {body}")))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Makes the index of every kind with a source anew from it when the index was made another way
/// than [`INDEXING`] (or by a version that did not say), in one transaction: each of the
/// source's records, cut the present way, and nothing else of that kind. A kind without a source
/// keeps what it has.
pub async fn index_anew_if_made_otherwise(
    db: &crate::db::Db,
    kinds: &[crate::registry::SearchKind],
) -> anyhow::Result<()> {
    let made: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(INDEXING_KEY)
        .fetch_optional(&db.pool)
        .await?;
    if made.as_deref() == Some(INDEXING) {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let mut n = 0;
    for k in kinds {
        let Some(source) = k.source else { continue };
        let rows: Vec<(i64, i64, String, String)> =
            sqlx::query_as(crate::db::AssertSqlSafe(source)).fetch_all(&mut *tx).await?;
        sqlx::query("DELETE FROM search_docs WHERE kind = $1").bind(k.kind).execute(&mut *tx).await?;
        for (id, unit, title, body) in rows {
            insert(&mut tx, k.kind, id, unit, &title, &body).await?;
            n += 1;
        }
    }
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = settings.version + 1, updated_at = excluded.updated_at",
    )
    .bind(INDEXING_KEY)
    .bind(INDEXING)
    .bind(jiff::Timestamp::now().as_millisecond())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if n > 0 {
        tracing::info!("全文检索：索引方式已更新（{INDEXING}），{n} 条记录已重新索引");
    }
    Ok(())
}

/// The settings key that names how the index was made.
const INDEXING_KEY: &str = "search.indexing";

pub async fn remove(tx: &mut Tx, kind: &str, record_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM search_docs WHERE kind = $1 AND record_id = $2")
        .bind(kind)
        .bind(record_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Hit {
    pub kind: String,
    pub record_id: i64,
    pub unit_id: i64,
    pub title: String,
}

/// Records of the given kinds whose text holds every word of the query, within the caller's scope.
pub async fn search(ctx: &Ctx, q: &str, kinds: &[&str], limit: i64) -> AppResult<Vec<Hit>> {
    let user = ctx.user()?;
    let ws = query_words(q);
    if ws.is_empty() || kinds.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT d.kind, d.record_id, d.unit_id, d.title FROM search_docs d ");
    match ctx.state.db.backend {
        Backend::Sqlite => {
            // Each word a quoted FTS5 string: user text can never be read as query syntax.
            let m = ws.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ");
            sql.push("JOIN search_fts f ON f.rowid = d.id WHERE search_fts MATCH ").bind(m);
        }
        Backend::Postgres => {
            sql.push("WHERE d.tsv @@ plainto_tsquery('simple', ").bind(ws.join(" ")).push(")");
        }
    }
    sql.push(" AND d.kind IN (");
    for (i, k) in kinds.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(k.to_string());
    }
    sql.push(") AND ");
    user.scope.push_condition(&mut sql, "d.unit_id", None);
    sql.push(" ORDER BY d.id DESC LIMIT ").push_number(limit.clamp(1, 200));
    Ok(sql.fetch_fresh(&ctx.state.db).await?)
}

/// A hit with where to open it.
#[derive(Clone, Debug, Serialize)]
pub struct Found {
    pub kind: String,
    pub kind_name: &'static str,
    pub record_id: i64,
    pub title: String,
    pub href: String,
}

/// Searches every kind the user may view.
pub async fn search_all(ctx: &Ctx, q: &str) -> AppResult<Vec<Found>> {
    let kinds: Vec<_> = ctx.state.registry.search.iter().filter(|k| ctx.can(k.need)).copied().collect();
    let names: Vec<&str> = kinds.iter().map(|k| k.kind).collect();
    let hits = search(ctx, q, &names, 100).await?;
    Ok(hits
        .into_iter()
        .filter_map(|h| {
            let k = kinds.iter().find(|k| k.kind == h.kind)?;
            Some(Found {
                href: format!("{}{}", k.href, h.record_id),
                kind_name: k.name,
                kind: h.kind,
                record_id: h.record_id,
                title: h.title,
            })
        })
        .collect())
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    frame: Frame,
    q: String,
    hits: Vec<Found>,
}

pub async fn page(ctx: Ctx, q: Query<BTreeMap<String, String>>) -> AppResult<Response> {
    let text: String = q.get("q").map(|s| s.trim().chars().take(100).collect()).unwrap_or_default();
    let hits = if text.is_empty() { Vec::new() } else { search_all(&ctx, &text).await? };
    let frame = Frame::new(&ctx, "全文检索", "", &[("全文检索", "")]);
    Ok(Html(SearchPage { frame, q: text, hits }).into_response())
}

pub async fn api(ctx: Ctx, q: Query<BTreeMap<String, String>>) -> AppResult<Response> {
    let text: String = q.get("q").map(|s| s.trim().chars().take(100).collect()).unwrap_or_default();
    let items = if text.is_empty() { Vec::new() } else { search_all(&ctx, &text).await? };
    let total = items.len();
    Ok(axum::Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": 100 })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_list_loads_whole() {
        let mut j = Jieba::empty();
        j.load_dict(&mut WORD_LIST.as_bytes()).unwrap();
        assert_eq!(WORD_LIST.lines().count(), 136_547);
        assert!(WORD_LIST.lines().all(|l| l.split(' ').nth(1).is_some_and(|f| f.parse::<u32>().is_ok_and(|f| f >= 5))));
    }

    /// A compound the word list lacks is cut into the words it holds, in the text and in the
    /// query alike: the query's words are among the text's.
    #[test]
    fn a_query_finds_the_text_it_was_cut_from() {
        for (text, q) in [
            ("深入推进反腐败斗争", "反腐败"),
            ("切实加强党风廉政建设", "党风廉政"),
            ("坚持从严治党不放松", "从严治党"),
            ("印发党委会会议纪要", "会议纪要"),
            ("开展第一议题学习", "第一议题"),
            // A word inside a domain word longer than itself.
            ("推进全面从严治党向纵深发展", "从严治党"),
            ("推进全面从严治党向纵深发展", "全面从严治党"),
        ] {
            let doc = words(text);
            for w in query_words(q) {
                assert!(doc.split(' ').any(|d| d == w), "{q}: {w} not in {doc}");
            }
        }
    }

    #[test]
    fn segments_domain_words() {
        let w = words("开展警示教育，加强党风廉政建设");
        assert!(w.split(' ').any(|x| x == "警示教育"), "{w}");
        assert!(w.split(' ').any(|x| x == "党风"), "{w}");
    }
}
