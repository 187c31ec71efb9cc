// The official `engine.io-client` against the raw Engine.IO echo endpoint `/engine.io`
// of examples/conformance (every text and binary message is echoed back;
// pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1e6).
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { requireEnv, nextEvent, collect, waitUntil, Tracker, toBuffer, bytes } from "./helpers.mjs";

const SERVER_URL = requireEnv("SERVER_URL");

const PATH = "/engine.io";
const T = { timeout: 20000 };
const tracker = new Tracker();
afterEach(() => tracker.closeAll());

function open(transports, extra = {}) {
  return tracker.add(new Socket(SERVER_URL, { path: PATH, transports, ...extra }));
}

/** Opens a socket and resolves once "open" fired, with the handshake data. */
async function connected(transports, extra) {
  const socket = open(transports, extra);
  const handshake = nextEvent(socket, "handshake", { failOn: ["error", "close"] });
  await nextEvent(socket, "open", { failOn: ["error", "close"] });
  const [data] = await handshake;
  return { socket, handshake: data };
}

/** Sends `data` and resolves with the next message echoed back. */
async function echo(socket, data) {
  const reply = nextEvent(socket, "message", { failOn: ["close"] });
  socket.send(data);
  const [msg] = await reply;
  return msg;
}

/** Asks the server, over plain HTTP, whether it still knows `sid`. Resolves with the JSON error body. */
async function pollingErrorFor(sid) {
  const res = await fetch(`${SERVER_URL}${PATH}/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, {
    signal: AbortSignal.timeout(3000),
  });
  const body = await res.text();
  return { status: res.status, body };
}

/** Waits until the server answers "Session ID unknown" (code 1) for `sid`. */
async function waitSessionForgotten(sid) {
  let last;
  await waitUntil(async () => {
    try {
      last = await pollingErrorFor(sid);
    } catch (e) {
      last = { status: "error", body: String(e) };
      return false;
    }
    if (last.status !== 400) return false;
    try {
      return JSON.parse(last.body).code === 1;
    } catch {
      return false;
    }
  }, `the server forgets session ${sid} (last answer: ${JSON.stringify(last)})`);
  assert.deepEqual(JSON.parse(last.body), { code: 1, message: "Session ID unknown" });
}

const MODES = [
  { name: "polling only", transports: ["polling"], expectTransport: "polling", upgrades: ["websocket"] },
  { name: "websocket only", transports: ["websocket"], expectTransport: "websocket", upgrades: [] },
];

for (const mode of MODES) {
  describe(`engine.io-client, ${mode.name}`, () => {
    test("handshake: open, sid and the server's settings", T, async () => {
      const { socket, handshake } = await connected(mode.transports);
      assert.equal(socket.transport.name, mode.expectTransport);
      assert.equal(typeof socket.id, "string");
      assert.ok(socket.id.length >= 16, `sid too short to be unguessable: ${socket.id}`);
      assert.equal(handshake.sid, socket.id);
      assert.equal(handshake.pingInterval, 300);
      assert.equal(handshake.pingTimeout, 200);
      assert.equal(handshake.maxPayload, 1000000);
      assert.deepEqual(handshake.upgrades, mode.upgrades);
    });

    test("two sessions get different sids", T, async () => {
      const a = await connected(mode.transports);
      const b = await connected(mode.transports);
      assert.notEqual(a.socket.id, b.socket.id);
    });

    test("text echo, including multi-byte UTF-8", T, async () => {
      const { socket } = await connected(mode.transports);
      assert.equal(await echo(socket, "hello"), "hello");
      const unicode = "héllo wörld — ☃ 𝄞 🚀 中文";
      assert.equal(await echo(socket, unicode), unicode);
      const json = JSON.stringify({ a: [1, 2, { b: "c" }] });
      assert.equal(await echo(socket, json), json);
    });

    test("binary echo (Buffer, Uint8Array, ArrayBuffer)", T, async () => {
      const { socket } = await connected(mode.transports);
      const buf = Buffer.from([0, 1, 2, 3, 254, 255]);
      const got1 = await echo(socket, buf);
      assert.ok(Buffer.isBuffer(got1), `expected a Buffer, got ${typeof got1}`);
      assert.deepEqual(toBuffer(got1), buf);

      const u8 = new Uint8Array([9, 8, 7]);
      assert.deepEqual(toBuffer(await echo(socket, u8)), Buffer.from(u8));

      const ab = new Uint8Array([42, 0, 42]).buffer;
      assert.deepEqual(toBuffer(await echo(socket, ab)), Buffer.from(ab));

      // a binary message must come back as binary, a text one as text
      const text = await echo(socket, "AQID");
      assert.equal(text, "AQID");
    });

    test("large messages (500 kB text and 500 kB binary) echo intact", T, async () => {
      const { socket } = await connected(mode.transports);
      const text = "x".repeat(250_000) + "ü".repeat(125_000); // 500,000 bytes of UTF-8
      assert.equal(await echo(socket, text), text);
      const bin = bytes(500_000, 7);
      assert.ok(toBuffer(await echo(socket, bin)).equals(bin), "binary payload corrupted");
    });

    test("200 mixed messages sent back-to-back are echoed in order", T, async () => {
      const { socket } = await connected(mode.transports);
      const received = collect(socket, "message");
      const sent = [];
      for (let i = 0; i < 200; i++) {
        const m = i % 3 === 0 ? bytes(16, i) : `msg-${i}`;
        sent.push(m);
        socket.send(m);
      }
      await waitUntil(() => received.length >= 200, `200 echoes (got ${received.length})`);
      assert.equal(received.length, 200);
      received.forEach(([m], i) => {
        if (Buffer.isBuffer(sent[i])) assert.ok(toBuffer(m).equals(sent[i]), `binary #${i} differs`);
        else assert.equal(m, sent[i], `message #${i} out of order`);
      });
    });

    test("heartbeat: the session survives many ping intervals", T, async () => {
      const { socket } = await connected(mode.transports);
      const closes = collect(socket, "close");
      const pings = collect(socket, "ping");
      // 300 ms interval: 6 pings take ~1.8 s, i.e. well beyond pingInterval + pingTimeout.
      await waitUntil(() => pings.length >= 6, `6 server pings (got ${pings.length})`, 6000);
      assert.equal(closes.length, 0, `closed during heartbeat: ${JSON.stringify(closes)}`);
      assert.equal(socket.readyState, "open");
      assert.equal(await echo(socket, "still alive"), "still alive");
    });

    test("client close: 'forced close' locally, and the server forgets the session", T, async () => {
      const { socket } = await connected(mode.transports);
      const sid = socket.id;
      assert.equal(await echo(socket, "before close"), "before close");
      const closed = nextEvent(socket, "close");
      socket.close();
      const [reason] = await closed;
      assert.equal(reason, "forced close");
      await waitSessionForgotten(sid);
    });
  });
}

describe("engine.io-client, polling → websocket upgrade", () => {
  test("upgrades to websocket and keeps echoing", T, async () => {
    const socket = open(["polling", "websocket"]);
    const upgraded = nextEvent(socket, "upgrade", { failOn: ["upgradeError", "close"], ms: 10000 });
    await nextEvent(socket, "open", { failOn: ["error", "close"] });
    assert.equal(socket.transport.name, "polling");
    assert.equal(await echo(socket, "on polling"), "on polling");
    const [transport] = await upgraded;
    assert.equal(transport.name, "websocket");
    assert.equal(socket.transport.name, "websocket");
    assert.equal(await echo(socket, "on websocket"), "on websocket");
    const bin = bytes(1024, 3);
    assert.ok(toBuffer(await echo(socket, bin)).equals(bin));
  });

  test("messages sent while the upgrade is in progress are neither lost nor reordered", T, async () => {
    const socket = open(["polling", "websocket"]);
    const received = collect(socket, "message");
    const upgraded = nextEvent(socket, "upgrade", { failOn: ["upgradeError", "close"], ms: 10000 });
    await nextEvent(socket, "open", { failOn: ["error", "close"] });
    // Keep sending, one message per event-loop turn, across the whole upgrade.
    let i = 0;
    let isUpgraded = false;
    upgraded.then(() => (isUpgraded = true), () => {});
    while (!isUpgraded && i < 5000) {
      socket.send(`m${i++}`);
      await new Promise((r) => setImmediate(r));
    }
    await upgraded;
    socket.send(`m${i++}`);
    await waitUntil(() => received.length >= i, `${i} echoes (got ${received.length})`);
    assert.deepEqual(
      received.map(([m]) => m),
      Array.from({ length: i }, (_, k) => `m${k}`),
    );
  });

  test("after the upgrade, the server refuses polling requests for that sid", T, async () => {
    const socket = open(["polling", "websocket"]);
    await nextEvent(socket, "upgrade", { failOn: ["upgradeError", "close"], ms: 10000 });
    // The client emits "upgrade" right after sending "5"; an echo over the new
    // WebSocket proves the server has processed that "5" (same connection, in order).
    assert.equal(await echo(socket, "upgraded"), "upgraded");
    const { status, body } = await pollingErrorFor(socket.id);
    assert.equal(status, 400);
    assert.deepEqual(JSON.parse(body), { code: 3, message: "Bad request" });
    // the upgraded session itself is unaffected
    assert.equal(await echo(socket, "still here"), "still here");
  });

  test("upgrade: false keeps the session on polling", T, async () => {
    const socket = open(["polling", "websocket"], { upgrade: false });
    const upgrading = collect(socket, "upgrading");
    await nextEvent(socket, "open", { failOn: ["error", "close"] });
    // let several poll cycles happen (pings every 300 ms) before checking
    const pings = collect(socket, "ping");
    await waitUntil(() => pings.length >= 2, "2 pings");
    assert.equal(upgrading.length, 0);
    assert.equal(socket.transport.name, "polling");
    assert.equal(await echo(socket, "poll"), "poll");
  });
});
