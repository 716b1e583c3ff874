import assert from "node:assert/strict";
import { idleFigures } from "./idle.ts";

Deno.test("idleFigures() gives each process's CPU as percent of one core over the window", () => {
  const f = idleFigures({
    vms: 20,
    seconds: 60,
    agentProcess: "agent",
    cpuS: { agent: 0.3, controllers: 0.06, webhooks: 0, libvirtd: NaN },
    changes: 2,
    quietAfterS: 5.04,
  });
  assert.deepEqual(
    [f.agent_cpu_percent, f.controllers_cpu_percent, f.webhooks_cpu_percent],
    [0.5, 0.1, 0],
  );
  assert.ok(Number.isNaN(f.libvirtd_cpu_percent));
  assert.deepEqual([f.vms, f.agent_process, f.api_changes, f.quiet_after_s], [20, "agent", 2, 5]);
});
