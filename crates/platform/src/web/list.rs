//! List pages and list endpoints: paging with limits, allow-listed sorting, filters from the query
//! string, one count and one page query, bounded always.

use crate::db::{Db, Sql};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub const PAGE_SIZES: &[i64] = &[10, 20, 50, 100];
pub const API_MAX_PER_PAGE: i64 = 200;

#[derive(Clone, Debug)]
pub struct ListParams {
    pub page: i64,
    pub per_page: i64,
    /// The SQL of the chosen sort column (from the allow-list, never from the request).
    pub order_sql: String,
    pub sort_key: String,
    pub desc: bool,
    pub raw: BTreeMap<String, String>,
    /// Set only by a streamed export ([`crate::ledger::export::export_list`]): which slice of the
    /// list's sorted keys this call reads.
    pub export: Option<ExportWindow>,
}

/// A streamed export reads a list in slices. The first slice reads every matching key in the
/// list's order at once (a few bytes a row) and keeps them; every slice then reads the full
/// columns for its keys only. So the rows are those that matched when the export began, each
/// once, in order, however many are written meanwhile — and no slice walks past the ones
/// before it, as OFFSET would.
#[derive(Clone, Debug, Default)]
pub struct ExportWindow {
    keys: std::sync::Arc<std::sync::OnceLock<Vec<i64>>>,
    slice: usize,
}

impl ExportWindow {
    /// Rows per slice.
    pub const SLICE: usize = 2_000;

    pub fn at(&self, slice: usize) -> Self {
        Self { keys: self.keys.clone(), slice }
    }

    /// Whether the list read its keys through this window (a list not built on [`fetch_page`]
    /// answers with every row at once instead).
    pub fn used(&self) -> bool {
        self.keys.get().is_some()
    }

    pub fn total(&self) -> usize {
        self.keys.get().map_or(0, Vec::len)
    }

    fn part(&self) -> &[i64] {
        let keys = self.keys.get().map_or(&[][..], Vec::as_slice);
        let from = (self.slice * Self::SLICE).min(keys.len());
        &keys[from..(from + Self::SLICE).min(keys.len())]
    }
}

impl ListParams {
    /// `sorts` maps the names a request may use to SQL; the first entry is the default.
    pub fn parse(raw: BTreeMap<String, String>, sorts: &[(&str, &str)], api: bool) -> Self {
        let num = |k: &str| raw.get(k).and_then(|v| v.trim().parse::<i64>().ok());
        let max = if api { API_MAX_PER_PAGE } else { 100 };
        let per_page = num("per_page").unwrap_or(if api { 20 } else { 10 }).clamp(1, max);
        let page = num("page").unwrap_or(1).clamp(1, 1_000_000);
        let wanted = raw.get("sort").map(String::as_str).unwrap_or("");
        let (key, col) =
            sorts.iter().find(|(k, _)| *k == wanted).or_else(|| sorts.first()).copied().unwrap_or(("id", "id"));
        let desc = raw.get("order").is_some_and(|o| o == "desc");
        Self {
            page,
            per_page,
            order_sql: format!("{col} {}", if desc { "DESC" } else { "ASC" }),
            sort_key: key.into(),
            desc,
            raw,
            export: None,
        }
    }

    /// A filter value, trimmed; "" when absent.
    pub fn get(&self, key: &str) -> &str {
        self.raw.get(key).map(|s| s.trim()).unwrap_or("")
    }

    pub fn get_i64(&self, key: &str) -> Option<i64> {
        self.get(key).parse().ok()
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// A column header's link: sorts by `key`, or flips the order when already sorted by it.
    pub fn sort_href(&self, path: &str, key: &str) -> String {
        let order = if self.sort_key == key && !self.desc { "desc" } else { "asc" };
        format!(
            "{path}?{}",
            self.query_with(&[("sort", key.to_string()), ("order", order.to_string()), ("page", "1".into())])
        )
    }

    /// ▲ or ▼ beside the column the list is sorted by (only when the user chose it).
    pub fn sort_mark(&self, key: &str) -> &'static str {
        match (self.raw.contains_key("sort") && self.sort_key == key, self.desc) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        }
    }

    /// The current query string with some keys replaced: for page links and sort links.
    pub fn query_with(&self, changes: &[(&str, String)]) -> String {
        let mut m = self.raw.clone();
        for (k, v) in changes {
            m.insert(k.to_string(), v.clone());
        }
        m.iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{}={}", super::url_encode(k), super::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// Runs `SELECT count(*) FROM …` and `SELECT {select} FROM … ORDER BY … LIMIT … OFFSET …`, where
/// `from_where` pushes the shared `FROM … WHERE …` (with its bound filters) onto each.
/// `key` is the table's unique key, added to the sort so pages never overlap or skip rows.
pub async fn fetch_page<T>(
    db: &Db,
    select: &str,
    key: &str,
    from_where: impl Fn(&mut Sql),
    p: &ListParams,
) -> Result<Paged<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Clone + Send + Sync + Unpin + 'static,
{
    if let Some(window) = &p.export {
        // A grouped list has no plain WHERE to add the slice's keys to: it answers whole.
        let mut probe = Sql::new("");
        from_where(&mut probe);
        if !probe.text().contains("GROUP BY") {
            return fetch_slice(db, select, key, from_where, p, window).await;
        }
    }
    let mut count = Sql::new("SELECT count(*) ");
    from_where(&mut count);
    count.drop_unused_lookups();
    let deferrable = count.text().contains(" WHERE ") && !count.text().contains("GROUP BY");
    // A first page that is not full holds every match: its length is the total, and the count
    // query is not needed (most filtered lists, and every to-do drawn from a list).
    let total_of = |found: usize| async move {
        if p.offset() == 0 && (found as i64) < p.per_page {
            Ok(found as i64)
        } else {
            count.fetch_fresh_scalar::<i64>(db).await
        }
    };
    // The page's keys first, sorted with nothing else computed; then the full columns (with
    // their subqueries) for those rows only. Without this a database computes every column of
    // every matching row before it sorts and cuts the page.
    if deferrable && let Ok(ids) = keys_in_order(db, key, &from_where, p, Some(p.offset())).await {
        if ids.is_empty() {
            let total = total_of(0).await?;
            return Ok(Paged { items: Vec::new(), total, page: p.page, per_page: p.per_page });
        }
        let items = rows_for_keys::<T>(db, select, key, &from_where, p, &ids).await?;
        // Every key read satisfies the filter, so the rows include them all; exactly as many
        // rows means exactly those (a filter ending in a bare OR would bind the added AND to
        // its last part and bring more — then the plain query below answers instead).
        if items.len() == ids.len() {
            let total = total_of(ids.len()).await?;
            return Ok(Paged { items, total, page: p.page, per_page: p.per_page });
        }
    }
    let mut q = Sql::new("SELECT ");
    q.push(select).push(" ");
    from_where(&mut q);
    q.push(" ORDER BY ")
        .push(&p.order_sql)
        .push(", ")
        .push(key)
        .push(" LIMIT ")
        .push_number(p.per_page)
        .push(" OFFSET ")
        .push_number(p.offset());
    let items = q.fetch_fresh::<T>(db).await?;
    let total = total_of(items.len()).await?;
    Ok(Paged { items, total, page: p.page, per_page: p.per_page })
}

/// One slice of a streamed export (see [`ExportWindow`]).
async fn fetch_slice<T>(
    db: &Db,
    select: &str,
    key: &str,
    from_where: impl Fn(&mut Sql),
    p: &ListParams,
    window: &ExportWindow,
) -> Result<Paged<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Clone + Send + Sync + Unpin + 'static,
{
    if !window.used() {
        let _ = window.keys.set(keys_in_order(db, key, &from_where, p, None).await?);
    }
    let total = window.total() as i64;
    let part = window.part();
    let per_page = ExportWindow::SLICE as i64;
    let page = window.slice as i64 + 1;
    if part.is_empty() {
        return Ok(Paged { items: Vec::new(), total, page, per_page });
    }
    let items = slice_rows::<T>(db, select, key, &from_where, part).await?;
    // Fewer rows than keys: some were deleted since the export began. More would mean the
    // list's filter does not bind the added AND (a bare OR): refused rather than widened.
    if items.len() > part.len() {
        return Err(sqlx::Error::Protocol(format!("export slice of {key} read more rows than keys")));
    }
    Ok(Paged { items, total, page, per_page })
}

/// The list's keys in its order: `per_page` of them from `offset` (a page), or from the first
/// (a streamed export, whose `per_page` is the export limit).
async fn keys_in_order(
    db: &Db,
    key: &str,
    from_where: &impl Fn(&mut Sql),
    p: &ListParams,
    offset: Option<i64>,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut q = Sql::new("SELECT ");
    q.push(key).push(" ");
    from_where(&mut q);
    q.push(" ORDER BY ").push(&p.order_sql).push(", ").push(key).push(" LIMIT ").push_number(p.per_page);
    if let Some(offset) = offset {
        q.push(" OFFSET ").push_number(offset);
    }
    q.drop_unused_lookups();
    // Kept while fresh: a page's keys are asked again and again (the first pages of a list). An
    // export's are read outside any request, and not kept.
    Ok(q.fetch_fresh::<(i64,)>(db).await?.into_iter().map(|(k,)| k).collect())
}

/// The full columns (with their subqueries) of a page's rows, by their keys, in the list's
/// order; kept while fresh.
async fn rows_for_keys<T>(
    db: &Db,
    select: &str,
    key: &str,
    from_where: &impl Fn(&mut Sql),
    p: &ListParams,
    ids: &[i64],
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Clone + Send + Sync + Unpin + 'static,
{
    let mut q = rows_with_keys(select, key, from_where, ids, false);
    q.push(" ORDER BY ").push(&p.order_sql).push(", ").push(key);
    q.fetch_fresh::<T>(db).await
}

/// The full columns of an export slice's rows, in the order of its keys. The keys are already
/// in the list's order, so the rows are put in it here rather than sorted again by the
/// database: sorting a province's slice of 2,000 measures by their overdue expression was a
/// third of the slice's read. Not kept: an export is read on its bulk thread, outside any request
/// (`ledger::export`), and a province's slices, kept, would only push the pages' kept reads out.
async fn slice_rows<T>(
    db: &Db,
    select: &str,
    key: &str,
    from_where: &impl Fn(&mut Sql),
    ids: &[i64],
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    use sqlx::Row;
    let q = rows_with_keys(select, key, from_where, ids, true);
    let rows = q.query().fetch_all(&db.reads()).await?;
    let place: HashMap<i64, usize> = ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
    let mut placed = Vec::with_capacity(rows.len());
    for row in &rows {
        let k: i64 = row.try_get(SLICE_KEY)?;
        let at = place.get(&k).copied().ok_or_else(|| sqlx::Error::Protocol(format!("export slice read {key} {k}")))?;
        placed.push((at, T::from_row(row)?));
    }
    placed.sort_unstable_by_key(|(at, _)| *at);
    Ok(placed.into_iter().map(|(_, t)| t).collect())
}

/// The name an export slice reads its rows' keys under.
const SLICE_KEY: &str = "export_slice_key";

/// `SELECT {select}[, {key} AS export_slice_key] FROM … WHERE … AND {key} IN ({ids})`.
fn rows_with_keys(select: &str, key: &str, from_where: &impl Fn(&mut Sql), ids: &[i64], read_key: bool) -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(select);
    if read_key {
        q.push(", ").push(key).push(" AS ").push(SLICE_KEY);
    }
    q.push(" ");
    from_where(&mut q);
    let joiner = if q.text().contains(" WHERE ") { " AND " } else { " WHERE " };
    q.push(joiner).push(key).push(" IN (").push_ids(ids.iter().copied()).push(")");
    q
}

/// What the pagination bar shows.
pub struct Pager {
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
    pub links: Vec<(String, String, bool)>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub sizes: Vec<(i64, String, bool)>,
    pub hidden: Vec<(String, String)>,
}

impl Pager {
    pub fn new<T>(paged: &Paged<T>, p: &ListParams, path: &str) -> Self {
        let pages = paged.pages();
        let link = |n: i64| format!("{path}?{}", p.query_with(&[("page", n.to_string())]));
        let lo = (paged.page - 3).max(1);
        let hi = (lo + 6).min(pages);
        let links = (lo..=hi).map(|n| (n.to_string(), link(n), n == paged.page)).collect();
        let sizes = PAGE_SIZES
            .iter()
            .map(|s| {
                (
                    *s,
                    format!("{path}?{}", p.query_with(&[("per_page", s.to_string()), ("page", "1".into())])),
                    *s == p.per_page,
                )
            })
            .collect();
        let hidden =
            p.raw.iter().filter(|(k, v)| *k != "page" && !v.is_empty()).map(|(k, v)| (k.clone(), v.clone())).collect();
        Self {
            total: paged.total,
            page: paged.page,
            pages,
            per_page: p.per_page,
            links,
            prev: (paged.page > 1).then(|| link(paged.page - 1)),
            next: (paged.page < pages).then(|| link(paged.page + 1)),
            sizes,
            hidden,
        }
    }
}

/// What every list page computes besides its rows: the frame, the pager, the row offset for 序号
/// and the query string the 导出 link carries (the current filters, without paging).
pub struct ListScreen {
    pub frame: super::Frame,
    pub pager: Pager,
    pub offset: i64,
    pub export_q: String,
}

impl ListScreen {
    /// `menu` is the list's own path (its menu entry); crumbs are below 首页.
    pub fn new<T>(
        ctx: &crate::Ctx,
        p: &ListParams,
        paged: &Paged<T>,
        menu: &str,
        title: &str,
        crumbs: &[(&str, &str)],
    ) -> Self {
        Self {
            frame: super::Frame::new(ctx, title, menu, crumbs),
            pager: Pager::new(paged, p, menu),
            offset: p.offset(),
            export_q: p.query_with(&[("page", String::new()), ("per_page", String::new())]),
        }
    }
}

impl ListParams {
    /// The parameters of an export: the same filters and order, every row up to the export limit.
    /// Also returns the filters in words for the audit row.
    pub fn for_export(raw: BTreeMap<String, String>, sorts: &[(&str, &str)]) -> (Self, String) {
        let mut p = Self::parse(raw, sorts, true);
        p.per_page = crate::ledger::export::MAX_EXPORT_ROWS;
        p.page = 1;
        let filters = p.query_with(&[]);
        (p, filters)
    }
}
