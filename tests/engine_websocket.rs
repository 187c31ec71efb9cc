//! Engine.IO over WebSocket, and the upgrade from polling, against the real server.

mod common;

use common::*;
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn websocket_handshake_offers_no_upgrade() {
    let server = echo_server(fast_config()).await;
    let (_ws, json) = open_ws(server.addr).await;
    assert_eq!(json["upgrades"], serde_json::json!([]));
    assert_eq!(json.as_object().unwrap().len(), 5);
    assert_eq!(json["maxPayload"], 1_000_000);
}

#[tokio::test]
async fn text_and_binary_echo() {
    let server = echo_server(fast_config()).await;
    let (mut ws, _) = open_ws(server.addr).await;
    ws.send(WsMessage::text("4hello")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4hello");
    ws.send(WsMessage::binary(vec![1u8, 2, 3, 4])).await.unwrap();
    assert_eq!(next_msg(&mut ws).await, Some(WsMessage::binary(vec![1u8, 2, 3, 4])));
}

#[tokio::test]
async fn heartbeat_and_ping_timeout() {
    let server = echo_server(fast_config()).await;
    let (mut ws, _) = open_ws(server.addr).await;
    for _ in 0..3 {
        assert_eq!(next_msg(&mut ws).await, Some(WsMessage::text("2")));
        ws.send(WsMessage::text("3")).await.unwrap();
    }
    // Stop answering: the server closes the connection after pingTimeout.
    assert_eq!(next_msg(&mut ws).await, Some(WsMessage::text("2")));
    wait_closed(&mut ws).await;
}

#[tokio::test]
async fn client_close_packet_closes_at_once() {
    let server = echo_server(fast_config()).await;
    let (mut ws, _) = open_ws(server.addr).await;
    ws.send(WsMessage::text("1")).await.unwrap();
    wait_closed(&mut ws).await;
}

#[tokio::test]
async fn server_close_delivers_queued_frames_first() {
    let server = echo_server(fast_config()).await;
    let (mut ws, _) = open_ws(server.addr).await;
    ws.send(WsMessage::text("4last")).await.unwrap();
    ws.send(WsMessage::text("4close-me")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4last");
    wait_closed(&mut ws).await;
}

#[tokio::test]
async fn upgrade_from_polling() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let mut ws = ws_connect(server.addr, &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}")).await;
    ws.send(WsMessage::text("2probe")).await.unwrap();
    assert_eq!(next_msg(&mut ws).await, Some(WsMessage::text("3probe")));
    // The paused client's last poll is released with a noop.
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "6");
    ws.send(WsMessage::text("5")).await.unwrap();
    ws.send(WsMessage::text("4hello")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4hello");
    // Polling is over for this session: TRANSPORT_MISMATCH, the session lives on.
    let r = get(server.addr, &poll_path(&sid)).await;
    assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(3)));
    let r = post(server.addr, &poll_path(&sid), b"4x").await;
    assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(3)));
    // A second WebSocket with the same sid is closed; the first keeps working.
    let mut second =
        ws_connect(server.addr, &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}")).await;
    wait_closed(&mut second).await;
    ws.send(WsMessage::text("4still")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4still");
}

#[tokio::test]
async fn packets_sent_during_the_probe_arrive_after_the_upgrade() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let mut ws = ws_connect(server.addr, &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}")).await;
    ws.send(WsMessage::text("2probe")).await.unwrap();
    assert_eq!(next_msg(&mut ws).await, Some(WsMessage::text("3probe")));
    // Echoes of this POST stay queued while the client switches.
    post(server.addr, &poll_path(&sid), b"4during").await;
    ws.send(WsMessage::text("5")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4during");
}

#[tokio::test]
async fn junk_on_the_probe_aborts_the_upgrade_and_polling_goes_on() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let mut ws = ws_connect(server.addr, &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}")).await;
    ws.send(WsMessage::text("4hello")).await.unwrap();
    wait_closed(&mut ws).await;
    post(server.addr, &poll_path(&sid), b"4still polling").await;
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4still polling");
}

#[tokio::test]
async fn upgrade_without_probe_is_refused() {
    let server = echo_server(fast_config()).await;
    let (sid, _) = open_polling(server.addr).await;
    let mut ws = ws_connect(server.addr, &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}")).await;
    ws.send(WsMessage::text("5")).await.unwrap();
    wait_closed(&mut ws).await;
    post(server.addr, &poll_path(&sid), b"4polling").await;
    assert_eq!(get(server.addr, &poll_path(&sid)).await.text(), "4polling");
}

#[tokio::test]
async fn a_websocket_session_cannot_be_taken_over() {
    let server = echo_server(fast_config()).await;
    let (mut ws, json) = open_ws(server.addr).await;
    let sid = json["sid"].as_str().unwrap();
    let mut thief =
        ws_connect(server.addr, &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}")).await;
    wait_closed(&mut thief).await;
    let r = get(server.addr, &poll_path(sid)).await;
    assert_eq!((r.status, r.json()["code"].as_i64()), (400, Some(3)));
    ws.send(WsMessage::text("4mine")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "4mine");
}
