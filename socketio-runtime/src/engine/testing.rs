//! A session handle with no transport behind it, for the tests of the layers above.

use std::sync::atomic::AtomicU8;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;

use super::message::Outgoing;
use super::sid::Sid;
use super::socket::{Control, EngineSocket, RequestInfo, Shared};

impl EngineSocket {
    /// A handle whose outbound queue (`queue` frames deep) and close requests the test
    /// reads from the returned receivers.
    pub(crate) fn new_for_test(
        uri: &str,
        queue: usize,
    ) -> (
        EngineSocket,
        mpsc::Receiver<Outgoing>,
        mpsc::UnboundedReceiver<Control>,
    ) {
        let (data_tx, data_rx) = mpsc::channel(queue);
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let request = RequestInfo {
            headers: http::HeaderMap::new(),
            uri: uri.parse().unwrap_or_default(),
            remote_addr: None,
            time: SystemTime::now(),
        };
        let shared = Shared {
            sid: Sid::generate(),
            request,
            transport: AtomicU8::new(1),
            data_tx,
            control_tx,
        };
        (
            EngineSocket {
                shared: Arc::new(shared),
            },
            data_rx,
            control_rx,
        )
    }
}
