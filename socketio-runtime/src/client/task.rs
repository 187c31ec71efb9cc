//! Running handler futures: inline when they finish without waiting, on a task of
//! their own when they wait.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context, Poll, Waker};

/// Polls `future` once, here; if it is not finished, spawns it on the current tokio
/// runtime. Handlers that do not wait therefore run in arrival order and cost no task.
/// A panic in a handler is caught and logged: it ends that handler, not the client.
pub(crate) fn run_handler(future: impl Future<Output = ()> + Send + 'static) {
    let mut future = Box::pin(future);
    let mut cx = Context::from_waker(Waker::noop());
    match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
        Ok(Poll::Ready(())) => {}
        // The task polls it again at once, with a real waker.
        Ok(Poll::Pending) => match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Err(panic) = futures_util::FutureExt::catch_unwind(AssertUnwindSafe(future)).await
                    {
                        tracing::error!(panic = panic_message(&*panic), "a namespace handler panicked");
                    }
                });
            }
            Err(_) => {
                tracing::error!("a namespace handler waited outside a tokio runtime: dropped")
            }
        },
        Err(panic) => tracing::error!(panic = panic_message(&*panic), "a namespace handler panicked"),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn ready_futures_run_inline_and_waiting_ones_are_spawned() {
        let n = Arc::new(AtomicUsize::new(0));
        let m = n.clone();
        run_handler(async move {
            m.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(n.load(Ordering::SeqCst), 1, "ran before run_handler returned");

        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        run_handler(async move {
            let _ = rx.await;
            let _ = done_tx.send(());
        });
        tx.send(()).unwrap();
        done_rx.await.unwrap();
    }

    #[tokio::test]
    async fn panics_are_contained() {
        run_handler(async { panic!("inline") });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        run_handler(async move {
            tokio::task::yield_now().await;
            drop(tx);
            panic!("spawned");
        });
        assert!(rx.await.is_err());
    }
}
