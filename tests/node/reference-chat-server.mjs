// Reference chat server: the OFFICIAL Node `socket.io` package implementing the contract
// of `examples/chat` (issue 4). A CROSS-CHECK TOOL, not run by CI: the chat suites
// (tests/node/chat.test.mjs, tests/python/test_chat.py, tests/node/browser/) must pass
// against it; a test that fails here is wrong.
//
//   PORT=8000 [CHAT_TOKEN=secret] node reference-chat-server.mjs
//   scripts/test.sh --reference chat-node chat-python browser
//
// Contract: http://127.0.0.1:$PORT serves examples/chat/index.html at "/" and the official
// browser bundle at /vendor/socket.io.min.js; Socket.IO at /socket.io; "/" accepts
// everyone; "/chat": when CHAT_TOKEN is set, connect_error unless auth.token matches;
// on connect emit "system_message" {text}; "chat_message" {text: string} → emit
// "chat_message" {text, ...} to every other socket of /chat and ack an object; an
// invalid payload with an ack → ack {error}; the connection stays open. CORS: any origin.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const PAGE = here("../../examples/chat/index.html");
const BUNDLE = here("./node_modules/socket.io-client/dist/socket.io.min.js");
const port = Number(process.env.PORT ?? 8000);
const token = process.env.CHAT_TOKEN || null;

const httpServer = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const file = path === "/" || path === "/index.html" ? [PAGE, "text/html; charset=utf-8"]
    : path === "/vendor/socket.io.min.js" ? [BUNDLE, "text/javascript; charset=utf-8"]
    : null;
  if (!file) {
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
    return;
  }
  try {
    const body = await readFile(file[0]);
    res.writeHead(200, { "content-type": file[1] }).end(body);
  } catch (e) {
    res.writeHead(500, { "content-type": "text/plain" }).end(String(e));
  }
});

const io = new Server(httpServer, { path: "/socket.io", cors: { origin: "*" } });
const chat = io.of("/chat");
let sent = 0;

chat.use((socket, next) => {
  if (token && socket.handshake.auth?.token !== token) return next(new Error("invalid token"));
  next();
});

chat.on("connection", (socket) => {
  socket.emit("system_message", { text: `Welcome! You are ${socket.id}.` });
  socket.on("chat_message", (payload, ack) => {
    if (typeof ack !== "function") ack = () => {};
    if (!payload || typeof payload !== "object" || typeof payload.text !== "string") {
      ack({ error: "invalid chat_message: expected {text: string}" });
      return;
    }
    if (!payload.text.trim()) {
      ack({ error: "empty message" });
      return;
    }
    socket.broadcast.emit("chat_message", { text: payload.text, from: socket.id });
    ack({ ok: true, id: sent++ });
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`reference chat server on http://127.0.0.1:${port}${token ? " (token required)" : ""}`);
});
const shutdown = () => {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
