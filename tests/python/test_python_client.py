"""The official python-socketio AsyncClient against examples/conformance (/socket.io).

Contract (issue 3), for namespaces "/" and "/custom": on connect the server emits
"auth" with the client's auth payload ({} when none); "message" -> "message-back"
with the same args; "message-with-ack" -> ack with the same args; "join"/"leave"
-> ack True; "to-room" (room, event, *args); "broadcast" (event, *args);
"server-ack" (event, *args) -> the server asks this client for an ack and acks
back what the client answered; "disconnect-me" -> the server disconnects the socket.
"""

import asyncio

import pytest
import socketio

from conftest import WAIT, Recorder

TRANSPORTS = ["websocket", "polling"]
NAMESPACES = ["/", "/custom"]
CONNECT_WAIT = 10  # python-socketio waits only 1 s for namespace CONNECTs by default

# python-engineio's polling client refuses a response carrying more than 16 packets
# (engineio.payload.Payload.max_decode_packets) and drops the connection with
# "Unexpected packet from server". The official Node server answers a GET with
# everything buffered, so over polling a python client must not have more than a
# handful of replies in flight: bursts are kept to BURST there.
BURST = {"websocket": 300, "polling": 10}


async def connect(client, url, transport, namespaces=None, **kwargs):
    await asyncio.wait_for(
        client.connect(
            url,
            socketio_path="socket.io",
            transports=[transport],
            namespaces=namespaces or ["/"],
            wait_timeout=CONNECT_WAIT,
            **kwargs,
        ),
        CONNECT_WAIT + 5,
    )


def record(client, rec, event, namespace):
    client.on(event, rec.handler((event, namespace)), namespace=namespace)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_connect_both_namespaces_default_auth(server_url, clients, transport):
    client = clients()
    rec = Recorder()
    for ns in NAMESPACES:
        record(client, rec, "auth", ns)
    await connect(client, server_url, transport, NAMESPACES)

    assert client.connected
    assert client.transport() == transport
    for ns in NAMESPACES:
        assert (await rec.wait(("auth", ns))) == [({},)]
    root_sid, custom_sid = client.get_sid("/"), client.get_sid("/custom")
    assert root_sid and custom_sid and root_sid != custom_sid
    # Socket.IO ids are public; the Engine.IO session id is a secret and must differ
    assert client.eio.sid not in (root_sid, custom_sid)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_auth_payload_round_trip(server_url, clients, transport):
    auth = {"token": "py-token", "n": 7, "nested": {"list": [1, "two", None, True]}}
    client = clients()
    rec = Recorder()
    for ns in NAMESPACES:
        record(client, rec, "auth", ns)
    await connect(client, server_url, transport, NAMESPACES, auth=auth)
    for ns in NAMESPACES:
        assert (await rec.wait(("auth", ns))) == [(auth,)]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_message_back(server_url, clients, transport, namespace):
    client = clients()
    rec = Recorder()
    record(client, rec, "message-back", namespace)
    await connect(client, server_url, transport, [namespace])

    cases = [
        None,  # no argument at all
        "hello",
        ("a", 1, {"b": [True, None, 2.5]}),
        "unicode ☃ 𝄞 🚀 中文",
        (b"\x00\x01\xfe\xff", {"nested": b"abc", "list": [b"", "x"]}),
    ]
    expected = [(), ("hello",), cases[2], (cases[3],), cases[4]]
    for data in cases:
        await client.emit("message", data, namespace=namespace)
    got = await rec.wait(("message-back", namespace), count=len(cases))
    assert got == expected


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_client_to_server_ack(server_url, clients, transport, namespace):
    client = clients()
    await connect(client, server_url, transport, [namespace])

    async def call(data):
        return await client.call("message-with-ack", data, namespace=namespace, timeout=WAIT)

    assert await call("x") == "x"
    assert await call({"text": "Hello from Python"}) == {"text": "Hello from Python"}
    assert await call(("several", 2, [3])) == ("several", 2, [3])
    assert await call(b"\x00binary\xff") == b"\x00binary\xff"
    assert await call({"file": b"\x01\x02", "name": "f"}) == {"file": b"\x01\x02", "name": "f"}

    # many concurrent calls, each gets its own answer
    burst = BURST[transport]
    answers = []
    for start in range(0, 100, burst):
        answers += await asyncio.gather(*(call(["n", i]) for i in range(start, min(start + burst, 100))))
    assert answers == [["n", i] for i in range(100)]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("namespace", NAMESPACES)
async def test_server_to_client_ack(server_url, clients, transport, namespace):
    client = clients()
    asked = []

    @client.on("add-one", namespace=namespace)
    async def add_one(n):
        asked.append(n)
        return n + 1

    @client.on("describe", namespace=namespace)
    def describe(payload, blob):  # a plain (sync) handler works too
        return {"keys": sorted(payload), "size": len(blob), "blob": blob}

    await connect(client, server_url, transport, [namespace])
    assert await client.call("server-ack", ("add-one", 41), namespace=namespace, timeout=WAIT) == 42
    assert asked == [41]
    answer = await client.call(
        "server-ack", ("describe", {"b": 1, "a": 2}, b"\x00\x01\x02"), namespace=namespace, timeout=WAIT
    )
    assert answer == {"keys": ["a", "b"], "size": 3, "blob": b"\x00\x01\x02"}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_messages_arrive_in_order(server_url, clients, transport):
    client = clients()
    rec = Recorder()
    record(client, rec, "message-back", "/")
    await connect(client, server_url, transport)
    burst = BURST[transport]
    for start in range(0, 300, burst):
        for i in range(start, start + burst):
            await client.emit("message", (i, f"m{i}"))
        await rec.wait(("message-back", "/"), count=start + burst, timeout=10)
    got = rec.get(("message-back", "/"))
    assert got == [(i, f"m{i}") for i in range(300)]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_disconnect_me_keeps_other_namespace(server_url, clients, transport):
    client = clients()
    rec = Recorder()
    record(client, rec, "disconnect", "/custom")
    record(client, rec, "disconnect", "/")
    await connect(client, server_url, transport, NAMESPACES)

    await client.emit("disconnect-me", namespace="/custom")
    assert (await rec.wait(("disconnect", "/custom"))) == [(client.reason.SERVER_DISCONNECT,)]
    assert "/custom" not in client.namespaces
    # "/" on the same Engine.IO connection is unaffected
    assert await client.call("message-with-ack", "still here", timeout=WAIT) == "still here"
    assert rec.get(("disconnect", "/")) == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_unknown_namespace_is_refused(server_url, clients, transport):
    client = clients()
    rec = Recorder()
    record(client, rec, "connect_error", "/does-not-exist")
    with pytest.raises(socketio.exceptions.ConnectionError, match="/does-not-exist"):
        await connect(client, server_url, transport, ["/does-not-exist"])
    assert (await rec.wait(("connect_error", "/does-not-exist"))) == [({"message": "Invalid namespace"},)]


async def test_rooms_and_broadcast(server_url, clients):
    a, b, c = clients(), clients(), clients()
    recs = {name: Recorder() for name in "abc"}
    for name, cl in zip("abc", (a, b, c)):
        for event in ("room-event", "bc", "message-back"):
            record(cl, recs[name], event, "/")
    await asyncio.gather(
        connect(a, server_url, "websocket"),
        connect(b, server_url, "polling"),
        connect(c, server_url, "websocket"),
    )
    assert await b.call("join", "py-room", timeout=WAIT) is True
    await a.emit("to-room", ("py-room", "room-event", {"x": 1}, b"\x07"))
    assert (await recs["b"].wait(("room-event", "/"))) == [({"x": 1}, b"\x07")]

    await a.emit("broadcast", ("bc", "hi"))
    assert (await recs["b"].wait(("bc", "/"))) == [("hi",)]
    assert (await recs["c"].wait(("bc", "/"))) == [("hi",)]
    # a's own round trip, issued after its broadcast, proves it got no "bc" nor "room-event"
    await a.emit("message", "sync")
    await recs["a"].wait(("message-back", "/"))
    assert recs["a"].get(("bc", "/")) == []
    assert recs["a"].get(("room-event", "/")) == []

    assert await b.call("leave", "py-room", timeout=WAIT) is True
    assert await c.call("join", "py-room", timeout=WAIT) is True
    await a.emit("to-room", ("py-room", "room-event", "second"))
    assert (await recs["c"].wait(("room-event", "/"))) == [("second",)]
    await a.emit("to-room", ("py-room", "room-event", "third"))
    await recs["c"].wait(("room-event", "/"), count=2)
    await b.emit("message", "sync")
    await recs["b"].wait(("message-back", "/"))
    assert recs["b"].get(("room-event", "/")) == [({"x": 1}, b"\x07")], "b left the room"


async def test_seed_snippet_verbatim_options(server_url, clients):
    """The seed doc's Python client, pointed at /custom (the conformance namespace)."""
    client = clients()
    received = asyncio.Queue()

    @client.on("message-back", namespace="/custom")
    async def on_message_back(payload):
        await received.put(payload)

    await client.connect(
        server_url,
        socketio_path="socket.io",
        namespaces=["/custom"],
        transports=["websocket", "polling"],
    )
    ack = await asyncio.wait_for(
        client.call("message-with-ack", {"text": "Hello from Python"}, namespace="/custom"), WAIT
    )
    assert ack == {"text": "Hello from Python"}
    await client.emit("message", {"text": "echo"}, namespace="/custom")
    assert await asyncio.wait_for(received.get(), WAIT) == {"text": "echo"}
    assert client.transport() == "websocket"
    await client.disconnect()
    assert not client.connected
