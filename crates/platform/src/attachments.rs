//! Attachments for any record: size limit while reading, type checked by content, stored under a
//! server-made name, authorised by the attachment's own unit (not by the record named in the URL),
//! always served as a download.

use crate::audit::Event;
use crate::context::Ctx;
use crate::db::Sql;
use crate::error::{AppError, AppResult};
use crate::ledger::upload::read_upload;
use crate::perm::Need;
use crate::registry::BoxFuture;
use crate::routes::Routes;
use crate::web::{download, redirect_with_flash};
use axum::extract::{Multipart, Path, Query};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sm3::{Digest, Sm3};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A record kind that can own attachments says who may see and change them, and which unit a
/// record belongs to (answering NotFound when the record is outside the caller's scope).
pub trait AttachmentOwner: Send + Sync {
    fn view_perm(&self) -> &'static str;
    fn edit_perm(&self) -> &'static str;
    fn unit_of<'a>(&'a self, ctx: &'a Ctx, owner_id: i64) -> BoxFuture<'a, AppResult<i64>>;
    /// Where to go back to after an upload from a page.
    fn page(&self, owner_id: i64) -> String;
    /// A labelled owner (cases, talks, petitions …): reaching a file also needs the owner record
    /// itself readable (`unit_of` applies the label and the clearance), on top of the file's unit.
    fn labelled(&self) -> bool {
        false
    }
}

pub type Owners = BTreeMap<&'static str, Arc<dyn AttachmentOwner>>;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub owner_type: String,
    pub owner_id: i64,
    pub unit_id: i64,
    pub file_name: String,
    pub stored_name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

impl Attachment {
    /// 812 B, 3.4 KB, 1.2 MB.
    pub fn size_text(&self) -> String {
        match self.size {
            n if n < 1024 => format!("{n} B"),
            n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
            n => format!("{:.1} MB", n as f64 / 1024.0 / 1024.0),
        }
    }
}

/// Accepted content, by what the bytes are, not what the name says.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(t) = infer::get(bytes) {
        return match t.mime_type() {
            m @ ("application/pdf"
            | "image/jpeg"
            | "image/png"
            | "image/gif"
            | "image/webp"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "application/msword"
            | "application/vnd.ms-excel"
            | "application/x-ole-storage"
            | "application/zip"
            | "audio/mpeg"
            | "video/mp4") => Some(m),
            _ => None,
        };
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let head = text.trim_start().get(..64).unwrap_or(text).to_ascii_lowercase();
    // Plain text is fine; markup that a browser would run is not.
    if text.contains('\0')
        || head.starts_with("<!doctype")
        || head.starts_with("<html")
        || head.starts_with("<svg")
        || head.starts_with("<?xml")
    {
        return None;
    }
    Some("text/plain; charset=utf-8")
}

pub fn routes(r: Routes) -> Routes {
    r.post("/attachments", Need::LoggedIn, "上传附件（owner_type, owner_id）", upload)
        .get("/attachments/{id}", Need::LoggedIn, "下载附件", fetch)
        .post("/attachments/{id}/delete", Need::LoggedIn, "删除附件", remove)
        .get("/api/v1/attachments", Need::LoggedIn, "某记录的附件列表（owner_type, owner_id）", api_list)
        .post("/api/v1/attachments", Need::LoggedIn, "上传附件（owner_type, owner_id）", upload)
        .get("/api/v1/attachments/{id}", Need::LoggedIn, "下载附件", fetch)
        .delete("/api/v1/attachments/{id}", Need::LoggedIn, "删除附件", remove)
}

fn owner<'a>(ctx: &'a Ctx, kind: &str) -> AppResult<&'a Arc<dyn AttachmentOwner>> {
    ctx.state.registry.attachment_owners.get(kind).ok_or(AppError::NotFound)
}

async fn upload(ctx: Ctx, q: Query<BTreeMap<String, String>>, mp: Multipart) -> AppResult<Response> {
    let user = ctx.user()?.clone();
    let kind = q.get("owner_type").cloned().unwrap_or_default();
    let owner_id: i64 = q.get("owner_id").and_then(|v| v.parse().ok()).ok_or(AppError::NotFound)?;
    let own = owner(&ctx, &kind)?.clone();
    if !user.can(own.edit_perm()) {
        return Err(AppError::Forbidden);
    }
    let unit_id = own.unit_of(&ctx, owner_id).await?;
    let up = read_upload(mp, ctx.state.policy().max_upload_bytes).await?;
    let ct = sniff(&up.bytes)
        .ok_or_else(|| AppError::field("file", "不支持的文件类型：请上传 PDF、图片、Office 文档或纯文本"))?;
    let stored = hex::encode(rand::random::<[u8; 16]>());
    let path = ctx.state.files_dir().join(&stored[..2]).join(&stored);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(anyhow::Error::from)?;
    }
    tokio::fs::write(&path, &up.bytes).await.map_err(anyhow::Error::from)?;
    let sum = hex::encode(Sm3::digest(&up.bytes));
    let record = Stored {
        kind: &kind,
        owner_id,
        unit_id,
        file_name: &up.file_name,
        stored: &stored,
        content_type: ct,
        size: up.bytes.len() as i64,
        checksum: sum,
    };
    let id = match record.save(&ctx, user.id).await {
        Ok(id) => id,
        Err(e) => {
            // The file is written before its row; without the row it must not stay on disk.
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e);
        }
    };
    if ctx.is_api {
        return Ok((axum::http::StatusCode::CREATED, axum::Json(serde_json::json!({ "id": id }))).into_response());
    }
    Ok(redirect_with_flash(&own.page(owner_id), "附件已上传"))
}

struct Stored<'a> {
    kind: &'a str,
    owner_id: i64,
    unit_id: i64,
    file_name: &'a str,
    stored: &'a str,
    content_type: &'static str,
    size: i64,
    checksum: String,
}

impl Stored<'_> {
    /// The attachment's row and its audit row, in one transaction.
    async fn save(&self, ctx: &Ctx, user_id: i64) -> AppResult<i64> {
        let mut tx = ctx.state.db.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (owner_type, owner_id, unit_id, file_name, stored_name, content_type, size, checksum, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
        )
        .bind(self.kind.to_string())
        .bind(self.owner_id)
        .bind(self.unit_id)
        .bind(self.file_name.to_string())
        .bind(self.stored.to_string())
        .bind(self.content_type)
        .bind(self.size)
        .bind(self.checksum.clone())
        .bind(user_id)
        .bind(ctx.state.clock.now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let detail = format!("{}#{} {}", self.kind, self.owner_id, self.file_name);
        ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("create", "attachment", id).detail(detail)).await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// Loads an attachment only if its own unit is inside the caller's scope; otherwise NotFound,
/// and the attempt is audited.
async fn load(ctx: &Ctx, id: i64, need_edit: bool) -> AppResult<Attachment> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT id, owner_type, owner_id, unit_id, file_name, stored_name, content_type, size, created_at FROM attachments WHERE id = ",
    );
    q.bind(id).push(" AND ");
    user.scope.push_condition(&mut q, "unit_id", Some("created_by"));
    let found: Option<Attachment> = q.query_as().fetch_optional(&ctx.state.db.pool).await?;
    let allowed = match found.as_ref() {
        Some(a) => may_reach(ctx, a, need_edit).await,
        None => false,
    };
    match found {
        Some(a) if allowed => Ok(a),
        _ => {
            ctx.state.audit_alone(&ctx.actor(), Event::failed("access_denied", "attachment", id)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Whether the caller may read (or change) an attachment already found in scope: the owner kind's
/// permission, and for a labelled owner the owner record itself readable.
async fn may_reach(ctx: &Ctx, a: &Attachment, need_edit: bool) -> bool {
    let Ok(user) = ctx.user() else { return false };
    let Some(o) = ctx.state.registry.attachment_owners.get(a.owner_type.as_str()) else { return false };
    if !user.can(if need_edit { o.edit_perm() } else { o.view_perm() }) {
        return false;
    }
    !o.labelled() || o.unit_of(ctx, a.owner_id).await.is_ok()
}

/// Where an attachment's bytes are stored.
pub fn stored_path(ctx: &Ctx, a: &Attachment) -> std::path::PathBuf {
    ctx.state.files_dir().join(a.stored_name.get(..2).unwrap_or("xx")).join(&a.stored_name)
}

/// Every attachment uploaded between two instants (ms) that the caller could download, oldest
/// first: for the year's archive.
pub async fn readable_between(ctx: &Ctx, from_ms: i64, to_ms: i64) -> AppResult<Vec<Attachment>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT id, owner_type, owner_id, unit_id, file_name, stored_name, content_type, size, created_at FROM attachments WHERE created_at >= ",
    );
    q.bind(from_ms).push(" AND created_at < ").bind(to_ms).push(" AND ");
    user.scope.push_condition(&mut q, "unit_id", Some("created_by"));
    q.push(" ORDER BY created_at, id");
    let found: Vec<Attachment> = q.query_as().fetch_all(&ctx.state.db.pool).await?;
    let mut out = Vec::with_capacity(found.len());
    for a in found {
        if may_reach(ctx, &a, false).await {
            out.push(a);
        }
    }
    Ok(out)
}

async fn fetch(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = load(&ctx, id, false).await?;
    let path = stored_path(&ctx, &a);
    let bytes = tokio::fs::read(&path).await.map_err(|e| anyhow::anyhow!("reading attachment {id}: {e}"))?;
    let ct: &'static str = match a.content_type.as_str() {
        "application/pdf" => "application/pdf",
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "text/plain; charset=utf-8" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    Ok(download(bytes, &a.file_name, ct))
}

async fn remove(ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = load(&ctx, id, true).await?;
    let mut tx = ctx.state.db.begin().await?;
    sqlx::query("DELETE FROM attachments WHERE id = $1").bind(id).execute(&mut *tx).await?;
    ctx.state.audit(&mut tx, &ctx.actor(), Event::ok("delete", "attachment", id).detail(a.file_name.clone())).await?;
    tx.commit().await?;
    let path = ctx.state.files_dir().join(a.stored_name.get(..2).unwrap_or("xx")).join(&a.stored_name);
    let _ = tokio::fs::remove_file(path).await;
    if ctx.is_api {
        return Ok(axum::http::StatusCode::NO_CONTENT.into_response());
    }
    let back = owner(&ctx, &a.owner_type).map(|o| o.page(a.owner_id)).unwrap_or_else(|_| "/".into());
    Ok(redirect_with_flash(&back, "附件已删除"))
}

/// The attachments of one record the caller can see: for a record's page and the API.
pub async fn list_for(ctx: &Ctx, owner_type: &str, owner_id: i64) -> AppResult<Vec<Attachment>> {
    let user = ctx.user()?;
    let mut q = Sql::new(
        "SELECT id, owner_type, owner_id, unit_id, file_name, stored_name, content_type, size, created_at FROM attachments WHERE owner_type = ",
    );
    q.bind(owner_type.to_string()).push(" AND owner_id = ").bind(owner_id).push(" AND ");
    user.scope.push_condition(&mut q, "unit_id", Some("created_by"));
    q.push(" ORDER BY id LIMIT 200");
    Ok(q.query_as().fetch_all(&ctx.state.db.pool).await?)
}

async fn api_list(ctx: Ctx, q: Query<BTreeMap<String, String>>) -> AppResult<Response> {
    let kind = q.get("owner_type").cloned().unwrap_or_default();
    let owner_id: i64 = q.get("owner_id").and_then(|v| v.parse().ok()).ok_or(AppError::NotFound)?;
    let own = owner(&ctx, &kind)?.clone();
    if !ctx.can(own.view_perm()) {
        return Err(AppError::Forbidden);
    }
    own.unit_of(&ctx, owner_id).await?;
    let items = list_for(&ctx, &kind, owner_id).await?;
    let total = items.len();
    Ok(axum::Json(serde_json::json!({ "items": items, "total": total, "page": 1, "per_page": 200 })).into_response())
}
