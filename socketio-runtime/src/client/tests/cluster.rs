//! Rooms, broadcasts, slow consumers and the cluster API, on one server with the
//! in-memory adapter.

use super::*;

// ---- rooms and broadcasts ----

/// `n` clients connected to "/"; their sockets are `h.socket(0..n)`.
fn connected(io: &Io, n: usize) -> Vec<Conn> {
    (0..n)
        .map(|_| {
            let mut c = Conn::open(io);
            c.connect_main();
            c
        })
        .collect()
}

#[tokio::test]
async fn broadcasts_are_encoded_once_and_reach_the_selected_rooms() {
    let h = Conformance::default();
    let io = server(&h);
    let mut c = connected(&io, 3);
    let (a, b) = (h.socket(0), h.socket(1));
    a.join("room");
    b.join(["room", "muted"]);

    io.to("room").emit("news", 1).unwrap();
    let (fa, fb) = (c[0].out.try_recv().unwrap(), c[1].out.try_recv().unwrap());
    assert!(c[2].queued().is_empty());
    let (Outgoing::One(Frame::Text(ta)), Outgoing::One(Frame::Text(tb))) = (fa, fb) else { panic!() };
    assert_eq!(ta.as_str(), r#"42["news",1]"#);
    assert_eq!(ta.as_str().as_ptr(), tb.as_str().as_ptr(), "one buffer shared by every recipient");

    io.to("room").except("muted").emit("news", 2).unwrap();
    assert_eq!(c[0].queued(), [r#"42["news",2]"#]);
    assert!(c[1].queued().is_empty());

    // socket.to(room) leaves the sender out; broadcast() reaches everyone else.
    a.to("room").emit("from-a", ()).unwrap();
    assert!(c[0].queued().is_empty());
    assert_eq!(c[1].queued(), [r#"42["from-a"]"#]);
    a.broadcast().emit("all-but-a", ()).unwrap();
    assert!(c[0].queued().is_empty());
    assert_eq!(c[1].queued().len(), 1);
    assert_eq!(c[2].queued().len(), 1);

    // Every socket is in the room of its own id.
    io.to(b.id()).emit("private", ()).unwrap();
    assert_eq!(c[1].queued(), [r#"42["private"]"#]);
    assert!(c[0].queued().is_empty() && c[2].queued().is_empty());

    // Binary broadcast: one entry per recipient with the frames together.
    io.emit("bin", Binary::from(vec![9u8])).unwrap();
    for conn in &mut c {
        assert_eq!(conn.queued(), [r#"451-["bin",{"_placeholder":true,"num":0}]"#, "<bin:[9]>"]);
    }
}

#[tokio::test]
async fn bulk_operations() {
    let h = Conformance::default();
    let io = server(&h);
    let mut c = connected(&io, 3);
    h.socket(0).join("a");
    h.socket(1).join("a");
    let ns = io.sockets();

    let mut in_a: Vec<String> =
        ns.to("a").fetch_sockets().await.unwrap().iter().map(|s| s.id().to_string()).collect();
    in_a.sort();
    let mut expected = vec![h.socket(0).id().to_string(), h.socket(1).id().to_string()];
    expected.sort();
    assert_eq!(in_a, expected);
    assert_eq!(ns.fetch_sockets().await.unwrap().len(), 3);

    ns.to("a").join("b");
    assert_eq!(ns.to("b").fetch_sockets().await.unwrap().len(), 2);
    ns.sockets_leave("b");
    assert!(ns.to("b").fetch_sockets().await.unwrap().is_empty());

    ns.except("a").disconnect(false);
    assert_eq!(c[2].queued(), ["41"]);
    assert_eq!(ns.sockets().len(), 2);
    assert!(!c[2].closing());

    ns.to("a").disconnect(true);
    assert!(c[0].closing() && c[1].closing());
    assert!(ns.sockets().is_empty());
}

#[tokio::test]
async fn broadcast_with_ack_collects_every_answer_under_one_id() {
    let h = Conformance::default();
    let io = server(&h);
    let mut c = connected(&io, 2);
    let all = io.sockets().emit_with_ack("poll", "yes?");
    let all = tokio::spawn(all);
    let sent: Vec<String> = c.iter_mut().map(|c| c.queued().remove(0)).collect();
    assert_eq!(sent[0], sent[1], "one packet, one id");
    let id =
        sent[0].strip_prefix("42").and_then(|s| s.strip_suffix(r#"["poll","yes?"]"#)).unwrap().to_owned();
    c[0].send(&format!("43{id}[1]"));
    c[1].send(&format!("43{id}[2]"));
    c[1].send(&format!("43{id}[3]")); // a second answer is not counted
    let mut answers: Vec<u32> = all.await.unwrap().unwrap().iter().map(|r| r.args.get(0).unwrap()).collect();
    answers.sort();
    assert_eq!(answers, [1, 2]);
}

#[tokio::test]
async fn broadcast_with_ack_times_out_with_partial_answers() {
    tokio::time::pause();
    let h = Conformance::default();
    let io = server(&h);
    let mut c = connected(&io, 2);
    let all = tokio::spawn(io.sockets().timeout(Duration::from_millis(50)).emit_with_ack("poll", ()));
    tokio::task::yield_now().await;
    let sent = c[0].queued().remove(0);
    let id = sent.strip_prefix("42").and_then(|s| s.strip_suffix(r#"["poll"]"#)).unwrap().to_owned();
    c[0].send(&format!("43{id}[\"a\"]"));
    match all.await.unwrap() {
        Err(crate::socket::BroadcastAckError::Timeout { responses, expected }) => {
            assert_eq!((responses.len(), expected), (1, 2));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_recipient_leaving_does_not_hold_a_broadcast_with_ack() {
    let h = Conformance::default();
    let io = server(&h);
    let mut c = connected(&io, 2);
    let all = tokio::spawn(io.sockets().timeout(Duration::from_secs(3600)).emit_with_ack("poll", ()));
    tokio::task::yield_now().await;
    let sent = c[0].queued().remove(0);
    let id = sent.strip_prefix("42").and_then(|s| s.strip_suffix(r#"["poll"]"#)).unwrap().to_owned();
    c[0].send(&format!("43{id}[1]"));
    c[1].close(CloseReason::TransportClose);
    assert_eq!(all.await.unwrap().unwrap().len(), 1);
}

// ---- slow consumers ----

#[tokio::test]
async fn a_full_queue_closes_the_slow_client_only() {
    let h = Conformance::default();
    let io = server(&h);
    let (engine, mut out) = engine(200);
    let mut client = io.open(engine);
    io.message(&mut client, Message::Text("0".into()));
    let socket = h.socket(0);
    // The queue (200 bytes) holds the CONNECT reply and the auth event: a big emit is refused.
    let e = socket.emit("x", "y".repeat(100)).unwrap_err();
    assert!(matches!(e, crate::socket::EmitError::Send(crate::engine::SendError::Full)), "{e}");
    assert!(matches!(out.try_recv_control(), Some(Control::Close(CloseReason::TransportError))));
    assert!(out.try_recv().is_some());
}

// ---- the cluster API on one server (the in-memory adapter) ----

#[tokio::test]
async fn fetched_sockets_carry_their_handshake_and_public_data() {
    let h = Conformance::default();
    let io = server(&h);
    let mut c = Conn::open(&io);
    c.send(r#"40{"user":"ann"}"#);
    c.queued();
    let socket = h.socket(0);
    socket.join("r");
    let fetched = io.sockets().to("r").fetch_sockets().await.unwrap();
    assert_eq!(fetched.len(), 1);
    let f = &fetched[0];
    assert_eq!(f.id(), socket.id());
    assert!(f.as_local().is_some());
    assert_eq!(f.data(), serde_json::json!({}), "Node's default socket.data");
    let hs = f.handshake();
    assert_eq!(hs["auth"], serde_json::json!({"user": "ann"}));
    assert_eq!(hs["url"], "/socket.io/?EIO=4&transport=websocket");
    assert_eq!(hs["query"], serde_json::json!({"EIO": "4", "transport": "websocket"}));
    assert_eq!((hs["secure"].clone(), hs["xdomain"].clone()), (false.into(), false.into()));
    assert!(hs["time"].as_str().unwrap().ends_with("GMT+0000 (Coordinated Universal Time)"), "{hs}");
    assert!(hs["issued"].as_u64().unwrap() > 1_700_000_000_000);

    socket.set_public_data(serde_json::json!({"user": "ann", "level": 3})).unwrap();
    let fetched = io.sockets().fetch_sockets().await.unwrap();
    assert_eq!(fetched[0].data(), serde_json::json!({"user": "ann", "level": 3}));
    let mut rooms: Vec<String> = fetched[0].rooms().iter().map(|r| r.to_string()).collect();
    rooms.sort();
    let mut expected = vec!["r".to_owned(), socket.id().to_string()];
    expected.sort();
    assert_eq!(rooms, expected);
}

#[test]
fn handshake_headers_are_joined_as_node_joins_them() {
    let mut headers = http::HeaderMap::new();
    headers.append("accept", "a".parse().unwrap());
    headers.append("accept", "b".parse().unwrap());
    headers.append("cookie", "x=1".parse().unwrap());
    headers.append("cookie", "y=2".parse().unwrap());
    headers.append("set-cookie", "z=3".parse().unwrap());
    headers.append("origin", "http://example.com".parse().unwrap());
    let request = RequestInfo {
        headers,
        uri: http::Uri::from_static("/socket.io/?EIO=4&transport=polling&t=x"),
        remote_addr: Some("10.0.0.7:5000".parse().unwrap()),
        time: std::time::UNIX_EPOCH + Duration::from_millis(1_795_588_445_123),
    };
    let (engine, _out) = EngineSocket::new(Sid::generate(), request, TransportKind::Polling, 1 << 20);
    let hs = crate::socket::Handshake::new(engine, Auth::default()).to_json();
    assert_eq!(
        hs,
        serde_json::json!({
            "headers": {"accept": "a, b", "cookie": "x=1; y=2", "set-cookie": ["z=3"], "origin": "http://example.com"},
            "time": "Wed Nov 25 2026 06:34:05 GMT+0000 (Coordinated Universal Time)",
            "address": "10.0.0.7",
            "xdomain": true,
            "secure": false,
            "issued": 1_795_588_445_123u64,
            "url": "/socket.io/?EIO=4&transport=polling&t=x",
            "query": {"EIO": "4", "transport": "polling", "t": "x"},
            "auth": {},
        })
    );
}

#[tokio::test]
async fn one_server_counts_itself_and_lists_its_rooms() {
    let h = Conformance::default();
    let io = server(&h);
    let _c = connected(&io, 2);
    h.socket(0).join("lobby");
    let ns = io.sockets();
    assert_eq!(ns.server_count().await.unwrap(), 1);
    let rooms = ns.all_rooms().await.unwrap();
    let expected: std::collections::HashSet<crate::adapter::Room> =
        ["lobby".into(), h.socket(0).id().into(), h.socket(1).id().into()].into_iter().collect();
    assert_eq!(rooms, expected);
}

#[tokio::test]
async fn server_side_emit_alone_sends_nothing_and_gets_no_answer() {
    let h = Conformance::default();
    let io = server(&h);
    let ns = io.sockets();
    ns.server_side_emit("hello", ("a", 1)).unwrap();
    assert!(ns.server_side_emit_with_ack("hello", ()).await.unwrap().is_empty());
    assert!(h.log().is_empty(), "a server does not receive its own events");
    for reserved in ["connect", "disconnect", "connection", "new_namespace"] {
        let e = ns.server_side_emit(reserved, ()).unwrap_err();
        assert!(matches!(e, crate::adapter::ServerEmitError::Reserved(_)), "{e}");
    }
}

/// An adapter factory that also hands out the `LocalNamespace` of each namespace, as a
/// cluster adapter sees it.
fn with_local_namespaces(h: &Conformance) -> (Io, Arc<Mutex<Vec<crate::adapter::LocalNamespace>>>) {
    use crate::adapter::{Adapter, MemoryAdapter};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    let io = Io::builder()
        .namespace("/", h.clone())
        .namespace("/custom", h.clone())
        .adapter(move |ns| {
            keep.lock().unwrap().push(ns.clone());
            Arc::new(MemoryAdapter::new(ns)) as Arc<dyn Adapter>
        })
        .build();
    (io, seen)
}

#[tokio::test]
async fn events_of_other_servers_reach_server_event_and_are_answered_once() {
    let h = Conformance::default();
    let (_io, local) = with_local_namespaces(&h);
    let custom = local.lock().unwrap().iter().find(|ns| ns.name() == "/custom").cloned().unwrap();
    assert_eq!(custom.namespace().unwrap().name(), "/custom");

    custom.server_event("news", crate::protocol::Args::from_value(&("a", 1)).unwrap(), None);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let ack = crate::socket::AckSender::from_fn(move |answer| {
        let _ = tx.send(answer);
    });
    custom.server_event("ping", crate::protocol::Args::from_json("[5]", vec![]).unwrap(), Some(ack));
    let answer = rx.await.unwrap();
    assert_eq!(answer.get::<serde_json::Value>(0).unwrap(), serde_json::json!({"pong": 5}));
    assert_eq!(h.log(), [r#"server-event /custom news ["a", 1]"#, "server-event /custom ping [5]"]);
}

#[tokio::test]
async fn another_servers_broadcast_with_acks_is_answered_under_one_id_and_streamed() {
    use crate::adapter::{Adapter, BroadcastOptions, MemoryAdapter};
    use crate::socket::AckCollector;
    let h = Conformance::default();
    let (io, local) = with_local_namespaces(&h);
    let mut c = connected(&io, 2);
    let main = local.lock().unwrap().iter().find(|ns| ns.name() == "/").cloned().unwrap();
    // What a cluster adapter does with a BROADCAST request: its local part sends the
    // packet with one ack id of the namespace, the listener forwards each answer.
    let (tx, mut answers) = mpsc::unbounded_channel();
    let acks = AckCollector::with_listener(move |r| {
        let _ = tx.send((r.socket.clone(), r.args.get::<u32>(0).unwrap()));
    });
    let ns = main.namespace().unwrap();
    let id = ns.next_ack_id();
    let packet = crate::protocol::encode::event("/", "poll", &(), Some(id)).unwrap();
    MemoryAdapter::new(main.clone()).broadcast_with_ack(&packet, &BroadcastOptions::default(), &acks);
    assert_eq!(acks.expected(), 2);
    for conn in &mut c {
        assert_eq!(conn.queued(), [format!(r#"42{id}["poll"]"#)]);
    }
    c[1].send(&format!("43{id}[7]"));
    let (who, value) = answers.recv().await.unwrap();
    assert_eq!((who.as_ref(), value), (Some(h.socket(1).id()), 7));
    c[0].send(&format!("43{id}[8]"));
    assert_eq!(answers.recv().await.unwrap().1, 8);
    assert_eq!(acks.wait(Duration::from_secs(1)).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_broadcast_with_ack_tells_the_adapter_its_timeout_and_flags() {
    use crate::adapter::{Adapter, BroadcastOptions, MemoryAdapter};
    use crate::engine::Sid;
    use crate::socket::AckCollector;

    /// What a broadcast was: the JSON array, the ack id, the options.
    type Seen = (Option<String>, Option<u64>, BroadcastOptions);

    /// Records what it is asked to broadcast.
    struct Recording(MemoryAdapter, Arc<Mutex<Vec<Seen>>>);
    impl Adapter for Recording {
        fn add_all(&self, sid: &Sid, rooms: &[crate::adapter::Room]) {
            self.0.add_all(sid, rooms)
        }
        fn del(&self, sid: &Sid, room: &crate::adapter::Room) {
            self.0.del(sid, room)
        }
        fn del_all(&self, sid: &Sid) {
            self.0.del_all(sid)
        }
        fn socket_rooms(&self, sid: &Sid) -> Vec<crate::adapter::Room> {
            self.0.socket_rooms(sid)
        }
        fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket> {
            self.0.local_sockets(opts)
        }
        fn broadcast(&self, packet: &crate::protocol::EncodedPacket, opts: &BroadcastOptions) {
            self.1.lock().unwrap().push((
                packet.data_json().map(str::to_owned),
                packet.ack_id(),
                opts.clone(),
            ));
            self.0.broadcast(packet, opts)
        }
        fn broadcast_with_ack(
            &self,
            packet: &crate::protocol::EncodedPacket,
            opts: &BroadcastOptions,
            acks: &AckCollector,
        ) {
            self.1.lock().unwrap().push((
                packet.data_json().map(str::to_owned),
                packet.ack_id(),
                opts.clone(),
            ));
            self.0.broadcast_with_ack(packet, opts, acks)
        }
    }

    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    let io = Io::builder()
        .ack_timeout(Duration::from_millis(1234))
        .adapter(move |ns| Arc::new(Recording(MemoryAdapter::new(ns), keep.clone())) as Arc<dyn Adapter>)
        .build();
    let ns = io.sockets();
    assert!(ns.emit_with_ack("q", 1).await.unwrap().is_empty(), "nobody to answer");
    ns.to("r").timeout(Duration::from_secs(2)).emit_with_ack("q", Binary::from(vec![1u8])).await.unwrap();
    ns.volatile().compress(false).emit("v", ()).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0.as_deref(), Some(r#"["q",1]"#));
    assert!(seen[0].1.is_some(), "the packet carries its ack id");
    assert_eq!(seen[0].2.flags.timeout, Some(Duration::from_millis(1234)), "the default: ack_timeout");
    assert_eq!(seen[1].0.as_deref(), Some(r#"["q",{"_placeholder":true,"num":0}]"#));
    assert_eq!(seen[1].2.flags.timeout, Some(Duration::from_secs(2)));
    assert_ne!(seen[0].1, seen[1].1, "one id per broadcast");
    assert_eq!((seen[2].1, seen[2].2.flags.volatile, seen[2].2.flags.compress), (None, true, Some(false)));
}

#[tokio::test]
async fn a_volatile_broadcast_skips_a_full_queue_and_keeps_the_client() {
    let h = Conformance::default();
    let io = server(&h);
    let (engine, mut out) = engine(200);
    let mut client = io.open(engine);
    io.message(&mut client, Message::Text("0".into()));
    let mut other = connected(&io, 1);
    // The slow client's queue (200 bytes) holds the CONNECT reply and the auth event.
    io.sockets().volatile().emit("x", "y".repeat(100)).unwrap();
    assert!(out.try_recv_control().is_none(), "not disconnected for a volatile packet");
    assert_eq!(other[0].queued().len(), 1, "the others get it");
    assert_eq!(frames(out.try_recv().unwrap()).len(), 1);
    assert_eq!(frames(out.try_recv().unwrap()).len(), 1);
    assert!(out.try_recv().is_none(), "dropped for the slow client");
    io.sockets().volatile().emit("small", ()).unwrap();
    assert_eq!(out.try_recv().map(|o| show(&frames(o)[0])).as_deref(), Some(r#"42["small"]"#));
}

#[tokio::test]
async fn no_socket_before_the_adapter_is_ready_and_close_when_the_namespace_goes() {
    use crate::adapter::{Adapter, AdapterError, BroadcastOptions, MemoryAdapter};
    use crate::engine::Sid;

    /// Ready once `go` is notified; counts `close` calls.
    struct Slow(MemoryAdapter, Arc<tokio::sync::Notify>, Arc<std::sync::atomic::AtomicUsize>);
    impl Adapter for Slow {
        fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
            Box::pin(async move {
                self.1.notified().await;
                Ok(())
            })
        }
        fn close(&self) {
            self.2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        fn add_all(&self, sid: &Sid, rooms: &[crate::adapter::Room]) {
            self.0.add_all(sid, rooms)
        }
        fn del(&self, sid: &Sid, room: &crate::adapter::Room) {
            self.0.del(sid, room)
        }
        fn del_all(&self, sid: &Sid) {
            self.0.del_all(sid)
        }
        fn socket_rooms(&self, sid: &Sid) -> Vec<crate::adapter::Room> {
            self.0.socket_rooms(sid)
        }
        fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket> {
            self.0.local_sockets(opts)
        }
    }

    let go = Arc::new(tokio::sync::Notify::new());
    let closed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (g, cl) = (go.clone(), closed.clone());
    let h = Conformance::default();
    let io = Io::builder()
        .namespace("/", h.clone())
        .adapter(move |ns| Arc::new(Slow(MemoryAdapter::new(ns), g.clone(), cl.clone())) as Arc<dyn Adapter>)
        .build();
    let mut c = Conn::open(&io);
    c.send("40");
    tokio::task::yield_now().await;
    assert!(c.queued().is_empty(), "no CONNECT reply before init");
    let ready = tokio::spawn({
        let io = io.clone();
        async move { io.ready().await }
    });
    tokio::task::yield_now().await;
    assert!(!ready.is_finished());
    go.notify_one();
    ready.await.unwrap().unwrap();
    assert!(c.next_text().await.starts_with("40{"), "accepted once ready");
    c.close(CloseReason::TransportClose);
    drop(c);
    h.sockets.lock().unwrap().clear(); // the test's handler kept the socket, hence its namespace
    assert_eq!(closed.load(std::sync::atomic::Ordering::SeqCst), 0);
    drop(io);
    assert_eq!(closed.load(std::sync::atomic::Ordering::SeqCst), 1, "the namespace closed its adapter");
}
