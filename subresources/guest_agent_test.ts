import assert from "node:assert/strict";
import { GUEST_AGENT_SUBRESOURCES, guestAgentAnswer } from "./guest_agent.ts";
import type { VmiLike } from "./lifecycle.ts";

const vmi = (phase: string | undefined, conditions: { type: string; status: string }[] = []) =>
  ({
    metadata: { name: "web", namespace: "ns" },
    status: { ...(phase ? { phase } : {}), conditions },
  }) satisfies VmiLike;
const conflict = (why: string) =>
  `Operation cannot be fulfilled on virtualmachineinstance.kubevirt.io "web": ${why}`;

Deno.test("guestAgentAnswer() answers 500 with virt-api's words for each case", async () => {
  const cases: [string, VmiLike | undefined, string][] = [
    ["missing VMI", undefined, 'virtualmachineinstance.kubevirt.io "web" not found'],
    ["no phase yet", vmi(undefined), conflict("VMI is not running")],
    ["scheduled", vmi("Scheduled"), conflict("VMI is not running")],
    ["succeeded", vmi("Succeeded"), conflict("VMI is not running")],
    ["running, no condition", vmi("Running"), conflict("VMI does not have guest agent connected")],
    [
      "running, other conditions",
      vmi("Running", [{ type: "Ready", status: "True" }]),
      conflict("VMI does not have guest agent connected"),
    ],
    [
      "not running, agent connected",
      vmi("Pending", [{ type: "AgentConnected", status: "True" }]),
      conflict("VMI is not running"),
    ],
  ];
  for (const what of GUEST_AGENT_SUBRESOURCES) {
    for (const [name, input, message] of cases) {
      const response = guestAgentAnswer(what, "ns", "web", input);
      assert.equal(response.status, 500, `${what}: ${name}`);
      assert.equal(await response.text(), message, `${what}: ${name}`);
    }
  }
});

Deno.test("guestAgentAnswer() answers guestosinfo with the OS in status.guestOSInfo", async () => {
  const os = { id: "denovirt-fixture", prettyName: "denovirt guest fixture" };
  const running = vmi("Running", [{ type: "AgentConnected", status: "True" }]);
  const response = guestAgentAnswer("guestosinfo", "ns", "web", {
    ...running,
    status: { ...running.status, guestOSInfo: os },
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { os });
});

Deno.test("guestAgentAnswer() says the guest agent's data is not supported when AgentConnected is set", async () => {
  // virt-api looks for the condition, whatever its status.
  for (const status of ["True", "False"]) {
    const response = guestAgentAnswer(
      "userlist",
      "ns",
      "web",
      vmi("Running", [{ type: "AgentConnected", status }]),
    );
    assert.equal(response.status, 500);
    assert.equal(
      await response.text(),
      "Cannot answer userlist for VMI ns/web: the guest agent's userlist is not supported by denovirt",
    );
  }
});
