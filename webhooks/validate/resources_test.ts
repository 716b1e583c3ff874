import assert from "node:assert/strict";
import type { VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { checkResources } from "./resources.ts";

const check = (domain: Record<string, unknown>, requireMemory = true) =>
  checkResources(
    { domain: { devices: {}, ...domain } } as VirtualMachineInstanceSpec,
    ["spec"],
    requireMemory,
  )
    .map((c) => `${c.field}: ${c.message}`);

Deno.test("checkResources() holds memory requests to KubeVirt's 1M minimum", () => {
  assert.deepEqual(check({ resources: { requests: { memory: "1M" } } }), []);
  assert.deepEqual(check({ resources: { requests: { memory: "999k" } } }), [
    'spec.domain.resources.requests.memory: "999k": must be greater than or equal to 1M',
  ]);
});

Deno.test("checkResources() refuses negative values and requests above limits", () => {
  assert.deepEqual(check({ resources: { requests: { cpu: "-1", memory: "1Gi" } } }), [
    'spec.domain.resources.requests.cpu: "-1": must be greater than or equal to 0',
  ]);
  assert.deepEqual(
    check({ resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } }),
    [
      'spec.domain.resources.requests.memory: "2Gi" is greater than the limit spec.domain.resources.limits.memory "1Gi"',
    ],
  );
  assert.deepEqual(
    check({
      memory: { guest: "2Gi" },
      resources: { limits: { memory: "1Gi" }, requests: { memory: "1Gi" } },
    }),
    [
      'spec.domain.memory.guest: "2Gi" must be less than or equal to the memory limit spec.domain.resources.limits.memory "1Gi"',
    ],
  );
});

Deno.test("checkResources() wants some memory when asked to", () => {
  assert.match(check({})[0]!, /^spec\.domain\.memory\.guest: no memory requested/);
  assert.deepEqual(check({}, false), []);
  assert.deepEqual(check({ memory: { guest: "64Mi" } }), []);
});
