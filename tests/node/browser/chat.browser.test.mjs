// The chat demo in a real browser: Debian's headless Chromium driven by playwright-core
// (issue 4). CHAT_URL: chat server without a token; CHAT_TOKEN_URL + CHAT_TOKEN: with one.
// The page and its official browser bundle are served by examples/chat itself.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { requireEnv } from "../helpers.mjs";

const CHAT_URL = requireEnv("CHAT_URL");
const CHAT_TOKEN_URL = requireEnv("CHAT_TOKEN_URL");
const CHAT_TOKEN = requireEnv("CHAT_TOKEN");
const WAIT = Number(process.env.TEST_WAIT_MS ?? 10000);
const T = { timeout: 60000 };

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
after(async () => {
  await browser?.close();
});

/** Opens the demo page in a fresh browser context; collects page errors. */
async function openPage(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  await page.goto(url, { waitUntil: "load", timeout: WAIT });
  return page;
}

const logItems = (page, cls) => page.locator(cls ? `#log li.${cls}` : "#log li");

describe("chat demo in headless Chromium", () => {
  test("two pages: a message sent from one appears in the other", T, async () => {
    const one = await openPage(CHAT_URL);
    const two = await openPage(CHAT_URL);
    try {
      // the welcome system_message shows up once /chat is connected
      await logItems(one, "system").first().waitFor({ timeout: WAIT });
      await logItems(two, "system").first().waitFor({ timeout: WAIT });

      const text = `hello from page one ${Date.now()}`;
      await one.fill("#text", text);
      await one.click("form button");
      // page two receives the relayed chat_message
      await two.locator("#log li", { hasText: text }).waitFor({ timeout: WAIT });
      // page one shows it as its own once the server acked it
      await one.locator("#log li.mine", { hasText: text }).waitFor({ timeout: WAIT });
      assert.equal(await two.locator("#log li", { hasText: text }).count(), 1);
      assert.equal(await one.locator("#log li", { hasText: text }).count(), 1, "the sender must not get an echo");
      assert.deepEqual([...one.errors, ...two.errors], []);
    } finally {
      await one.context().close();
      await two.context().close();
    }
  });

  test("CHAT_TOKEN: the page with ?token= joins, without it it is refused", T, async () => {
    const good = await openPage(`${CHAT_TOKEN_URL}/?token=${encodeURIComponent(CHAT_TOKEN)}`);
    const bad = await openPage(`${CHAT_TOKEN_URL}/`);
    try {
      await logItems(good, "system").first().waitFor({ timeout: WAIT });
      await bad.locator("#status", { hasText: "refused" }).waitFor({ timeout: WAIT });
      assert.equal(await logItems(bad).count(), 0);
    } finally {
      await good.context().close();
      await bad.context().close();
    }
  });

  test("cross-origin: a page from another origin uses /chat over polling (CORS)", T, async () => {
    // the page is served by the token server (other port = other origin) and talks to CHAT_URL
    const page = await openPage(`${CHAT_TOKEN_URL}/?token=${encodeURIComponent(CHAT_TOKEN)}`);
    try {
      const result = await page.evaluate(
        ([url, wait]) =>
          new Promise((resolve) => {
            const socket = io(url, { transports: ["polling"], reconnection: false, forceNew: true });
            const chat = socket.io.socket("/chat");
            const timer = setTimeout(() => resolve({ error: "timed out" }), wait);
            chat.on("connect_error", (e) => resolve({ error: "connect_error: " + e.message }));
            chat.on("connect", () => {
              chat.emit("chat_message", { text: "cross-origin hello" }, (ack) => {
                clearTimeout(timer);
                resolve({ ack, transport: socket.io.engine.transport.name });
              });
            });
          }),
        [CHAT_URL, WAIT],
      );
      assert.equal(result.error, undefined, result.error);
      assert.equal(result.transport, "polling");
      assert.ok(result.ack && typeof result.ack === "object" && !("error" in result.ack), JSON.stringify(result.ack));
    } finally {
      await page.context().close();
    }
  });
});
