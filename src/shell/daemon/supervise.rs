//! Panics in the daemon's tasks. A panic is a bug: the daemon carries on
//! (the reconcile runs again at its next wake-up, the HTTP connection is
//! answered with a 500), but it is logged and counted, and `/healthz`
//! says `degraded` until the daemon is restarted, so that an operator
//! hears of it.
//!
//! Every task the daemon spawns is joined through [`join`], spawned
//! through [`spawn`], or its join error handed to [`panicked`].

use std::future::Future;
use std::sync::Arc;

use tokio::task::{JoinError, JoinHandle};

use super::state::Shared;

/// Awaits `handle`; a panic is recorded against `task` and gives `None`.
pub async fn join<T>(shared: &Shared, task: &str, handle: JoinHandle<T>) -> Option<T> {
    match handle.await {
        Ok(v) => Some(v),
        Err(e) => {
            panicked(shared, task, e);
            None
        }
    }
}

/// Spawns `future` as a task whose panic, if it comes, is recorded
/// against `task` as soon as it happens.
pub fn spawn<F>(shared: Arc<Shared>, task: &'static str, future: F) -> JoinHandle<Option<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let inner = tokio::spawn(future);
    tokio::spawn(async move { join(&shared, task, inner).await })
}

/// Records that `task` ended with `error`: a panic is logged and counted
/// in health; a cancellation (the runtime shutting down) is not news.
pub fn panicked(shared: &Shared, task: &str, error: JoinError) {
    if !error.is_panic() {
        return;
    }
    let payload = error.into_panic();
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    tracing::error!(
        "the {task} task panicked ({what}); touchbase carries on, and /healthz says degraded until a restart"
    );
    let at = shared.clock.now();
    shared.health(|h| {
        h.panics += 1;
        // The task and the time only: a panic message may quote data.
        h.last_panic = Some(format!("{task} at {at}"));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::daemon::tests::shared_for_test;

    #[tokio::test]
    async fn a_panicking_task_is_counted_and_the_others_are_not() {
        let shared = shared_for_test();
        let ok = tokio::spawn(async { 7 });
        assert_eq!(join(&shared, "quiet", ok).await, Some(7));
        assert_eq!(shared.health(|h| h.panics), 0);

        let bad = tokio::task::spawn_blocking(|| -> u32 { panic!("boom") });
        assert_eq!(join(&shared, "reconcile", bad).await, None);
        let (panics, last) = shared.health(|h| (h.panics, h.last_panic.clone()));
        assert_eq!(panics, 1);
        assert!(last.is_some_and(|l| l.starts_with("reconcile at ")));

        let shared = Arc::new(shared);
        let spawned = spawn(shared.clone(), "connection", async {
            panic!("in a connection")
        });
        assert_eq!(spawned.await.expect("the supervisor itself"), None::<()>);
        assert_eq!(shared.health(|h| h.panics), 2);

        let aborted = tokio::spawn(std::future::pending::<()>());
        aborted.abort();
        assert_eq!(join(&shared, "aborted", aborted).await, None);
        assert_eq!(shared.health(|h| h.panics), 2, "a cancellation is no panic");
    }
}
