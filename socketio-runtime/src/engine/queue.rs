//! The two queues of a session: frames for its client, requests for its task.
//!
//! Both sit behind one small lock and allocate nothing while empty, so an idle session
//! pays a few dozen bytes for them (two channels cost it about 4 KB). Each has its own
//! `Notify`, whose stored permit means a push between a check and a wait is never lost;
//! the session's task is the only consumer.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::message::Outgoing;
use super::socket::Control;

#[derive(Default)]
struct State {
    data: VecDeque<Outgoing>,
    control: VecDeque<Control>,
    data_closed: bool,
    control_closed: bool,
}

/// A session's queues (kept in its shared state).
#[derive(Default)]
pub(crate) struct Queues {
    state: Mutex<State>,
    data_ready: Notify,
    control_ready: Notify,
}

impl Queues {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a frame for the client; gives it back when the session no longer takes any.
    pub(crate) fn push_data(&self, out: Outgoing) -> Result<(), Outgoing> {
        {
            let mut state = self.lock();
            if state.data_closed {
                return Err(out);
            }
            state.data.push_back(out);
        }
        self.data_ready.notify_one();
        Ok(())
    }

    /// Queues a request for the session's task; gives it back when the task is gone.
    pub(crate) fn push_control(&self, control: Control) -> Result<(), Control> {
        {
            let mut state = self.lock();
            if state.control_closed {
                return Err(control);
            }
            state.control.push_back(control);
        }
        self.control_ready.notify_one();
        Ok(())
    }

    /// Whether frames are no longer taken.
    pub(crate) fn data_closed(&self) -> bool {
        self.lock().data_closed
    }

    pub(crate) fn pop_data(&self) -> Option<Outgoing> {
        let mut state = self.lock();
        let out = state.data.pop_front();
        // A burst leaves a large buffer behind: give it back once it is drained.
        if state.data.is_empty() && state.data.capacity() > 64 {
            state.data = VecDeque::new();
        }
        out
    }

    pub(crate) fn pop_control(&self) -> Option<Control> {
        self.lock().control.pop_front()
    }

    /// Waits for the next frame.
    pub(crate) async fn recv_data(&self) -> Outgoing {
        loop {
            if let Some(out) = self.pop_data() {
                return out;
            }
            self.data_ready.notified().await;
        }
    }

    /// Waits for the next request.
    pub(crate) async fn recv_control(&self) -> Control {
        loop {
            if let Some(control) = self.pop_control() {
                return control;
            }
            self.control_ready.notified().await;
        }
    }

    /// Takes no more frames (the queued ones can still be popped).
    pub(crate) fn close_data(&self) {
        self.lock().data_closed = true;
    }

    /// The task is gone: takes nothing more and drops what is queued.
    pub(crate) fn close_all(&self) {
        let (data, control) = {
            let mut state = self.lock();
            state.data_closed = true;
            state.control_closed = true;
            (std::mem::take(&mut state.data), std::mem::take(&mut state.control))
        };
        // Dropped outside the lock: a queued poll's reply may wake its requester.
        drop((data, control));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{CloseReason, Frame};

    #[tokio::test]
    async fn a_push_before_the_wait_is_not_lost() {
        let q = Queues::default();
        assert!(q.push_data(Frame::text("a").into()).is_ok());
        assert!(q.push_control(Control::Close(CloseReason::ForcedClose)).is_ok());
        assert!(matches!(q.recv_data().await, Outgoing::One(f) if f.as_text() == Some("4a")));
        assert!(matches!(q.recv_control().await, Control::Close(CloseReason::ForcedClose)));
    }

    #[tokio::test]
    async fn a_waiting_consumer_is_woken() {
        let q = std::sync::Arc::new(Queues::default());
        let waiter = tokio::spawn({
            let q = q.clone();
            async move { q.recv_data().await }
        });
        tokio::task::yield_now().await;
        assert!(q.push_data(Frame::text("b").into()).is_ok());
        assert!(matches!(waiter.await.unwrap(), Outgoing::One(f) if f.as_text() == Some("4b")));
    }

    #[test]
    fn closed_queues_give_items_back() {
        let q = Queues::default();
        q.close_data();
        assert!(q.data_closed());
        assert!(q.push_data(Frame::text("x").into()).is_err());
        assert!(q.push_control(Control::Close(CloseReason::ForcedClose)).is_ok());
        q.close_all();
        assert!(q.pop_control().is_none());
        assert!(q.push_control(Control::Close(CloseReason::ForcedClose)).is_err());
    }

    #[test]
    fn a_drained_burst_gives_its_memory_back() {
        let q = Queues::default();
        for _ in 0..1000 {
            assert!(q.push_data(Frame::text("x").into()).is_ok());
        }
        while q.pop_data().is_some() {}
        assert_eq!(q.lock().data.capacity(), 0);
    }
}
