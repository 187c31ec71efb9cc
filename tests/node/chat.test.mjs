// The seed doc's Node.js client (socket.io-client) against examples/chat (issue 4).
//   CHAT_URL        a chat server without CHAT_TOKEN (everyone accepted)
//   CHAT_TOKEN_URL  a chat server started with CHAT_TOKEN=$CHAT_TOKEN
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { requireEnv, nextEvent, collect, waitUntil, Tracker, WAIT_MS } from "./helpers.mjs";

const CHAT_URL = requireEnv("CHAT_URL");
const CHAT_TOKEN_URL = requireEnv("CHAT_TOKEN_URL");
const CHAT_TOKEN = requireEnv("CHAT_TOKEN");

const T = { timeout: 30000 };
const tracker = new Tracker();
afterEach(() => tracker.closeAll());

/** Exactly the seed's browser/Node snippet: io(url, {path, transports}) then socket.io.socket("/chat"). */
function seedClient(url, { transports = ["websocket", "polling"], auth } = {}) {
  const socket = tracker.add(io(url, { path: "/socket.io", transports, forceNew: true, reconnection: false }));
  const chat = socket.io.socket("/chat", auth ? { auth } : {});
  return { socket, chat };
}

async function joined(url, opts) {
  const c = seedClient(url, opts);
  const welcome = nextEvent(c.chat, "system_message", { failOn: ["connect_error"] });
  await Promise.all([
    nextEvent(c.socket, "connect", { failOn: ["connect_error"] }),
    nextEvent(c.chat, "connect", { failOn: ["connect_error"] }),
  ]);
  c.welcome = (await welcome)[0];
  return c;
}

function send(chat, payload) {
  return new Promise((resolve, reject) => {
    chat.timeout(WAIT_MS).emit("chat_message", payload, (err, ack) =>
      err ? reject(new Error(`no ack for chat_message ${JSON.stringify(payload)}: ${err.message}`)) : resolve(ack),
    );
  });
}

for (const transports of [["websocket", "polling"], ["polling"]]) {
  describe(`chat, seed Node.js client, transports ${JSON.stringify(transports)}`, () => {
    test("connects / and /chat; welcome system_message; message relayed to others with an ack", T, async () => {
      const alice = await joined(CHAT_URL, { transports });
      const bob = await joined(CHAT_URL, { transports });
      assert.equal(typeof alice.welcome?.text, "string");
      assert.ok(alice.welcome.text.length > 0, "welcome text is empty");
      assert.equal(alice.socket.io.engine.transport.name, transports[0]);

      const aliceGot = collect(alice.chat, "chat_message");
      const bobGot = nextEvent(bob.chat, "chat_message");
      const ack = await send(alice.chat, { text: "Hello" });
      assert.ok(ack && typeof ack === "object" && !Array.isArray(ack), `ack must be an object: ${JSON.stringify(ack)}`);
      assert.ok(!("error" in ack), `unexpected error ack: ${JSON.stringify(ack)}`);
      const [relayed] = await bobGot;
      assert.equal(relayed.text, "Hello");

      // the sender does not get its own message back: a later message from bob proves
      // alice's queue was flushed past the point where an echo would have been
      const aliceFromBob = nextEvent(alice.chat, "chat_message");
      await send(bob.chat, { text: "Hi Alice ☃" });
      assert.equal((await aliceFromBob)[0].text, "Hi Alice ☃");
      assert.deepEqual(aliceGot.map(([p]) => p.text), ["Hi Alice ☃"]);
    });

    test("invalid chat_message payloads get an {error} ack and the connection stays open", T, async () => {
      const { chat, socket } = await joined(CHAT_URL, { transports });
      const disconnects = collect(chat, "disconnect");
      for (const bad of ["just a string", { txt: "wrong key" }, { text: 42 }, [1, 2]]) {
        const ack = await send(chat, bad);
        assert.ok(ack && typeof ack === "object" && "error" in ack, `expected {error} for ${JSON.stringify(bad)}, got ${JSON.stringify(ack)}`);
      }
      assert.deepEqual(disconnects, []);
      assert.ok(chat.connected && socket.connected);
      const ok = await send(chat, { text: "valid again" });
      assert.ok(ok && !("error" in ok));
    });
  });
}

describe("chat, CHAT_TOKEN", () => {
  test("without CHAT_TOKEN any auth (or none) is accepted", T, async () => {
    await joined(CHAT_URL, { auth: { token: "whatever" } });
    await joined(CHAT_URL);
  });

  test("the right token is accepted", T, async () => {
    const { chat } = await joined(CHAT_TOKEN_URL, { auth: { token: CHAT_TOKEN } });
    const ack = await send(chat, { text: "authenticated" });
    assert.ok(ack && !("error" in ack));
  });

  for (const [label, auth] of [["a wrong token", { token: "wrong-" + CHAT_TOKEN }], ["no token", undefined]]) {
    test(`${label} → connect_error on /chat; / still connects`, T, async () => {
      const { socket, chat } = seedClient(CHAT_TOKEN_URL, { auth });
      const connects = collect(chat, "connect");
      const [err] = await nextEvent(chat, "connect_error", { failOn: ["connect"] });
      assert.ok(err instanceof Error && err.message.length > 0, `connect_error without a message: ${err}`);
      assert.notEqual(err.message, "Invalid namespace");
      assert.equal(chat.connected, false);
      await waitUntil(() => socket.connected, "the main namespace / connects");
      assert.deepEqual(connects, []);
    });
  }
});
