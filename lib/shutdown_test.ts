import assert from "node:assert/strict";
import type { Logger } from "./log.ts";
import { onShutdown } from "./shutdown.ts";

const log: Logger = { info() {}, warn() {}, error() {}, debug() {}, with: () => log };

Deno.test("onShutdown() aborts its signal on SIGTERM and runs callbacks last-registered first", async () => {
  const shutdown = onShutdown({ log, signals: ["SIGTERM"] });
  const order: string[] = [];
  shutdown.onStop(() => void order.push("reflectors"));
  shutdown.onStop(async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    order.push("workers");
  });
  shutdown.onStop(() => {
    throw new Error("a failing step does not stop the others");
  });
  // Signal listeners do not keep the event loop alive; a timer does, as a server would.
  const keepAlive = setInterval(() => {}, 10);
  Deno.kill(Deno.pid, "SIGTERM");
  await shutdown.done;
  clearInterval(keepAlive);
  shutdown.dispose();
  assert.equal(shutdown.signal.aborted, true);
  assert.equal(shutdown.signal.reason, "SIGTERM");
  assert.deepEqual(order, ["workers", "reflectors"]);
});

Deno.test("onShutdown() trigger() stops once however often it is called", async () => {
  const shutdown = onShutdown({ log, signals: [] });
  let calls = 0;
  shutdown.onStop(() => void calls++);
  shutdown.trigger("test");
  shutdown.trigger("again");
  await shutdown.done;
  shutdown.dispose();
  assert.equal(calls, 1);
  assert.equal(shutdown.signal.reason, "test");
});
