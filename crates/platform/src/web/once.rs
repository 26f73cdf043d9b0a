//! One record for a double submission (SECURITY.md: "Double submission creates one record").
//!
//! A double click, a second press of 提交 while the page is slow, or a client that retries: the
//! same session sending the same request (method, address, content type and body) again within
//! a few seconds gets the first request's answer, and the handler runs once. A request that comes
//! while the first is still running waits for it. Only successful answers are kept (a refusal is
//! worked out again), only small ones (redirects, JSON), and only for `WINDOW` after they were
//! given; a request changed in any byte, or sent after the window, is a new request.
//!
//! Requests without a logged-in user (login itself), without a declared length (chunked), or
//! larger than the body limit pass through untouched; so does every GET.

use crate::context::Ctx;
use axum::body::HttpBody;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sm3::{Digest, Sm3};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long an answer is given again for the same request.
pub const WINDOW: Duration = Duration::from_secs(5);
/// The longest a repeated request waits for the first one to finish before running itself.
const WAIT: Duration = Duration::from_secs(30);
/// Answers larger than this are not kept (they are pages or files, not the result of a save).
const MAX_KEPT_BODY: usize = 64 * 1024;
/// Requests remembered at most; beyond this (a flood) new requests are simply not guarded.
const MAX_ENTRIES: usize = 8192;
/// The memory all kept answers may hold together.
const MAX_KEPT_TOTAL: usize = 8 * 1024 * 1024;
/// The header that marks a repeated answer.
pub const REPLAYED: &str = "x-gangju-replayed";

type Key = [u8; 32];

/// The answer kept for replay.
#[derive(Clone)]
struct Kept {
    status: StatusCode,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    body: Bytes,
}

enum Entry {
    /// Running; its answer (or `None` when it is not kept) arrives on the channel.
    Running(watch::Receiver<Option<Option<Arc<Kept>>>>),
    Done {
        at: Instant,
        kept: Arc<Kept>,
    },
}

/// The requests of the last few seconds, and the bytes their kept answers hold.
#[derive(Default)]
struct Book {
    map: HashMap<Key, Entry>,
    kept_bytes: usize,
    pruned: Option<Instant>,
}

impl Book {
    /// Forgets answers older than the window.
    fn prune(&mut self, now: Instant) {
        let mut freed = 0;
        self.map.retain(|_, e| match e {
            Entry::Done { at, kept } if now.duration_since(*at) >= WINDOW => {
                freed += kept.size();
                false
            }
            _ => true,
        });
        self.kept_bytes -= freed;
        self.pruned = Some(now);
    }

    fn remove(&mut self, key: &Key) {
        if let Some(Entry::Done { kept, .. }) = self.map.remove(key) {
            self.kept_bytes -= kept.size();
        }
    }
}

impl Kept {
    fn size(&self) -> usize {
        self.body.len() + self.headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum::<usize>() + 64
    }
}

#[derive(Clone, Default)]
pub struct Submissions(Arc<Mutex<Book>>);

enum Turn {
    First(watch::Sender<Option<Option<Arc<Kept>>>>),
    Wait(watch::Receiver<Option<Option<Arc<Kept>>>>),
    Replay(Arc<Kept>),
    Unguarded,
}

impl Submissions {
    fn take_turn(&self, key: Key) -> Turn {
        let mut book = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if book.pruned.is_none_or(|p| now.duration_since(p) >= Duration::from_secs(1)) {
            book.prune(now);
        }
        match book.map.get(&key) {
            Some(Entry::Done { at, kept }) if now.duration_since(*at) < WINDOW => return Turn::Replay(kept.clone()),
            Some(Entry::Running(rx)) => return Turn::Wait(rx.clone()),
            _ => {}
        }
        if book.map.len() >= MAX_ENTRIES {
            return Turn::Unguarded;
        }
        book.remove(&key);
        let (tx, rx) = watch::channel(None);
        book.map.insert(key, Entry::Running(rx));
        Turn::First(tx)
    }

    /// Records the answer of the first request (`None`: not kept, the entry goes). Beyond the
    /// memory budget an answer is simply not kept.
    fn finish(&self, key: Key, kept: Option<Arc<Kept>>) {
        let mut book = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        book.remove(&key);
        if let Some(k) = kept
            && book.kept_bytes + k.size() <= MAX_KEPT_TOTAL
        {
            book.kept_bytes += k.size();
            book.map.insert(key, Entry::Done { at: Instant::now(), kept: k });
        }
    }
}

/// Removes the running entry if the first request is dropped (client gone) before it finished, so
/// a repeat is not left waiting for an answer that will never come.
struct Unfinished<'a> {
    subs: &'a Submissions,
    key: Key,
    done: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.subs.finish(self.key, None);
        }
    }
}

pub async fn guard(State(subs): State<Submissions>, req: Request, next: Next) -> Response {
    let Some(identity) = identity(&req) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    // A body that cannot be read whole here is left for the handler, which refuses it in its
    // own words; reading it here would spend it.
    let bytes = match to_bytes(body, declared_len(&parts.headers)).await {
        Ok(b) => b,
        Err(_) => return crate::error::AppError::BadRequest("请求数据不完整，请重试".into()).into_response(),
    };
    let key = key_of(&identity, &parts.method, &parts.uri, &parts.headers, &bytes);
    let req = Request::from_parts(parts, Body::from(bytes));
    let tx = match subs.take_turn(key) {
        Turn::Replay(kept) => return replay(&kept),
        Turn::Unguarded => return next.run(req).await,
        Turn::Wait(mut rx) => {
            let first = match tokio::time::timeout(WAIT, rx.wait_for(Option::is_some)).await {
                Ok(Ok(answer)) => answer.clone().flatten(),
                _ => None,
            };
            // The first was refused, not kept, or is taking too long: this one runs on its own.
            return match first {
                Some(kept) => replay(&kept),
                None => next.run(req).await,
            };
        }
        Turn::First(tx) => tx,
    };
    let mut pending = Unfinished { subs: &subs, key, done: false };
    let resp = next.run(req).await;
    let (resp, kept) = keep(resp).await;
    subs.finish(key, kept.clone());
    pending.done = true;
    let _ = tx.send(Some(kept));
    resp
}

/// Who is sending: the user and their session, for state-changing requests of a logged-in user
/// whose body length is declared and within the limit. `None` means "not guarded".
fn identity(req: &Request) -> Option<String> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let ctx = req.extensions().get::<Ctx>()?;
    let user = ctx.user.as_ref()?;
    let len = declared_len(req.headers());
    let limit = ctx.state.policy().max_upload_bytes + 64 * 1024;
    if len == 0 && req.headers().get(header::CONTENT_LENGTH).is_none() || len > limit {
        return None;
    }
    Some(format!("{}\u{1f}{}", user.id, user.csrf))
}

fn declared_len(h: &HeaderMap) -> usize {
    h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn key_of(identity: &str, method: &Method, uri: &axum::http::Uri, h: &HeaderMap, body: &[u8]) -> Key {
    let mut d = Sm3::new();
    let content_type = h.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default();
    for part in [identity.as_bytes(), method.as_str().as_bytes(), uri.to_string().as_bytes(), content_type] {
        d.update((part.len() as u64).to_be_bytes());
        d.update(part);
    }
    d.update(body);
    d.finalize().into()
}

/// The answer, and a copy to keep when it is a success small enough to give again.
async fn keep(resp: Response) -> (Response, Option<Arc<Kept>>) {
    let status = resp.status();
    // Only a body whose whole size is known and small is kept: a streamed file is not.
    let small = resp.body().size_hint().exact().is_some_and(|n| n <= MAX_KEPT_BODY as u64);
    if !(status.is_success() || status.is_redirection()) || !small {
        return (resp, None);
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_KEPT_BODY).await else {
        return (crate::error::AppError::Internal(anyhow::anyhow!("无法读取应答")).into_response(), None);
    };
    let kept_headers = [header::LOCATION, header::CONTENT_TYPE, header::SET_COOKIE];
    let headers =
        parts.headers.iter().filter(|(k, _)| kept_headers.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let kept = Arc::new(Kept { status, headers, body: bytes.clone() });
    (Response::from_parts(parts, Body::from(bytes)), Some(kept))
}

fn replay(kept: &Kept) -> Response {
    let mut resp = Response::new(Body::from(kept.body.clone()));
    *resp.status_mut() = kept.status;
    for (k, v) in &kept.headers {
        resp.headers_mut().append(k.clone(), v.clone());
    }
    resp.headers_mut().insert(REPLAYED, HeaderValue::from_static("1"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(bytes: usize) -> Option<Arc<Kept>> {
        Some(Arc::new(Kept { status: StatusCode::OK, headers: Vec::new(), body: Bytes::from(vec![b'x'; bytes]) }))
    }

    #[test]
    fn kept_answers_stay_within_the_memory_budget() {
        let subs = Submissions::default();
        let key = |n: u8| [n; 32];
        for n in 0..3 {
            assert!(matches!(subs.take_turn(key(n)), Turn::First(_)));
            subs.finish(key(n), kept(3 * 1024 * 1024));
        }
        // Two answers of 3 MiB fit in the 8 MiB budget; the third is not kept, and runs again.
        assert!(matches!(subs.take_turn(key(0)), Turn::Replay(_)));
        assert!(matches!(subs.take_turn(key(1)), Turn::Replay(_)));
        assert!(matches!(subs.take_turn(key(2)), Turn::First(_)));
        let book = subs.0.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(book.kept_bytes <= MAX_KEPT_TOTAL);
        assert_eq!(book.kept_bytes, 2 * (3 * 1024 * 1024 + 64));
    }

    #[test]
    fn a_request_not_kept_leaves_nothing_behind() {
        let subs = Submissions::default();
        assert!(matches!(subs.take_turn([7; 32]), Turn::First(_)));
        assert!(matches!(subs.take_turn([7; 32]), Turn::Wait(_)), "a repeat waits for the running one");
        subs.finish([7; 32], None);
        assert!(matches!(subs.take_turn([7; 32]), Turn::First(_)), "a refusal is worked out again");
    }
}
