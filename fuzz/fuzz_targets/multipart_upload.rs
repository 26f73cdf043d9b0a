//! A multipart upload as the import and attachment handlers read it.
//!
//! Input: one byte choosing how the body is split into chunks (0: one chunk, n: chunks of n
//! bytes, so the parser meets boundaries split across reads), then the boundary up to the first
//! `\n`, then the body.
#![no_main]

use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart};
use axum::http::{HeaderValue, Request, header};
use libfuzzer_sys::fuzz_target;
use platform::ledger::upload::{Upload, read_upload, sanitize_name};

const MAX_BYTES: usize = 1024;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().unwrap())
}

fn check(upload: &Upload) {
    let name = &upload.file_name;
    assert!(!name.is_empty());
    assert!(name.chars().count() <= 120, "{name:?}");
    assert!(!name.chars().any(|c| c.is_control() || c == '/' || c == '\\'), "{name:?}");
    assert!(!name.starts_with('.'), "{name:?}");
    assert_eq!(name.trim(), name, "{name:?}");
    assert_eq!(&sanitize_name(name), name, "sanitising twice changes {name:?}");
    assert!(!upload.bytes.is_empty() && upload.bytes.len() <= MAX_BYTES);
    for value in upload.fields.values() {
        assert!(value.chars().count() <= 10_000);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else { return };
    let Some(newline) = rest.iter().position(|b| *b == b'\n') else { return };
    let (boundary, body) = (&rest[..newline], &rest[newline + 1..]);
    let mut content_type = b"multipart/form-data; boundary=".to_vec();
    content_type.extend_from_slice(boundary);
    let Ok(content_type) = HeaderValue::from_bytes(&content_type) else { return };
    let body = if chunk == 0 {
        Body::from(body.to_vec())
    } else {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            body.chunks(usize::from(chunk)).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        Body::from_stream(futures_util::stream::iter(chunks))
    };
    let request =
        Request::builder().method("POST").uri("/import").header(header::CONTENT_TYPE, content_type).body(body).unwrap();
    runtime().block_on(async {
        let Ok(multipart) = Multipart::from_request(request, &()).await else { return };
        if let Ok(upload) = read_upload(multipart, MAX_BYTES).await {
            check(&upload);
        }
    });
});
