//! A dynamic namespace: `/room-42` opens a namespace of its own, served by `Room`.

use socketio::{namespace, on, Io, NamespacePath, Socket};

struct Room;

#[namespace("/room-{id}")]
impl Room {
    async fn connect(&self, socket: &Socket) -> bool {
        socket.ns().param("id").is_some_and(|id| id.parse::<u32>().is_ok())
    }

    #[on("where")]
    async fn where_am_i(&self, socket: &Socket) -> String {
        socket.ns().param("id").unwrap_or_default().to_owned()
    }
}

fn main() {
    assert_eq!(Room::PATH, "/room-{id}");
    let io = Io::builder().register(Room).build();
    assert!(io.of("/room-1").is_none(), "made when a client first opens it");
}
