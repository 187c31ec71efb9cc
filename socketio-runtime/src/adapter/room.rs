//! Room names.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use crate::engine::Sid;

/// A room name: cheap to clone, compared by content.
///
/// ```
/// use socketio_runtime::adapter::Room;
/// let r = Room::from("lobby");
/// assert_eq!(r, "lobby");
/// assert_eq!(r.as_str(), "lobby");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Room(Arc<str>);

impl Room {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Room {
    fn from(s: &str) -> Self {
        Room(s.into())
    }
}

impl From<String> for Room {
    fn from(s: String) -> Self {
        Room(s.into())
    }
}

impl From<&String> for Room {
    fn from(s: &String) -> Self {
        Room(s.as_str().into())
    }
}

impl From<&Sid> for Room {
    fn from(s: &Sid) -> Self {
        Room(s.as_str().into())
    }
}

impl From<Sid> for Room {
    fn from(s: Sid) -> Self {
        Room(s.as_str().into())
    }
}

impl From<&Room> for Room {
    fn from(r: &Room) -> Self {
        r.clone()
    }
}

impl Borrow<str> for Room {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Room {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Room {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Room {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Debug for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One room or several: what `join` and the bulk operations take.
///
/// ```
/// use socketio_runtime::adapter::{IntoRooms, Room};
/// assert_eq!("a".into_rooms(), vec![Room::from("a")]);
/// assert_eq!(["a", "b"].into_rooms().len(), 2);
/// assert_eq!(vec![String::from("c")].into_rooms(), vec![Room::from("c")]);
/// ```
pub trait IntoRooms {
    /// The rooms.
    fn into_rooms(self) -> Vec<Room>;
}

impl<R: Into<Room>> IntoRooms for R {
    fn into_rooms(self) -> Vec<Room> {
        vec![self.into()]
    }
}

impl<R: Into<Room>> IntoRooms for Vec<R> {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<R: Into<Room>, const N: usize> IntoRooms for [R; N] {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<R: Into<Room> + Clone> IntoRooms for &[R] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter().cloned().map(Into::into).collect()
    }
}
