// The official `socket.io-client` against the Socket.IO endpoint `/socket.io` of
// examples/conformance. Contract (issue 3), for namespaces "/" and "/custom":
//   on connect: emit "auth" with the client's auth payload ({} when none)
//   "message" (...args)                 → emit "message-back" (...args) to the sender
//   "message-with-ack" (...args)        → ack (...args)
//   "join" / "leave" (room)             → join / leave, ack true
//   "to-room" (room, event, ...args)    → emit event(...args) to every socket in room
//   "broadcast" (event, ...args)        → emit event(...args) to every other socket of the namespace
//   "server-ack" (event, ...args) + ack → server emits event(...args) with an ack (5 s timeout),
//                                         acks the client's answer back ({error} on timeout)
//   "disconnect-me"                     → server disconnects that socket
// pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1e6, connectTimeout 1000 ms.
import { describe, test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { requireEnv, WAIT_MS, nextEvent, collect, waitUntil, within, Tracker, toBuffer, bytes } from "./helpers.mjs";

const SERVER_URL = requireEnv("SERVER_URL");

const T = { timeout: 30000 };
const tracker = new Tracker();
afterEach(() => tracker.closeAll());

/** Last disconnect reason of each client, to explain failures. */
const lastDisconnect = new WeakMap();

/** A new client (own manager, no reconnection so failures surface instead of looping). */
function client(nsp = "", opts = {}) {
  const socket = io(SERVER_URL + nsp, { forceNew: true, reconnection: false, ...opts });
  socket.on("disconnect", (reason, details) => {
    lastDisconnect.set(socket, details?.message ? `${reason}: ${details.message}` : reason);
  });
  return tracker.add(socket);
}

/** Resolves once `socket` is connected; rejects on connect_error / disconnect. */
async function connected(socket) {
  if (!socket.connected) await nextEvent(socket, "connect", { failOn: ["connect_error", "disconnect"] });
  return socket;
}

/** Creates a client, waits for both "connect" and the server's "auth" emit; returns [socket, auth]. */
async function connectWithAuth(nsp, opts) {
  const socket = client(nsp, opts);
  const auth = nextEvent(socket, "auth", { failOn: ["connect_error", "disconnect"] });
  await connected(socket);
  const [payload] = await auth;
  return [socket, payload];
}

/** Emits with an ack and resolves with ALL the ack's arguments (rejects after `ms`). */
function ackArgs(socket, event, args, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    socket.timeout(ms).emit(event, ...args, (err, ...response) => {
      if (err) {
        const why = socket.connected ? `no ack within ${ms} ms` : `socket disconnected (${lastDisconnect.get(socket) ?? "?"})`;
        reject(new Error(`"${event}" ${JSON.stringify(args).slice(0, 80)}: ${why}`));
      }
      else resolve(response);
    });
  });
}

/** emitWithAck with a deadline: resolves with the ack's first argument. */
function ack1(socket, event, ...args) {
  return ackArgs(socket, event, args).then((response) => response[0]);
}

/** Emits "message" and resolves with the args of the next "message-back". */
async function roundTrip(socket, ...args) {
  const back = nextEvent(socket, "message-back", { failOn: ["disconnect"] });
  socket.emit("message", ...args);
  return back;
}

/** Deep-normalises received values: binary values become Buffers so deepEqual compares bytes. */
function norm(value) {
  if (Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBuffer(value);
  if (Array.isArray(value)) return value.map(norm);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, norm(v)]));
  }
  return value;
}

const MODES = [
  { name: "websocket only", opts: { transports: ["websocket"] }, connectTransport: "websocket" },
  { name: "polling only", opts: { transports: ["polling"] }, connectTransport: "polling" },
  // with upgrades on, the upgrade may already be done when "connect" fires
  { name: "polling → websocket upgrade", opts: { transports: ["polling", "websocket"] }, connectTransport: null },
];

const ARG_SETS = [
  [],
  ["hello"],
  [1, "two", { three: [3, 3.5, null, true, false] }],
  ["unicode ☃ 𝄞 🚀 中文 \u0000 \"quoted\" \\ \n"],
  [{ nested: { deeply: { nested: { array: [[[1]], [], {}] } } } }],
  [0, -1, 2 ** 53 - 1, 1.5e-7],
];

for (const mode of MODES) {
  describe(`socket.io-client, ${mode.name}`, () => {
    test("connects to / with the expected transport; server emits auth {} on connect", T, async () => {
      const socket = client("", mode.opts);
      const auth = nextEvent(socket, "auth", { failOn: ["connect_error"] });
      await connected(socket);
      if (mode.connectTransport) assert.equal(socket.io.engine.transport.name, mode.connectTransport);
      else assert.ok(["polling", "websocket"].includes(socket.io.engine.transport.name));
      assert.equal(typeof socket.id, "string");
      assert.ok(socket.id.length > 0);
      // the Socket.IO id is public; it must not be the (secret) Engine.IO session id
      assert.notEqual(socket.id, socket.io.engine.id);
      assert.deepEqual((await auth)[0], {});
    });

    test("message → message-back with the same arguments", T, async () => {
      const socket = await connected(client("", mode.opts));
      for (const args of ARG_SETS) {
        assert.deepEqual(await roundTrip(socket, ...args), args);
      }
    });

    test("client → server ack (message-with-ack) returns the same arguments", T, async () => {
      const socket = await connected(client("", mode.opts));
      for (const args of ARG_SETS) {
        assert.deepEqual(await ackArgs(socket, "message-with-ack", args), args);
      }
      // emitWithAck resolves with the first argument
      assert.equal(await socket.timeout(WAIT_MS).emitWithAck("message-with-ack", "first", "second"), "first");
    });

    test("server → client ack (server-ack) carries the client's answer back", T, async () => {
      const socket = await connected(client("", mode.opts));
      const seen = [];
      socket.on("add-one", (n, cb) => {
        seen.push(n);
        cb(n + 1);
      });
      socket.on("shout", (text, extra, cb) => cb({ text: text.toUpperCase(), extra }));
      assert.equal(await ack1(socket, "server-ack", "add-one", 41), 42);
      assert.deepEqual(seen, [41]);
      assert.deepEqual(await ack1(socket, "server-ack", "shout", "hi", [1, { a: 2 }]), {
        text: "HI",
        extra: [1, { a: 2 }],
      });
    });

    test("binary arguments (Buffers, nested) round trip: event, client ack, server ack", T, async () => {
      const socket = await connected(client("", mode.opts));
      const small = Buffer.from([0, 1, 2, 255]);
      const big = bytes(100_000, 5);
      const args = ["label", small, { file: big, list: [Buffer.from("abc"), "text", Buffer.alloc(0)] }, 7];

      const back = await roundTrip(socket, ...args);
      assert.deepEqual(norm(back), args);
      assert.ok(Buffer.isBuffer(back[1]), "binary must arrive as a Buffer in Node");

      assert.deepEqual(norm(await ackArgs(socket, "message-with-ack", args)), args);

      socket.on("echo-binary", (...received) => {
        const cb = received.pop();
        cb(...received);
      });
      const answer = await ack1(socket, "server-ack", "echo-binary", small, { inner: big });
      assert.deepEqual(norm(answer), small);
    });

    test("1,000 messages arrive in order", T, async () => {
      const socket = await connected(client("", mode.opts));
      const got = collect(socket, "message-back");
      for (let i = 0; i < 1000; i++) socket.emit("message", i, `m${i}`);
      await waitUntil(() => got.length >= 1000, `1000 message-back (got ${got.length})`, 20000);
      assert.equal(got.length, 1000);
      got.forEach((args, i) => assert.deepEqual(args, [i, `m${i}`], `message #${i} out of order`));
    });

    test("two namespaces over one manager (io(url) then socket.io.socket('/custom'))", T, async () => {
      const root = client("", mode.opts);
      const custom = root.io.socket("/custom");
      const rootAuth = nextEvent(root, "auth");
      const customAuth = nextEvent(custom, "auth");
      await Promise.all([connected(root), connected(custom)]);
      assert.deepEqual((await rootAuth)[0], {});
      assert.deepEqual((await customAuth)[0], {});
      assert.equal(custom.io, root.io, "one manager");
      assert.notEqual(root.id, custom.id, "each namespace socket has its own id");

      // events are routed to their own namespace only
      const rootBacks = collect(root, "message-back");
      const customBacks = collect(custom, "message-back");
      root.emit("message", "to-root");
      custom.emit("message", "to-custom");
      assert.deepEqual(await ackArgs(root, "message-with-ack", ["root-ack"]), ["root-ack"]);
      assert.deepEqual(await ackArgs(custom, "message-with-ack", ["custom-ack"]), ["custom-ack"]);
      await waitUntil(() => rootBacks.length && customBacks.length, "both message-back");
      assert.deepEqual(rootBacks, [["to-root"]]);
      assert.deepEqual(customBacks, [["to-custom"]]);

      // server → client ack on /custom
      custom.on("double", (n, cb) => cb(n * 2));
      assert.equal(await ack1(custom, "server-ack", "double", 21), 42);

      // closing /custom leaves / working on the same connection
      const engineId = root.io.engine.id;
      custom.disconnect();
      assert.deepEqual(await ackArgs(root, "message-with-ack", ["after"]), ["after"]);
      assert.equal(root.io.engine.id, engineId);

      // /custom can be reopened on the same manager
      const again = nextEvent(custom, "auth");
      custom.connect();
      await connected(custom);
      await again;
      assert.deepEqual(await ackArgs(custom, "message-with-ack", ["reopened"]), ["reopened"]);
    });

    test("disconnect-me → 'io server disconnect'; other namespace on the same connection survives", T, async () => {
      const root = client("", mode.opts);
      const custom = root.io.socket("/custom");
      await Promise.all([connected(root), connected(custom)]);
      const gone = nextEvent(root, "disconnect");
      const customDisconnects = collect(custom, "disconnect");
      root.emit("disconnect-me");
      const [reason] = await gone;
      assert.equal(reason, "io server disconnect");
      assert.equal(root.connected, false);
      assert.deepEqual(await ackArgs(custom, "message-with-ack", ["still-here"]), ["still-here"]);
      assert.deepEqual(customDisconnects, []);
    });

    test("unknown namespace → connect_error 'Invalid namespace'; / on the same manager unaffected", T, async () => {
      const root = await connected(client("", mode.opts));
      const bogus = root.io.socket("/does-not-exist");
      const [err] = await nextEvent(bogus, "connect_error", { failOn: ["connect"] });
      assert.equal(err.message, "Invalid namespace");
      assert.equal(bogus.connected, false);
      assert.deepEqual(await ackArgs(root, "message-with-ack", ["ok"]), ["ok"]);

      const alone = client("/nope", mode.opts);
      const [err2] = await nextEvent(alone, "connect_error", { failOn: ["connect"] });
      assert.equal(err2.message, "Invalid namespace");
    });
  });
}

describe("socket.io-client, upgrade details", () => {
  test("the engine upgrades from polling to websocket while the socket is in use", T, async () => {
    const socket = client("", { transports: ["polling", "websocket"] });
    const upgraded = nextEvent(socket.io.engine, "upgrade", { failOn: ["upgradeError", "close"], ms: 10000 });
    await connected(socket);
    const acks = [];
    let isUpgraded = false;
    upgraded.then(() => (isUpgraded = true), () => {});
    // keep acks in flight across the upgrade
    for (let i = 0; !isUpgraded && i < 2000; i++) {
      acks.push(ack1(socket, "message-with-ack", i));
      await new Promise((r) => setImmediate(r));
    }
    const [transport] = await upgraded;
    assert.equal(transport.name, "websocket");
    acks.push(ack1(socket, "message-with-ack", acks.length));
    const results = await within(Promise.all(acks), `${acks.length} acks across the upgrade`);
    assert.deepEqual(results, results.map((_, i) => i));
    assert.equal(socket.io.engine.transport.name, "websocket");
  });

  test("the seed's browser snippet: transports ['websocket','polling'], then socket.io.socket(nsp)", T, async () => {
    const socket = client("", { path: "/socket.io", transports: ["websocket", "polling"] });
    const custom = socket.io.socket("/custom");
    await Promise.all([connected(socket), connected(custom)]);
    assert.equal(socket.io.engine.transport.name, "websocket");
    const ack = await ack1(custom, "message-with-ack", { text: "Hello" });
    assert.deepEqual(ack, { text: "Hello" });
  });
});

describe("socket.io-client, auth", () => {
  test("auth payload round trip on / and /custom (different payloads over one manager)", T, async () => {
    const auth = { token: "client-token", n: 42, nested: { list: [1, "two", null] } };
    const [root, rootAuth] = await connectWithAuth("", { transports: ["websocket"], auth });
    assert.deepEqual(rootAuth, auth);

    const custom = root.io.socket("/custom", { auth: { token: "custom-token" } });
    const customAuth = nextEvent(custom, "auth", { failOn: ["connect_error"] });
    await connected(custom);
    assert.deepEqual((await customAuth)[0], { token: "custom-token" });
  });

  test("auth given as a function, over polling", T, async () => {
    const [, got] = await connectWithAuth("/custom", {
      transports: ["polling"],
      auth: (cb) => cb({ token: "from-fn", unicode: "☃" }),
    });
    assert.deepEqual(got, { token: "from-fn", unicode: "☃" });
  });

  test("each client sees only its own auth", T, async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => connectWithAuth("", { transports: ["websocket"], auth: { who: i } })),
    );
    results.forEach(([, got], i) => assert.deepEqual(got, { who: i }));
  });
});

describe("socket.io-client, server → client ack timeout", () => {
  test("a client that never acks gets {error} back after the server's 5 s timeout", { timeout: 20000 }, async () => {
    const socket = await connected(client("", { transports: ["websocket"] }));
    const asked = [];
    socket.on("ignored", (payload, cb) => asked.push([payload, typeof cb])); // never calls cb
    const started = Date.now();
    const [answer] = await ackArgs(socket, "server-ack", ["ignored", "p"], 12000);
    const elapsed = Date.now() - started;
    assert.deepEqual(asked, [["p", "function"]], "the server asked for an ack");
    assert.ok(answer && typeof answer === "object" && "error" in answer, `expected {error}, got ${JSON.stringify(answer)}`);
    assert.ok(elapsed >= 4500, `answered after ${elapsed} ms, before the 5 s ack timeout`);
    // the connection is still usable
    assert.deepEqual(await ackArgs(socket, "message-with-ack", ["alive"]), ["alive"]);
  });
});

describe("socket.io-client, rooms and broadcast", () => {
  for (const [label, nsp] of [["/", ""], ["/custom", "/custom"]]) {
    test(`rooms on ${label}: join, to-room (sender included when member), leave`, T, async () => {
      const opts = { transports: ["websocket"] };
      const [a, b, c] = await Promise.all([0, 1, 2].map(() => connected(client(nsp, opts))));
      const got = { a: collect(a, "room-event"), b: collect(b, "room-event"), c: collect(c, "room-event") };
      const marks = { a: collect(a, "mark"), b: collect(b, "mark"), c: collect(c, "mark") };
      // every socket joins "sync" so a "mark" sent after an event proves that event was (not) delivered
      for (const s of [a, b, c]) assert.equal(await ack1(s, "join", "sync"), true);
      let markNo = 0;
      const sync = async () => {
        const n = ++markNo;
        a.emit("to-room", "sync", "mark", n);
        await waitUntil(
          () => [marks.a, marks.b, marks.c].every((m) => m.some(([x]) => x === n)),
          `mark ${n} reached every socket`,
        );
      };

      assert.equal(await ack1(b, "join", "r1"), true);
      assert.equal(await ack1(c, "join", "r1"), true);
      a.emit("to-room", "r1", "room-event", "first", { n: 1 }, Buffer.from([1, 2]));
      await sync();
      assert.deepEqual(got.a, [], "a is not in r1");
      assert.deepEqual(norm(got.b), [["first", { n: 1 }, Buffer.from([1, 2])]]);
      assert.deepEqual(norm(got.c), [["first", { n: 1 }, Buffer.from([1, 2])]]);

      assert.equal(await ack1(a, "join", "r1"), true);
      assert.equal(await ack1(c, "leave", "r1"), true);
      a.emit("to-room", "r1", "room-event", "second");
      await sync();
      assert.deepEqual(got.a, [["second"]], "sender receives when it is a member");
      assert.deepEqual(got.b.slice(1), [["second"]]);
      assert.equal(got.c.length, 1, "c left r1 and must not receive 'second'");

      // a room in another namespace with the same name is a different room
      const other = await connected(client(nsp === "" ? "/custom" : "", opts));
      const otherGot = collect(other, "room-event");
      const otherMark = collect(other, "mark");
      assert.equal(await ack1(other, "join", "r1"), true);
      assert.equal(await ack1(other, "join", "sync"), true);
      a.emit("to-room", "r1", "room-event", "third");
      await sync();
      other.emit("to-room", "sync", "mark", "other");
      await waitUntil(() => otherMark.length === 1, "mark on the other namespace");
      assert.deepEqual(otherGot, [], "rooms are per namespace");
    });
  }

  test("broadcast reaches every other socket of the namespace, not the sender, not other namespaces", T, async () => {
    const opts = { transports: ["websocket"] };
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => connected(client("", opts))));
    const d = await connected(client("/custom", opts));
    const e = await connected(client("", { transports: ["polling"] }));
    const got = Object.fromEntries(Object.entries({ a, b, c, d, e }).map(([k, s]) => [k, collect(s, "bc")]));

    a.emit("broadcast", "bc", 1, "x", { y: [true] });
    await waitUntil(() => got.b.length && got.c.length && got.e.length, "b, c and e receive the broadcast");
    for (const k of ["b", "c", "e"]) assert.deepEqual(got[k], [[1, "x", { y: [true] }]]);
    // a round trip issued after the broadcast proves a and d got nothing before it
    assert.deepEqual(await roundTrip(a, "sync"), ["sync"]);
    assert.deepEqual(await roundTrip(d, "sync"), ["sync"]);
    assert.deepEqual(got.a, [], "the sender is excluded");
    assert.deepEqual(got.d, [], "other namespaces are excluded");

    // binary broadcast on /custom reaches the other /custom socket only
    const d2 = await connected(client("/custom", { transports: ["polling"] }));
    const d2Got = collect(d2, "bc");
    d.emit("broadcast", "bc", Buffer.from("bin"), { more: Buffer.from([0, 255]) });
    await waitUntil(() => d2Got.length === 1, "d2 receives the binary broadcast");
    assert.deepEqual(norm(d2Got[0]), [Buffer.from("bin"), { more: Buffer.from([0, 255]) }]);
    assert.deepEqual(await roundTrip(a, "sync2"), ["sync2"]);
    assert.deepEqual(await roundTrip(d, "sync2"), ["sync2"]);
    assert.deepEqual(got.a, [], "a /custom broadcast does not reach /");
    assert.deepEqual(got.d, [], "the /custom sender is excluded");
  });
});

describe("socket.io-client, load", () => {
  test("50 concurrent clients doing 100 acks each", { timeout: 60000 }, async () => {
    // connect one after the other (a connection storm is not what this test is about),
    // then run all 50 clients concurrently
    const clients = [];
    for (let i = 0; i < 50; i++) {
      const socket = client(i % 2 ? "/custom" : "", { transports: i % 10 === 9 ? ["polling"] : ["websocket"] });
      clients.push(await within(connected(socket), `client ${i} connects`, 10000));
    }
    const results = await within(
      Promise.all(
        clients.map(async (socket, c) => {
          // 10 acks in flight per client at a time (500 in all): a heavy but steady load
          const answers = [];
          for (let start = 0; start < 100; start += 10) {
            answers.push(
              ...(await Promise.all(
                Array.from({ length: 10 }, (_, k) => {
                  const i = start + k;
                  return ackArgs(socket, "message-with-ack", [c, i, `c${c}-i${i}`], 15000);
                }),
              )),
            );
          }
          answers.forEach((answer, i) => assert.deepEqual(answer, [c, i, `c${c}-i${i}`]));
          return answers.length;
        }),
      ),
      "5,000 acks",
      40000,
    );
    assert.equal(results.reduce((x, y) => x + y, 0), 5000);
    assert.ok(clients.every((s) => s.connected), "every client is still connected");
  });
});

// An EVENT "message" with one ASCII string arg is sent as the Engine.IO message
//   4 2["message","<s>"]   → 16 bytes of framing around <s>.
const FRAMING = '42["message",""]'.length;
const MAX_PAYLOAD = 1_000_000;

describe("socket.io-client, maxPayload (1e6 bytes)", () => {
  for (const transports of [["websocket"], ["polling"]]) {
    test(`over ${transports[0]}: just under 1 MB is accepted, just over it closes only that client`, { timeout: 30000 }, async () => {
      const opts = { transports };
      const [big, bystander, otherNsp] = await Promise.all([
        connected(client("", opts)),
        connected(client("", opts)),
        connected(client("/custom", opts)),
      ]);

      const under = "u".repeat(MAX_PAYLOAD - FRAMING - 100);
      const [echoed] = await within(roundTrip(big, under), "the 999,900-byte message comes back", 15000);
      assert.equal(echoed.length, under.length);
      assert.ok(echoed === under, "payload corrupted");

      const backs = collect(big, "message-back");
      const closed = nextEvent(big, "disconnect", { ms: 15000 });
      big.emit("message", "o".repeat(MAX_PAYLOAD - FRAMING + 100));
      const [reason] = await closed;
      assert.ok(["transport close", "transport error"].includes(reason), `unexpected disconnect reason: ${reason}`);
      assert.deepEqual(backs, [], "the oversized message must not be processed");

      // everyone else is unaffected, and new clients still get in
      assert.deepEqual(await ackArgs(bystander, "message-with-ack", ["fine"]), ["fine"]);
      assert.deepEqual(await ackArgs(otherNsp, "message-with-ack", ["fine too"]), ["fine too"]);
      const fresh = await connected(client("", opts));
      assert.deepEqual(await ackArgs(fresh, "message-with-ack", ["new"]), ["new"]);
    });
  }
});
