import assert from "node:assert/strict";
import type { VirtualMachineStatus, VM } from "../../api/mod.ts";
import { vmFixture } from "./testdata/fixtures.ts";
import { instancetypeStatusRefsOf, withInstancetypeStatusRefs } from "./instancetype_status.ts";

const withMatchers = (spec: Partial<VM["spec"]>) => vmFixture((vm) => Object.assign(vm.spec, spec));

Deno.test("instancetypeStatusRefsOf() names kind, name and revision once the revision is stored", () => {
  const cases: [string, VM, object][] = [
    ["no matchers", vmFixture(), {}],
    ["not stored yet", withMatchers({ instancetype: { name: "u1.small" } }), {}],
    [
      "a cluster instance type by default kind, a namespaced preference",
      withMatchers({
        instancetype: { name: "u1.small", revisionName: "vm-u1.small-abc-1" },
        preference: {
          kind: "virtualmachinepreference",
          name: "fast",
          revisionName: "vm-fast-def-1",
        },
      }),
      {
        instancetypeRef: {
          name: "u1.small",
          kind: "VirtualMachineClusterInstancetype",
          controllerRevisionRef: { name: "vm-u1.small-abc-1" },
        },
        preferenceRef: {
          name: "fast",
          kind: "VirtualMachinePreference",
          controllerRevisionRef: { name: "vm-fast-def-1" },
        },
      },
    ],
  ];
  for (const [what, vm, expected] of cases) {
    assert.deepEqual(instancetypeStatusRefsOf(vm), expected, what);
  }
});

Deno.test("withInstancetypeStatusRefs() drops the refs of matchers the VM no longer has", () => {
  const status: VirtualMachineStatus = {
    instancetypeRef: { name: "old" },
    preferenceRef: { name: "old" },
  };
  withInstancetypeStatusRefs(
    withMatchers({ instancetype: { name: "u1.small", revisionName: "r1" } }),
    status,
  );
  assert.deepEqual(status, {
    instancetypeRef: {
      name: "u1.small",
      kind: "VirtualMachineClusterInstancetype",
      controllerRevisionRef: { name: "r1" },
    },
  });
});
