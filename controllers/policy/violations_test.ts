import assert from "node:assert/strict";
import type { ControllerRevision, Policy, PolicyRules } from "../../api/mod.ts";
import type { DV, VM, VMI, VMIRS } from "../../api/objects.ts";
import {
  judgedObjects,
  type NamespaceContents,
  policyApplies,
  violationsOf,
  VIOLATORS_LISTED,
} from "./violations.ts";

const NS = "team-a";

function policy(rules: PolicyRules, kind = "VirtualMachineClusterPolicy", extra = {}): Policy {
  return {
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind,
    metadata: { name: "p", namespace: kind === "VirtualMachinePolicy" ? NS : undefined },
    spec: { mode: "Audit", rules, ...extra },
  } as Policy;
}

function vm(name: string, memory: string, extra: Record<string, unknown> = {}): VM {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name, namespace: NS },
    spec: {
      runStrategy: "Halted",
      template: { spec: { domain: { memory: { guest: memory }, devices: {} } } },
      ...extra,
    },
  } as unknown as VM;
}

function vmi(name: string, memory: string, owned: boolean): VMI {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: {
      name,
      namespace: NS,
      ownerReferences: owned
        ? [{
          apiVersion: "kubevirt.io/v1",
          kind: "VirtualMachine",
          name,
          uid: "u",
          controller: true,
        }]
        : undefined,
    },
    spec: { domain: { memory: { guest: memory }, devices: {} } },
  } as unknown as VMI;
}

function contents(parts: Partial<NamespaceContents> = {}): NamespaceContents {
  return {
    vms: [],
    vmis: [],
    replicaSets: [],
    dataVolumes: [],
    revision: () => undefined,
    ...parts,
  };
}

const refs = (p: Policy, c: NamespaceContents) => violationsOf(p, judgedObjects(NS, c));

Deno.test("violationsOf() counts the VMs over a memory limit, whatever the policy's mode", () => {
  const status = refs(
    policy({ maxGuestMemory: "256Mi" }),
    contents({ vms: [vm("big", "1Gi"), vm("small", "128Mi"), vm("huge", "2Gi")] }),
  );
  assert.deepEqual(status, {
    violations: 2,
    violators: ["VirtualMachine team-a/big", "VirtualMachine team-a/huge"],
  });
});

Deno.test("violationsOf() lists a few violators and counts them all", () => {
  const vms = Array.from({ length: VIOLATORS_LISTED + 3 }, (_, i) => vm(`vm-${i}`, "1Gi"));
  const status = refs(policy({ maxGuestMemory: "256Mi" }), contents({ vms }));
  assert.equal(status.violations, VIOLATORS_LISTED + 3);
  assert.equal(status.violators.length, VIOLATORS_LISTED);
  assert.equal(status.violators[0], "VirtualMachine team-a/vm-0");
});

Deno.test("judgedObjects() judges a VM's VMI through the VM, and a user's own VMI itself", () => {
  const status = refs(
    policy({ maxGuestMemory: "256Mi" }),
    contents({ vmis: [vmi("of-a-vm", "1Gi", true), vmi("by-hand", "1Gi", false)] }),
  );
  assert.deepEqual(status.violators, ["VirtualMachineInstance team-a/by-hand"]);
});

Deno.test("judgedObjects() judges a VM by the instance type frozen in its revision", () => {
  const sized = vm("sized", "64Mi", {
    instancetype: {
      kind: "VirtualMachineClusterInstancetype",
      name: "u1.large",
      revisionName: "r1",
    },
  });
  delete (sized.spec.template.spec.domain as { memory?: unknown }).memory;
  const revision = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "r1", namespace: NS },
    data: { spec: { cpu: { guest: 2 }, memory: { guest: "8Gi" } } },
    revision: 1,
  } as unknown as ControllerRevision;
  const p = policy({ maxGuestMemory: "1Gi" });
  assert.equal(refs(p, contents({ vms: [sized] })).violations, 0, "no revision yet");
  const frozen = contents({ vms: [sized], revision: (n) => n === "r1" ? revision : undefined });
  assert.deepEqual(refs(p, frozen).violators, ["VirtualMachine team-a/sized"]);
});

Deno.test("judgedObjects() judges replica sets and a user's DataVolumes, not a VM's", () => {
  const rs = {
    metadata: { name: "rs", namespace: NS },
    spec: {
      template: { spec: { domain: { devices: {} }, volumes: [{ name: "h", hostDisk: {} }] } },
    },
  } as unknown as VMIRS;
  const dv = (name: string, owned: boolean) =>
    ({
      metadata: {
        name,
        namespace: NS,
        ownerReferences: owned ? [{ kind: "VirtualMachine", name, controller: true }] : undefined,
      },
      spec: { source: { http: { url: "http://elsewhere.example/disk.img" } }, storage: {} },
    }) as unknown as DV;
  assert.deepEqual(
    refs(policy({ forbiddenVolumeTypes: ["hostDisk"] }), contents({ replicaSets: [rs] })).violators,
    ["VirtualMachineInstanceReplicaSet team-a/rs"],
  );
  assert.deepEqual(
    refs(
      policy({ allowedImportHosts: ["images.example"] }),
      contents({ dataVolumes: [dv("mine", false), dv("template", true)] }),
    ).violators,
    ["DataVolume team-a/mine"],
  );
});

Deno.test("policyApplies() follows a cluster policy's selector and a policy's own namespace", () => {
  const selective = policy({}, "VirtualMachineClusterPolicy", {
    namespaceSelector: { matchLabels: { tier: "edge" } },
  });
  assert.equal(policyApplies(selective, NS, { tier: "edge" }), true);
  assert.equal(policyApplies(selective, NS, { tier: "core" }), false);
  assert.equal(policyApplies(policy({}), NS, undefined), true);
  const own = policy({}, "VirtualMachinePolicy");
  assert.equal(policyApplies(own, NS, undefined), true);
  assert.equal(policyApplies(own, "team-b", undefined), false);
});
