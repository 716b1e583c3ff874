/**
 * Live migration's API side on the one-node stack: admission of migrations, `virtctl migrate` and
 * `migrate-cancel`, the pending timeout, and drains (pods/eviction). The VMs run on a Node the
 * test registers without an agent, so the test plays the agent's part in the VMI's status (phase
 * Running and the LiveMigratable condition, which the agent reports on real nodes); with one
 * schedulable node for them, a target pod can never be placed.
 */
import assert from "node:assert/strict";
import { CoreV1Api } from "@kubernetes/client-node";
import type { Pod, VM, VMI, VMIM } from "../api/mod.ts";
import { ApiError } from "../lib/kube/api_error.ts";
import { RestClient } from "../lib/kube/rest.ts";
import {
  events,
  pods,
  virtualMachineInstanceMigrations,
  virtualMachineInstances,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { registerNode, removeNode, vmManifest } from "../controllers/testing/cluster.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { denovirt, runWithKubeconfig } from "./support/virtctl.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const stack = await testStack();
const admin = RestClient.fromKubeConfig(stack.admin);
const NODE_LABEL = "test.denovirt.io/node";

interface Env {
  namespace: string;
  node: string;
}

/** A namespace and a Node of its own (no agent), both removed afterwards. */
function withNode(prefix: string, fn: (env: Env) => Promise<void>): Promise<void> {
  return withNamespace(stack.admin, prefix, async (namespace) => {
    const node = `${namespace}-node`;
    await registerNode(admin, node, { [NODE_LABEL]: node });
    try {
      await fn({ namespace, node });
    } finally {
      await removeNode(admin, node);
    }
  });
}

/** The VMI's status as its agent would report it: Running, and whether it can migrate. */
async function reportRunning(env: Env, name: string, migratable: "True" | "False") {
  await admin.patch(virtualMachineInstances, { namespace: env.namespace, name }, {
    status: {
      phase: "Running",
      conditions: [{
        type: "LiveMigratable",
        status: migratable,
        ...(migratable === "False"
          ? { reason: "DisksNotLiveMigratable", message: "hostDisk is not shared" }
          : {}),
      }],
    },
  }, { type: "merge", subresource: "status" });
}

/** A running VM `name` on the env's node, with `evictionStrategy` when given. */
async function runningVm(
  env: Env,
  name: string,
  evictionStrategy?: string,
  migratable: "True" | "False" = "True",
): Promise<VMI> {
  const vm = vmManifest(name, { runStrategy: "Always", nodeSelector: { [NODE_LABEL]: env.node } });
  if (evictionStrategy) {
    (vm.spec.template.spec as Record<string, unknown>).evictionStrategy = evictionStrategy;
  }
  await admin.create<VM>(virtualMachines, {
    ...vm,
    metadata: { ...vm.metadata, namespace: env.namespace },
  });
  await eventually(`VMI ${name} on node ${env.node}`, async () => {
    const vmi = await admin.get<VMI>(virtualMachineInstances, { namespace: env.namespace, name })
      .catch(() => undefined);
    return vmi?.status?.nodeName === env.node ? vmi : undefined;
  });
  await reportRunning(env, name, migratable);
  return await admin.get<VMI>(virtualMachineInstances, { namespace: env.namespace, name });
}

function migration(env: Env, vmiName: string, annotations: Record<string, string> = {}): VMIM {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: { generateName: "test-", namespace: env.namespace, annotations },
    spec: { vmiName },
  };
}

/** The API server's refusal of `call`: HTTP code and message. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError) {
      return { code: error.status, message: error.body?.message ?? error.message };
    }
    const { code, body } = error as { code?: number; body?: unknown };
    const status = typeof body === "string" ? JSON.parse(body) : body as Record<string, unknown>;
    return { code: code ?? Number(status?.code), message: String(status?.message ?? error) };
  }
  throw new Error("Expected the API server to refuse the call");
}

const migrationsOf = async (env: Env, vmi: string) =>
  (await admin.list<VMIM>(virtualMachineInstanceMigrations, {
    namespace: env.namespace,
    labelSelector: `kubevirt.io/vmi-name=${vmi}`,
  })).items;

const targetPodsOf = async (env: Env, vmim: VMIM) =>
  (await admin.list<Pod>(pods, {
    namespace: env.namespace,
    labelSelector: `kubevirt.io/migrationJobUID=${vmim.metadata.uid}`,
  })).items;

async function phaseOf(env: Env, name: string): Promise<VMIM | undefined> {
  return await admin.get<VMIM>(virtualMachineInstanceMigrations, {
    namespace: env.namespace,
    name,
  }).catch(() => undefined);
}

/** A kubeconfig file of the admin whose context's namespace is `namespace`, for the CLIs. */
async function kubeconfigFile(namespace: string): Promise<string> {
  const { parse, stringify } = await import("yaml");
  const config = parse(await Deno.readTextFile(stack.paths.kubeconfig));
  for (const c of config.contexts) c.context.namespace = namespace;
  const path = await Deno.makeTempFile({ suffix: ".kubeconfig" });
  await Deno.writeTextFile(path, stringify(config));
  return path;
}

Deno.test("admission refuses a migration of a missing VMI, of one not LiveMigratable, and a second one", () =>
  withNode("mig-adm", async (env) => {
    const missing = await refusal(
      admin.create(virtualMachineInstanceMigrations, migration(env, "nope")),
    );
    assert.equal(missing.code, 400);
    assert.match(missing.message, new RegExp(`the VMI "${env.namespace}/nope" does not exist`));
    await runningVm(env, "web", undefined, "False");
    const stuck = await refusal(
      admin.create(virtualMachineInstanceMigrations, migration(env, "web")),
    );
    assert.match(
      stuck.message,
      /Cannot migrate VMI, Reason: DisksNotLiveMigratable, Message: hostDisk is not shared/,
    );
    await reportRunning(env, "web", "True");
    const first = await admin.create<VMIM>(virtualMachineInstanceMigrations, migration(env, "web"));
    assert.equal(first.metadata.labels?.["kubevirt.io/vmi-name"], "web");
    assert.deepEqual(first.metadata.finalizers, ["kubevirt.io/migrationJobFinalize"]);
    const second = await refusal(
      admin.create(virtualMachineInstanceMigrations, migration(env, "web")),
    );
    assert.match(
      second.message,
      new RegExp(`in-flight migration detected. Active migration job \\(${first.metadata.uid}\\)`),
    );
    await admin.delete(virtualMachineInstanceMigrations, {
      namespace: env.namespace,
      name: first.metadata.name ?? "",
    });
    await eventually(
      "the cancelled migration to go",
      async () => (await phaseOf(env, first.metadata.name ?? "")) ? undefined : true,
    );
  }));

Deno.test("virtctl migrate makes a kubevirt-migrate-vm-* migration that waits in Scheduling; migrate-cancel ends it", () =>
  withNode("mig-cli", async (env) => {
    const virtctl = await ensureVirtctl();
    const kubeconfig = await kubeconfigFile(env.namespace);
    try {
      await runningVm(env, "web");
      const dry = await denovirt(["migrate", "web", "--dry-run"], kubeconfig);
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(await migrationsOf(env, "web"), [], "a dry run creates nothing");
      const migrate = await runWithKubeconfig(virtctl, ["migrate", "web"], kubeconfig);
      assert.equal(migrate.code, 0, migrate.stderr);
      assert.equal(migrate.stdout.trim(), "VM web was scheduled to migrate");
      const [vmim] = await migrationsOf(env, "web");
      assert.match(vmim?.metadata.name ?? "", /^kubevirt-migrate-vm-/);
      const name = vmim!.metadata.name ?? "";
      const scheduling = await eventually("the migration to be Scheduling", async () => {
        const now = await phaseOf(env, name);
        return now?.status?.phase === "Scheduling" ? now : undefined;
      });
      assert.deepEqual(
        scheduling.status?.phaseTransitionTimestamps?.map((t) => t.phase),
        ["Pending", "Scheduling"],
      );
      const [target] = await eventually("the target pod to be unschedulable", async () => {
        const found = await targetPodsOf(env, scheduling);
        const scheduled = found[0]?.status?.conditions?.find((c) => c.type === "PodScheduled");
        return scheduled?.reason === "Unschedulable" ? found : undefined;
      });
      assert.equal(target?.spec?.nodeName, undefined);
      const again = await denovirt(["migrate", "web"], kubeconfig);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /in-flight migration detected/);

      const cancel = await runWithKubeconfig(virtctl, ["migrate-cancel", "web"], kubeconfig);
      assert.equal(cancel.code, 0, cancel.stderr);
      assert.equal(cancel.stdout.trim(), "VM web was scheduled to migrate-cancel");
      await eventually(
        "the cancelled migration to go",
        async () => (await phaseOf(env, name)) ? undefined : true,
      );
      assert.deepEqual(await targetPodsOf(env, scheduling), []);
      const reasons = (await admin.list<{ reason?: string; message?: string } & VMIM>(events, {
        namespace: env.namespace,
        fieldSelector: `involvedObject.name=${name}`,
      })).items.map((e) => `${e.reason}: ${e.message}`);
      assert.ok(
        reasons.includes("FailedMigration: Migration failed due to being canceled"),
        reasons.join("\n"),
      );
      const vmi = await admin.get<VMI>(virtualMachineInstances, {
        namespace: env.namespace,
        name: "web",
      });
      assert.equal(vmi.status?.phase, "Running");
      assert.equal(vmi.status?.nodeName, env.node);
      const none = await denovirt(["migrate-cancel", "web"], kubeconfig);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /Found no migration to cancel for web/);
    } finally {
      await Deno.remove(kubeconfig);
    }
  }));

Deno.test("a migration whose target pod stays unschedulable fails after its pending timeout", () =>
  withNode("mig-timeout", async (env) => {
    await runningVm(env, "web");
    const vmim = await admin.create<VMIM>(
      virtualMachineInstanceMigrations,
      migration(env, "web", { "kubevirt.io/migrationUnschedulablePodTimeoutSeconds": "2" }),
    );
    const failed = await eventually("the migration to fail", async () => {
      const now = await phaseOf(env, vmim.metadata.name ?? "");
      return now?.status?.phase === "Failed" ? now : undefined;
    }, 60_000);
    assert.deepEqual(
      failed.status?.phaseTransitionTimestamps?.map((t) => t.phase),
      ["Pending", "Scheduling", "Failed"],
    );
    await eventually(
      "the target pod to go",
      async () => (await targetPodsOf(env, vmim)).length === 0 ? true : undefined,
    );
    await eventually("the finalizer to go", async () => {
      const now = await phaseOf(env, vmim.metadata.name ?? "");
      return (now?.metadata.finalizers ?? []).length === 0 ? true : undefined;
    });
  }));

/** Evicts `pod` through the Eviction API (what `kubectl drain` calls). */
function evict(env: Env, pod: string) {
  return stack.admin.makeApiClient(CoreV1Api).createNamespacedPodEviction({
    name: pod,
    namespace: env.namespace,
    body: {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: pod, namespace: env.namespace },
    },
  });
}

async function launcherPodOf(env: Env, vmi: VMI): Promise<Pod> {
  const list = await admin.list<Pod>(pods, {
    namespace: env.namespace,
    labelSelector: `kubevirt.io/created-by=${vmi.metadata.uid}`,
  });
  return list.items[0]!;
}

Deno.test("the eviction of a LiveMigrate VM's launcher pod is refused with 429 and starts an evacuation", () =>
  withNode("mig-evict", async (env) => {
    const vmi = await runningVm(env, "web", "LiveMigrate");
    const pod = await launcherPodOf(env, vmi);
    const refused = await refusal(evict(env, pod.metadata?.name ?? ""));
    assert.equal(refused.code, 429);
    assert.match(
      refused.message,
      new RegExp(`Eviction triggered evacuation of VMI "${env.namespace}/web"`),
    );
    const marked = await admin.get<VMI>(virtualMachineInstances, {
      namespace: env.namespace,
      name: "web",
    });
    assert.equal(marked.status?.evacuationNodeName, env.node);
    const [evacuation] = await eventually("an evacuation migration", async () => {
      const found = await migrationsOf(env, "web");
      return found.length > 0 ? found : undefined;
    });
    assert.match(evacuation?.metadata.name ?? "", /^kubevirt-evacuation-/);
    assert.equal(evacuation?.metadata.annotations?.["kubevirt.io/evacuationMigration"], env.node);
    const again = await refusal(evict(env, pod.metadata?.name ?? ""));
    assert.equal(again.code, 429);
    assert.match(again.message, /Evacuation in progress: Eviction triggered evacuation/);
    const still = await admin.get<Pod>(pods, {
      namespace: env.namespace,
      name: pod.metadata?.name ?? "",
    });
    assert.equal(still.metadata?.deletionTimestamp, undefined);
  }));

Deno.test("the eviction of a launcher pod is admitted when its VM's eviction strategy is None", () =>
  withNode("mig-none", async (env) => {
    const vmi = await runningVm(env, "web", "None");
    const pod = await launcherPodOf(env, vmi);
    await evict(env, pod.metadata?.name ?? "");
    await eventually("the launcher pod to be deleted", async () => {
      const now = await admin.get<Pod>(pods, {
        namespace: env.namespace,
        name: pod.metadata?.name ?? "",
      }).catch(() => undefined);
      return !now || now.metadata?.deletionTimestamp ? true : undefined;
    });
    const after = await admin.get<VMI>(virtualMachineInstances, {
      namespace: env.namespace,
      name: "web",
    });
    assert.equal(after.status?.evacuationNodeName, undefined);
  }));
