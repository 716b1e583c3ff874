import assert from "node:assert/strict";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import {
  effectiveFenceSeconds,
  fenceVerdict,
  mayKeepAtStart,
  type OwnedDomain,
} from "./verdict.ts";

Deno.test("fenceVerdict() fences once the fence time passed since the last renewal, or when none is known", () => {
  assert.deepEqual(fenceVerdict(1_000, 1_000, 20_000), { fenced: false, fencedInMs: 20_000 });
  assert.deepEqual(fenceVerdict(1_000, 20_999, 20_000), { fenced: false, fencedInMs: 1 });
  assert.deepEqual(fenceVerdict(1_000, 21_000, 20_000), { fenced: true });
  assert.deepEqual(fenceVerdict(undefined, 5, 20_000), { fenced: true });
  assert.deepEqual(fenceVerdict(Date.parse("not a time"), 5, 20_000), { fenced: true });
});

Deno.test("effectiveFenceSeconds() keeps the flag when it fits under the threshold, else shortens it and says why", () => {
  assert.deepEqual(effectiveFenceSeconds(20, "40"), { seconds: 20 });
  assert.deepEqual(effectiveFenceSeconds(20, undefined), { seconds: 20 });
  const short = effectiveFenceSeconds(20, "30");
  assert.equal(short.seconds, 19);
  assert.match(short.error ?? "", /nodeUnresponsiveSeconds \(30 s\) must be greater than/);
});

const domain: OwnedDomain = {
  uuid: "u1",
  name: "ns_web",
  active: true,
  owner: { namespace: "ns", name: "web", uid: "vmi-1" },
};
const vmi = (uid: string, status: VirtualMachineInstance["status"]) =>
  ({
    metadata: { namespace: "ns", name: "web", uid },
    spec: { domain: { devices: {} } },
    status,
  }) as VirtualMachineInstance;

Deno.test("mayKeepAtStart() keeps only domains of live VMIs assigned to this node", () => {
  const cases: Array<[string, VirtualMachineInstance | undefined, boolean]> = [
    ["running here", vmi("vmi-1", { phase: "Running", nodeName: "n1" }), true],
    ["gone", undefined, false],
    ["recreated with another uid", vmi("vmi-2", { phase: "Running", nodeName: "n1" }), false],
    ["moved to another node", vmi("vmi-1", { phase: "Running", nodeName: "n2" }), false],
    ["failed here (NodeUnresponsive)", vmi("vmi-1", { phase: "Failed", nodeName: "n1" }), false],
    [
      "target of a migration in flight",
      vmi("vmi-1", {
        phase: "Running",
        nodeName: "n2",
        migrationState: { migrationUid: "m1", sourceNode: "n2", targetNode: "n1" },
      }),
      true,
    ],
    [
      "target of a finished migration",
      vmi("vmi-1", {
        phase: "Running",
        nodeName: "n2",
        migrationState: { migrationUid: "m1", targetNode: "n1", completed: true, failed: true },
      }),
      false,
    ],
  ];
  for (const [what, v, keep] of cases) assert.equal(mayKeepAtStart(domain, v, "n1"), keep, what);
});
