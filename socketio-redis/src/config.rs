//! Options.

use std::time::Duration;

use crate::wire::{Limits, DEFAULT_KEY};

/// How a node (or an emitter) reaches the cluster. The defaults are the official
/// adapter's: key `socket.io`, `requestsTimeout` 5000 ms, responses on the shared
/// response channel.
///
/// ```
/// use std::time::Duration;
/// use socketio_redis::RedisConfig;
/// let config = RedisConfig::new("redis://127.0.0.1:6379").key("my-app").requests_timeout(Duration::from_secs(2));
/// assert_eq!(config.key, "my-app");
/// assert_eq!(RedisConfig::new("redis://h").requests_timeout, Duration::from_millis(5000));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RedisConfig {
    /// `redis://host:port[/db]`.
    pub url: String,
    /// The prefix of every channel (`key` option, `socket.io`).
    pub key: String,
    /// How long a request waits for the other nodes (`requestsTimeout`, 5000 ms).
    pub requests_timeout: Duration,
    /// Answer requests on the requester's own response channel
    /// (`publishOnSpecificResponseChannel`, off).
    pub publish_on_specific_response_channel: bool,
    /// How long connecting (and each command) may take before it counts as a failure.
    pub connect_timeout: Duration,
    /// Bounds on received messages.
    pub limits: Limits,
}

impl RedisConfig {
    /// The defaults, for the Redis at `url`.
    pub fn new(url: impl Into<String>) -> RedisConfig {
        RedisConfig {
            url: url.into(),
            key: DEFAULT_KEY.to_owned(),
            requests_timeout: Duration::from_millis(5000),
            publish_on_specific_response_channel: false,
            connect_timeout: Duration::from_secs(2),
            limits: Limits::default(),
        }
    }

    /// Sets [`RedisConfig::key`].
    pub fn key(mut self, key: impl Into<String>) -> RedisConfig {
        self.key = key.into();
        self
    }

    /// Sets [`RedisConfig::requests_timeout`].
    pub fn requests_timeout(mut self, timeout: Duration) -> RedisConfig {
        self.requests_timeout = timeout;
        self
    }

    /// Sets [`RedisConfig::publish_on_specific_response_channel`].
    pub fn publish_on_specific_response_channel(mut self, on: bool) -> RedisConfig {
        self.publish_on_specific_response_channel = on;
        self
    }

    /// Sets [`RedisConfig::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> RedisConfig {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`RedisConfig::limits`].
    pub fn limits(mut self, limits: Limits) -> RedisConfig {
        self.limits = limits;
        self
    }
}
