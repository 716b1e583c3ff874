/**
 * A node run by a real kubelet and containerd beside the stack's kubelet-less node: its Node
 * goes Ready on its own pod CIDR, a pod of the project's image (imported, never pulled) runs
 * `denovirt --help` to completion under the kubelet, the agent runs there as a DaemonSet pod and
 * boots a VM whose launcher pod the kubelet runs (the guest answers on the pod's IP, its console
 * through the API server), a VM still boots on the kubelet-less node, `kubectl rollout restart`
 * of the agent's DaemonSet replaces the agent pod while the VM keeps its QEMU, its address and its
 * console, and stopping the node leaves none of its processes or namespaces behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreV1Api, type V1Node, type V1Pod } from "@kubernetes/client-node";
import type { KubeObject } from "../lib/kube/object.ts";
import { virtualMachines } from "../lib/kube/resources.ts";
import { SCHEDULABLE_LABEL, VMI_ID_LABEL } from "../api/contract.ts";
import { processAlive } from "../stack/daemon.ts";
import { DENOVIRT_NAMESPACE } from "../stack/identities.ts";
import { STACK_AGENT_DAEMONSET } from "../stack/kubelet_node/agent_daemonset.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { DENOVIRT_IMAGE_NAME } from "../stack/kubelet_node/node_images.ts";
import { kubeletNodeDirs } from "../stack/kubelet_node/kubelet_node_paths.ts";
import denoJson from "../deno.json" with { type: "json" };
import { containerDiskVm } from "./support/container_disks.ts";
import { assertGuestServes, webVm } from "./support/guest_http.ts";
import { openConsole } from "./support/virtctl.ts";
import { kubectlOutput } from "./support/drains.ts";
import { qemuPids } from "./support/host.ts";
import { kubeletNodeProcessesOf, withKubeletNode } from "./support/kubelet_nodes.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
await ensureGuestFixture();

/** The VM's serial console, through the API server and its node's agent, runs a shell command. */
async function assertConsoleAnswers(namespace: string, vm: string): Promise<void> {
  const attach = await openConsole(stack, namespace, vm);
  assert.ok(attach.ws, attach.message);
  let seen = "";
  attach.ws.on("message", (data) => seen += new TextDecoder().decode(data));
  try {
    await eventually("the guest's shell to answer", async () => {
      attach.ws!.send(new TextEncoder().encode("\necho dv-$((6*7))\n"), { binary: true });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return /dv-42/.test(seen) ? true : undefined;
    }, 180_000);
  } finally {
    attach.ws.close(1000, "");
  }
}

Deno.test({
  name: "withKubeletNode: a kubelet node goes Ready, runs the project's image and the agent's " +
    "DaemonSet pod, boots a VM on its pod network, and a VM boots beside it without a kubelet",
  fn: async (t) => {
    const core = stack.admin.makeApiClient(CoreV1Api);
    const rest = adminRest(stack);
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    let processes: number[] = [];
    let nodeRef: { name: string; mountNs: string } | undefined;
    await withKubeletNode(stack, async (kubelet) => {
      nodeRef = { name: kubelet.name, mountNs: kubeletNodeDirs(stack.paths, kubelet.node).mountNs };
      console.log(`${kubelet.name} Ready after ${kubelet.readySeconds.toFixed(1)} s`);
      await step(
        "its Node is Ready with its address, a containerd runtime and a pod CIDR",
        async () => {
          const node: V1Node = await core.readNode({ name: kubelet.name });
          const ready = node.status?.conditions?.find((c) => c.type === "Ready");
          assert.equal(ready?.status, "True");
          const internal = node.status?.addresses?.find((a) => a.type === "InternalIP");
          assert.equal(internal?.address, kubelet.node.address);
          assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? "", /^containerd:\/\//);
          assert.match(node.spec?.podCIDR ?? "", /^10\.244\.\d+\.0\/24$/);
          const own: V1Node = await core.readNode({ name: STACK_NODE_NAME });
          assert.notEqual(node.spec?.podCIDR, own.spec?.podCIDR);
        },
      );

      await withNamespace(stack.admin, "kubelet", async (ns) => {
        await step("a pod of the project's image runs denovirt --help to completion", async () => {
          const started = performance.now();
          await core.createNamespacedPod({
            namespace: ns,
            body: {
              metadata: { name: "help" },
              spec: {
                nodeSelector: { "kubernetes.io/hostname": kubelet.name },
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                containers: [{
                  name: "denovirt",
                  image: `${DENOVIRT_IMAGE_NAME}:${denoJson.version}`,
                  imagePullPolicy: "Never",
                  args: ["--help"],
                }],
              },
            },
          });
          const pod = await eventually("the help pod to succeed", async () => {
            const got: V1Pod = await core.readNamespacedPod({ namespace: ns, name: "help" });
            if (got.status?.phase === "Failed") {
              throw new Error(`The pod failed: ${JSON.stringify(got.status)}`);
            }
            return got.status?.phase === "Succeeded" ? got : undefined;
          }, 120_000);
          console.log(
            `The help pod succeeded after ${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
          assert.equal(pod.spec?.nodeName, kubelet.name);
          const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
          assert.equal(terminated?.exitCode, 0);
          const log = await Deno.readTextFile(
            join(kubelet.podLogsDir, `${ns}_help_${pod.metadata!.uid}`, "denovirt", "0.log"),
          );
          assert.match(log, /Usage: denovirt <command>/);
          // The API server reaches the kubelet for logs, trusting its certificate by the stack's CA.
          const logs = await kubectlOutput(stack, "logs", "-n", ns, "help");
          assert.match(logs, /Usage: denovirt <command>/);
        });

        await step("the agent runs there as a DaemonSet pod", async () => {
          const agent = await eventually("the agent pod Ready", async () => {
            const list = await core.listNamespacedPod({
              namespace: DENOVIRT_NAMESPACE,
              labelSelector: `app.kubernetes.io/name=${STACK_AGENT_DAEMONSET}`,
              fieldSelector: `spec.nodeName=${kubelet.name}`,
            });
            const ready = list.items.find((p) =>
              p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
            );
            return ready;
          }, 60_000);
          assert.equal(agent.spec?.hostNetwork, true);
          const node: V1Node = await core.readNode({ name: kubelet.name });
          assert.equal(node.metadata?.labels?.[SCHEDULABLE_LABEL], "true");
        });

        await step("a VM with a containerDisk boots there and answers on its pod IP", async () => {
          const started = performance.now();
          await rest.create(virtualMachines, {
            ...webVm("web", kubelet.name, `127.0.0.1:${stack.ports.registry}`),
            metadata: { name: "web", namespace: ns },
          } as KubeObject);
          await waitForPhase(rest, ns, "web", "Running", 180_000);
          console.log(`The VM ran after ${((performance.now() - started) / 1000).toFixed(1)} s`);
          assert.equal((await getVmi(rest, ns, "web"))?.status?.nodeName, kubelet.name);
          const launcher = await eventually("the launcher pod's IP", async () => {
            const list = await core.listNamespacedPod({
              namespace: ns,
              labelSelector: `${VMI_ID_LABEL}=web`,
            });
            return list.items[0]?.status?.podIP ? list.items[0] : undefined;
          }, 60_000);
          assert.equal(launcher.spec?.nodeName, kubelet.name);
          assert.equal(launcher.status?.phase, "Running");
          const node: V1Node = await core.readNode({ name: kubelet.name });
          const prefix = node.spec!.podCIDR!.split(".").slice(0, 3).join(".") + ".";
          assert.ok(launcher.status!.podIP!.startsWith(prefix), launcher.status!.podIP);
          await assertGuestServes(launcher.status!.podIP!, "web", kubelet.name);
        });

        await step("its serial console answers through the API server", async () => {
          await assertConsoleAnswers(ns, "web");
        });

        await step("a VM still boots on the kubelet-less node beside it", async () => {
          const image = `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`;
          await rest.create(virtualMachines, {
            ...containerDiskVm("beside", STACK_NODE_NAME, image),
            metadata: { name: "beside", namespace: ns },
          } as KubeObject);
          await waitForPhase(rest, ns, "beside", "Running", 180_000);
          assert.equal((await getVmi(rest, ns, "beside"))?.status?.nodeName, STACK_NODE_NAME);
        });

        await step(
          "kubectl rollout restart of the agent's DaemonSet keeps the VM's QEMU",
          async () => {
            const agentPods = async () =>
              (await core.listNamespacedPod({
                namespace: DENOVIRT_NAMESPACE,
                labelSelector: `app.kubernetes.io/name=${STACK_AGENT_DAEMONSET}`,
                fieldSelector: `spec.nodeName=${kubelet.name}`,
              })).items;
            const before = (await agentPods())[0]!.metadata!.uid;
            const qemu = await qemuPids(`${ns}_web`);
            assert.equal(qemu.length, 1, "the VM runs one QEMU");
            const started = performance.now();
            await kubectlOutput(
              stack,
              "rollout",
              "restart",
              "-n",
              DENOVIRT_NAMESPACE,
              `daemonset/${STACK_AGENT_DAEMONSET}`,
            );
            // The old pod gone first: both serve on the node's address, so until it is, the old
            // agent could be the one answering the new pod's readiness probe.
            await eventually("only a new agent pod, Ready", async () => {
              const [only, ...more] = await agentPods();
              const ready = only?.status?.conditions?.some((c) =>
                c.type === "Ready" && c.status === "True"
              );
              return more.length === 0 && only?.metadata?.uid !== before && ready
                ? only
                : undefined;
            }, 120_000);
            console.log(
              `The new agent pod was ready after ${
                ((performance.now() - started) / 1000).toFixed(1)
              } s`,
            );
            assert.deepEqual(await qemuPids(`${ns}_web`), qemu, "the VM keeps its QEMU process");
            assert.equal((await getVmi(rest, ns, "web"))?.status?.phase, "Running");
            const launcher = (await core.listNamespacedPod({
              namespace: ns,
              labelSelector: `${VMI_ID_LABEL}=web`,
            })).items[0]!;
            await assertGuestServes(launcher.status!.podIP!, "web", kubelet.name);
            await assertConsoleAnswers(ns, "web");
          },
        );
      });
      processes = await kubeletNodeProcessesOf(stack, kubelet);
      assert.ok(processes.length >= 2, `kubelet and containerd run: ${processes.length}`);
    });
    await step("stopping the node leaves no process or namespace of it", async () => {
      assert.deepEqual(processes.filter(processAlive), []);
      const mounts = await Deno.readTextFile("/proc/self/mountinfo");
      assert.ok(!mounts.includes(nodeRef!.mountNs), "the mount namespace file is unmounted");
      await assert.rejects(Deno.lstat("/run/netns/dvkubelet-1"));
    });
  },
});
