// Captures what the official @socket.io/redis-adapter 8.x and @socket.io/redis-emitter 5.x
// publish, as fixture files for the Rust wire-format tests.
//
//   node tests/redis/capture-fixtures.mjs [out-dir]
//
// Two Node servers (io1, io2) share a Redis with the official adapter; a recorder
// PSUBSCRIBEs to everything under the run's key prefix. Each scenario runs an operation and
// waits until the recorder has seen the messages it publishes; each message becomes one
// file `<scenario>-<n>.json` with the channel, the key prefix and the payload in hex.
// Default out-dir: socketio-redis/tests/fixtures.

import { createServer } from "node:http";
import { mkdirSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { io as connectClient } from "socket.io-client";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { findRedis, uniqueKey } from "./lib/redis-server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, "../../socketio-redis/tests/fixtures"));

const redis = await findRedis();
const key = uniqueKey("fixtures");
const clients = [];
const redisClient = async () => {
  const c = createClient({ url: redis.url });
  c.on("error", (e) => console.error("redis client error", e.message));
  await c.connect();
  clients.push(c);
  return c;
};

// --- recorder ------------------------------------------------------------------------
const recorded = [];
let waiters = [];
const recorder = await redisClient();
await recorder.pSubscribe(
  `${key}*`,
  (message, channel) => {
    recorded.push({ channel: channel.toString(), payload: Buffer.from(message) });
    waiters = waiters.filter((w) => !w());
  },
  true,
);

function waitFor(count, ms = 3000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (recorded.length >= count) {
        resolve();
        return true;
      }
      return false;
    };
    if (check()) return;
    const timer = setTimeout(() => reject(new Error(`expected ${count} messages, got ${recorded.length}`)), ms);
    waiters.push(() => {
      if (check()) {
        clearTimeout(timer);
        return true;
      }
      return false;
    });
  });
}

// --- cluster ---------------------------------------------------------------------------
async function startServer() {
  const pub = await redisClient();
  const sub = pub.duplicate();
  sub.on("error", (e) => console.error("redis sub error", e.message));
  await sub.connect();
  clients.push(sub);
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pub, sub, { key }) });
  io.of("/custom");
  await new Promise((r) => http.listen(0, "127.0.0.1", r));
  return { io, http, port: http.address().port };
}

const s1 = await startServer();
const s2 = await startServer();
const { io: io1 } = s1;
const { io: io2 } = s2;

// Sockets on io2: two in "/" (one in room1 with data), one in "/custom".
io2.on("connection", (socket) => {
  if (socket.handshake.auth.room) socket.join(socket.handshake.auth.room);
  socket.data = { user: socket.handshake.auth.user ?? null, n: 1 };
});
io2.on("ping-server", (arg, ack) => ack({ pong: arg }));
io1.on("ping-server", () => {});
io2.on("hello-server", () => {});

function connectTo(port, nsp, auth) {
  return new Promise((resolve, reject) => {
    const socket = connectClient(`http://127.0.0.1:${port}${nsp}`, { transports: ["websocket"], auth, forceNew: true });
    socket.on("connect", () => resolve(socket));
    socket.on("connect_error", reject);
  });
}
const c1 = await connectTo(s2.port, "/", { room: "room1", user: "ann" });
const c2 = await connectTo(s2.port, "/", {});
const c3 = await connectTo(s2.port, "/custom", { room: "room9" });
const onIo1 = await connectTo(s1.port, "/", {});
for (const c of [c1, c2]) c.on("question", (arg, ack) => ack(`answer-${arg}`));
// Let joins settle: room1 exists on io2 before io1 fetches.
await new Promise((r) => setTimeout(r, 100));

// --- scenarios -----------------------------------------------------------------------
const fixtures = [];
async function scenario(name, description, expected, run) {
  const start = recorded.length;
  await run();
  await waitFor(start + expected);
  // Anything more (late duplicates) would show here.
  await new Promise((r) => setTimeout(r, 50));
  const messages = recorded.slice(start);
  if (messages.length !== expected) {
    throw new Error(`${name}: expected ${expected} messages, recorded ${messages.length}`);
  }
  messages.forEach((m, i) => {
    fixtures.push({
      file: `${name}-${i}.json`,
      content: {
        scenario: name,
        description,
        index: i,
        key,
        channel: m.channel,
        format: m.payload[0] === 0x7b ? "json" : "msgpack",
        payload_hex: m.payload.toString("hex"),
      },
    });
  });
}

const emitter = new Emitter(await redisClient(), { key });
const serverSocketOnIo1 = [...io1.of("/").sockets.values()][0];

await scenario("adapter-broadcast-all", 'io.emit("hello", "world", 1, 2.5, true, null, {a:[1]})', 1, () =>
  io1.emit("hello", "world", 1, 2.5, true, null, { a: [1] }),
);
await scenario("adapter-broadcast-room", 'io.to("room1").emit("ev", 1)', 1, () => io1.to("room1").emit("ev", 1));
await scenario("adapter-broadcast-rooms-except", 'io.to(["r1","r2"]).except("r3").emit("ev")', 1, () =>
  io1.to(["r1", "r2"]).except("r3").emit("ev"),
);
await scenario(
  "adapter-broadcast-binary",
  'io.emit("bin", Buffer.from([1,2,3]), {nested: Buffer.from([4]), list: [Uint8Array.of(5)]})',
  1,
  () => io1.emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]), list: [Uint8Array.of(5)] }),
);
await scenario("adapter-broadcast-custom-nsp", 'io.of("/custom").to("room9").emit("x", "y")', 1, () =>
  io1.of("/custom").to("room9").emit("x", "y"),
);
await scenario("adapter-broadcast-flags", 'io.volatile.compress(false).emit("v")', 1, () => io1.volatile.compress(false).emit("v"));
await scenario("adapter-broadcast-from-socket", 'socket.broadcast.emit("from", "socket") on io1', 1, () =>
  serverSocketOnIo1.broadcast.emit("from", "socket"),
);
await scenario("adapter-server-side-emit", 'io.serverSideEmit("hello-server", "x", 1)', 1, () =>
  io1.serverSideEmit("hello-server", "x", 1),
);
await scenario(
  "adapter-server-side-emit-ack",
  'await io.serverSideEmitWithAck("ping-server", 1); io2 answers {pong: 1}',
  2,
  async () => {
    const responses = await io1.serverSideEmitWithAck("ping-server", 1);
    if (JSON.stringify(responses) !== '[{"pong":1}]') throw new Error(`unexpected ${JSON.stringify(responses)}`);
  },
);
await scenario("adapter-sockets-join", 'io.in("a").except("b").socketsJoin(["c", "d"])', 1, () =>
  io1.in("a").except("b").socketsJoin(["c", "d"]),
);
await scenario("adapter-sockets-leave", 'io.socketsLeave("c")', 1, () => io1.socketsLeave("c"));
await scenario("adapter-disconnect-sockets", 'io.in("nobody").disconnectSockets(true)', 1, () =>
  io1.in("nobody").disconnectSockets(true),
);
await scenario("adapter-fetch-sockets", 'await io.in("room1").fetchSockets(); io2 answers with its socket', 2, async () => {
  const sockets = await io1.in("room1").fetchSockets();
  if (sockets.length !== 1) throw new Error(`fetchSockets: ${sockets.length}`);
});
await scenario("adapter-fetch-sockets-empty", 'await io.in("nobody").fetchSockets()', 2, async () => {
  await io1.in("nobody").fetchSockets();
});
await scenario("adapter-all-rooms", "await io.of('/').adapter.allRooms()", 2, async () => {
  await io1.of("/").adapter.allRooms();
});
await scenario(
  "adapter-broadcast-ack",
  'await io.timeout(2000).emitWithAck("question", 7); two sockets on io2 answer',
  4,
  async () => {
    const answers = await io1.except(onIo1.id).timeout(2000).emitWithAck("question", 7);
    if (answers.length !== 2) throw new Error(`emitWithAck: ${JSON.stringify(answers)}`);
  },
);
// Requests that 8.x no longer sends but still answers (older nodes send them): a
// hand-written request, then io2's answer.
await scenario("adapter-legacy-sockets", "SOCKETS request (hand-written) and the answers of io1 and io2", 3, async () => {
  await recorder.duplicate().connect().then(async (p) => {
    clients.push(p);
    await p.publish(`${key}-request#/#`, JSON.stringify({ uid: "legacy", requestId: "legacy1", type: 0, rooms: ["room1"] }));
  });
});
await scenario("adapter-legacy-remote-join", "REMOTE_JOIN of one sid (hand-written) and io2's answer", 2, async () => {
  const p = clients[clients.length - 1];
  await p.publish(
    `${key}-request#/#`,
    JSON.stringify({ uid: "legacy", requestId: "legacy2", type: 2, sid: c2.id, room: "joined-by-sid" }),
  );
});

await scenario("emitter-emit", 'emitter.emit("hello", "world")', 1, () => emitter.emit("hello", "world"));
await scenario("emitter-to-room", 'emitter.to("room1").emit("ev", 1)', 1, () => emitter.to("room1").emit("ev", 1));
await scenario("emitter-to-rooms-except", 'emitter.to("r1").to("r2").except("r3").emit("ev", {a: 1})', 1, () =>
  emitter.to("r1").to("r2").except("r3").emit("ev", { a: 1 }),
);
await scenario("emitter-binary", 'emitter.emit("bin", Buffer.from([1, 2, 3]), Uint8Array.of(9))', 1, () =>
  emitter.emit("bin", Buffer.from([1, 2, 3]), Uint8Array.of(9)),
);
await scenario("emitter-of-nsp", 'emitter.of("custom").to("room9").emit("x")', 1, () => emitter.of("custom").to("room9").emit("x"));
await scenario("emitter-flags", 'emitter.volatile.compress(true).emit("v")', 1, () => emitter.volatile.compress(true).emit("v"));
await scenario("emitter-sockets-join", 'emitter.in("a").except("b").socketsJoin(["c", "d"])', 1, () =>
  emitter.in("a").except("b").socketsJoin(["c", "d"]),
);
await scenario("emitter-sockets-join-one", 'emitter.socketsJoin("c")', 1, () => emitter.socketsJoin("c"));
await scenario("emitter-sockets-leave", 'emitter.socketsLeave("c")', 1, () => emitter.socketsLeave("c"));
await scenario("emitter-disconnect-sockets", 'emitter.in("nobody").disconnectSockets(true)', 1, () =>
  emitter.in("nobody").disconnectSockets(true),
);
await scenario("emitter-disconnect-sockets-default", 'emitter.in("nobody").disconnectSockets()', 1, () =>
  emitter.in("nobody").disconnectSockets(),
);
await scenario("emitter-server-side-emit", 'emitter.serverSideEmit("hello-server", 1, "two")', 1, () =>
  emitter.serverSideEmit("hello-server", 1, "two"),
);
await scenario(
  "emitter-values",
  "emitter.emit with every value shape notepack writes: ints of each width, floats, undefined, Date, nested maps, long strings, ArrayBuffer",
  1,
  () =>
    emitter.emit(
      "values",
      [0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2 ** 53 - 1],
      [-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -(2 ** 53 - 1)],
      [0.5, -1.25, 1e300, 2.0],
      [undefined, null, true, false],
      { skipped: undefined, kept: null },
      new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
      new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      "é€😀",
      "x".repeat(40),
      "y".repeat(300),
      new Uint8Array(300).fill(7).buffer,
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])),
      Array.from({ length: 17 }, (_, i) => i),
    ),
);

// --- write ---------------------------------------------------------------------------
mkdirSync(outDir, { recursive: true });
for (const f of readdirSync(outDir)) if (f.endsWith(".json")) rmSync(join(outDir, f));
for (const { file, content } of fixtures) writeFileSync(join(outDir, file), JSON.stringify(content, null, 2) + "\n");
console.log(`wrote ${fixtures.length} fixtures to ${outDir}`);

for (const c of [c1, c2, c3, onIo1]) c.disconnect();
await new Promise((r) => io1.close(r));
await new Promise((r) => io2.close(r));
for (const c of clients) await c.quit().catch(() => {});
await redis.dispose();
