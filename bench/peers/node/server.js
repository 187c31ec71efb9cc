// The benchmark contract on the official Node server (see bench/README.md).
// PORT=3300 node server.js  -> prints "ready" once it listens on 127.0.0.1:$PORT.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3300);
const httpServer = http.createServer();
const io = new Server(httpServer, { pingInterval: 25000, pingTimeout: 20000 });

io.on("connection", (socket) => {
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("message-with-ack", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("broadcast", (...args) => io.emit("broadcast-back", ...args));
});

httpServer.listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
