import assert from "node:assert/strict";
import { ownedVmiStatusFields, WRITTEN_VMI_STATUS_FIELDS } from "./ownership.ts";

Deno.test("ownedVmiStatusFields() gives every written field to exactly one role, before and after the handover", () => {
  for (
    const status of [{}, { phase: "Scheduling" as const }, {
      phase: "Scheduled" as const,
      nodeName: "n1",
    }]
  ) {
    const controllers = ownedVmiStatusFields("controllers", status);
    const agent = ownedVmiStatusFields("agent", status);
    assert.deepEqual(controllers.filter((f) => agent.includes(f)), [], JSON.stringify(status));
    assert.deepEqual([...controllers, ...agent].sort(), [...WRITTEN_VMI_STATUS_FIELDS].sort());
  }
});

Deno.test("ownedVmiStatusFields() hands phase and conditions to the agent once nodeName is set", () => {
  assert.ok(ownedVmiStatusFields("controllers", { phase: "Scheduling" }).includes("phase"));
  assert.ok(!ownedVmiStatusFields("agent", { phase: "Scheduling" }).includes("conditions"));
  const handed = { phase: "Scheduled" as const, nodeName: "n1" };
  assert.ok(ownedVmiStatusFields("agent", handed).includes("conditions"));
  assert.ok(!ownedVmiStatusFields("controllers", handed).includes("phase"));
  assert.ok(ownedVmiStatusFields("controllers", handed).includes("activePods"));
});
