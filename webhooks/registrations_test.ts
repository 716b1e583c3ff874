import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ADMITTED_KINDS } from "./kinds.ts";
import { DENOVIRT_SERVICE_ACCOUNTS } from "./review.ts";

interface Registration {
  name: string;
  clientConfig: { url?: string; service?: { path: string } };
  rules: Array<{ operations: string[]; resources: string[] }>;
  matchConditions?: Array<{ name: string; expression: string }>;
}

const FILES = ["../manifests/local/30-webhooks.yaml", "../manifests/cluster/30-webhooks.yaml"];

async function registrations(file: string): Promise<Registration[]> {
  const text = await Deno.readTextFile(fileURLToPath(new URL(file, import.meta.url)));
  return parseAllDocuments(text).flatMap((doc) => (doc.toJSON()?.webhooks ?? []) as Registration[]);
}

const pathOf = (r: Registration) =>
  r.clientConfig.service?.path ?? new URL(r.clientConfig.url!.replace(/\$\{\w+\}/, "1")).pathname;

Deno.test("the local stack's and a cluster's webhooks are registered alike", async () => {
  const [local, cluster] = await Promise.all(FILES.map(registrations));
  const shape = (r: Registration) => ({
    name: r.name,
    path: pathOf(r),
    rules: r.rules,
    matchConditions: r.matchConditions,
  });
  assert.deepEqual(local!.map(shape), cluster!.map(shape));
});

Deno.test("each webhook calls an endpoint the webhooks serve", async () => {
  const served = new Set(
    ADMITTED_KINDS.flatMap((k) => [`/${k.plural}/mutate`, `/${k.plural}/validate`]),
  );
  served.add("/evictions/validate");
  for (const registration of await registrations(FILES[0]!)) {
    assert.ok(served.has(pathOf(registration)), `${registration.name}: ${pathOf(registration)}`);
  }
});

Deno.test("the VMI validator skips metadata updates of exactly denovirt's service accounts", async () => {
  const vmi = (await registrations(FILES[0]!))
    .find((r) => r.name === "virtualmachineinstances-validator.denovirt.io")!;
  const expression = vmi.matchConditions?.map((c) => c.expression).join("\n") ?? "";
  const listed = [...expression.matchAll(/'(system:serviceaccount:[^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(listed, [...DENOVIRT_SERVICE_ACCOUNTS]);
});
