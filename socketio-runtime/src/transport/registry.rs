//! The live sessions of one engine, by sid.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::engine::{EngineSocket, Sid};

/// Sessions by sid. The lock is held only to insert, remove or clone a handle.
#[derive(Clone, Default)]
pub(crate) struct Registry {
    sessions: Arc<Mutex<HashMap<Sid, EngineSocket>>>,
}

impl Registry {
    pub(crate) fn insert(&self, socket: EngineSocket) {
        let mut map = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(socket.sid().clone(), socket);
    }

    pub(crate) fn remove(&self, sid: &Sid) {
        let mut map = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(sid);
    }

    pub(crate) fn get(&self, sid: &Sid) -> Option<EngineSocket> {
        let map = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(sid).cloned()
    }

    pub(crate) fn len(&self) -> usize {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub(crate) fn all(&self) -> Vec<EngineSocket> {
        let map = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        map.values().cloned().collect()
    }
}
