import assert from "node:assert/strict";
import { freeLoopbackPort } from "./ports.ts";

Deno.test("freeLoopbackPort() picks listenable ports below the kernel's ephemeral range", () => {
  const [low] = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range").trim().split(/\s+/)
    .map(Number);
  for (let i = 0; i < 20; i++) {
    const port = freeLoopbackPort();
    assert.ok(port >= 1024 && port < low!, `port ${port} is not below ${low}`);
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  }
});
