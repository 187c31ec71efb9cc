//! Bad input at the Engine.IO layer (security notes, sections A to C): each case gets
//! the Node server's answer or a stricter one, and a session opened beforehand by
//! another client keeps working.

mod common;

use common::*;
use futures_util::SinkExt;
use socketio::engine::EngineConfig;
use socketio::server::{Engine, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A WebSocket session opened before the bad input; `check` proves it still echoes.
struct Bystander(Ws);

impl Bystander {
    async fn new(addr: std::net::SocketAddr) -> Self {
        Bystander(open_ws(addr).await.0)
    }
    async fn check(&mut self) {
        self.0.send(WsMessage::text("4still here")).await.unwrap();
        assert_eq!(next_text(&mut self.0).await, "4still here");
    }
}

fn assert_error(r: &HttpResponse, status: u16, code: i64, message: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json(), serde_json::json!({ "code": code, "message": message }));
}

#[tokio::test]
async fn a1_unknown_or_missing_transport() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    for q in ["EIO=4", "EIO=4&transport=carrier-pigeon"] {
        assert_error(&get(server.addr, &format!("/engine.io/?{q}")).await, 400, 0, "Transport unknown");
    }
    other.check().await;
}

#[tokio::test]
async fn a2_protocol_revision_other_than_4() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    for q in [
        "transport=polling",
        "EIO=abc&transport=polling",
        "EIO=3&transport=polling",
        "EIO=5&transport=polling",
    ] {
        let r = get(server.addr, &format!("/engine.io/?{q}")).await;
        assert_error(&r, 400, 5, "Unsupported protocol version");
    }
    other.check().await;
}

#[tokio::test]
async fn a3_handshake_by_post_or_put() {
    let server = echo_server(fast_config()).await;
    for method in ["POST", "PUT"] {
        let r = request(server.addr, method, "/engine.io/?EIO=4&transport=polling", &[], b"").await;
        assert_error(&r, 400, 2, "Bad handshake method");
    }
}

#[tokio::test]
async fn a4_websocket_transport_without_upgrade() {
    let server = echo_server(fast_config()).await;
    assert_error(&get(server.addr, "/engine.io/?EIO=4&transport=websocket").await, 400, 3, "Bad request");
}

#[tokio::test]
async fn a5_unknown_or_hostile_sids() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    let long = "A".repeat(10_000);
    for sid in ["AAAAAAAAAAAAAAAAAAAAAA", "__proto__", "constructor", "%00", long.as_str()] {
        let r = get(server.addr, &poll_path(sid)).await;
        assert_error(&r, 400, 1, "Session ID unknown");
        let r = post(server.addr, &poll_path(sid), b"4x").await;
        assert_error(&r, 400, 1, "Session ID unknown");
    }
    // Over WebSocket: a plain 400 with the message, before any upgrade.
    let err = tokio_tungstenite::connect_async(format!(
        "ws://{}/engine.io/?EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAAAA",
        server.addr
    ))
    .await
    .unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(r) => {
            assert_eq!(r.status(), 400);
            assert_eq!(r.body().as_deref(), Some(&b"Session ID unknown"[..]));
        }
        other => panic!("{other:?}"),
    }
    other.check().await;
}

#[tokio::test]
async fn a7_other_methods_on_a_live_session() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    for method in ["PUT", "DELETE", "PATCH"] {
        assert_eq!(request(server.addr, method, &poll_path(&sid), &[], b"").await.status, 400);
    }
    // The session is untouched.
    post(server.addr, &poll_path(&sid), b"4ok").await;
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4ok");
}

#[tokio::test]
async fn a9_allow_request_refusal() {
    let engine = Engine::new(Echo, fast_config()).with_allow_request(|parts| {
        match parts.headers.get("x-token").map(|v| v.as_bytes()) {
            Some(b"letmein") => Ok(()),
            _ => Err("no token".to_owned()),
        }
    });
    let server = serve(Server::new().mount("/engine.io", engine)).await;
    assert_error(&get(server.addr, "/engine.io/?EIO=4&transport=polling").await, 403, 4, "no token");
    let r =
        request(server.addr, "GET", "/engine.io/?EIO=4&transport=polling", &[("x-token", "letmein")], b"")
            .await;
    assert_eq!(r.status, 200);
    assert!(tokio_tungstenite::connect_async(format!(
        "ws://{}/engine.io/?EIO=4&transport=websocket",
        server.addr
    ))
    .await
    .is_err());
}

#[tokio::test]
async fn a11_repeated_parameters_keep_the_last_value() {
    let server = echo_server(fast_config()).await;
    let r = get(server.addr, "/engine.io/?EIO=4&transport=websocket&transport=polling").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().starts_with("0{"));
}

#[tokio::test]
async fn a13_too_many_headers() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    let names: Vec<String> = (0..200).map(|i| format!("x-h{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    let r = request(server.addr, "GET", "/engine.io/?EIO=4&transport=polling", &headers, b"").await;
    assert_eq!(r.status, 431);
    other.check().await;
}

#[tokio::test]
async fn a14_invalid_websocket_frames_close_only_that_connection() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    // A hand-made handshake, then a text frame with RSV2 set and no mask.
    let mut stream = send_request(
        server.addr,
        "GET",
        "/engine.io/?EIO=4&transport=websocket",
        &[
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13"),
        ],
        b"",
    )
    .await;
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 101"));
    stream.write_all(&[0x80 | 0x20 | 0x1, 0x01, b'4']).await.unwrap();
    // The server closes the connection (after a close frame, or at once).
    let mut rest = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection stayed open");
    other.check().await;
}

#[tokio::test]
async fn b1_post_above_max_payload_is_413_and_closes_the_session() {
    let mut config = fast_config();
    config.max_payload = 1000;
    let server = echo_server(config).await;
    let mut other = Bystander::new(server.addr).await;
    let (sid, _) = open_polling(server.addr).await;
    let mut body = b"4".to_vec();
    body.extend(std::iter::repeat_n(b'x', 1000));
    let r = post(server.addr, &poll_path(&sid), &body).await;
    assert_eq!(r.status, 413);
    assert_eq!(get(server.addr, &poll_path(&sid)).await.status, 400);
    // A body just within the limit is fine on a new session.
    let (sid, _) = open_polling(server.addr).await;
    assert_eq!(post(server.addr, &poll_path(&sid), &body[..1000]).await.status, 200);
    other.check().await;
}

#[tokio::test]
async fn b1_chunked_post_is_counted_while_streaming() {
    let mut config = fast_config();
    config.max_payload = 1000;
    let server = echo_server(config).await;
    let (sid, _) = open_polling(server.addr).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
        poll_path(&sid)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("400\r\n4{}\r\n", "x".repeat(1023));
    for _ in 0..3 {
        // The server may stop reading once the limit is crossed.
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    assert_eq!(read_response(&mut stream).await.status, 413);
}

#[tokio::test]
async fn b2_binary_content_type_is_refused_and_closes_the_session() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let r = request(
        server.addr,
        "POST",
        &poll_path(&sid),
        &[("Content-Type", "application/octet-stream")],
        b"4x",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(get(server.addr, &poll_path(&sid)).await.status, 400);
}

#[tokio::test]
async fn b3_overlapping_posts_close_the_session() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    let (sid, _) = open_polling(server.addr).await;
    // The first POST announces 10 bytes and sends 2: it is still being read.
    let mut first = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n4a",
        poll_path(&sid)
    );
    first.write_all(head.as_bytes()).await.unwrap();
    // Wait for the server to be inside the first body: retry the second POST until the
    // overlap is seen (each try is an answer from the server, not a timer).
    let mut status = 0;
    for _ in 0..100 {
        let r = post(server.addr, &poll_path(&sid), b"4b").await;
        status = r.status;
        if status == 400 {
            break;
        }
        assert_eq!(status, 200);
    }
    assert_eq!(status, 400);
    assert_eq!(get(server.addr, &poll_path(&sid)).await.status, 400);
    other.check().await;
}

#[tokio::test]
async fn b4_duplicate_polls_close_the_session() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let first = start_get(server.addr, &poll_path(&sid)).await;
    // The second GET overlaps the first if the first is parked; if it is not parked yet,
    // the second one is, and the first one is the overlap: either way one of the two
    // is refused and the other carries the close.
    let second = get(server.addr, &poll_path(&sid)).await;
    let first = first.await.unwrap();
    let mut outcomes = [(first.status, first.text()), (second.status, second.text())];
    outcomes.sort();
    assert_eq!(outcomes[0], (200, "1".to_owned()));
    assert_eq!(outcomes[1].0, 400);
    assert_eq!(get(server.addr, &poll_path(&sid)).await.status, 400);
}

#[tokio::test]
async fn b5_b6_malformed_payloads_close_the_session() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    for body in [&b"abc"[..], b"\x1e\x1e", b"4a\x1e", b"9x", b"", b"b!!!"] {
        let (sid, _) = open_polling(server.addr).await;
        let r = post(server.addr, &poll_path(&sid), body).await;
        assert_eq!(r.status, 400, "{body:?}");
        let r = get(server.addr, &poll_path(&sid)).await;
        assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(1)), "{body:?}");
    }
    other.check().await;
}

#[tokio::test]
async fn b7_invalid_utf8_is_decoded_lossily() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    assert_eq!(post(server.addr, &poll_path(&sid), b"4\xff\xfeok").await.status, 200);
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4\u{fffd}\u{fffd}ok");
}

#[tokio::test]
async fn b8_many_tiny_packets_in_one_post_are_all_processed() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let body = vec!["4x"; 20_000].join("\x1e");
    assert_eq!(post(server.addr, &poll_path(&sid), body.as_bytes()).await.status, 200);
    let mut echoed = 0;
    while echoed < 20_000 {
        let text = get(server.addr, &poll_path(&sid)).await.text();
        echoed += text.split('\x1e').filter(|p| *p == "4x").count();
        if text.contains("\x1e2") || text == "2" {
            post(server.addr, &poll_path(&sid), b"3").await;
        }
    }
    assert_eq!(echoed, 20_000);
}

#[tokio::test]
async fn c1_c2_invalid_packets_on_websocket_close_it() {
    let server = echo_server(fast_config()).await;
    let mut other = Bystander::new(server.addr).await;
    for bad in ["7", "x", "", "2", "2probe"] {
        let (mut ws, _) = open_ws(server.addr).await;
        ws.send(WsMessage::text(bad)).await.unwrap();
        wait_closed(&mut ws).await;
    }
    other.check().await;
}

#[tokio::test]
async fn c3_c4_pong_floods_and_stray_packets_are_ignored() {
    let server = echo_server(fast_config()).await;
    let (mut ws, _) = open_ws(server.addr).await;
    for _ in 0..1000 {
        ws.feed(WsMessage::text("3")).await.unwrap();
    }
    for stray in ["0", "5", "6", "3probe"] {
        ws.feed(WsMessage::text(stray)).await.unwrap();
    }
    ws.send(WsMessage::text("4after")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4after");
}

#[tokio::test]
async fn c9_websocket_message_above_max_payload_is_closed_with_1009() {
    let mut config = fast_config();
    config.max_payload = 1000;
    let server = echo_server(config).await;
    let mut other = Bystander::new(server.addr).await;
    let (mut ws, _) = open_ws(server.addr).await;
    ws.send(WsMessage::text(format!("4{}", "x".repeat(999)))).await.unwrap();
    assert_eq!(next_text(&mut ws).await.len(), 1000);
    ws.send(WsMessage::text(format!("4{}", "x".repeat(1000)))).await.unwrap();
    assert_eq!(wait_closed(&mut ws).await, Some(1009));
    other.check().await;
}

#[tokio::test]
async fn c10_invalid_utf8_in_a_text_frame_is_closed_with_1007() {
    let server = echo_server(fast_config()).await;
    let (mut ws, _) = open_ws(server.addr).await;
    let frame = WsFrame::message(vec![b'4', 0xff, 0xfe], OpCode::Data(Data::Text), true);
    ws.send(WsMessage::Frame(frame)).await.unwrap();
    assert_eq!(wait_closed(&mut ws).await, Some(1007));
}

#[tokio::test]
async fn e2_a_client_that_never_reads_is_disconnected_at_the_bound() {
    let mut config: EngineConfig = fast_config();
    config.max_buffered_bytes = 10_000;
    let server = echo_server(config).await;
    let mut other = Bystander::new(server.addr).await;
    let (sid, _) = open_polling(server.addr).await;
    // 200 echoes of 100 bytes wait for a GET that never comes: over the bound.
    let body = vec![format!("4{}", "y".repeat(99)); 200].join("\x1e");
    post(server.addr, &poll_path(&sid), body.as_bytes()).await;
    let r = get(server.addr, &poll_path(&sid)).await;
    assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(1)));
    other.check().await;
}
