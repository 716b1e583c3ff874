import assert from "node:assert/strict";
import {
  agentStartsIn,
  breakdownOf,
  breakdownRows,
  type StartMarks,
  STEPS,
} from "./start_breakdown.ts";

const line = (fields: Record<string, unknown>) => JSON.stringify(fields);

Deno.test("agentStartsIn() dates the agent's steps from its Domain started and Running lines", () => {
  const log = [
    "--- 2025-01-01T00:00:00.000Z starting agent",
    line({ ts: "2025-01-01T00:00:02.000Z", msg: "Domain started", domain: "other_vm-0" }),
    line({
      ts: "2025-01-01T00:00:01.000Z",
      msg: "Domain started",
      domain: "ns_vm-0",
      prepareMs: 100,
      defineMs: 30,
      startMs: 400,
      passMs: 550,
    }),
    line({
      ts: "2025-01-01T00:00:01.020Z",
      msg: "VMI status written",
      vmi: "ns/vm-0",
      phase: "Scheduled",
    }),
    line({
      ts: "2025-01-01T00:00:01.040Z",
      msg: "VMI status written",
      vmi: "ns/vm-0",
      phase: "Running",
    }),
    line({
      ts: "2025-01-01T00:00:05.000Z",
      msg: "VMI status written",
      vmi: "ns/vm-0",
      phase: "Running",
    }),
  ].join("\n");
  const starts = agentStartsIn(log, "ns");
  assert.deepEqual([...starts.keys()], ["vm-0"]);
  const t = Date.parse("2025-01-01T00:00:01.000Z");
  assert.deepEqual(starts.get("vm-0"), {
    agentPass: t - 550,
    prepare: t - 530,
    define: t - 430,
    start: t - 400,
    started: t,
    statusWritten: t + 40,
  });
});

Deno.test("breakdownOf() takes each step's p50 over the VMs, leaving out the unknown", () => {
  const marks = (offset: number): StartMarks => {
    const m = {} as StartMarks;
    STEPS.forEach(([, from], i) => m[from] = offset + i * 10);
    m.running = offset + STEPS.length * 10;
    return m;
  };
  const slow = marks(0);
  slow.agentPass = NaN;
  const figures = breakdownOf([marks(0), marks(1000), slow]);
  assert.equal(figures.admission, 10);
  assert.equal(figures.total, STEPS.length * 10);
  assert.equal(figures.agent_observe, 10);
  const rows = breakdownRows(
    Object.fromEntries(Object.entries(figures).map(([k, v]) => [`breakdown_${k}_ms`, v])),
  );
  assert.deepEqual(rows[0], ["admission", 10, "created → answered"]);
  assert.deepEqual(rows.at(-1), ["total", STEPS.length * 10, "created → running"]);
});
