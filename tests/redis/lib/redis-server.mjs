// Finds a Redis for the tests, in this order:
//   1. REDIS_URL, when set;
//   2. 127.0.0.1:6379, when it answers PING;
//   3. a private redis-server on a free port (Debian's redis-server is installed with
//      apt-get when missing), stopped by `stop()`.
// Tests never FLUSHALL: pub/sub channels are global to a server, so each run uses its own
// key prefix where the contract allows it (see `uniqueKey`).

import { spawn, execFileSync } from "node:child_process";
import { createServer, connect } from "node:net";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

/** A key prefix of its own for one test run. */
export function uniqueKey(label = "t") {
  return `sio-test-${label}-${randomBytes(4).toString("hex")}`;
}

/** Sends PING to host:port over RESP and resolves whether PONG came back. */
export function ping(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let buffer = "";
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("*1\r\n$4\r\nPING\r\n"));
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes("\r\n")) done(buffer.startsWith("+PONG"));
    });
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function findRedisServer() {
  for (const candidate of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"]).toString().trim() || null;
  } catch {
    return null;
  }
}

function installRedisServer() {
  const sudo = process.getuid && process.getuid() !== 0 ? ["sudo", "-n"] : [];
  const run = (args) =>
    execFileSync(sudo.length ? sudo[0] : args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"]);
}

/**
 * A private redis-server: `{ url, port, stop(), start() }`. `stop()` and `start()` can be
 * called repeatedly (the fault tests cut Redis and bring it back on the same port).
 */
export async function startPrivateRedis(port) {
  let binary = findRedisServer();
  if (!binary) {
    installRedisServer();
    binary = findRedisServer();
  }
  if (!binary) throw new Error("redis-server is missing and could not be installed");
  port = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "sio-redis-"));
  let child = null;
  const instance = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      if (child) return;
      child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
        stdio: "ignore",
      });
      child.on("exit", () => {
        child = null;
      });
      const deadline = Date.now() + 10_000;
      while (!(await ping("127.0.0.1", port))) {
        if (Date.now() > deadline) throw new Error(`private redis-server on port ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const c = child;
      if (!c) return;
      await new Promise((resolve) => {
        c.once("exit", resolve);
        c.kill("SIGKILL");
      });
    },
    async dispose() {
      await instance.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await instance.start();
  return instance;
}

/**
 * The Redis the tests use: `{ url, private, dispose() }`. `dispose()` stops a private
 * server and does nothing to a shared one.
 */
export async function findRedis() {
  if (process.env.REDIS_URL) {
    return { url: process.env.REDIS_URL, private: false, async dispose() {} };
  }
  if (await ping("127.0.0.1", 6379)) {
    return { url: "redis://127.0.0.1:6379", private: false, async dispose() {} };
  }
  const server = await startPrivateRedis();
  return { url: server.url, private: true, server, dispose: () => server.dispose() };
}
