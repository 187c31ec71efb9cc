// Reference server: the OFFICIAL Node `engine.io` + `socket.io` packages implementing
// the same contract as `examples/conformance` (see issues 2 and 3).
//
// This is a CROSS-CHECK TOOL, not part of CI. It exists so that the client suites
// (tests/node/*.test.mjs, tests/python/) can be validated against the reference
// implementation: every test must pass here; if a test fails against this server,
// the test is wrong, not the server.
//
//   cd tests/node && npm ci && PORT=4000 node reference-server.mjs
//   scripts/test.sh --reference        # runs every client suite against it
//
// Contract (mirrors examples/conformance):
//   /engine.io  raw Engine.IO echo (text and binary)
//   /socket.io  Socket.IO, namespaces "/" and "/custom"
//   pingInterval 300 ms, pingTimeout 200 ms, maxPayload (maxHttpBufferSize) 1e6,
//   connectTimeout 1000 ms, CORS: any origin.
import { createServer } from "node:http";
import { Server as EngineServer } from "engine.io";
import { Server as IoServer } from "socket.io";

const port = Number(process.env.PORT ?? 3000);
const common = {
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  cors: { origin: "*" },
  // Two engines share one HTTP server: never let one destroy the other's upgrades.
  destroyUpgrade: false,
};

const httpServer = createServer();

// --- raw Engine.IO echo -------------------------------------------------------
const engine = new EngineServer({ ...common, path: "/engine.io" });
engine.attach(httpServer, { path: "/engine.io", destroyUpgrade: false });
engine.on("connection", (socket) => {
  socket.on("message", (data) => socket.send(data));
});

// --- Socket.IO ----------------------------------------------------------------
const io = new IoServer(httpServer, {
  ...common,
  path: "/socket.io",
  connectTimeout: 1000,
});

function takeAck(args) {
  return typeof args[args.length - 1] === "function" ? args.pop() : undefined;
}

function setup(nsp) {
  nsp.on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth ?? {});

    socket.on("message", (...args) => {
      takeAck(args);
      socket.emit("message-back", ...args);
    });

    socket.on("message-with-ack", (...args) => {
      const ack = takeAck(args);
      ack?.(...args);
    });

    socket.on("join", (room, ack) => {
      socket.join(room);
      if (typeof ack === "function") ack(true);
    });

    socket.on("leave", (room, ack) => {
      socket.leave(room);
      if (typeof ack === "function") ack(true);
    });

    socket.on("to-room", (room, event, ...args) => {
      takeAck(args);
      nsp.to(room).emit(event, ...args);
    });

    socket.on("broadcast", (event, ...args) => {
      takeAck(args);
      socket.broadcast.emit(event, ...args);
    });

    socket.on("server-ack", (event, ...args) => {
      const ack = takeAck(args);
      socket.timeout(5000).emit(event, ...args, (err, ...response) => {
        if (!ack) return;
        if (err) ack({ error: err.message ?? String(err) });
        else ack(...response);
      });
    });

    socket.on("disconnect-me", () => {
      socket.disconnect();
    });
  });
}

setup(io.of("/"));
setup(io.of("/custom"));

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`reference server listening on http://127.0.0.1:${port}`);
});

function shutdown() {
  io.close();
  engine.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
