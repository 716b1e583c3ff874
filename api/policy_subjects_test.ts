import assert from "node:assert/strict";
import type { ClusterPolicy, PersistentVolumeClaim, PolicyRules } from "./mod.ts";
import { evaluatePolicies } from "./policy_evaluate.ts";
import { importClaimSubject, isImportClaim } from "./policy_subjects.ts";

const policy = (rules: PolicyRules) =>
  ({
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind: "VirtualMachineClusterPolicy",
    metadata: { name: "p" },
    spec: { mode: "Enforce", rules },
  }) as ClusterPolicy;

function claim(annotations: Record<string, string>, storageClassName?: string) {
  return {
    metadata: { name: "disk", namespace: "a", annotations },
    spec: { storageClassName },
  } as PersistentVolumeClaim;
}

const lines = (rules: PolicyRules, pvc: PersistentVolumeClaim) =>
  evaluatePolicies([policy(rules)], importClaimSubject(pvc)).map((v) => `${v.field}: ${v.message}`);

const ENDPOINT = "cdi.kubevirt.io/storage.import.endpoint";
const SOURCE = "cdi.kubevirt.io/storage.import.source";

Deno.test("importClaimSubject() judges an http import's host where the annotation says it", () => {
  const pvc = claim({ [ENDPOINT]: "http://images.example.com:8080/disk.img" });
  assert.deepEqual(lines({ allowedImportHosts: ["images.example.com:*"] }, pvc), []);
  assert.deepEqual(lines({ allowedImportHosts: ["other.example.com"] }, pvc), [
    `metadata.annotations[${ENDPOINT}]: host "images.example.com:8080" is not allowed by ` +
    "VirtualMachineClusterPolicy p (allowedImportHosts)",
  ]);
});

Deno.test("importClaimSubject() judges a registry import's image and the claim's class", () => {
  const pvc = claim(
    { [ENDPOINT]: "docker://quay.io/containerdisks/fedora:40", [SOURCE]: "registry" },
    "fast",
  );
  assert.deepEqual(
    lines({ allowedImageRegistries: ["127.0.0.1:*"], allowedStorageClasses: ["local"] }, pvc),
    [
      `metadata.annotations[${ENDPOINT}]: "quay.io/containerdisks/fedora:40" is not from a ` +
      "registry allowed by VirtualMachineClusterPolicy p (allowedImageRegistries)",
      'spec.storageClassName: storage class "fast" is not allowed by ' +
      "VirtualMachineClusterPolicy p (allowedStorageClasses)",
    ],
  );
});

Deno.test("isImportClaim() is true only with CDI's import annotations", () => {
  assert.equal(isImportClaim(claim({})), false);
  assert.equal(isImportClaim(claim({ [SOURCE]: "none" })), true);
  assert.equal(isImportClaim(claim({ [ENDPOINT]: "http://h/x" })), true);
  assert.deepEqual(lines({ allowedImportHosts: ["h"] }, claim({})), []);
});
