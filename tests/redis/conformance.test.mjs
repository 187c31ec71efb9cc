// examples/conformance with REDIS_URL: two such processes and one Node server with
// `io.adapter(createAdapter(pubClient, subClient))` (default options, key "socket.io") form
// one cluster. On a private redis-server, since the default key is shared by everyone.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { Server } from "socket.io";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { startPrivateRedis, freePort } from "./lib/redis-server.mjs";
import { connect, repoRoot } from "./lib/cluster.mjs";

let redis, a, b, n, emitterClient;
const clients = [];

function conformanceBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
  const binary = join(target, "debug", "examples", "conformance");
  if (!process.env.SKIP_CARGO_BUILD || !existsSync(binary)) {
    execFileSync("cargo", ["build", "-q", "--example", "conformance"], { cwd: repoRoot, stdio: "inherit" });
  }
  return binary;
}

async function startConformance(port) {
  port = port ?? (await freePort());
  const child = spawn(conformanceBinary(), [], {
    env: { ...process.env, REDIS_URL: redis.url, PORT: String(port), RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      if (out.includes("listening")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`conformance exited ${code}: ${out}`)));
  });
  child.removeAllListeners("exit");
  return {
    kind: "rust",
    port,
    url: `http://127.0.0.1:${port}`,
    stop: (signal = "SIGTERM") =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once("exit", r);
        child.kill(signal);
      }),
  };
}

/** A Node server with the conformance contract's cluster events and the official adapter. */
async function startNode() {
  const port = await freePort();
  const pubClient = createClient({ url: redis.url });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pubClient, subClient) });
  for (const name of ["/", "/custom"]) {
    io.of(name).on("connection", (socket) => {
      socket.on("join", (room, ack) => (socket.join(room), ack?.(true)));
      socket.on("leave", (room, ack) => (socket.leave(room), ack?.(true)));
      socket.on("to-room", (room, event, ...args) => io.of(name).to(room).emit(event, ...args));
      socket.on("broadcast", (event, ...args) => socket.broadcast.emit(event, ...args));
      socket.on("fetch-count", async (room, ack) => ack((await io.of(name).in(room).fetchSockets()).length));
    });
  }
  await new Promise((r) => http.listen(port, "127.0.0.1", r));
  return {
    kind: "node",
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise((r) => io.close(() => r()));
      await Promise.all([pubClient.quit().catch(() => {}), subClient.quit().catch(() => {})]);
    },
  };
}

async function client(node, nsp = "/") {
  const c = await connect(node, nsp);
  clients.push(c);
  return c;
}

before(async () => {
  redis = await startPrivateRedis();
  [a, b, n] = await Promise.all([startConformance(), startConformance(), startNode()]);
  emitterClient = createClient({ url: redis.url });
  await emitterClient.connect();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([a?.stop(), b?.stop(), n?.stop()]);
  await emitterClient?.quit().catch(() => {});
  await redis?.dispose();
});

test("broadcast and to-room reach every node once, binary intact; join is acked when effective", async () => {
  const [ca, cb, cn] = [await client(a), await client(b), await client(n)];
  ca.emit("broadcast", "news", "hello", Buffer.from([1, 2]));
  ca.emit("broadcast", "news", "marker");
  for (const c of [cb, cn]) {
    const [first] = [await c.next("news", 1)];
    await c.next("news", 2);
    assert.equal(first[0], "hello");
    assert.deepEqual(Buffer.from(first[1]), Buffer.from([1, 2]));
  }
  assert.equal(ca.received("news").length, 0);

  for (const c of [ca, cb, cn]) assert.equal(await c.timeout(5000).emitWithAck("join", "lobby"), true);
  cn.emit("to-room", "lobby", "in-room", 1);
  cb.emit("to-room", "lobby", "in-room", 2);
  for (const c of [ca, cb, cn]) await c.next("in-room", 2);
  for (const c of [ca, cb, cn]) assert.equal(c.received("in-room").length, 2);
});

test("fetch-count counts the room across the cluster, in / and /custom", async () => {
  for (const nsp of ["/", "/custom"]) {
    const room = `count-${nsp}`;
    const members = [await client(a, nsp), await client(b, nsp), await client(b, nsp), await client(n, nsp)];
    for (const m of members) await m.timeout(5000).emitWithAck("join", room);
    assert.equal(await members[0].timeout(8000).emitWithAck("fetch-count", room), 4);
    assert.equal(await members[3].timeout(8000).emitWithAck("fetch-count", room), 4);
  }
});

test("the official emitter with the default key reaches conformance clients", async () => {
  const [ca, cn] = [await client(a), await client(n)];
  await ca.timeout(5000).emitWithAck("join", "emitted");
  const emitter = new Emitter(emitterClient);
  emitter.to("emitted").emit("from-emitter", Buffer.from([7]));
  emitter.emit("all");
  await ca.next("all");
  await cn.next("all");
  assert.deepEqual(Buffer.from(ca.received("from-emitter")[0][0]), Buffer.from([7]));
  assert.equal(cn.received("from-emitter").length, 0);
});

test("a conformance node stopped with SIGTERM and started again on its port rejoins", async () => {
  const port = b.port;
  await b.stop("SIGTERM");
  const [ca, cn] = [await client(a), await client(n)];
  ca.emit("broadcast", "away", 1);
  await cn.next("away");
  b = await startConformance(port);
  const cb = await client(b);
  cn.emit("broadcast", "back", 1);
  await cb.next("back");
  assert.equal(await cb.timeout(5000).emitWithAck("join", "rejoined"), true);
  await ca.timeout(5000).emitWithAck("join", "rejoined");
  assert.equal(await cn.timeout(8000).emitWithAck("fetch-count", "rejoined"), 2);
});
