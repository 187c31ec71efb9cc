//! Engine.IO over HTTP long-polling, against the real server on loopback.

mod common;

use common::*;

#[tokio::test]
async fn handshake_has_the_five_fields_with_the_configured_values() {
    let server = echo_server(fast_config()).await;
    let r = get(server.addr, "/engine.io/?EIO=4&transport=polling").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    let (sid, json) = open_polling(server.addr).await;
    let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 5, "{json}");
    assert_eq!(json["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(json["pingInterval"], 300);
    assert_eq!(json["pingTimeout"], 200);
    assert_eq!(json["maxPayload"], 1_000_000);
    assert_eq!(sid.len(), 22);
    assert!(sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{sid}");
}

#[tokio::test]
async fn a_path_without_trailing_slash_is_served_too() {
    let server = echo_server(fast_config()).await;
    let r = get(server.addr, "/engine.io?EIO=4&transport=polling").await;
    assert_eq!(r.status, 200);
    assert_eq!(get(server.addr, "/other/?EIO=4&transport=polling").await.status, 404);
}

#[tokio::test]
async fn text_packets_round_trip() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let r = post(server.addr, &poll_path(&sid), b"4hello").await;
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4hello");
    post(server.addr, &poll_path(&sid), b"4test1\x1e4test2\x1e4test3").await;
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4test1\x1e4test2\x1e4test3");
}

#[tokio::test]
async fn binary_packets_travel_as_base64() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    post(server.addr, &poll_path(&sid), b"4hello\x1ebAQIDBA==").await;
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4hello\x1ebAQIDBA==");
}

#[tokio::test]
async fn a_poll_waits_until_there_is_something_to_send() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let pending = start_get(server.addr, &poll_path(&sid)).await;
    // The GET is parked; the POST's echo releases it (the first ping is 300 ms away).
    post(server.addr, &poll_path(&sid), b"4wake").await;
    assert_eq!(pending.await.unwrap().text(), "4wake");
}

#[tokio::test]
async fn heartbeat_ping_pong_keeps_the_session() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    for _ in 0..3 {
        assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "2");
        assert_eq!(post(server.addr, &poll_path(&sid), b"3").await.status, 200);
    }
}

#[tokio::test]
async fn no_pong_closes_the_session_with_a_close_packet() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "2");
    // No pong: the next poll is held until the ping times out and carries the close.
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "1");
    let r = get(server.addr, &poll_path(&sid)).await;
    assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(1)));
}

#[tokio::test]
async fn client_close_releases_the_pending_poll_with_a_noop() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let pending = start_get(server.addr, &poll_path(&sid)).await;
    let r = post(server.addr, &poll_path(&sid), b"1").await;
    assert_eq!(r.status, 200);
    let body = pending.await.unwrap();
    assert_eq!(body.status, 200);
    assert_eq!(body.text(), "6");
    assert_eq!(get(server.addr, &poll_path(&sid)).await.status, 400);
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let server = echo_server(fast_config()).await;
    let r = request(
        server.addr,
        "OPTIONS",
        "/engine.io/?EIO=4&transport=polling",
        &[("Origin", "http://page.test"), ("Access-Control-Request-Headers", "content-type")],
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-allow-headers"), Some("content-type"));
    let r = request(
        server.addr,
        "GET",
        "/engine.io/?EIO=4&transport=polling",
        &[("Origin", "http://page.test")],
        b"",
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn graceful_shutdown_closes_sessions_and_returns() {
    let server = echo_server(fast_config()).await;
    let (mut ws, _) = open_ws(server.addr).await;
    server.shutdown().await;
    wait_closed(&mut ws).await;
}

#[tokio::test]
async fn a_server_close_reaches_the_next_poll_after_the_queued_packets() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    post(server.addr, &poll_path(&sid), b"4last\x1e4close-me").await;
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4last\x1e1");
    assert_eq!(get(server.addr, &poll_path(&sid)).await.status, 400);
}

#[tokio::test]
async fn the_cookie_option_sets_the_sid_cookie() {
    let mut config = fast_config();
    config.cookie = Some("io".to_owned());
    let server = echo_server(config).await;
    let r = get(server.addr, "/engine.io/?EIO=4&transport=polling").await;
    let json: serde_json::Value = serde_json::from_str(&r.text()[1..]).unwrap();
    let expected = format!("io={}; Path=/; HttpOnly; SameSite=Lax", json["sid"].as_str().unwrap());
    assert_eq!(r.header("set-cookie"), Some(expected.as_str()));
    let plain = echo_server(fast_config()).await;
    assert_eq!(get(plain.addr, "/engine.io/?EIO=4&transport=polling").await.header("set-cookie"), None);
}

#[tokio::test]
async fn a_poll_sent_with_the_close_but_served_after_it_still_gets_its_noop() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    // The close is served first (two connections, either order is possible).
    assert_eq!(post(server.addr, &poll_path(&sid), b"1").await.status, 200);
    let r = get(server.addr, &poll_path(&sid)).await;
    assert_eq!((r.status, r.text().as_str()), (200, "6"));
    assert_eq!(get(server.addr, &poll_path(&sid)).await.status, 400);
}
