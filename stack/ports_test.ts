import assert from "node:assert/strict";
import { ensurePorts, freeLoopbackPort, metricsPorts, savedPorts } from "./ports.ts";

Deno.test("freeLoopbackPort() picks listenable ports below the kernel's ephemeral range", () => {
  const [low] = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range").trim().split(/\s+/)
    .map(Number);
  for (let i = 0; i < 20; i++) {
    const port = freeLoopbackPort();
    assert.ok(port >= 1024 && port < low!, `port ${port} is not below ${low}`);
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  }
});

Deno.test("ensurePorts() lists each role's metrics port in ports.json, kept across restarts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/ports.json`;
    const ports = await ensurePorts(file);
    const saved = JSON.parse(await Deno.readTextFile(file));
    assert.equal(saved.agentMetrics, ports.agent);
    assert.equal(saved.controllersMetrics, ports.controllersHealth);
    assert.equal(saved.webhooksMetrics, ports.webhooks);
    assert.deepEqual(metricsPorts(ports), {
      agentMetrics: ports.agent,
      controllersMetrics: ports.controllersHealth,
      webhooksMetrics: ports.webhooks,
    });
    assert.deepEqual(await ensurePorts(file), ports);
    assert.deepEqual(await savedPorts(file), saved);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
