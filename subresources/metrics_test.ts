import assert from "node:assert/strict";
import { Registry } from "../lib/metrics/registry.ts";
import { sessionMetrics } from "./metrics.ts";

Deno.test("sessionMetrics() counts open consoles, VNC sessions and tunnels per VMI and drops closed ones", async () => {
  const registry = new Registry();
  const sessions = sessionMetrics(registry);
  sessions.console("ns", "a", 1);
  sessions.console("ns", "a", 1);
  sessions.vnc("ns", "a", 1);
  sessions.tunnel("ns", "b", 1);
  sessions.tunnel("ns", "b", -1);
  const text = await registry.render();
  assert.match(text, /^kubevirt_console_active_connections\{namespace="ns",name="a"\} 2$/m);
  assert.match(text, /^kubevirt_vnc_active_connections\{namespace="ns",name="a"\} 1$/m);
  assert.doesNotMatch(text, /^kubevirt_portforward_active_tunnels\{/m);
  assert.match(text, /^# TYPE kubevirt_portforward_active_tunnels gauge$/m);
});
