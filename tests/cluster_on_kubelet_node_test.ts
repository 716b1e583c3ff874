/**
 * The cluster install on a mixed local stack (`up --for-cluster-install --kubelet-nodes 1`; the
 * test command brings one up for this file and sets DENOVIRT_TEST_FOR_CLUSTER_INSTALL=1):
 * `kubectl apply -k manifests/cluster` runs the certificate job, the controllers, the webhooks
 * and the agent as pods of the project's image on the kubelet node (none on the kubelet-less
 * node), and a VM with a containerDisk boots there, answering at its pod IP, with its console and
 * a port-forward through the install's aggregated API; `kubectl rollout restart` of the agent's
 * DaemonSet and of both Deployments keeps its QEMU process, its address and its console, and the
 * new agent brings back the guest's DHCP server. The install and the VMs are removed afterwards,
 * whatever happened.
 */
import assert from "node:assert/strict";
import { AppsV1Api, CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import type { KubeObject } from "../lib/kube/object.ts";
import { virtualMachines } from "../lib/kube/resources.ts";
import { VMI_ID_LABEL } from "../api/contract.ts";
import { CLUSTER_MANIFESTS } from "../cluster/render.ts";
import { CLUSTER_NAMES } from "../cluster/names.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { kubeletNode } from "../stack/kubelet_node/kubelet_nodes.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { assertGuestServes, webVm } from "./support/guest_http.ts";
import { freePort, getThrough, portForward } from "./support/port_forward.ts";
import { openConsole } from "./support/virtctl.ts";
import { dhcpServerPids, qemuPids } from "./support/host.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";
import { kubectl, kubectlOutput } from "./support/drains.ts";
import { adminRest, getVmi, waitForPhase } from "./support/vmis.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const forInstall = Deno.env.get("DENOVIRT_TEST_FOR_CLUSTER_INSTALL") === "1";
const stack = forInstall ? await testStack() : undefined!;
if (forInstall) await ensureGuestFixture();
const { namespace } = CLUSTER_NAMES;
const kubeletNodeName = kubeletNode(1).name;

/** The serial console of `vm`, through the install's aggregated API and agent, runs a command. */
async function assertConsoleAnswers(ns: string, vm: string): Promise<void> {
  const attach = await openConsole(stack, ns, vm);
  assert.ok(attach.ws, attach.message);
  let seen = "";
  attach.ws.on("message", (data) => seen += new TextDecoder().decode(data));
  try {
    await eventually("the guest's shell to answer", async () => {
      attach.ws!.send(new TextEncoder().encode("\necho dv-$((6*7))\n"), {
        binary: true,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return /dv-42/.test(seen) ? true : undefined;
    }, 180_000);
  } finally {
    attach.ws.close(1000, "");
  }
}

/** What the install's pods did, printed when a step fails. */
async function printInstallState(): Promise<void> {
  for (
    const args of [
      ["get", "nodes,pods", "-A", "-o", "wide"],
      ["-n", namespace, "get", "events", "--sort-by=.lastTimestamp"],
      [
        "-n",
        namespace,
        "logs",
        "-l",
        "app.kubernetes.io/part-of=denovirt",
        "--all-containers",
        "--prefix",
        "--tail=40",
      ],
    ]
  ) {
    const out = await kubectl(stack, args);
    console.error(`$ kubectl ${args.join(" ")}\n${out.stdout}${out.stderr}`);
  }
}

/** Apply the install, as a user does; answers the seconds until every role was ready. */
async function install(): Promise<number> {
  const started = performance.now();
  const applied = await kubectl(stack, ["apply", "-k", CLUSTER_MANIFESTS]);
  assert.equal(applied.code, 0, applied.stderr);
  // The stack's registry is plain HTTP: allowed as README.md says for such registries.
  await kubectlOutput(
    stack,
    "-n",
    namespace,
    "patch",
    "configmap",
    "denovirt-config",
    "--type=merge",
    "-p",
    JSON.stringify({
      data: { insecureRegistries: `127.0.0.1:${stack.ports.registry}\n` },
    }),
  );
  await kubectlOutput(
    stack,
    "-n",
    namespace,
    "wait",
    "--for=condition=complete",
    "job/denovirt-certs",
    "--timeout=300s",
  );
  for (
    const workload of [
      "deploy/denovirt-webhooks",
      "deploy/denovirt-controllers",
      "ds/denovirt-agent",
    ]
  ) {
    await kubectlOutput(
      stack,
      "-n",
      namespace,
      "rollout",
      "status",
      workload,
      "--timeout=300s",
    );
  }
  return (performance.now() - started) / 1000;
}

/** Remove what the install made, the CRDs included (the stack is thrown away after). */
async function uninstall(): Promise<void> {
  const out = await kubectl(stack, [
    "delete",
    "-k",
    CLUSTER_MANIFESTS,
    "--ignore-not-found",
    "--timeout=120s",
  ]);
  if (out.code !== 0) console.error(`Removing the install: ${out.stderr}`);
}

Deno.test({
  name: "kubectl apply -k manifests/cluster on a mixed stack runs the roles as pods on the " +
    "kubelet node, and a VM there answers at its pod IP, on its console and through port-forward",
  ignore: !forInstall,
  fn: async (t) => {
    const core = stack.admin.makeApiClient(CoreV1Api);
    const apps = stack.admin.makeApiClient(AppsV1Api);
    const rest = adminRest(stack);
    const virtctl = await ensureVirtctl((line) => console.log(`[virtctl] ${line}`));
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) {
        await printInstallState();
        throw new Error(`Step failed: ${name}`);
      }
    };
    try {
      await step(
        "the install's pods run on the kubelet node, none on the kubelet-less one",
        async () => {
          const seconds = await install();
          console.log(
            `The install was ready ${seconds.toFixed(1)} s after kubectl apply`,
          );
          const pods = (await core.listNamespacedPod({
            namespace,
            labelSelector: "app.kubernetes.io/part-of=denovirt",
          })).items.filter((p: V1Pod) => p.status?.phase !== "Succeeded");
          const names = pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName}`);
          assert.equal(pods.length, 5, names.join(", "));
          for (const pod of pods) {
            assert.equal(pod.spec?.nodeName, kubeletNodeName, names.join(", "));
          }
          const agent = await apps.readNamespacedDaemonSet({
            namespace,
            name: "denovirt-agent",
          });
          assert.equal(agent.status?.desiredNumberScheduled, 1);
          assert.equal(agent.status?.numberReady, 1);
        },
      );

      await withNamespace(stack.admin, "install", async (ns) => {
        try {
          await vmSteps(ns);
        } finally {
          // The VMIs' finalizers need the agents: the VMs go before the install does.
          await kubectl(stack, [
            "-n",
            ns,
            "delete",
            "vm",
            "--all",
            "--wait=true",
            "--timeout=120s",
          ]);
        }
      });
    } finally {
      await uninstall();
    }

    /** Creates the web VM `name` pinned to `node` and waits until its VMI runs there. */
    async function bootVmOn(ns: string, name: string, node: string): Promise<void> {
      await rest.create(virtualMachines, {
        ...webVm(name, node, `127.0.0.1:${stack.ports.registry}`),
        metadata: { name, namespace: ns },
      } as KubeObject);
      await waitForPhase(rest, ns, name, "Running", 240_000);
      assert.equal((await getVmi(rest, ns, name))?.status?.nodeName, node);
    }

    async function vmSteps(ns: string): Promise<void> {
      let podIp = "";
      let podUid = "";
      await step(
        "a VM with a containerDisk boots on the kubelet node, at its pod IP",
        async () => {
          const started = performance.now();
          await bootVmOn(ns, "web", kubeletNodeName);
          console.log(
            `The VM ran after ${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
          const launcher = await eventually(
            "the launcher pod's IP",
            async () => {
              const list = await core.listNamespacedPod({
                namespace: ns,
                labelSelector: `${VMI_ID_LABEL}=web`,
              });
              return list.items[0]?.status?.podIP ? list.items[0] : undefined;
            },
            60_000,
          );
          podIp = launcher.status!.podIP!;
          podUid = launcher.metadata!.uid!;
          await assertGuestServes(podIp, "web", kubeletNodeName);
        },
      );

      await step(
        "its serial console answers through the install's aggregated API",
        async () => {
          await assertConsoleAnswers(ns, "web");
        },
      );

      await step(
        "virtctl port-forward reaches the guest's port 80",
        async () => {
          const local = freePort();
          const forward = await portForward(
            virtctl,
            stack.paths.kubeconfig,
            ns,
            "vmi/web",
            `${local}:80`,
          );
          try {
            assert.equal(
              (await getThrough(local)).trim(),
              "denovirt-guest web",
            );
          } finally {
            await forward.stop();
          }
        },
      );

      await step(
        "a VM still boots on the kubelet-less node beside it",
        async () => {
          await bootVmOn(ns, "beside", STACK_NODE_NAME);
        },
      );

      const qemu = await qemuPids(`${ns}_web`);
      for (
        const workload of [
          "ds/denovirt-agent",
          "deploy/denovirt-controllers",
          "deploy/denovirt-webhooks",
        ]
      ) {
        await step(
          `kubectl rollout restart ${workload} keeps the VM's QEMU and connectivity`,
          async () => {
            assert.equal(qemu.length, 1, "the VM runs one QEMU");
            const before = await podUids();
            const dhcp = await dhcpServerPids(podUid);
            assert.equal(dhcp.length, 1, "the guest has one DHCP server");
            const started = performance.now();
            await kubectlOutput(
              stack,
              "-n",
              namespace,
              "rollout",
              "restart",
              workload,
            );
            await kubectlOutput(
              stack,
              "-n",
              namespace,
              "rollout",
              "status",
              workload,
              "--timeout=300s",
            );
            // Replaced, not merely restarted: no pod of the workload is one from before.
            const [kind, name] = workload.split("/");
            await eventually(`only new pods of ${workload}`, async () => {
              const now = await podUids(`app.kubernetes.io/name=${name}`);
              return now.length > 0 && now.every((uid) => !before.includes(uid)) ? now : undefined;
            }, 120_000);
            console.log(
              `${kind} ${name} rolled in ${((performance.now() - started) / 1000).toFixed(1)} s`,
            );
            assert.deepEqual(
              await qemuPids(`${ns}_web`),
              qemu,
              "the VM keeps its QEMU process",
            );
            assert.equal(
              (await getVmi(rest, ns, "web"))?.status?.phase,
              "Running",
            );
            await assertGuestServes(podIp, "web", kubeletNodeName);
            await assertConsoleAnswers(ns, "web");
            // The DHCP server was a process of the old agent pod; the new agent starts another.
            const expected = kind === "ds" ? "a new one" : "the same";
            const now = await eventually(`${expected} DHCP server of the guest`, async () => {
              const pids = await dhcpServerPids(podUid);
              const again = pids.length === 1 && (kind === "ds") !== (pids[0] === dhcp[0]);
              return again ? pids : undefined;
            }, 60_000);
            console.log(`The guest's DHCP server: ${dhcp[0]} before, ${now[0]} after`);
          },
        );
      }
    }

    async function podUids(
      labelSelector = "app.kubernetes.io/part-of=denovirt",
    ): Promise<string[]> {
      const list = await core.listNamespacedPod({ namespace, labelSelector });
      return list.items.filter((p) => p.status?.phase !== "Succeeded").map((
        p,
      ) => p.metadata!.uid!);
    }
  },
});
