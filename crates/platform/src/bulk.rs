//! Bulk work, such as an export or the year's archive, on a thread of its own at a lower CPU
//! priority.
//!
//! A page is answered in a millisecond or two of CPU; exporting the province's year of measures
//! (30,000 rows) takes about 0.4 s, two thirds of it reading the rows. On ordinary threads the
//! export takes its full share of the two cores from every page asked for meanwhile. Its own
//! thread asks the kernel for less (nice +10: about a tenth of the share of an ordinary thread),
//! and so do the SQLite connections it reads through ([`crate::db::Db::bulk_reads`]); on
//! PostgreSQL, whose processes cannot be niced from here, bulk work reads through one connection
//! of its own, so that at most one database process reads for it at a time. On a busy
//! server the pages go first and the file takes longer; on an idle one the file is written at
//! full speed. The thread ends with the work, so a lowered priority never goes back to a shared
//! pool.

use tokio::sync::oneshot;

/// How much lower than the server's own the bulk threads' nice value is.
pub const NICER_BY: i32 = 10;

/// Runs `work` on a new thread named `gangju-{name}` at the lower priority. The receiver gets
/// what `work` returns, or an error if it panicked.
pub fn spawn<T, F>(name: &str, work: F) -> std::io::Result<oneshot::Receiver<T>>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new().name(format!("gangju-{name}")).spawn(move || {
        lower_priority();
        // The receiver may be gone (the request was abandoned): the result is not wanted then.
        let _ = tx.send(work());
    })?;
    Ok(rx)
}

/// On Linux a nice value belongs to one thread: this lowers only the calling one. It is best
/// effort; the work runs either way.
#[cfg(target_os = "linux")]
fn lower_priority() {
    use rustix::process::{getpriority_process, setpriority_process};
    let lowered = getpriority_process(None).map(|now| (now + NICER_BY).min(19));
    if let Err(e) = lowered.and_then(|nice| setpriority_process(None, nice)) {
        tracing::debug!("bulk thread keeps its priority: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_work_runs_at_a_lower_priority_and_the_caller_keeps_its_own() {
        let before = rustix::process::getpriority_process(None).unwrap();
        let rx = spawn("test", || rustix::process::getpriority_process(None).unwrap()).unwrap();
        assert_eq!(rx.await.unwrap(), (before + NICER_BY).min(19));
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), before);
    }

    #[tokio::test]
    async fn a_panic_in_the_work_is_an_error_for_the_caller() {
        let rx = spawn("test", || -> u8 { panic!("boom") }).unwrap();
        assert!(rx.await.is_err());
    }
}
