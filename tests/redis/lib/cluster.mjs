// Helpers for the mixed-cluster tests: a Node.js node with the official adapter speaking
// the same test events as `socketio-redis/examples/cluster_node.rs`, the Rust node as a
// child process, and socket.io-client helpers that wait on events (never on sleeps).

import { createServer } from "node:http";
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { io as connectClient } from "socket.io-client";
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-adapter";
import { freePort } from "./redis-server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../..");

/** The Rust node binary, built when missing (debug profile). */
export function rustNodeBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
  const binary = join(target, "debug", "examples", "cluster_node");
  if (!process.env.SKIP_CARGO_BUILD || !existsSync(binary)) {
    execFileSync("cargo", ["build", "-q", "-p", "socketio-redis", "--example", "cluster_node"], {
      cwd: repoRoot,
      stdio: "inherit",
    });
  }
  return binary;
}

/** Runs the Rust emitter example (`socketio-redis/examples/emit.rs`) with commands. */
export function runRustEmitter({ redisUrl, key }, ...commands) {
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
  const binary = join(target, "debug", "examples", "emit");
  if (!process.env.SKIP_CARGO_BUILD || !existsSync(binary)) {
    execFileSync("cargo", ["build", "-q", "-p", "socketio-redis", "--example", "emit"], { cwd: repoRoot, stdio: "inherit" });
  }
  execFileSync(binary, commands, { env: { ...process.env, REDIS_URL: redisUrl, REDIS_KEY: key }, stdio: "inherit" });
}

/** Starts a Rust node; resolves once it is subscribed and listening. */
export async function startRustNode({ redisUrl, key, port }) {
  port = port ?? (await freePort());
  const child = spawn(rustNodeBinary(), [], {
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_KEY: key, PORT: String(port), RUST_LOG: process.env.RUST_LOG ?? "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`rust node on ${port} did not start: ${out}`)), 20_000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`rust node exited with ${code}: ${out}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    kind: "rust",
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise((r) => {
        child.once("exit", r);
        child.kill(signal);
      });
    },
  };
}

/** A Node.js node with `io.adapter(createAdapter(pub, sub, { key }))`, same events. */
export async function startNodeNode({ redisUrl, key, port }) {
  port = port ?? (await freePort());
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pub, sub, { key }) });
  const serverSideEvents = [];
  for (const name of ["/", "/custom"]) {
    const nsp = io.of(name);
    for (const ev of ["hello-server", "ping-server", "ping-rust"]) {
      nsp.on(ev, (...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        serverSideEvents.push([name, [ev, ...args]]);
        // "ping-rust" is answered by Rust nodes only.
        if (ack && ev === "ping-server") ack({ pong: args[0] });
      });
    }
    nsp.on("connection", (socket) => {
      socket.emit("auth", socket.handshake.auth);
      socket.data = { user: socket.handshake.auth.user ?? null };
      socket.onAny(async (event, ...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : () => {};
        switch (event) {
          case "broadcast":
            socket.broadcast.emit("broadcast", ...args);
            return ack(null);
          case "to-room":
            nsp.to(args[0]).emit("to-room", ...args);
            return ack(null);
          case "join":
            socket.join(args[0]);
            return ack(null);
          case "leave":
            socket.leave(args[0]);
            return ack(null);
          case "fetch-count":
          case "fetch-ids":
          case "fetch-data": {
            let sockets;
            try {
              sockets = await nsp.in(args[0]).fetchSockets();
            } catch (e) {
              return ack({ error: e.message });
            }
            if (event === "fetch-count") return ack(sockets.length);
            sockets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
            if (event === "fetch-ids") return ack(sockets.map((s) => s.id));
            return ack(sockets.map(summary));
          }
          case "sockets-join":
            (args[1] == null ? nsp : nsp.in(args[1])).socketsJoin(args[0]);
            return ack(null);
          case "sockets-leave":
            (args[1] == null ? nsp : nsp.in(args[1])).socketsLeave(args[0]);
            return ack(null);
          case "disconnect-sockets":
            nsp.in(args[0]).disconnectSockets(!!args[1]);
            return ack(null);
          case "emit-with-ack":
            try {
              const responses = await socket.broadcast.timeout(3000).emitWithAck(args[0], args[1]);
              return ack(responses.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
            } catch (e) {
              return ack({ error: e.message, responses: e.responses });
            }
          case "server-emit":
            nsp.serverSideEmit(args[0], args[1]);
            return ack(null);
          case "server-emit-ack": {
            const sorted = (list) => list.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
            try {
              return ack(sorted(await nsp.serverSideEmitWithAck(args[0], args[1])));
            } catch (e) {
              return ack({ error: e.message, responses: sorted(e.responses ?? []) });
            }
          }
          case "server-events":
            return ack(serverSideEvents.filter(([n]) => n === name).map(([, e]) => e));
          case "all-rooms":
            try {
              return ack([...(await io.of(name).adapter.allRooms())].sort());
            } catch (e) {
              return ack({ error: e.message });
            }
          case "server-count":
            return ack(await io.of(name).adapter.serverCount());
        }
      });
    });
  }
  await new Promise((r) => http.listen(port, "127.0.0.1", r));
  return {
    kind: "node",
    port,
    url: `http://127.0.0.1:${port}`,
    io,
    serverSideEvents,
    async stop() {
      await new Promise((r) => io.close(() => r()));
      await Promise.all([pub.quit().catch(() => {}), sub.quit().catch(() => {})]);
    },
  };
}

/**
 * What the tests check of a fetched socket (local or remote), as the Rust node's
 * `summary` reports it: see `socketio-redis/examples/cluster_node.rs`.
 */
function summary(s) {
  const hs = s.handshake;
  return {
    id: s.id,
    data: s.data,
    auth: hs.auth,
    tag: hs.query?.tag ?? null,
    header: hs.headers?.["x-tag"] ?? null,
    url: typeof hs.url === "string" && hs.url.startsWith("/socket.io/"),
    issued: typeof hs.issued === "number",
    time: typeof hs.time === "string",
    address: typeof hs.address === "string",
  };
}

/** A connected client; `received(event)` lists what came, `next(event)` waits for the next. */
export function connect(node, nsp = "/", opts = {}) {
  return new Promise((resolve, reject) => {
    const socket = connectClient(`${node.url}${nsp}`, { transports: ["websocket"], forceNew: true, reconnection: false, ...opts });
    const log = new Map();
    const waiters = [];
    socket.onAny((event, ...args) => {
      if (!log.has(event)) log.set(event, []);
      log.get(event).push(args);
      for (const w of [...waiters]) if (w.event === event) w.check();
    });
    socket.received = (event) => log.get(event) ?? [];
    socket.next = (event, count = 1, ms = 5000) =>
      new Promise((res, rej) => {
        const w = {
          event,
          check: () => {
            if (socket.received(event).length >= count) {
              waiters.splice(waiters.indexOf(w), 1);
              clearTimeout(w.timer);
              res(socket.received(event)[count - 1]);
            }
          },
        };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          rej(new Error(`${socket.id} on ${node.kind}:${node.port}: no ${count}th "${event}" within ${ms} ms`));
        }, ms);
        waiters.push(w);
        w.check();
      });
    socket.call = (event, ...args) => socket.timeout(8000).emitWithAck(event, ...args);
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}
