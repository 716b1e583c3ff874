import assert from "node:assert/strict";
import {
  type ClusterPolicy,
  evaluatePolicies,
  type PolicyMode,
  type PolicyRules,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { policyOutcome } from "./verdict.ts";

function clusterPolicy(name: string, rules: PolicyRules, mode: PolicyMode) {
  return {
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind: "VirtualMachineClusterPolicy",
    metadata: { name },
    spec: { mode, rules },
  } as ClusterPolicy;
}

const subject = {
  vmiSpecs: [{
    path: ["spec", "template", "spec"],
    spec: {
      domain: { memory: { guest: "1Gi" }, cpu: { cores: 2 }, devices: {} },
      volumes: [
        { name: "root", containerDisk: { image: "127.0.0.1:5000/vms/cirros:1" } },
        { name: "host", hostDisk: { path: "/var/x.img", type: "Disk" } },
      ],
    } as VirtualMachineInstanceSpec,
  }],
  vmLabels: [],
  dataVolumes: [],
};

Deno.test("policyOutcome() keeps the strictest mode for each field and rule", () => {
  const violations = evaluatePolicies([
    clusterPolicy("warn", { maxGuestMemory: "256Mi", forbiddenVolumeTypes: ["hostDisk"] }, "Warn"),
    clusterPolicy("enforce", { maxGuestMemory: "512Mi" }, "Enforce"),
    clusterPolicy("audit", { maxVCPUs: 1 }, "Audit"),
  ], subject);
  const outcome = policyOutcome(violations);
  assert.deepEqual(outcome.causes.map((c) => c.message), [
    "1Gi is over 512Mi allowed by VirtualMachineClusterPolicy enforce (maxGuestMemory)",
  ]);
  assert.deepEqual(outcome.warnings, [
    "spec.template.spec.volumes[1].hostDisk: hostDisk volumes are forbidden by " +
    "VirtualMachineClusterPolicy warn (forbiddenVolumeTypes)",
  ]);
  assert.deepEqual(outcome.audits, [
    "spec.template.spec.domain.cpu: 2 vCPUs are over 1 allowed by VirtualMachineClusterPolicy " +
    "audit (maxVCPUs)",
  ]);
});
