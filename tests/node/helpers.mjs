// Shared helpers for the official-client suites. No mocks: every helper talks to the
// real server named by SERVER_URL over 127.0.0.1.
import { setTimeout as delay } from "node:timers/promises";

/** The value of a required environment variable (a URL has its trailing slashes removed). */
export function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the suites through scripts/test.sh (or export ${name})`);
  }
  return /^https?:/.test(value) ? value.replace(/\/+$/, "") : value;
}

/** Default per-wait deadline. Generous: the machine is small and shared. */
export const WAIT_MS = Number(process.env.TEST_WAIT_MS ?? 5000);

/**
 * Resolves with the arguments of the next `event` emitted by `emitter`
 * (an array of all listener arguments), rejects after `ms`.
 * Also rejects early when one of `failOn` events fires first.
 */
export function nextEvent(emitter, event, { ms = WAIT_MS, failOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const cleanups = [];
    const done = (fn) => (...args) => {
      for (const c of cleanups) c();
      fn(...args);
    };
    const onEvent = done((...args) => resolve(args));
    emitter.on(event, onEvent);
    cleanups.push(() => emitter.off(event, onEvent));
    for (const bad of failOn) {
      const onBad = done((...args) =>
        reject(new Error(`expected "${event}" but got "${bad}": ${args.map(fmt).join(", ")}`)),
      );
      emitter.on(bad, onBad);
      cleanups.push(() => emitter.off(bad, onBad));
    }
    const timer = setTimeout(
      done(() => reject(new Error(`timed out after ${ms} ms waiting for "${event}"`))),
      ms,
    );
    cleanups.push(() => clearTimeout(timer));
  });
}

/** Collects every emission of `event` into an array (each item = array of args). */
export function collect(emitter, event) {
  const items = [];
  emitter.on(event, (...args) => items.push(args));
  return items;
}

/** Waits until `predicate()` is truthy, polling every 10 ms, failing after `ms` with `what`. */
export async function waitUntil(predicate, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await delay(10);
  }
}

/** Races a promise against a deadline with a readable error. */
export function within(promise, what, ms = WAIT_MS) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function fmt(value) {
  if (Buffer.isBuffer(value)) return `<Buffer ${value.length} bytes>`;
  if (typeof value === "string" && value.length > 80) return JSON.stringify(value.slice(0, 80) + "…");
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Tracks clients created by a test so they are always closed, pass or fail. */
export class Tracker {
  constructor() {
    this.items = [];
  }
  add(client) {
    this.items.push(client);
    return client;
  }
  closeAll() {
    for (const c of this.items.splice(0)) {
      try {
        if (typeof c.disconnect === "function" && c.io) {
          c.io.opts.reconnection = false;
          c.disconnect();
          c.io.engine?.close();
        } else {
          c.close();
        }
      } catch {
        // already closed
      }
    }
  }
}

/** Normalises a received binary value (Buffer, ArrayBuffer, typed array) to a Buffer. */
export function toBuffer(value) {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`not binary: ${fmt(value)}`);
}

/** Deterministic bytes 0..255 repeating, of the given length. */
export function bytes(length, seed = 0) {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i + seed) & 0xff;
  return b;
}
