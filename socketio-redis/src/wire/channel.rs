//! Channel names.

/// The default key prefix of the official adapter and emitter.
pub const DEFAULT_KEY: &str = "socket.io";

/// The channels of one namespace under one key prefix.
///
/// ```
/// use socketio_redis::wire::{ChannelKind, Channels};
/// let ch = Channels::new("socket.io", "/chat");
/// assert_eq!(ch.broadcast(), "socket.io#/chat#");
/// assert_eq!(ch.broadcast_pattern(), "socket.io#/chat#*");
/// assert_eq!(ch.room("general"), "socket.io#/chat#general#");
/// assert_eq!(ch.request(), "socket.io-request#/chat#");
/// assert_eq!(ch.response(), "socket.io-response#/chat#");
/// assert_eq!(ch.specific_response("Ab12Cd"), "socket.io-response#/chat#Ab12Cd#");
/// assert_eq!(ch.classify("socket.io#/chat#general#"), Some(ChannelKind::Broadcast { room: Some("general") }));
/// assert_eq!(ch.classify("socket.io#/chat#"), Some(ChannelKind::Broadcast { room: None }));
/// assert_eq!(ch.classify("socket.io-response#/chat#Ab12Cd#"), Some(ChannelKind::Response));
/// assert_eq!(ch.classify("socket.io#/other#"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channels {
    broadcast: String,
    request: String,
    response: String,
}

/// What a received channel is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind<'a> {
    /// A broadcast, to one room when the channel names it.
    Broadcast {
        /// The room of `<key>#<nsp>#<room>#`.
        room: Option<&'a str>,
    },
    /// A request.
    Request,
    /// A response (the shared channel or a node's own).
    Response,
}

impl Channels {
    /// The channels of namespace `nsp` under `key` (`socket.io` by default).
    pub fn new(key: &str, nsp: &str) -> Channels {
        Channels {
            broadcast: format!("{key}#{nsp}#"),
            request: format!("{key}-request#{nsp}#"),
            response: format!("{key}-response#{nsp}#"),
        }
    }

    /// `<key>#<nsp>#`: broadcasts to the whole namespace or to several rooms.
    pub fn broadcast(&self) -> &str {
        &self.broadcast
    }

    /// `<key>#<nsp>#*`: what a node PSUBSCRIBEs to.
    pub fn broadcast_pattern(&self) -> String {
        format!("{}*", self.broadcast)
    }

    /// `<key>#<nsp>#<room>#`: broadcasts to exactly one room.
    pub fn room(&self, room: &str) -> String {
        format!("{}{room}#", self.broadcast)
    }

    /// The channel of a broadcast to `rooms`: the room's own when there is exactly one.
    pub fn for_rooms<'a>(&self, mut rooms: impl ExactSizeIterator<Item = &'a str>) -> String {
        match (rooms.len(), rooms.next()) {
            (1, Some(room)) => self.room(room),
            _ => self.broadcast.clone(),
        }
    }

    /// `<key>-request#<nsp>#`.
    pub fn request(&self) -> &str {
        &self.request
    }

    /// `<key>-response#<nsp>#`.
    pub fn response(&self) -> &str {
        &self.response
    }

    /// `<key>-response#<nsp>#<uid>#`: a node's own response channel (used by nodes with
    /// `publishOnSpecificResponseChannel`).
    pub fn specific_response(&self, uid: &str) -> String {
        format!("{}{uid}#", self.response)
    }

    /// What `channel` is for, or `None` when it is not one of this namespace's.
    pub fn classify<'a>(&self, channel: &'a str) -> Option<ChannelKind<'a>> {
        if let Some(rest) = channel.strip_prefix(self.broadcast.as_str()) {
            // As the official adapter: the room is what lies between the prefix and the
            // last character.
            return Some(match rest.len() {
                0 => ChannelKind::Broadcast { room: None },
                _ => ChannelKind::Broadcast { room: rest.get(..rest.len() - 1).filter(|r| !r.is_empty()) },
            });
        }
        if channel.starts_with(self.response.as_str()) {
            return Some(ChannelKind::Response);
        }
        if channel == self.request {
            return Some(ChannelKind::Request);
        }
        None
    }
}
