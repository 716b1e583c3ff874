/**
 * The replica set controller alone, in-process, against the real API server and webhooks: it
 * adopts and releases VMIs by their labels, honours `paused`, and reports a refused create as
 * ReplicaFailure. No guest runs: without the VMI controller the VMIs stay Pending.
 */
import assert from "node:assert/strict";
import type { VMI, VMIRS } from "../api/mod.ts";
import { controllersManagerOptions } from "../controllers/mod.ts";
import { createNamespace, quietLogger, removeNamespace } from "../controllers/testing/cluster.ts";
import { withoutStackControllers } from "../controllers/testing/stack_controllers.ts";
import { Manager } from "../lib/controller_manager.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { RestClient } from "../lib/kube/rest.ts";
import {
  events,
  virtualMachineInstanceReplicaSets,
  virtualMachineInstances,
} from "../lib/kube/resources.ts";
import { kubeconfigFor } from "../stack/control_plane.ts";
import { eventually, testStack } from "./support/stack.ts";

const stack = await testStack();

const admission = (plural: string, kind: string) => ({
  group: "admissionregistration.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: false,
});
const admissionPolicies = admission("validatingadmissionpolicies", "ValidatingAdmissionPolicy");
const admissionPolicyBindings = admission(
  "validatingadmissionpolicybindings",
  "ValidatingAdmissionPolicyBinding",
);

interface Env {
  admin: RestClient;
  namespace: string;
}

/** A namespace and the replica set controller (in-process, this namespace only). */
async function withReplicaSetController(fn: (env: Env) => Promise<void>): Promise<void> {
  await withoutStackControllers(stack, async () => {
    const admin = RestClient.fromKubeConfig(stack.admin);
    const rest = RestClient.fromKubeConfig(
      loadKubeConfig({ kubeconfig: kubeconfigFor(stack.paths, "denovirt-controllers") }),
    );
    const namespace = await createNamespace(admin, "vmirs-ctl");
    const stop = new AbortController();
    const manager = new Manager({
      rest,
      namespace,
      component: "denovirt-controllers-test",
      log: quietLogger({ test: "replicaset" }),
      // Failures retry within 2 s here, so a test that lifts the cause sees the retry soon.
      queue: { backoff: { baseMs: 50, maxMs: 2_000 } },
      ...controllersManagerOptions(["replicaset"]),
    });
    const running = manager.run(stop.signal);
    try {
      await fn({ admin, namespace });
    } finally {
      stop.abort();
      await running;
      await removeNamespace(admin, namespace);
      rest.close();
      admin.close();
    }
  });
}

const SPEC = {
  domain: { resources: { requests: { memory: "64Mi" } }, devices: {} },
  terminationGracePeriodSeconds: 0,
};

function replicaSet(name: string, replicas: number, labels: Record<string, string>): VMIRS {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceReplicaSet",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: SPEC },
    },
  } as VMIRS;
}

const at = (env: Env, name: string) => ({ namespace: env.namespace, name });
const getRs = (env: Env, name: string) =>
  env.admin.get<VMIRS>(virtualMachineInstanceReplicaSets, at(env, name));
const patchRs = (env: Env, name: string, patch: object) =>
  env.admin.patch(virtualMachineInstanceReplicaSets, at(env, name), patch, { type: "merge" });

/** The live VMIs with `label=value`, not being deleted. */
async function vmisWith(env: Env, label: string): Promise<VMI[]> {
  const list = await env.admin.list<VMI>(virtualMachineInstances, {
    namespace: env.namespace,
    labelSelector: label,
  });
  return list.items.filter((v) => !v.metadata.deletionTimestamp);
}

const controllerUid = (vmi: VMI) =>
  vmi.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;

Deno.test("replica set controller adopts a matching orphan and releases a VMI relabelled out", () =>
  withReplicaSetController(async (env) => {
    const orphan = await env.admin.create<VMI>(virtualMachineInstances, {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachineInstance",
      metadata: { name: "orphan", namespace: env.namespace, labels: { app: "web" } },
      spec: SPEC,
    } as VMI);
    await env.admin.create(virtualMachineInstanceReplicaSets, {
      ...replicaSet("web", 2, { app: "web" }),
      metadata: { name: "web", namespace: env.namespace },
    });
    const rs = await getRs(env, "web");
    // The orphan counts as one of the two: one more is created, none deleted.
    const two = await eventually("the orphan adopted and one VMI created", async () => {
      const vmis = await vmisWith(env, "app=web");
      const owned = vmis.filter((v) => controllerUid(v) === rs.metadata.uid);
      return vmis.length === 2 && owned.length === 2 ? vmis : undefined;
    });
    assert.ok(two.some((v) => v.metadata.uid === orphan.metadata.uid), "the orphan is kept");

    // Relabelled out of the selector: released (no controller), and replaced.
    await env.admin.patch(virtualMachineInstances, at(env, "orphan"), {
      metadata: { labels: { app: "other" } },
    }, { type: "merge" });
    await eventually("the relabelled VMI released and replaced", async () => {
      const released = (await vmisWith(env, "app=other"))[0];
      const web = await vmisWith(env, "app=web");
      const done = released && controllerUid(released) === undefined && web.length === 2 &&
        web.every((v) => controllerUid(v) === rs.metadata.uid);
      return done || undefined;
    });
    // The pass that creates reports the count it started from; the next one the new count.
    await eventually("status to count 2 VMIs, none ready, and give the selector", async () => {
      const status = (await getRs(env, "web")).status;
      const want = [2, 0, "app=web"];
      const got = [status?.replicas, status?.readyReplicas, status?.labelSelector];
      return JSON.stringify(got) === JSON.stringify(want) || undefined;
    });
  }));

Deno.test("replica set controller does not scale while paused, and says so in ReplicaPaused", () =>
  withReplicaSetController(async (env) => {
    await env.admin.create(virtualMachineInstanceReplicaSets, {
      ...replicaSet("db", 1, { app: "db" }),
      metadata: { name: "db", namespace: env.namespace },
    });
    await eventually(
      "one VMI",
      async () => (await vmisWith(env, "app=db")).length === 1 || undefined,
    );
    // One change: the pass that writes ReplicaPaused is the pass that would have scaled.
    await patchRs(env, "db", { spec: { paused: true, replicas: 3 } });
    const paused = await eventually("the ReplicaPaused condition", async () => {
      const rs = await getRs(env, "db");
      return rs.status?.conditions?.find((c) => c.type === "ReplicaPaused");
    });
    assert.deepEqual(
      [paused.status, paused.reason, paused.message],
      ["True", "Paused", "Controller got paused"],
    );
    assert.equal((await vmisWith(env, "app=db")).length, 1, "no VMI created while paused");
    await eventually("a SuccessfulPaused Event", () => eventOf(env, "SuccessfulPaused"));

    await patchRs(env, "db", { spec: { paused: false } });
    await eventually("3 VMIs and no ReplicaPaused once resumed", async () => {
      const rs = await getRs(env, "db");
      const resumed = !rs.status?.conditions?.some((c) => c.type === "ReplicaPaused");
      return (resumed && (await vmisWith(env, "app=db")).length === 3) || undefined;
    });
  }));

Deno.test("replica set controller reports creates the API server refuses as ReplicaFailure", () =>
  withReplicaSetController(async (env) => {
    // An admission policy that refuses VMIs in this namespace, until its binding goes.
    const name = `${env.namespace}-no-vmis`;
    await env.admin.create(admissionPolicies, {
      metadata: { name },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [{
            apiGroups: ["kubevirt.io"],
            apiVersions: ["*"],
            operations: ["CREATE"],
            resources: ["virtualmachineinstances"],
          }],
        },
        validations: [{ expression: "false", message: "no VMIs here today" }],
      },
    } as KubeObject);
    try {
      await env.admin.create(admissionPolicyBindings, {
        metadata: { name },
        spec: {
          policyName: name,
          validationActions: ["Deny"],
          matchResources: {
            namespaceSelector: {
              matchLabels: { "kubernetes.io/metadata.name": env.namespace },
            },
          },
        },
      } as KubeObject);
      await eventually("the policy to refuse VMIs", async () => {
        const vmi = { apiVersion: "kubevirt.io/v1", kind: "VirtualMachineInstance" };
        const probe = { ...vmi, metadata: { name: "probe", namespace: env.namespace }, spec: SPEC };
        const refused = await env.admin.create(virtualMachineInstances, probe, { dryRun: true })
          .then(() => false, (error) => /no VMIs here today/.test(String(error)));
        return refused || undefined;
      });
      await env.admin.create(virtualMachineInstanceReplicaSets, {
        ...replicaSet("api", 2, { app: "api" }),
        metadata: { name: "api", namespace: env.namespace },
      });
      const failure = await eventually("the ReplicaFailure condition", async () => {
        const rs = await getRs(env, "api");
        return rs.status?.conditions?.find((c) => c.type === "ReplicaFailure");
      });
      assert.equal(failure.status, "True");
      assert.equal(failure.reason, "FailedCreate");
      assert.match(
        failure.message ?? "",
        /^Cannot create virtualmachineinstances.* denied request: no VMIs here today$/,
      );
      assert.equal((await vmisWith(env, "app=api")).length, 0);
      await eventually("a FailedCreate Event", () => eventOf(env, "FailedCreate"));

      // Allowed again: a retry creates the VMIs and clears the condition.
      await env.admin.delete(admissionPolicyBindings, { name });
      await eventually("2 VMIs and no ReplicaFailure", async () => {
        const rs = await getRs(env, "api");
        const healed = !rs.status?.conditions?.some((c) => c.type === "ReplicaFailure");
        return (healed && rs.status?.replicas === 2) || undefined;
      }, 60_000);
    } finally {
      await env.admin.delete(admissionPolicyBindings, { name }).catch(() => {});
      await env.admin.delete(admissionPolicies, { name }).catch(() => {});
    }
  }));

/** The first Event of the namespace with `reason`, if any. */
async function eventOf(env: Env, reason: string): Promise<KubeObject | undefined> {
  const list = await env.admin.list<KubeObject & { reason?: string }>(events, {
    namespace: env.namespace,
  });
  return list.items.find((e) => e.reason === reason);
}
