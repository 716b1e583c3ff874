import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import type { ChangeHandler, ChangeSource } from "../../lib/change_source.ts";
import { DepartedTargets, migratesTo, targetSelector } from "./target_vmis.ts";

const vmi = (targetNode?: string) =>
  ({
    metadata: { namespace: "ns", name: "vm", uid: "u", resourceVersion: "3" },
    spec: { domain: { devices: {} } },
    status: targetNode
      ? { nodeName: "n1", migrationState: { migrationUid: "m", targetNode } }
      : { nodeName: "n1" },
  }) as unknown as VMI;

Deno.test("migratesTo() and targetSelector() pick the VMIs whose migration targets the node", () => {
  assert.equal(migratesTo(vmi("n2"), "n2"), true);
  assert.equal(migratesTo(vmi("n3"), "n2"), false);
  assert.equal(migratesTo(vmi(), "n2"), false);
  assert.equal(targetSelector("n2"), "kubevirt.io/migrationTargetNodeName=n2");
});

Deno.test("DepartedTargets remembers a VMI that left the selection until it comes back", () => {
  let handler: ChangeHandler<VMI> = () => {};
  const source = { onChange: (h: ChangeHandler<VMI>) => (handler = h, () => {}) };
  const departed = new DepartedTargets().follow(source as unknown as ChangeSource<VMI>);
  handler(undefined, vmi("n2"));
  assert.equal(departed.uidOf("ns/vm"), undefined, "still migrating here");
  handler(vmi("n2"), undefined);
  assert.equal(departed.uidOf("ns/vm"), "u");
  handler(undefined, vmi("n2"));
  assert.equal(departed.uidOf("ns/vm"), undefined, "back in the selection");
  handler(vmi("n2"), undefined);
  departed.forget("ns/vm");
  assert.equal(departed.uidOf("ns/vm"), undefined);
});
