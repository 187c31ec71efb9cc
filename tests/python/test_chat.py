"""The seed doc's Python client against examples/chat (issue 4).

CHAT_URL: a chat server without CHAT_TOKEN; CHAT_TOKEN_URL: one started with
CHAT_TOKEN=$CHAT_TOKEN. The client is used exactly as the doc writes it.
"""

import asyncio
import os

import pytest
import socketio

from conftest import WAIT, Recorder


def env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run through scripts/test.sh", pytrace=False)
    return value.rstrip("/")


@pytest.fixture
def chat_url():
    return env("CHAT_URL")


@pytest.fixture
def token_url():
    return env("CHAT_TOKEN_URL"), env("CHAT_TOKEN")


async def doc_client(url, transports, **kwargs):
    """The seed's snippet: AsyncClient(), connect(..., socketio_path, namespaces, transports)."""
    client = socketio.AsyncClient()
    rec = Recorder()
    client.on("chat_message", rec.handler("chat_message"), namespace="/chat")
    client.on("system_message", rec.handler("system_message"), namespace="/chat")
    await asyncio.wait_for(
        client.connect(
            url,
            socketio_path="socket.io",
            namespaces=["/chat"],
            transports=transports,
            **kwargs,
        ),
        WAIT + 5,
    )
    return client, rec


@pytest.fixture
async def connected():
    made = []

    async def make(*args, **kwargs):
        client, rec = await doc_client(*args, **kwargs)
        made.append(client)
        return client, rec

    yield make
    for c in made:
        try:
            await asyncio.wait_for(c.disconnect(), 5)
        except Exception:
            pass


@pytest.mark.parametrize("transports", [["websocket", "polling"], ["polling"]], ids=["doc-transports", "polling-only"])
async def test_doc_snippet(chat_url, connected, transports):
    alice, alice_rec = await connected(chat_url, transports)
    bob, bob_rec = await connected(chat_url, transports)
    assert alice.transport() == transports[0]

    (welcome,) = (await alice_rec.wait("system_message"))[0]
    assert isinstance(welcome.get("text"), str) and welcome["text"]

    ack = await asyncio.wait_for(
        alice.call("chat_message", {"text": "Hello from Python"}, namespace="/chat"), WAIT
    )
    assert isinstance(ack, dict) and "error" not in ack, ack
    ((relayed,),) = await bob_rec.wait("chat_message")
    assert relayed["text"] == "Hello from Python"

    # alice is not echoed her own message: bob's later reply is the first she gets
    await bob.call("chat_message", {"text": "Hi Alice"}, namespace="/chat", timeout=WAIT)
    ((first,),) = await alice_rec.wait("chat_message")
    assert first["text"] == "Hi Alice"


async def test_invalid_payload_error_ack(chat_url, connected):
    client, _ = await connected(chat_url, ["websocket", "polling"])
    for bad in ("just a string", {"txt": "wrong key"}, {"text": 42}):
        ack = await client.call("chat_message", bad, namespace="/chat", timeout=WAIT)
        assert isinstance(ack, dict) and "error" in ack, (bad, ack)
    assert client.connected
    ack = await client.call("chat_message", {"text": "valid"}, namespace="/chat", timeout=WAIT)
    assert "error" not in ack


async def test_token_accepted(token_url, connected):
    url, token = token_url
    client, rec = await connected(url, ["websocket", "polling"], auth={"token": token})
    await rec.wait("system_message")
    ack = await client.call("chat_message", {"text": "with token"}, namespace="/chat", timeout=WAIT)
    assert "error" not in ack


@pytest.mark.parametrize("auth", [{"token": "wrong"}, None], ids=["wrong-token", "no-token"])
async def test_token_refused(token_url, auth):
    url, _ = token_url
    client = socketio.AsyncClient()
    rec = Recorder()
    client.on("connect_error", rec.handler("connect_error"), namespace="/chat")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await asyncio.wait_for(
            client.connect(url, socketio_path="socket.io", namespaces=["/chat"], transports=["websocket"], auth=auth),
            WAIT + 5,
        )
    ((data,),) = await rec.wait("connect_error")
    message = data.get("message") if isinstance(data, dict) else data
    assert message and message != "Invalid namespace", data
    assert not client.connected
