//! The in-memory adapter: rooms of this server only.

use std::collections::{HashMap, HashSet};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{Adapter, BroadcastOptions, LocalNamespace, Room};
use crate::engine::Sid;
use crate::socket::Socket;

/// Rooms kept in this process (Node's default `Adapter`). Sockets of other servers are
/// not reached.
pub struct MemoryAdapter {
    ns: LocalNamespace,
    rooms: RwLock<Rooms>,
}

#[derive(Default)]
struct Rooms {
    members: HashMap<Room, HashSet<Sid>>,
    of_socket: HashMap<Sid, HashSet<Room>>,
}

impl MemoryAdapter {
    /// The adapter of a namespace.
    pub fn new(ns: LocalNamespace) -> MemoryAdapter {
        MemoryAdapter { ns, rooms: RwLock::default() }
    }

    fn read(&self) -> RwLockReadGuard<'_, Rooms> {
        self.rooms.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Rooms> {
        self.rooms.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The members of a room.
    pub fn room_members(&self, room: &str) -> Vec<Sid> {
        self.read().members.get(room).map(|m| m.iter().cloned().collect()).unwrap_or_default()
    }

    /// Every non-empty room.
    pub fn rooms(&self) -> Vec<Room> {
        self.read().members.keys().cloned().collect()
    }
}

impl Adapter for MemoryAdapter {
    fn add_all(&self, sid: &Sid, rooms: &[Room]) {
        let mut r = self.write();
        for room in rooms {
            r.members.entry(room.clone()).or_default().insert(sid.clone());
            r.of_socket.entry(sid.clone()).or_default().insert(room.clone());
        }
    }

    fn del(&self, sid: &Sid, room: &Room) {
        let mut r = self.write();
        if let Some(members) = r.members.get_mut(room) {
            members.remove(sid);
            if members.is_empty() {
                r.members.remove(room);
            }
        }
        if let Some(rooms) = r.of_socket.get_mut(sid) {
            rooms.remove(room);
            if rooms.is_empty() {
                r.of_socket.remove(sid);
            }
        }
    }

    fn del_all(&self, sid: &Sid) {
        let mut r = self.write();
        let Some(rooms) = r.of_socket.remove(sid) else {
            return;
        };
        for room in rooms {
            if let Some(members) = r.members.get_mut(&room) {
                members.remove(sid);
                if members.is_empty() {
                    r.members.remove(&room);
                }
            }
        }
    }

    fn socket_rooms(&self, sid: &Sid) -> Vec<Room> {
        self.read().of_socket.get(sid).map(|r| r.iter().cloned().collect()).unwrap_or_default()
    }

    fn local_rooms(&self) -> HashSet<Room> {
        self.read().members.keys().cloned().collect()
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        // The whole namespace: its sockets as they are, without a lookup per socket.
        if opts.rooms.is_empty() && opts.except.is_empty() {
            return self.ns.sockets();
        }
        let candidates: Vec<Sid> = if opts.rooms.is_empty() {
            self.ns.sockets().iter().map(|s| s.id().clone()).collect()
        } else {
            let r = self.read();
            let mut seen = HashSet::new();
            opts.rooms
                .iter()
                .filter_map(|room| r.members.get(room))
                .flatten()
                .filter(|sid| seen.insert(*sid))
                .cloned()
                .collect()
        };
        let excluded: HashSet<Sid> = {
            let r = self.read();
            opts.except.iter().filter_map(|room| r.members.get(room)).flatten().cloned().collect()
        };
        candidates
            .into_iter()
            .filter(|sid| !excluded.contains(sid))
            .filter_map(|sid| self.ns.socket(&sid))
            .collect()
    }
}

impl std::fmt::Debug for MemoryAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryAdapter").field("rooms", &self.read().members.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_kept_both_ways_and_empty_rooms_disappear() {
        let a = MemoryAdapter::new(LocalNamespace::detached("/"));
        let (s1, s2) = (Sid::generate(), Sid::generate());
        a.add_all(&s1, &["x".into(), "y".into()]);
        a.add_all(&s2, &["x".into()]);
        let mut x = a.room_members("x");
        x.sort();
        let mut both = vec![s1.clone(), s2.clone()];
        both.sort();
        assert_eq!(x, both);
        a.del(&s1, &"y".into());
        assert!(a.room_members("y").is_empty());
        assert_eq!(a.socket_rooms(&s1), vec![Room::from("x")]);
        a.del_all(&s1);
        a.del_all(&s2);
        assert!(a.rooms().is_empty());
        assert!(a.local_rooms().is_empty());
        assert!(a.socket_rooms(&s1).is_empty());
        assert!(a.read().of_socket.is_empty());
    }

    #[test]
    fn options_match_rooms_minus_except() {
        let mut opts = BroadcastOptions::default();
        let rooms = [Room::from("a"), Room::from("b")];
        assert!(opts.matches(rooms.iter()), "no target room: everyone");
        opts.rooms.insert("c".into());
        assert!(!opts.matches(rooms.iter()));
        opts.rooms.insert("a".into());
        assert!(opts.matches(rooms.iter()));
        opts.except.insert("b".into());
        assert!(!opts.matches(rooms.iter()));
    }
}
