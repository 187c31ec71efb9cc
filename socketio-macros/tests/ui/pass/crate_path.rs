//! `crate = path` for a crate that re-exports `socketio` under another name.

mod reexport {
    pub use socketio as sio;
}

use reexport::sio::{namespace, on, Event, NamespacePath};

struct Chat;

#[namespace("/chat", crate = reexport::sio)]
impl Chat {
    #[on("ping")]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

#[derive(serde::Serialize, Event)]
#[event("notice", crate = reexport::sio)]
struct Notice;

fn main() {
    assert_eq!(<Chat as NamespacePath>::PATH, "/chat");
    let _ = Notice;
}
