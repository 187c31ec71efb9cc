//! Per-socket data, one value per type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Mutex;

/// Values attached to a socket, one per type: what a connect handler learns (a user, a
/// session) for the event handlers to read. Typed: each value is stored and read as
/// its own type, so two handlers cannot confuse each other's data.
///
/// ```
/// # use socketio_runtime::socket::SocketData;
/// #[derive(Clone, Debug, PartialEq)]
/// struct User { name: String }
/// let data = SocketData::default();
/// data.insert(User { name: "ann".into() });
/// assert_eq!(data.get::<User>().map(|u| u.name), Some("ann".to_owned()));
/// data.update(|u: &mut User| u.name.push('e'));
/// assert_eq!(data.remove::<User>(), Some(User { name: "anne".into() }));
/// assert!(data.get::<User>().is_none());
/// ```
#[derive(Default)]
pub struct SocketData {
    values: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

impl SocketData {
    /// Stores `value`, returning the previous value of that type.
    pub fn insert<T: Send + 'static>(&self, value: T) -> Option<T> {
        let old = self.lock().insert(TypeId::of::<T>(), Box::new(value))?;
        old.downcast().ok().map(|b| *b)
    }

    /// A clone of the value of type `T`.
    pub fn get<T: Clone + Send + 'static>(&self) -> Option<T> {
        self.lock().get(&TypeId::of::<T>())?.downcast_ref::<T>().cloned()
    }

    /// Whether a value of type `T` is stored.
    pub fn contains<T: Send + 'static>(&self) -> bool {
        self.lock().contains_key(&TypeId::of::<T>())
    }

    /// Changes the value of type `T` in place; `None` when there is none. `f` runs
    /// under the data's lock: keep it short and do not touch the socket's data in it.
    pub fn update<T: Send + 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut values = self.lock();
        let value = values.get_mut(&TypeId::of::<T>())?.downcast_mut::<T>()?;
        Some(f(value))
    }

    /// Takes the value of type `T` out.
    pub fn remove<T: Send + 'static>(&self) -> Option<T> {
        let old = self.lock().remove(&TypeId::of::<T>())?;
        old.downcast().ok().map(|b| *b)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, Box<dyn Any + Send>>> {
        // A panic while the lock was held left the map consistent (single operations).
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for SocketData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketData").field("values", &self.lock().len()).finish()
    }
}
