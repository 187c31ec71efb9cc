// Cross-node broadcast: server CPU per delivery, summed over the nodes, for 3 Rust nodes
// and for 3 Node.js nodes (official adapter) doing the same work on the same Redis.
//
//   cargo build --release -p socketio-redis --example cluster_node
//   node tests/redis/bench-broadcast.mjs [clients-per-node=100] [broadcasts=300]
//
// Each node gets N websocket clients (one load-generator process, not measured); one more
// client on node 1 asks for B broadcasts (`"broadcast"`: to every other socket of the
// namespace, on every node). CPU = utime + stime of the node processes (/proc/<pid>/stat)
// from the first broadcast until every client has every message. Linux only.

import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { findRedis, freePort, uniqueKey } from "./lib/redis-server.mjs";
import { connect, repoRoot } from "./lib/cluster.mjs";

const perNode = Number(process.argv[2] ?? 100);
const broadcasts = Number(process.argv[3] ?? 300);
const ticks = 100; // USER_HZ on Linux

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticks; // utime, stime
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function startProcess(kind, redisUrl, key) {
  const port = await freePort();
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
  const [cmd, args] =
    kind === "rust"
      ? [join(target, "release", "examples", "cluster_node"), []]
      : [process.execPath, [join(repoRoot, "tests/redis/lib/node-node-main.mjs")]];
  const child = spawn(cmd, args, {
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_KEY: key, PORT: String(port), RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      if (out.includes("listening on")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`${kind} node exited ${code}`)));
  });
  child.removeAllListeners("exit");
  return { kind, port, url: `http://127.0.0.1:${port}`, child };
}

async function run(kind, redisUrl) {
  const key = uniqueKey(`bench-${kind}`);
  const nodes = [];
  for (let i = 0; i < 3; i++) nodes.push(await startProcess(kind, redisUrl, key));
  const clients = [];
  for (const node of nodes) {
    for (let i = 0; i < perNode; i++) clients.push(await connect(node));
  }
  const sender = await connect(nodes[0]);
  const expected = broadcasts;
  let remaining = clients.length * expected;
  let done;
  const finished = new Promise((r) => (done = r));
  for (const c of clients) {
    c.on("broadcast", () => {
      remaining -= 1;
      if (remaining === 0) done();
    });
  }
  const before = nodes.map((n) => cpuSeconds(n.child.pid));
  const started = process.hrtime.bigint();
  for (let i = 0; i < broadcasts; i++) sender.emit("broadcast", "payload", i, { text: "x".repeat(64) });
  await finished;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const after = nodes.map((n) => cpuSeconds(n.child.pid));
  const rss = nodes.map((n) => rssMiB(n.child.pid));
  const cpu = after.reduce((s, a, i) => s + a - before[i], 0);
  const deliveries = clients.length * expected;
  for (const c of [...clients, sender]) c.disconnect();
  for (const n of nodes) n.child.kill("SIGTERM");
  return { kind, deliveries, cpu, elapsed, perDeliveryUs: (cpu / deliveries) * 1e6, rss };
}

const redis = await findRedis();
const results = [];
for (const kind of ["rust", "node"]) results.push(await run(kind, redis.url));
await redis.dispose();
for (const r of results) {
  console.log(
    `${r.kind}: ${r.deliveries} deliveries in ${r.elapsed.toFixed(2)} s, server CPU ${r.cpu.toFixed(2)} s ` +
      `= ${r.perDeliveryUs.toFixed(2)} µs/delivery; RSS per node ${r.rss.map((x) => x.toFixed(0)).join(", ")} MiB`,
  );
}
const [rust, node] = results;
console.log(`ratio rust/node: ${(rust.perDeliveryUs / node.perDeliveryUs).toFixed(2)}`);
process.exit(0);
