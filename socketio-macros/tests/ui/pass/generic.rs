//! A namespace generic over its store.

use socketio::{namespace, on, NamespaceHandler};

trait Store: Send + Sync + 'static {
    fn get(&self) -> u32;
}

struct Memory;

impl Store for Memory {
    fn get(&self) -> u32 {
        7
    }
}

struct Counter<S> {
    store: S,
}

#[namespace("/counter")]
impl<S: Store> Counter<S> {
    #[on("get")]
    async fn get(&self) -> u32 {
        self.store.get()
    }
}

fn assert_handler<N: NamespaceHandler>() {}

fn main() {
    assert_handler::<Counter<Memory>>();
}
