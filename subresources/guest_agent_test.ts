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
      const response = await guestAgentAnswer(what, "ns", "web", input, () => {
        throw new Error("the node agent must not be asked");
      });
      assert.equal(response.status, 500, `${what}: ${name}`);
      assert.equal(await response.text(), message, `${what}: ${name}`);
    }
  }
});

Deno.test("guestAgentAnswer() answers guestosinfo with the OS in status.guestOSInfo", async () => {
  const os = { id: "denovirt-fixture", prettyName: "denovirt guest fixture" };
  const running = vmi("Running", [{ type: "AgentConnected", status: "True" }]);
  const response = await guestAgentAnswer("guestosinfo", "ns", "web", {
    ...running,
    status: { ...running.status, guestOSInfo: os },
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { os });
});

Deno.test("guestAgentAnswer() answers the lists the node agent read, as virt-api's list types", async () => {
  const running = vmi("Running", [{ type: "AgentConnected", status: "True" }]);
  const asked: string[] = [];
  const users = await guestAgentAnswer("userlist", "ns", "web", running, (_vmi, what) => {
    asked.push(what);
    return Promise.resolve(JSON.stringify({ metadata: {}, items: [{ userName: "root" }] }));
  });
  assert.equal(users.status, 200);
  assert.deepEqual(await users.json(), { metadata: {}, items: [{ userName: "root" }] });
  const none = await guestAgentAnswer("filesystemlist", "ns", "web", running, (_vmi, what) => {
    asked.push(what);
    return Promise.resolve('{"items":null}');
  });
  assert.deepEqual(await none.json(), { metadata: {}, items: [] });
  assert.deepEqual(asked, ["userlist", "filesystemlist"]);
});

Deno.test("guestAgentAnswer() answers the node agent's failure as plain text with status 500", async () => {
  const running = vmi("Running", [{ type: "AgentConnected", status: "True" }]);
  const response = await guestAgentAnswer(
    "userlist",
    "ns",
    "web",
    running,
    () => Promise.reject(new Error("Cannot read the guest agent of domain ns_web: timed out")),
  );
  assert.equal(response.status, 500);
  assert.equal(
    await response.text(),
    "Cannot read the guest agent of domain ns_web: timed out",
  );
});

Deno.test("guestAgentAnswer() answers guestosinfo with an empty os before the first report", async () => {
  const running = vmi("Running", [{ type: "AgentConnected", status: "True" }]);
  const response = await guestAgentAnswer("guestosinfo", "ns", "web", running);
  assert.deepEqual(await response.json(), { os: {} });
});

Deno.test("guestAgentAnswer() says the lists are not supported without a node agent to ask", async () => {
  // virt-api looks for the condition, whatever its status.
  for (const status of ["True", "False"]) {
    const response = await guestAgentAnswer(
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
