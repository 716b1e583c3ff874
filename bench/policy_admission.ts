/**
 * Admission latency with VM policies in force: the same dry-run VM creates through the API server
 * (bench/webhook_apiserver.ts) without policies, then with 20 cluster policies whose rules the VM
 * meets (so each review evaluates all of them and is admitted). Brings up a stack of its own and
 * always tears it down; run it under the machine-wide lock:
 *   flock /tmp/denovirt-suite.lock deno run -A bench/policy_admission.ts --out=/tmp/x
 * (`--rate=200` creates/s for `--seconds=30`, `--policies=20`; `--rounds=N` alternates the two
 * sides N times, deleting the policies between rounds).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { isInvalid } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { RestClient } from "../lib/kube/rest.ts";
import {
  namespaces,
  virtualMachineClusterPolicies,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { hostDiskDir } from "../stack/roles.ts";
import type { RunningStack } from "../stack/up.ts";
import { onOwnStack } from "./own_stack.ts";
import { BENCH_LABEL, benchVm } from "./vm_manifest.ts";
import { admissionThroughApiServer } from "./webhook_apiserver.ts";
import { apiServerWebhookFigures } from "./webhook_apiserver_figures.ts";

const began = performance.now();
const say = (line: string) =>
  console.log(`[policy-admission +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** Rules the bench VM meets, one set per policy in turn: every rule kind is evaluated. */
const RULE_SETS: Record<string, unknown>[] = [
  { maxGuestMemory: "64Gi", maxVCPUs: 64 },
  { allowedImageRegistries: ["127.0.0.1:*", "registry.example.com/vms"] },
  { allowedImportHosts: ["images.example.com", "127.0.0.1:*"] },
  { forbiddenVolumeTypes: ["emptyDisk", "containerDisk"] },
  { allowedStorageClasses: ["local", "denovirt-local"] },
  { requiredLabels: [{ key: BENCH_LABEL, values: ["true"] }] },
  { allowedNetworkBindings: ["masquerade", "bridge"] },
];

/** The `i`th bench policy; the last one also sets the memory limit the probe VM is over. */
function policy(i: number, last: boolean): KubeObject & { spec: unknown } {
  return {
    apiVersion: "policy.denovirt.io/v1alpha1",
    kind: "VirtualMachineClusterPolicy",
    metadata: { name: `bench-policy-${i}` },
    spec: {
      mode: "Enforce",
      rules: last ? { maxGuestMemory: "1Gi" } : RULE_SETS[i % RULE_SETS.length],
    },
  };
}

/**
 * Creates the policies, or deletes them, and waits until the webhooks judge as they now stand: the
 * probe VM (over the last policy's memory limit) is refused once all are in force and admitted
 * once none is. The webhooks' watch delivers a kind's changes in order: the last seen means all.
 */
async function setPolicies(
  rest: RestClient,
  count: number,
  inForce: boolean,
  probe: KubeObject,
  ns: string,
) {
  for (let i = 0; i < count; i++) {
    if (inForce) await rest.create(virtualMachineClusterPolicies, policy(i, i === count - 1));
    else await rest.delete(virtualMachineClusterPolicies, { name: `bench-policy-${i}` });
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    try {
      await rest.create(virtualMachines, probe, { namespace: ns, dryRun: true });
      if (!inForce) return;
    } catch (error) {
      if (!isInvalid(error)) throw error;
      if (inForce) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`The webhooks did not see the bench policies ${inForce ? "made" : "gone"}`);
}

async function run(
  stack: RunningStack,
  opts: { rate: number; seconds: number; count: number; rounds: number },
) {
  const rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
  const namespace = `bench-policy-${crypto.randomUUID().slice(0, 6)}`;
  await rest.create(namespaces, { metadata: { name: namespace } });
  try {
    const diskPath = `${hostDiskDir(stack.paths)}/bench-admitted.raw`;
    const vm = benchVm("bench-admitted", { memory: "96Mi", diskPath });
    const conditions = { rate: opts.rate, seconds: opts.seconds };
    const measure = async (what: string) => {
      say(`Dry-run VM creates through the API server, ${opts.rate}/s, ${what}`);
      const figures = apiServerWebhookFigures(
        await admissionThroughApiServer(rest, stack, { ...conditions, warmupSeconds: 2, vm }),
        conditions,
      );
      return { ...figures, loadavg: loadavg() };
    };
    const probe = benchVm("bench-probe", { memory: "2Gi", diskPath }) as unknown as KubeObject;
    // Rounds alternate, so that a change of the machine's load meets both sides alike.
    const rounds = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const without = await measure(`no policies (round ${round} of ${opts.rounds})`);
      say(`Creating ${opts.count} cluster policies`);
      await setPolicies(rest, opts.count, true, probe, namespace);
      const withPolicies = await measure(`${opts.count} policies (round ${round})`);
      if (round < opts.rounds) {
        say(`Deleting the ${opts.count} cluster policies`);
        await setPolicies(rest, opts.count, false, probe, namespace);
      }
      rounds.push({ without, with: withPolicies });
    }
    return { policies: opts.count, ...rounds[0]!, rounds };
  } finally {
    await rest.delete(namespaces, { name: namespace }).catch(() => {});
    rest.close();
  }
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "30" },
      policies: { type: "string", default: "20" },
      rounds: { type: "string", default: "1" },
      out: { type: "string", default: "/tmp/denovirt-policy-bench" },
      name: { type: "string", default: "policy-admission" },
    },
  });
  const opts = {
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    count: Number(values.policies),
    rounds: Number(values.rounds),
  };
  return await onOwnStack(
    "policy-admission",
    { out: values.out!, name: values.name! },
    say,
    (stack) => run(stack, opts),
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));
