// A mixed cluster on one Redis: two Rust nodes (socketio-redis/examples/cluster_node.rs)
// and one Node.js node with the official @socket.io/redis-adapter, socket.io-client
// clients on each; then the official emitter driving it.
//
//   node --test tests/redis/
//
// Redis: REDIS_URL, else 127.0.0.1:6379 when it answers, else a private redis-server.
// The run uses its own key prefix, so parallel runs and other users of the Redis do not mix.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { Emitter } from "@socket.io/redis-emitter";
import { findRedis, uniqueKey } from "./lib/redis-server.mjs";
import { startRustNode, startNodeNode, connect, runRustEmitter } from "./lib/cluster.mjs";

let redis, key, rustA, rustB, nodeN, emitterClient;
const clients = [];

async function client(node, nsp = "/", opts) {
  const c = await connect(node, nsp, opts);
  clients.push(c);
  return c;
}

before(async () => {
  redis = await findRedis();
  key = uniqueKey("cluster");
  [rustA, rustB, nodeN] = await Promise.all([
    startRustNode({ redisUrl: redis.url, key }),
    startRustNode({ redisUrl: redis.url, key }),
    startNodeNode({ redisUrl: redis.url, key }),
  ]);
  emitterClient = createClient({ url: redis.url });
  emitterClient.on("error", () => {});
  await emitterClient.connect();
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([rustA?.stop(), rustB?.stop(), nodeN?.stop()]);
  await emitterClient?.quit().catch(() => {});
  await redis?.dispose();
});

test("every node counts three servers", async () => {
  const [a, n] = [await client(rustA), await client(nodeN)];
  assert.equal(await a.call("server-count"), 3);
  assert.equal(await n.call("server-count"), 3);
});

for (const from of ["rustA", "nodeN"]) {
  test(`broadcast from ${from} reaches every other socket once, binary intact`, async () => {
    const nodes = { rustA, rustB, nodeN };
    const sender = await client(nodes[from]);
    const receivers = [await client(rustA), await client(rustB), await client(nodeN)];
    await sender.call("broadcast", "hello", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) });
    await sender.call("broadcast", "marker");
    for (const r of receivers) {
      const [first] = [await r.next("broadcast", 1)];
      await r.next("broadcast", 2);
      assert.equal(first[0], "hello");
      assert.deepEqual(Buffer.from(first[1]), Buffer.from([1, 2, 3]));
      assert.deepEqual(Buffer.from(first[2].nested), Buffer.from([4]));
      assert.equal(r.received("broadcast").length, 2, "exactly once");
    }
    assert.equal(sender.received("broadcast").length, 0, "not to the sender");
  });
}

test("to-room reaches the room's members on every node, and no one else", async () => {
  const room = `room-${Date.now()}`;
  const members = [await client(rustA), await client(rustB), await client(nodeN)];
  const outsiders = [await client(rustA), await client(nodeN)];
  for (const m of members) await m.call("join", room);
  for (const sender of [members[0], members[2], outsiders[0]]) {
    await sender.call("to-room", room, Buffer.from("bin"));
  }
  for (const m of members) {
    const third = await m.next("to-room", 3);
    assert.equal(third[0], room);
    assert.deepEqual(Buffer.from(third[1]), Buffer.from("bin"));
  }
  await outsiders[1].call("broadcast", "marker");
  await outsiders[0].next("broadcast");
  for (const m of members) assert.equal(m.received("to-room").length, 3, "exactly once each");
  for (const o of outsiders) assert.equal(o.received("to-room").length, 0);
});

test("fetch sockets counts the room across the cluster, from Rust and from Node", async () => {
  const room = `fetch-${Date.now()}`;
  const members = [await client(rustA), await client(rustB), await client(rustB), await client(nodeN)];
  for (const m of members) await m.call("join", room);
  const asker = await client(rustA);
  assert.equal(await asker.call("fetch-count", room), 4);
  const nodeAsker = await client(nodeN);
  assert.equal(await nodeAsker.call("fetch-count", room), 4);
  const ids = members.map((m) => m.id).sort();
  assert.deepEqual(await asker.call("fetch-ids", room), ids);
  assert.deepEqual(await nodeAsker.call("fetch-ids", room), ids);
  assert.equal(await asker.call("fetch-count", "nobody-here"), 0);
});

test("all rooms of every node, asked from Rust and from Node", async () => {
  const tag = `all-${Date.now()}`;
  const [a, b, n] = [await client(rustA, "/custom"), await client(rustB, "/custom"), await client(nodeN, "/custom")];
  await a.call("join", `${tag}-a`);
  await b.call("join", `${tag}-b`);
  await n.call("join", `${tag}-n`);
  for (const asker of [a, n]) {
    const rooms = await asker.call("all-rooms");
    for (const r of [`${tag}-a`, `${tag}-b`, `${tag}-n`, a.id, b.id, n.id]) assert.ok(rooms.includes(r), `${r} in ${rooms}`);
  }
});

test("fetched sockets carry their data and handshake, both ways, through the ordinary API", async () => {
  const room = `data-${Date.now()}`;
  const users = ["ann", "bob", "cy"];
  const opts = (i) => ({ auth: { user: users[i] }, query: { tag: `t${i}` }, extraHeaders: { "x-tag": `h${i}` } });
  const members = [await client(rustA, "/", opts(0)), await client(rustB, "/", opts(1)), await client(nodeN, "/", opts(2))];
  for (const m of members) await m.call("join", room);
  const expected = members
    .map((m, i) => ({
      id: m.id,
      data: { user: users[i] },
      auth: { user: users[i] },
      tag: `t${i}`,
      header: `h${i}`,
      url: true,
      issued: true,
      time: true,
      address: true,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  assert.deepEqual(await members[0].call("fetch-data", room), expected, "a Rust node fetching");
  assert.deepEqual(await members[2].call("fetch-data", room), expected, "a Node node fetching");
});

test("a node that does not answer a fetch is a timeout error, on Rust and Node nodes alike", async () => {
  // A subscriber of the request channel that never answers: counted as a server.
  const silent = createClient({ url: redis.url });
  silent.on("error", () => {});
  await silent.connect();
  await silent.subscribe(`${key}-request#/#`, () => {});
  try {
    const [a, n] = [await client(rustA), await client(nodeN)];
    assert.equal(await a.call("server-count"), 4);
    const [fromRust, fromNode] = await Promise.all([a.call("fetch-count", "x"), n.call("fetch-count", "x")]);
    for (const reply of [fromRust, fromNode]) {
      assert.match(reply.error, /^timeout reached while waiting for fetchSockets response/, JSON.stringify(reply));
    }
  } finally {
    await silent.quit().catch(() => {});
  }
});

test("the /custom namespace is a cluster of its own", async () => {
  const room = `custom-${Date.now()}`;
  const [a, n] = [await client(rustA, "/custom"), await client(nodeN, "/custom")];
  const onMain = await client(rustB);
  await onMain.call("join", room);
  await a.call("join", room);
  await n.call("join", room);
  assert.equal(await a.call("fetch-count", room), 2);
  await n.call("to-room", room, "x");
  await a.next("to-room");
  await onMain.call("to-room", room, "main");
  await onMain.next("to-room");
  assert.equal(a.received("to-room").length, 1, "a broadcast of / does not reach /custom");
});

for (const from of ["rustA", "nodeN"]) {
  test(`bulk join, leave and disconnect from ${from} apply on every node`, async () => {
    const nodes = { rustA, rustB, nodeN };
    const tag = `${from}-${Date.now()}`;
    const targets = [await client(rustA), await client(rustB), await client(nodeN)];
    const other = await client(rustB);
    for (const t of targets) await t.call("join", `src-${tag}`);
    const driver = await client(nodes[from]);
    await driver.call("sockets-join", `dst-${tag}`, `src-${tag}`);
    // Joins travel as requests: wait for them to be applied by counting the room.
    await waitFor(async () => (await driver.call("fetch-count", `dst-${tag}`)) === 3);
    await driver.call("to-room", `dst-${tag}`, "joined");
    for (const t of targets) await t.next("to-room");
    assert.equal(other.received("to-room").length, 0);
    await driver.call("sockets-leave", `dst-${tag}`, `src-${tag}`);
    await waitFor(async () => (await driver.call("fetch-count", `dst-${tag}`)) === 0);
    const gone = targets.map((t) => new Promise((r) => t.once("disconnect", r)));
    await driver.call("disconnect-sockets", `src-${tag}`, false);
    await Promise.all(gone);
    assert.ok(other.connected, "sockets outside the room stay");
  });
}

test("broadcast with acks collects every client's answer, from Rust and from Node", async () => {
  const answerers = [await client(rustA), await client(rustB), await client(nodeN)];
  answerers.forEach((c, i) => c.on("question", (arg, ack) => ack(`${arg}-${i}`)));
  for (const node of [rustA, nodeN]) {
    const asker = await client(node);
    // Only the answerers, the asker and idle clients of earlier tests are connected:
    // those without a "question" listener do not answer, so ask a fresh namespace-wide
    // question and check the answerers' replies are all there.
    const reply = await asker.call("emit-with-ack", "question", node.kind);
    const answers = Array.isArray(reply) ? reply : reply.responses;
    for (let i = 0; i < answerers.length; i++) {
      assert.ok(answers.includes(`${node.kind}-${i}`), `${node.kind}: answer ${i} in ${JSON.stringify(reply)}`);
    }
  }
});

test("server-side emit, with and without acks, between Rust and Node servers", async () => {
  const [a, b, n] = [await client(rustA, "/custom"), await client(rustB, "/custom"), await client(nodeN, "/custom")];
  const tag = `sse-${Date.now()}`;
  await a.call("server-emit", "hello-server", `from-rust-${tag}`);
  await n.call("server-emit", "hello-server", `from-node-${tag}`);
  const has = async (c, arg) => (await c.call("server-events")).some((e) => e[0] === "hello-server" && e[1] === arg);
  await waitFor(async () => (await has(b, `from-rust-${tag}`)) && (await has(n, `from-rust-${tag}`)));
  await waitFor(async () => (await has(a, `from-node-${tag}`)) && (await has(b, `from-node-${tag}`)));
  assert.equal(await has(a, `from-rust-${tag}`), false, "a server does not receive its own");
  assert.deepEqual(await a.call("server-emit-ack", "ping-server", 5), [{ pong: 5 }, { pong: 5 }]);
  assert.deepEqual(await n.call("server-emit-ack", "ping-server", 6), [{ pong: 6 }, { pong: 6 }]);
});

test("server-side emit with acks: a server that does not answer is a timeout with the answers that came", async () => {
  // Only Rust nodes answer "ping-rust".
  const [a, n] = [await client(rustA, "/custom"), await client(nodeN, "/custom")];
  const [fromRust, fromNode] = await Promise.all([a.call("server-emit-ack", "ping-rust", 1), n.call("server-emit-ack", "ping-rust", 2)]);
  assert.deepEqual(fromRust, { error: "timeout reached: only 1 responses received out of 2", responses: [{ rust: 1 }] });
  assert.deepEqual(fromNode, [{ rust: 2 }, { rust: 2 }]);
});

test("the official emitter drives the cluster: emit, rooms, except, binary, bulk operations", async () => {
  const emitter = new Emitter(emitterClient, { key });
  const tag = `em-${Date.now()}`;
  const [a, b, n] = [await client(rustA), await client(rustB), await client(nodeN)];
  await a.call("join", `r1-${tag}`);
  await b.call("join", `r2-${tag}`);
  await n.call("join", `r1-${tag}`);
  await n.call("join", `r3-${tag}`);
  emitter.to(`r1-${tag}`).emit("one-room", Buffer.from([9]));
  emitter.to(`r1-${tag}`).to(`r2-${tag}`).except(`r3-${tag}`).emit("rooms-except", 1);
  emitter.emit("marker");
  for (const c of [a, b, n]) await c.next("marker");
  assert.deepEqual(Buffer.from(a.received("one-room")[0][0]), Buffer.from([9]));
  assert.equal(n.received("one-room").length, 1);
  assert.equal(b.received("one-room").length, 0);
  assert.deepEqual([a, b, n].map((c) => c.received("rooms-except").length), [1, 1, 0]);

  emitter.in(`r1-${tag}`).socketsJoin(`joined-${tag}`);
  await waitFor(async () => (await b.call("fetch-count", `joined-${tag}`)) === 2);
  emitter.in(`joined-${tag}`).socketsLeave(`joined-${tag}`);
  await waitFor(async () => (await b.call("fetch-count", `joined-${tag}`)) === 0);
  const gone = [a, n].map((c) => new Promise((r) => c.once("disconnect", r)));
  emitter.in(`r1-${tag}`).disconnectSockets(true);
  await Promise.all(gone);
  assert.ok(b.connected);
});

test("the Rust emitter drives the cluster too: emit, rooms, except, binary, bulk operations", async () => {
  const tag = `rem-${Date.now()}`;
  const [a, b, n] = [await client(rustA), await client(rustB), await client(nodeN)];
  const c = await client(nodeN, "/custom");
  await a.call("join", `r1-${tag}`);
  await b.call("join", `r2-${tag}`);
  await n.call("join", `r1-${tag}`);
  await n.call("join", `r3-${tag}`);
  await c.call("join", `r1-${tag}`);
  const emit = (...commands) => runRustEmitter({ redisUrl: redis.url, key }, ...commands);
  emit(
    `to:r1-${tag}`, "emit-bin:one-room:0909",
    `to:r1-${tag}`, `to:r2-${tag}`, `except:r3-${tag}`, 'emit:rooms-except:{"n":1}',
    "of:/custom", `to:r1-${tag}`, 'emit:custom:"yes"',
    'emit:marker:null',
  );
  for (const x of [a, b, n]) await x.next("marker");
  await c.next("custom");
  assert.deepEqual(Buffer.from(a.received("one-room")[0][0]), Buffer.from([9, 9]));
  assert.deepEqual([a, b, n].map((x) => x.received("one-room").length), [1, 0, 1]);
  assert.deepEqual([a, b, n].map((x) => x.received("rooms-except").length), [1, 1, 0]);
  assert.deepEqual(a.received("rooms-except")[0][0], { n: 1 });
  assert.equal(a.received("custom").length, 0, "of(/custom) stays in /custom");

  emit(`to:r1-${tag}`, `join:joined-${tag}`);
  await waitFor(async () => (await b.call("fetch-count", `joined-${tag}`)) === 2);
  emit(`to:joined-${tag}`, `leave:joined-${tag}`);
  await waitFor(async () => (await b.call("fetch-count", `joined-${tag}`)) === 0);
  const gone = [a, n].map((x) => new Promise((r) => x.once("disconnect", r)));
  emit(`to:r1-${tag}`, "disconnect:false");
  await Promise.all(gone);
  assert.ok(b.connected && c.connected);
});

test("a Rust node killed and restarted on its port rejoins; the others go on meanwhile", async () => {
  const [a, n] = [await client(rustA), await client(nodeN)];
  const onB = await client(rustB);
  const port = rustB.port;
  const lost = new Promise((r) => onB.once("disconnect", r));
  await rustB.stop("SIGKILL");
  await lost;
  await a.call("broadcast", "while-away");
  await n.next("broadcast");
  rustB = await startRustNode({ redisUrl: redis.url, key, port });
  const back = await client(rustB);
  assert.equal(await back.call("server-count"), 3);
  await n.call("broadcast", "after");
  const got = await back.next("broadcast");
  assert.equal(got[0], "after");
});

async function waitFor(check, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
  }
}
