// Faults, on a private redis-server this test starts and stops (Debian's redis-server,
// installed when missing): hostile messages on every channel, Redis cut and restored.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { startPrivateRedis, uniqueKey } from "./lib/redis-server.mjs";
import { startRustNode, startNodeNode, connect } from "./lib/cluster.mjs";

let redis, publisher;
const stops = [];
const clients = [];

async function client(node, nsp = "/") {
  const c = await connect(node, nsp);
  clients.push(c);
  return c;
}

before(async () => {
  redis = await startPrivateRedis();
  publisher = createClient({ url: redis.url, socket: { reconnectStrategy: 50 } });
  publisher.on("error", () => {});
  await publisher.connect();
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const stop of stops) await stop();
  await publisher?.quit().catch(() => {});
  await redis?.dispose();
});

/** Broadcasts from `from` until `to` receives one (Redis may still be coming back). */
async function untilDelivered(from, to, ms = 20_000) {
  const deadline = Date.now() + ms;
  const before = to.received("broadcast").length;
  while (Date.now() < deadline) {
    await from.call("broadcast", "probe").catch(() => {});
    try {
      await to.next("broadcast", before + 1, 500);
      return;
    } catch {
      // not yet
    }
  }
  throw new Error("delivery did not resume");
}

test("hostile messages on every channel are dropped; the node goes on", async () => {
  const key = uniqueKey("hostile");
  const [a, b] = await Promise.all([startRustNode({ redisUrl: redis.url, key }), startRustNode({ redisUrl: redis.url, key })]);
  stops.push(() => a.stop(), () => b.stop());
  const [ca, cb] = [await client(a), await client(b)];
  await cb.call("join", "room");
  const hex = (s) => Buffer.from(s.replace(/\s/g, ""), "hex");
  const hostile = [
    hex("c1"), // reserved marker
    hex("dd ffffffff 01"), // array of 4 Gi items, one present
    hex("df ffffffff"), // map of 4 Gi entries
    hex("93 a1 78 c6 7fffffff"), // bin of 2 GiB, absent
    Buffer.concat([Buffer.alloc(100_000, 0x91), hex("c0")]), // nested 100,000 deep
    hex("93 01 80 80"), // uid not a string
    hex("93 a1 78 83 a4 74797065 02 a4 64617461 90 a3 6e7370 a1 2f 80"), // empty data
    hex("93 a1 78 83 a4 74797065 02 a4 64617461 91 c0 a3 6e7370 a1 2f 80"), // event name null
    hex("93 a1 78 83 a4 74797065 02 a4 64617461 91 a1 65 a3 6e7370 a1 2f 81 a5 726f6f6d73 91 80"), // room is a map
    Buffer.from("{"),
    Buffer.from('{"type":5,"requestId":"x","opts":{"rooms":[{}]}}'),
    Buffer.from('{"type":2,"opts":{"rooms":"a"},"rooms":["b"]}'),
    Buffer.from('{"type":7,"requestId":"x","packet":{"type":2,"data":[]}}'),
    Buffer.from('{"type":4,"opts":null,"sid":{}}'),
    Buffer.from('{"type":99}'),
    Buffer.from('{"requestId":{"a":1},"sockets":7}'),
    Buffer.from("[".repeat(50_000)),
  ];
  for (const channel of [`${key}#/#`, `${key}#/#room#`, `${key}-request#/#`, `${key}-response#/#`]) {
    for (const payload of hostile) await publisher.publish(channel, payload);
  }
  // Both nodes are alive and still talk to each other.
  await ca.call("to-room", "room", "after");
  const got = await cb.next("to-room");
  assert.equal(got[1], "after");
  assert.equal(await ca.call("server-count"), 2);
  assert.equal(await ca.call("fetch-count", "room"), 1);
});

test("Redis cut and restored: local delivery goes on, requests end, the cluster heals", async () => {
  const key = uniqueKey("cut");
  const [a, n] = await Promise.all([startRustNode({ redisUrl: redis.url, key }), startNodeNode({ redisUrl: redis.url, key })]);
  stops.push(() => a.stop(), () => n.stop());
  const [a1, a2, n1] = [await client(a), await client(a), await client(n)];
  await untilDelivered(n1, a1);

  await redis.stop();
  // Local delivery on the Rust node goes on.
  const before = a2.received("broadcast").length;
  await a1.call("broadcast", "local-only");
  await a2.next("broadcast", before + 1);
  // A request needing the cluster fails instead of hanging (Node's fetchSockets rejects).
  await a1.call("join", "cut-room");
  const reply = await a1.call("fetch-count", "cut-room");
  assert.equal(typeof reply.error, "string", JSON.stringify(reply));

  await redis.start();
  // The Rust node resubscribes by itself: the Node node's broadcasts reach it again,
  // and its own reach the Node node.
  await untilDelivered(n1, a1);
  await untilDelivered(a1, n1);
  assert.equal(a.child.exitCode, null, "the Rust node did not crash");
});
