// The chat example with REDIS_URL: two chat processes on two ports share one chat room.
// On a private redis-server (the example uses the default key).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startPrivateRedis, freePort } from "./lib/redis-server.mjs";
import { connect, repoRoot } from "./lib/cluster.mjs";

let redis;
const procs = [];
const clients = [];

async function startChat() {
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
  const binary = join(target, "debug", "examples", "chat");
  if (!process.env.SKIP_CARGO_BUILD || !existsSync(binary)) {
    execFileSync("cargo", ["build", "-q", "--example", "chat"], { cwd: repoRoot, stdio: "inherit" });
  }
  const port = await freePort();
  const child = spawn(binary, [], { env: { ...process.env, REDIS_URL: redis.url, PORT: String(port) }, stdio: ["ignore", "pipe", "inherit"] });
  procs.push(child);
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => ((out += c), out.includes("chat:") && resolve()));
    child.on("exit", (code) => reject(new Error(`chat exited ${code}`)));
  });
  return { kind: "chat", port, url: `http://127.0.0.1:${port}` };
}

before(async () => {
  redis = await startPrivateRedis();
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const p of procs) p.kill("SIGTERM");
  await redis?.dispose();
});

test("two chat processes share one chat room", async () => {
  const [one, two] = [await startChat(), await startChat()];
  const alice = await connect(one, "/chat");
  const bob = await connect(two, "/chat");
  clients.push(alice, bob);
  await alice.timeout(5000).emitWithAck("chat_message", { text: "hello from 1" });
  const [got] = await bob.next("chat_message");
  assert.equal(got.text, "hello from 1");
  await bob.timeout(5000).emitWithAck("chat_message", { text: "hello from 2" });
  const [back] = await alice.next("chat_message");
  assert.equal(back.text, "hello from 2");
});
