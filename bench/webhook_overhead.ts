/**
 * What the webhooks add to a VM create through the API server: dry-run creates (admission runs,
 * nothing is stored: the webhooks declare `sideEffects: None`) timed one after another with the
 * webhook configurations registered, then with them removed, then they are put back.
 */
import { ApiError } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { type Resource, virtualMachines } from "../lib/kube/resources.ts";
import { pollUntil } from "./pace.ts";
import { refusedVm } from "./vm_manifest.ts";

const admissionRegistration = (plural: string, kind: string): Resource => ({
  group: "admissionregistration.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: false,
});

/** denovirt's webhook registrations, as `manifests/local/30-webhooks.yaml` names them. */
export const WEBHOOK_CONFIGURATIONS = [
  {
    resource: admissionRegistration(
      "mutatingwebhookconfigurations",
      "MutatingWebhookConfiguration",
    ),
    name: "denovirt-mutating",
  },
  {
    resource: admissionRegistration(
      "validatingwebhookconfigurations",
      "ValidatingWebhookConfiguration",
    ),
    name: "denovirt-validating",
  },
];

export interface OverheadRun {
  withWebhooksMs: number[];
  withoutWebhooksMs: number[];
}

/** Times `creates` dry-run creates of `vm` with and without the webhooks. */
export async function webhookOverhead(
  rest: RestClient,
  vm: KubeObject,
  namespace: string,
  creates: number,
): Promise<OverheadRun> {
  const timeCreates = async (count: number) => {
    const ms: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await rest.create(virtualMachines, vm, { namespace, dryRun: true });
      ms.push(performance.now() - started);
    }
    return ms;
  };
  await timeCreates(10); // Warm-up: connections, caches.
  if (!(await webhooksAnswer(rest, namespace))) {
    throw new Error("Cannot time the webhooks: a VM they refuse was created without them");
  }
  const withWebhooksMs = await timeCreates(creates);
  const saved = await unregister(rest);
  try {
    const gone = await pollUntil(async () => !(await webhooksAnswer(rest, namespace)), 30_000);
    if (!gone) throw new Error("The API server still called the webhooks 30 s after removal");
    await timeCreates(10);
    const withoutWebhooksMs = await timeCreates(creates);
    return { withWebhooksMs, withoutWebhooksMs };
  } finally {
    await reregister(rest, saved);
    await pollUntil(() => webhooksAnswer(rest, namespace), 30_000);
  }
}

/** Whether the validating webhook refuses what only it refuses (i.e. it is registered). */
async function webhooksAnswer(rest: RestClient, namespace: string): Promise<boolean> {
  try {
    await rest.create(virtualMachines, refusedVm("bench-refused"), { namespace, dryRun: true });
    return false;
  } catch (error) {
    if (error instanceof ApiError && /denied/.test(error.message)) return true;
    throw error;
  }
}

async function unregister(rest: RestClient): Promise<KubeObject[]> {
  const saved: KubeObject[] = [];
  for (const { resource, name } of WEBHOOK_CONFIGURATIONS) {
    saved.push(await rest.get(resource, { name }));
    await rest.delete(resource, { name });
  }
  return saved;
}

async function reregister(rest: RestClient, saved: KubeObject[]): Promise<void> {
  for (const [i, object] of saved.entries()) {
    const { name, labels, annotations } = object.metadata ?? {};
    const fresh = { ...object, metadata: { name, labels, annotations } };
    await rest.create(WEBHOOK_CONFIGURATIONS[i]!.resource, fresh);
  }
}
