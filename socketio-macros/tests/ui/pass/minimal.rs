//! A namespace with no handler at all accepts every client and ignores every event.

use socketio::{namespace, NamespacePath};

struct Main;

#[namespace("/")]
impl Main {}

fn main() {
    assert_eq!(<Main as NamespacePath>::PATH, "/");
}
