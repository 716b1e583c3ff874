import assert from "node:assert/strict";
import { ClusterPolicySchema } from "../../api/mod.ts";
import type { ReviewContext } from "../review.ts";
import { policyValidator } from "./policy.ts";

const validate = policyValidator(ClusterPolicySchema);

function review(spec: Record<string, unknown>): ReviewContext {
  return {
    object: {
      apiVersion: "policy.denovirt.io/v1alpha1",
      kind: "VirtualMachineClusterPolicy",
      metadata: { name: "p" },
      spec,
    },
  } as unknown as ReviewContext;
}

Deno.test("policyValidator() admits a policy with well-formed rules", () => {
  const verdict = validate(review({
    mode: "Enforce",
    rules: {
      maxGuestMemory: "256Mi",
      maxVCPUs: 2,
      allowedImageRegistries: ["registry.example.com:*/vms", "127.0.0.1:5000"],
      allowedImportHosts: ["images.example.com"],
      forbiddenVolumeTypes: ["hostDisk"],
      allowedHostDiskDirs: ["/var/lib/denovirt/hostdisks/ops"],
      requiredLabels: [{ key: "example.com/team", values: ["a"] }],
      allowedNetworkBindings: ["masquerade"],
    },
  }));
  assert.deepEqual(verdict, { allowed: true });
});

Deno.test("policyValidator() refuses a bad rule naming its field", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ mode: "Deny", rules: {} }, "spec.mode"],
    [{ mode: "Enforce", rules: { maxGuestMemory: "lots" } }, "spec.rules.maxGuestMemory"],
    [{ mode: "Enforce", rules: { maxGuestMemory: "0" } }, "spec.rules.maxGuestMemory"],
    [{ mode: "Enforce", rules: { maxVCPUs: 0 } }, "spec.rules.maxVCPUs"],
    [
      { mode: "Enforce", rules: { allowedImageRegistries: ["ok.io", "bad host"] } },
      "spec.rules.allowedImageRegistries[1]",
    ],
    [
      { mode: "Enforce", rules: { allowedImportHosts: ["h.io/path"] } },
      "spec.rules.allowedImportHosts[0]",
    ],
    [
      { mode: "Enforce", rules: { forbiddenVolumeTypes: ["floppy"] } },
      "spec.rules.forbiddenVolumeTypes[0]",
    ],
    [
      { mode: "Enforce", rules: { requiredLabels: [{ key: "-x" }] } },
      "spec.rules.requiredLabels[0].key",
    ],
    [
      { mode: "Enforce", rules: { allowedHostDiskDirs: ["/ok", "relative/dir"] } },
      "spec.rules.allowedHostDiskDirs[1]",
    ],
    [
      { mode: "Enforce", rules: { allowedHostDiskDirs: ["/srv/../etc"] } },
      "spec.rules.allowedHostDiskDirs[0]",
    ],
    [{ mode: "Enforce", rules: { maxMemory: "1Gi" } }, "spec.rules.maxMemory"],
  ];
  for (const [spec, field] of cases) {
    const verdict = validate(review(spec));
    assert.equal(verdict.allowed, false, JSON.stringify(spec));
    assert.ok(
      verdict.causes?.some((c) => c.field === field),
      `${JSON.stringify(spec)}: ${JSON.stringify(verdict.causes)}`,
    );
  }
});
