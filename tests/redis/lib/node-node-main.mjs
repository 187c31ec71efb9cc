// A Node.js node with the official adapter, as its own process (for the benchmark):
//   REDIS_URL=... REDIS_KEY=... PORT=... node tests/redis/lib/node-node-main.mjs
import { startNodeNode } from "./cluster.mjs";

const node = await startNodeNode({
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  key: process.env.REDIS_KEY ?? "socket.io",
  port: Number(process.env.PORT ?? 3000),
});
console.log(`listening on ${node.port}`);
process.on("SIGTERM", async () => {
  await node.stop();
  process.exit(0);
});
