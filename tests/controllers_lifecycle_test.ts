/**
 * The VM and VMI controllers against the real API server and scheduler: run strategies, launcher
 * pods, scheduling. The node agent's part is played by an agent double (controllers/testing).
 */
import assert from "node:assert/strict";
import type { VM, VMI } from "../api/mod.ts";
import { Manager } from "../lib/controller_manager.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { nodes, virtualMachines } from "../lib/kube/resources.ts";
import { kubeconfigFor } from "../stack/control_plane.ts";
import { controllersManagerOptions } from "../controllers/mod.ts";
import {
  createNamespace,
  getVmi,
  launcherPodsOf,
  quietLogger,
  registerNode,
  removeNamespace,
  removeNode,
  runAgentDouble,
  setVmiPhase,
  vmManifest,
} from "../controllers/testing/cluster.ts";
import { withoutStackControllers } from "../controllers/testing/stack_controllers.ts";
import { eventually, testStack } from "./support/stack.ts";

const stack = await testStack();

interface Env {
  admin: RestClient;
  namespace: string;
  node: string;
  selector: Record<string, string>;
}

/** A namespace, a Node, the controllers (in-process, this namespace only) and an agent double. */
async function withControllers(
  prefix: string,
  fn: (env: Env) => Promise<void>,
  agent: { run?: boolean } = {},
): Promise<void> {
  await withoutStackControllers(stack, async () => {
    const admin = RestClient.fromKubeConfig(stack.admin);
    const rest = RestClient.fromKubeConfig(
      loadKubeConfig({ kubeconfig: kubeconfigFor(stack.paths, "denovirt-controllers") }),
    );
    const namespace = await createNamespace(admin, prefix);
    const node = `${namespace}-node`;
    const selector = { "test.denovirt.io/node": node };
    await registerNode(admin, node, selector);
    const stop = new AbortController();
    const manager = new Manager({
      rest,
      namespace,
      component: "denovirt-controllers-test",
      log: quietLogger({ test: prefix }),
      ...controllersManagerOptions(),
    });
    const running = manager.run(stop.signal);
    const agentDouble = runAgentDouble(admin, namespace, stop.signal, agent);
    try {
      await fn({ admin, namespace, node, selector });
    } finally {
      stop.abort();
      await Promise.all([running, agentDouble]);
      await removeNamespace(admin, namespace);
      await removeNode(admin, node);
      rest.close();
      admin.close();
    }
  });
}

const getVm = (env: Env, name: string) =>
  env.admin.get<VM>(virtualMachines, { namespace: env.namespace, name });

/** Wait until the VM has a VMI that is Running and not `notUid`; answers its UID. */
async function runningVmi(env: Env, name: string, notUid?: string): Promise<string> {
  return await eventually(
    `a Running VMI ${name}${notUid ? " other than " + notUid : ""}`,
    async () => {
      const vmi = await getVmi(env.admin, env.namespace, name);
      if (!vmi || vmi.metadata.deletionTimestamp || vmi.metadata.uid === notUid) return undefined;
      return vmi.status?.phase === "Running" ? vmi.metadata.uid : undefined;
    },
    30_000,
  );
}

/** Wait until the VM is Stopped with no VMI, as decided by a pass that saw none. */
async function stoppedWithoutVmi(env: Env, name: string): Promise<void> {
  await eventually(`VM ${name} Stopped without a VMI`, async () => {
    const vm = await getVm(env, name);
    const vmi = await getVmi(env.admin, env.namespace, name);
    const done = !vmi && vm.status?.printableStatus === "Stopped" && vm.status.created === false;
    return done || undefined;
  }, 30_000);
}

/** Wait until the VM shows its ended VMI `uid` as Stopped, and check the VMI is left in place. */
async function keptEnded(env: Env, name: string, uid: string, phase: string): Promise<void> {
  await eventually(`VM ${name} Stopped with its ${phase} VMI kept`, async () => {
    const vm = await getVm(env, name);
    return (vm.status?.printableStatus === "Stopped" && vm.status.created) || undefined;
  });
  const vmi = await getVmi(env.admin, env.namespace, name);
  assert.equal(vmi?.metadata.uid, uid, `${name}: the same VMI`);
  assert.equal(vmi?.status?.phase, phase);
  assert.equal(vmi?.metadata.deletionTimestamp, undefined, `${name}: the VMI is not deleted`);
}

/** End the VM's VMI in `phase`, as the agent does when the guest stops or crashes. */
async function endVmi(env: Env, name: string, phase: "Succeeded" | "Failed"): Promise<void> {
  // The controllers write the VMI's status too: retry on a lost race (409), as the agent would.
  await eventually(`${name}'s VMI to end ${phase}`, async () => {
    const vmi = await getVmi(env.admin, env.namespace, name);
    assert.ok(vmi, `${name} has a VMI to end`);
    return await setVmiPhase(env.admin, vmi, phase);
  }, 10_000);
}

async function patchVm(env: Env, name: string, patch: object, status = false): Promise<void> {
  await env.admin.patch(virtualMachines, { namespace: env.namespace, name }, patch, {
    type: "merge",
    ...(status ? { subresource: "status" } : {}),
  });
}

/** What `virtctl start` asks of each run strategy (KubeVirt's StartVMRequestHandler). */
async function virtctlStart(env: Env, name: string): Promise<void> {
  const vm = await getVm(env, name);
  const vmi = await getVmi(env.admin, env.namespace, name);
  if (vm.spec.runStrategy === "Halted" || vm.spec.running === false) {
    return patchVm(env, name, {
      spec: vm.spec.running === false ? { running: true } : { runStrategy: "Always" },
    });
  }
  const ended = vmi && ["Succeeded", "Failed"].includes(vmi.status?.phase ?? "");
  const requests = ended
    ? [{ action: "Stop", uid: vmi.metadata.uid }, { action: "Start" }]
    : [{ action: "Start" }];
  await patchVm(env, name, { status: { stateChangeRequests: requests } }, true);
}

/** What `virtctl stop` asks of each run strategy (KubeVirt's StopVMRequestHandler). */
async function virtctlStop(env: Env, name: string): Promise<void> {
  const vm = await getVm(env, name);
  if (vm.spec.running !== undefined) return patchVm(env, name, { spec: { running: false } });
  if (vm.spec.runStrategy === "Always" || vm.spec.runStrategy === "Once") {
    return patchVm(env, name, { spec: { runStrategy: "Halted" } });
  }
  const vmi = await getVmi(env.admin, env.namespace, name);
  await patchVm(env, name, {
    status: { stateChangeRequests: [{ action: "Stop", uid: vmi?.metadata.uid }] },
  }, true);
}

/** What `virtctl restart` asks: stop this VMI, then start. */
async function virtctlRestart(env: Env, name: string): Promise<void> {
  const vmi = await getVmi(env.admin, env.namespace, name);
  await patchVm(env, name, {
    status: {
      stateChangeRequests: [{ action: "Stop", uid: vmi?.metadata.uid }, { action: "Start" }],
    },
  }, true);
}

async function createVm(env: Env, name: string, opts: Parameters<typeof vmManifest>[1]) {
  await env.admin.create(
    virtualMachines,
    vmManifest(name, { ...opts, nodeSelector: env.selector }),
    {
      namespace: env.namespace,
    },
  );
}

Deno.test("VM controller: every run strategy through start, Succeeded, Failed and stop, as KubeVirt documents", async () => {
  await withControllers("ctl-rs", async (env) => {
    const scenarios: Record<string, () => Promise<void>> = {
      async always() {
        await createVm(env, "always", { runStrategy: "Always" });
        const u1 = await runningVmi(env, "always");
        await endVmi(env, "always", "Succeeded");
        const u2 = await runningVmi(env, "always", u1); // A new VMI after it succeeded,
        await endVmi(env, "always", "Failed");
        const u3 = await runningVmi(env, "always", u2); // and after it failed.
        await virtctlRestart(env, "always");
        await runningVmi(env, "always", u3);
        await virtctlStop(env, "always");
        await stoppedWithoutVmi(env, "always");
      },
      async runningTrue() {
        await createVm(env, "running-true", { running: true });
        const u1 = await runningVmi(env, "running-true");
        await endVmi(env, "running-true", "Failed");
        await runningVmi(env, "running-true", u1);
        await virtctlStop(env, "running-true");
        await stoppedWithoutVmi(env, "running-true");
      },
      async runningFalse() {
        await createVm(env, "running-false", { running: false });
        await stoppedWithoutVmi(env, "running-false");
        await virtctlStart(env, "running-false");
        await runningVmi(env, "running-false");
      },
      async rerunOnFailure() {
        await createVm(env, "rerun", { runStrategy: "RerunOnFailure" });
        const u1 = await runningVmi(env, "rerun");
        await endVmi(env, "rerun", "Failed");
        await runningVmi(env, "rerun", u1); // Failed: run again.
        await endVmi(env, "rerun", "Succeeded");
        await stoppedWithoutVmi(env, "rerun"); // Succeeded: stay stopped.
        await virtctlStart(env, "rerun");
        await runningVmi(env, "rerun");
        await virtctlStop(env, "rerun");
        await stoppedWithoutVmi(env, "rerun");
      },
      async manual() {
        await createVm(env, "manual", { runStrategy: "Manual" });
        await stoppedWithoutVmi(env, "manual");
        await virtctlStart(env, "manual");
        const u1 = await runningVmi(env, "manual");
        await endVmi(env, "manual", "Succeeded");
        await keptEnded(env, "manual", u1, "Succeeded");
        await virtctlStart(env, "manual");
        const u2 = await runningVmi(env, "manual", u1);
        await endVmi(env, "manual", "Failed");
        await keptEnded(env, "manual", u2, "Failed");
        await virtctlStart(env, "manual");
        await runningVmi(env, "manual", u2);
        await virtctlStop(env, "manual");
        await stoppedWithoutVmi(env, "manual");
      },
      async halted() {
        await createVm(env, "halted", { runStrategy: "Halted" });
        await stoppedWithoutVmi(env, "halted");
        // A start request (a paused start, in KubeVirt) switches a Halted VM to Always.
        await patchVm(
          env,
          "halted",
          { status: { stateChangeRequests: [{ action: "Start" }] } },
          true,
        );
        await runningVmi(env, "halted");
        assert.equal((await getVm(env, "halted")).spec.runStrategy, "Always");
        await virtctlStop(env, "halted");
        await stoppedWithoutVmi(env, "halted");
      },
      async once() {
        await createVm(env, "once-ok", { runStrategy: "Once" });
        await createVm(env, "once-fail", { runStrategy: "Once" });
        const ok = await runningVmi(env, "once-ok");
        const failing = await runningVmi(env, "once-fail");
        await endVmi(env, "once-ok", "Succeeded");
        await endVmi(env, "once-fail", "Failed");
        await keptEnded(env, "once-ok", ok, "Succeeded");
        await keptEnded(env, "once-fail", failing, "Failed");
      },
    };
    const results = await Promise.allSettled(Object.values(scenarios).map((s) => s()));
    const failed = results.flatMap((r, i) =>
      r.status === "rejected"
        ? [`${Object.keys(scenarios)[i]}: ${r.reason?.message ?? r.reason}`]
        : []
    );
    assert.deepEqual(failed, []);
  });
});

Deno.test("VMI controller: a VMI gets one launcher pod, is Scheduled to the registered Node, and the VM runs", async () => {
  await withControllers("ctl-sched", async (env) => {
    await createVm(env, "web", { runStrategy: "Always" });
    const vmi = await eventually("the VMI to be Scheduled", async () => {
      const vmi = await getVmi(env.admin, env.namespace, "web");
      return ["Scheduled", "Running"].includes(vmi?.status?.phase ?? "") ? vmi : undefined;
    });
    assert.equal(vmi.status?.nodeName, env.node);
    assert.equal(vmi.metadata.labels?.["kubevirt.io/nodeName"], env.node);
    const launchers = await launcherPodsOf(env.admin, vmi as VMI);
    assert.equal(launchers.length, 1, "one launcher pod");
    const pod = launchers[0]!;
    assert.match(pod.metadata?.name ?? "", /^virt-launcher-web-[a-z0-9]{5}$/);
    assert.equal(pod.metadata?.labels?.["kubevirt.io"], "virt-launcher");
    assert.equal(pod.metadata?.labels?.["vm.kubevirt.io/name"], "web");
    assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, vmi.metadata.uid);
    assert.equal(pod.spec?.nodeName, env.node);
    assert.deepEqual(pod.spec?.containers[0]?.resources?.requests, {
      cpu: "100m",
      memory: "105Mi",
    });
    const vm = await eventually("the VM to run and be ready", async () => {
      const vm = await getVm(env, "web");
      return vm.status?.printableStatus === "Running" && vm.status.ready ? vm : undefined;
    });
    assert.equal(vm.status?.observedGeneration, vm.metadata.generation);
    assert.equal(vm.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
  });
});

Deno.test("VMI controller: a VMI no node can take shows the scheduler's reason, and the VM ErrorUnschedulable", async () => {
  await withControllers("ctl-unsched", async (env) => {
    const selector = { "test.denovirt.io/nowhere": env.namespace };
    await env.admin.create(
      virtualMachines,
      vmManifest("lost", { runStrategy: "Always", nodeSelector: selector }),
      {
        namespace: env.namespace,
      },
    );
    const condition = await eventually("the PodScheduled condition on the VMI", async () => {
      const vmi = await getVmi(env.admin, env.namespace, "lost");
      return vmi?.status?.conditions?.find((c) =>
        c.type === "PodScheduled" && c.status === "False"
      );
    });
    assert.equal(condition.reason, "Unschedulable");
    assert.match(condition.message ?? "", /nodes are available/);
    await eventually("the VM to show ErrorUnschedulable", async () => {
      const vm = await getVm(env, "lost");
      return vm.status?.printableStatus === "ErrorUnschedulable" || undefined;
    });
    // A node that matches turns up: the scheduler binds the pod, and the condition goes.
    await env.admin.patch(nodes, { name: env.node }, { metadata: { labels: selector } }, {
      type: "merge",
    });
    const vmi = await eventually("the VMI to be scheduled", async () => {
      const vmi = await getVmi(env.admin, env.namespace, "lost");
      return vmi?.status?.nodeName ? vmi : undefined;
    });
    assert.equal(vmi.status?.conditions?.find((c) => c.type === "PodScheduled"), undefined);
  });
});

Deno.test("VM controller: a VMI that fails before running puts the VM in CrashLoopBackOff, not in a restart loop", async () => {
  await withControllers("ctl-crash", async (env) => {
    await createVm(env, "crashy", { runStrategy: "Always" });
    const vmi = await eventually("a Scheduled VMI", async () => {
      const vmi = await getVmi(env.admin, env.namespace, "crashy");
      return vmi?.status?.phase === "Scheduled" ? vmi : undefined;
    });
    await eventually(
      "the VMI to fail",
      async () =>
        await setVmiPhase(env.admin, (await getVmi(env.admin, env.namespace, "crashy"))!, "Failed"),
    );
    const vm = await eventually("CrashLoopBackOff without a VMI", async () => {
      const vm = await getVm(env, "crashy");
      const gone = !(await getVmi(env.admin, env.namespace, "crashy"));
      return gone && vm.status?.printableStatus === "CrashLoopBackOff" ? vm : undefined;
    });
    assert.equal(vm.status?.startFailure?.consecutiveFailCount, 1);
    assert.equal(vm.status?.startFailure?.lastFailedVMIUID, vmi.metadata.uid);
    const waitMs = Date.parse(vm.status?.startFailure?.retryAfterTimestamp ?? "") - Date.now();
    assert.ok(waitMs > 5_000 && waitMs <= 15_000, `retry in 10-15 s, got ${waitMs} ms`);
  }, { run: false });
});
