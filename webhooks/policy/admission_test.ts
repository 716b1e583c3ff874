import assert from "node:assert/strict";
import type { Policy, PolicyMode } from "../../api/mod.ts";
import { webhookApp } from "../app.ts";
import { admit } from "../testdata/admit.ts";
import { goodDataVolume, goodVm, goodVmi, type Json } from "../testdata/good_objects.ts";
import { fakeLookups } from "../testdata/reviews.ts";
import { DENOVIRT_SERVICE_ACCOUNTS } from "../review.ts";

function policy(mode: PolicyMode, namespace?: string): Policy {
  return {
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind: namespace ? "VirtualMachinePolicy" : "VirtualMachineClusterPolicy",
    metadata: namespace ? { name: "small-vms", namespace } : { name: "small-vms" },
    spec: {
      mode,
      rules: { maxGuestMemory: "256Mi", allowedImportHosts: ["mirror.example.com"] },
    },
  } as Policy;
}

/** An app whose cache holds `policies` for every namespace, and the audits it recorded. */
function appWith(policies: Policy[]) {
  const audits: string[] = [];
  const app = webhookApp({
    lookups: {
      ...fakeLookups(),
      policiesFor: () => policies,
      auditPolicies: (_, findings) => audits.push(...findings),
    },
  });
  return { app, audits };
}

Deno.test("webhookApp() refuses a VM an Enforce policy forbids, naming policy, rule and field", async () => {
  const { app } = appWith([policy("Enforce")]);
  const { validation } = await admit(app, goodVm());
  assert.equal(validation.response.allowed, false);
  const message: string = validation.response.status.message;
  assert.match(
    message,
    /spec\.template\.spec\.domain\.memory\.guest: 1Gi is over 256Mi allowed by VirtualMachineClusterPolicy small-vms \(maxGuestMemory\)/,
  );
  assert.match(
    message,
    /spec\.dataVolumeTemplates\[0\]\.spec\.source\.http\.url: host "images\.example\.com" is not allowed by VirtualMachineClusterPolicy small-vms \(allowedImportHosts\)/,
  );
});

Deno.test("webhookApp() admits with warnings under Warn, and records under Audit", async () => {
  const warned = await admit(appWith([policy("Warn")]).app, goodVm());
  assert.equal(warned.validation.response.allowed, true);
  assert.ok(
    (warned.validation.response.warnings as string[]).some((w) =>
      w.includes("(maxGuestMemory)") && w.startsWith("spec.template.spec.domain.memory.guest: ")
    ),
  );
  const audited = appWith([policy("Audit")]);
  const result = await admit(audited.app, goodDataVolume());
  assert.equal(result.validation.response.allowed, true);
  assert.equal(result.validation.response.warnings, undefined);
  assert.equal(audited.audits.length, 1);
  assert.match(audited.audits[0]!, /^spec\.source\.http\.url: .*\(allowedImportHosts\)$/);
});

Deno.test("webhookApp() records no audit for a dry run", async () => {
  const audited = appWith([policy("Audit")]);
  await admit(audited.app, goodDataVolume(), { dryRun: true });
  assert.deepEqual(audited.audits, []);
});

Deno.test("webhookApp() leaves VMIs that denovirt's controllers create to the policies of their VM", async () => {
  const { app } = appWith([policy("Enforce")]);
  const vmi: Json = goodVmi();
  vmi.spec.domain.memory = { guest: "1Gi" };
  const byUser = await admit(app, vmi);
  assert.equal(byUser.validation.response.allowed, false);
  const byController = await admit(app, vmi, { username: DENOVIRT_SERVICE_ACCOUNTS[0]! });
  assert.equal(byController.validation.response.allowed, true);
});
