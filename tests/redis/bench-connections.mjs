// 100,000 concurrent websocket connections held with heartbeats running, over several
// Rust server processes joined by Redis, driven by several load-generator processes;
// every process stays below the 20,000 open-file limit. Then one broadcast (published
// by the official emitter) must reach every connection.
//
//   cargo build --release -p socketio-redis --example cluster_node --example sio_loadgen
//   node tests/redis/bench-connections.mjs [total=100000] [processes=6]
//
// Prints per-process and total RSS, and the time for the broadcast to reach everyone.

import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createClient } from "redis";
import { Emitter } from "@socket.io/redis-emitter";
import { findRedis, freePort, uniqueKey } from "./lib/redis-server.mjs";
import { repoRoot } from "./lib/cluster.mjs";

const total = Number(process.argv[2] ?? 100_000);
const processes = Number(process.argv[3] ?? 6);
const perProcess = Math.ceil(total / processes);
if (perProcess > 19_000) throw new Error("more processes needed to stay below 20,000 open files each");
const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
const bin = (name) => join(target, "release", "examples", name);

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const openFiles = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/limits`, "utf8").match(/Max open files\s+(\d+)/)[1];
  } catch {
    return "?";
  }
};

function lines(child, onLine) {
  let buf = "";
  child.stdout.on("data", (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

const redis = await findRedis();
const key = uniqueKey("conns");
const children = [];
const cleanup = () => children.forEach((c) => c.kill("SIGKILL"));
process.on("exit", cleanup);

// Servers.
const servers = [];
for (let i = 0; i < processes; i++) {
  const port = await freePort();
  const child = spawn(bin("cluster_node"), [], {
    env: { ...process.env, REDIS_URL: redis.url, REDIS_KEY: key, PORT: String(port), RUST_LOG: "error" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  await new Promise((resolve) => lines(child, (l) => l.startsWith("listening on") && resolve()));
  servers.push({ port, child, rssBefore: rssMiB(child.pid) });
}

// Load generators, one per server.
const started = Date.now();
const gens = servers.map((s, i) => {
  const child = spawn(bin("sio_loadgen"), [`ws://127.0.0.1:${s.port}`, String(perProcess), "broadcast", String(1 + 8 * i)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const gen = { child, connected: null, received: 0, waiters: [] };
  lines(child, (l) => {
    const [word, n, , failed] = l.split(" ");
    if (word === "connected") gen.connected = { ok: Number(n), failed: Number(failed) };
    if (word === "received") gen.received = Number(n);
    gen.waiters = gen.waiters.filter((w) => !w());
  });
  return gen;
});
const until = (gen, check) =>
  new Promise((resolve) => {
    const w = () => (check(gen) ? (resolve(), true) : false);
    if (!w()) gen.waiters.push(w);
  });
await Promise.all(gens.map((g) => until(g, (x) => x.connected !== null)));
const connectSeconds = (Date.now() - started) / 1000;
const connected = gens.reduce((s, g) => s + g.connected.ok, 0);
const failed = gens.reduce((s, g) => s + g.connected.failed, 0);
console.log(`connected ${connected} (failed ${failed}) in ${connectSeconds.toFixed(1)} s`);

// Heartbeats run (pingInterval 25 s): hold the sessions through one ping round.
await new Promise((r) => setTimeout(r, Number(process.env.HOLD_MS ?? 30_000)));

const pub = createClient({ url: redis.url });
await pub.connect();
const broadcastAt = Date.now();
new Emitter(pub, { key }).emit("broadcast", "to everyone");
await Promise.all(gens.map((g) => until(g, (x) => x.received >= x.connected.ok)));
const broadcastMs = Date.now() - broadcastAt;
const received = gens.reduce((s, g) => s + g.received, 0);

const rows = servers.map((s, i) => ({
  server: `127.0.0.1:${s.port}`,
  sessions: gens[i].connected.ok,
  serverRss: rssMiB(s.child.pid),
  serverRssBefore: s.rssBefore,
  loadgenRss: rssMiB(gens[i].child.pid),
  limit: openFiles(s.child.pid),
}));
for (const r of rows) {
  console.log(
    `${r.server}: ${r.sessions} sessions, server RSS ${r.serverRss.toFixed(0)} MiB (idle ${r.serverRssBefore.toFixed(0)}), ` +
      `loadgen RSS ${r.loadgenRss.toFixed(0)} MiB, open-file limit ${r.limit}`,
  );
}
const serverTotal = rows.reduce((s, r) => s + r.serverRss, 0);
const perSession = ((serverTotal - rows.reduce((s, r) => s + r.serverRssBefore, 0)) * 1024 * 1024) / connected;
console.log(
  `total: ${connected} sessions, server RSS ${serverTotal.toFixed(0)} MiB (${(perSession / 1024).toFixed(1)} KiB per session), ` +
    `loadgen RSS ${rows.reduce((s, r) => s + r.loadgenRss, 0).toFixed(0)} MiB`,
);
console.log(`broadcast: ${received} of ${connected} received in ${broadcastMs} ms`);
await pub.quit();
cleanup();
await redis.dispose();
process.exit(received === connected && failed === 0 ? 0 : 1);
