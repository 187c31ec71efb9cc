//! Drives a cluster with the Rust [`Emitter`], from a process with no server.
//!
//! `REDIS_URL=redis://127.0.0.1:6379 cargo run -p socketio-redis --example emit -- <command>...`
//!
//! Commands, run in order (the key is `REDIS_KEY`, `socket.io` by default):
//! - `of:<nsp>`, `to:<room>`, `except:<room>`: select, for the next operation only;
//! - `emit:<event>:<json>`: emit the event with the JSON value as its one argument;
//! - `emit-bin:<event>:<hex>`: emit the event with one binary argument;
//! - `join:<room>`, `leave:<room>`, `disconnect:<close>`: bulk operations.
//!
//! ```text
//! emit to:room1 to:room2 except:muted emit:news:"hello" of:/custom emit-bin:file:010203 to:room1 join:vip
//! ```

use socketio_redis::{Emitter, RedisConfig};
use socketio_runtime::protocol::Binary;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let mut config = RedisConfig::new(url);
    if let Ok(key) = std::env::var("REDIS_KEY") {
        config = config.key(key);
    }
    let root = Emitter::connect(config).await?;
    let (mut nsp, mut to, mut except) = ("/".to_owned(), Vec::<String>::new(), Vec::<String>::new());
    for command in std::env::args().skip(1) {
        let (verb, rest) = command.split_once(':').ok_or_else(|| format!("bad command {command:?}"))?;
        let op = || root.of(&nsp).to(to.clone()).except(except.clone());
        match verb {
            "of" => nsp = rest.to_owned(),
            "to" => to.push(rest.to_owned()),
            "except" => except.push(rest.to_owned()),
            "emit" => {
                let (event, json) = rest.split_once(':').ok_or("emit:<event>:<json>")?;
                let value: serde_json::Value = serde_json::from_str(json)?;
                op().emit(event, value).await?;
            }
            "emit-bin" => {
                let (event, hex) = rest.split_once(':').ok_or("emit-bin:<event>:<hex>")?;
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()?;
                op().emit(event, Binary::from(bytes)).await?;
            }
            "join" => op().sockets_join(rest).await?,
            "leave" => op().sockets_leave(rest).await?,
            "disconnect" => op().disconnect_sockets(rest == "true").await?,
            _ => return Err(format!("unknown command {command:?}").into()),
        }
        if !matches!(verb, "of" | "to" | "except") {
            (nsp, to, except) = ("/".to_owned(), Vec::new(), Vec::new());
        }
    }
    Ok(())
}
