//! The macros work when another macro writes the impl block.

use socketio::{namespace, on, NamespacePath};

macro_rules! echo_namespace {
    ($name:ident, $path:literal, $event:literal) => {
        struct $name;

        #[namespace($path)]
        impl $name {
            #[on($event)]
            async fn echo(&self, text: String) -> String {
                text
            }
        }
    };
}

echo_namespace!(Echo, "/echo", "echo");

fn main() {
    assert_eq!(<Echo as NamespacePath>::PATH, "/echo");
}
