/**
 * KubeVirt's metrics as Prometheus sees them: a real Prometheus scrapes the three roles of the
 * test stack at the ports `ports.json` lists, and PromQL finds a running VM's series by name
 * with KubeVirt's label sets.
 */
import assert from "node:assert/strict";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";
import { PROMETHEUS, type RunningPrometheus, withPrometheus } from "./support/prometheus.ts";

const stack = await testStack();

/** The guest fixture as a VM on the stack's node. */
function guestVm(namespace: string) {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name: "guest", namespace, labels: { app: "metrics-test" } },
    spec: {
      runStrategy: "Always",
      template: {
        metadata: { labels: { app: "metrics-test" } },
        spec: {
          domain: {
            memory: { guest: "128Mi" },
            devices: {
              disks: [{ name: "containerdisk", disk: { bus: "virtio" } }],
              interfaces: [{ name: "default", masquerade: {} }],
            },
          },
          networks: [{ name: "default", pod: {} }],
          terminationGracePeriodSeconds: 0,
          volumes: [{
            name: "containerdisk",
            containerDisk: {
              image: `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`,
            },
          }],
        },
      },
    },
  };
}

/** The series of a query once it has any (scrapes run every second). */
function series(prometheus: RunningPrometheus, promql: string) {
  return eventually(`series of ${promql}`, async () => {
    const result = await prometheus.query(promql);
    return result.length > 0 ? result : undefined;
  }, 60_000);
}

Deno.test({
  name: "Prometheus scrapes the agent, controllers and webhooks; a running VM's series by name" +
    (PROMETHEUS ? "" : " (ignored: Debian's prometheus package is not installed)"),
  ignore: !PROMETHEUS,
  fn: () =>
    withNamespace(stack.admin, "metrics", async (namespace) => {
      const saved = JSON.parse(await Deno.readTextFile(stack.paths.portsFile));
      const node = await stack.admin.makeApiClient(CoreV1Api).readNode({ name: STACK_NODE_NAME });
      const address = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      assert.ok(address, "the stack's Node has an InternalIP");
      const objects = stack.admin.makeApiClient(CustomObjectsApi);
      await objects.createNamespacedCustomObject({
        group: "kubevirt.io",
        version: "v1",
        plural: "virtualmachines",
        namespace,
        body: guestVm(namespace),
      });
      await eventually("the VMI to run", async () => {
        const vmi = await objects.getNamespacedCustomObject({
          group: "kubevirt.io",
          version: "v1",
          plural: "virtualmachineinstances",
          namespace,
          name: "guest",
        }).catch(() => undefined) as { status?: { phase?: string } } | undefined;
        return vmi?.status?.phase === "Running" ? true : undefined;
      }, 180_000);
      await withPrometheus([
        { job: "agent", scheme: "https", target: `${address}:${saved.agentMetrics}` },
        // The stack gives the controllers' health port no certificate: plain HTTP on loopback.
        { job: "controllers", scheme: "https", target: `127.0.0.1:${saved.controllersMetrics}` },
        { job: "webhooks", scheme: "https", target: `127.0.0.1:${saved.webhooksMetrics}` },
      ], async (prometheus) => {
        const up = await eventually("every target to be up", async () => {
          const targets = await prometheus.targets();
          return targets.length === 3 && targets.every((t) => t.health === "up")
            ? targets
            : undefined;
        }, 60_000).catch(async (error) => {
          throw new Error(`${error.message}: ${JSON.stringify(await prometheus.targets())}`);
        });
        assert.deepEqual(up.map((t) => t.job).sort(), ["agent", "controllers", "webhooks"]);

        const vcpu = await series(prometheus, `kubevirt_vmi_vcpu_seconds_total{name="guest"}`);
        const labels = vcpu[0]!.metric;
        assert.equal(labels.namespace, namespace);
        assert.equal(labels.node, STACK_NODE_NAME);
        assert.equal(labels.id, "0");
        assert.match(labels.state ?? "", /^(running|blocked|offline)$/);
        assert.equal(labels.kubernetes_vmi_label_app, "metrics-test");
        assert.ok(Number(vcpu[0]!.value[1]) > 0, "the vCPU has run");

        const selector = `{namespace="${namespace}",name="guest"}`;
        const cpu = await series(prometheus, `kubevirt_vmi_cpu_usage_seconds_total${selector}`);
        assert.ok(Number(cpu[0]!.value[1]) > 0);
        const drive = await series(
          prometheus,
          `kubevirt_vmi_storage_read_traffic_bytes_total${selector}`,
        );
        assert.deepEqual(drive.map((s) => s.metric.drive), ["containerdisk"]);
        await series(prometheus, `kubevirt_vmi_memory_domain_bytes${selector}`);

        const info = await series(prometheus, `kubevirt_vmi_info${selector}`);
        assert.equal(info[0]!.metric.phase, "running");
        assert.equal(info[0]!.metric.node, STACK_NODE_NAME);
        assert.match(info[0]!.metric.vmi_pod ?? "", /^virt-launcher-guest-/);
        const vm = await series(prometheus, `kubevirt_vm_info${selector}`);
        assert.equal(vm[0]!.metric.status_group, "running");
        await series(
          prometheus,
          `kubevirt_vmi_phase_transition_time_from_creation_seconds_count{phase="Running"}`,
        );
        await series(prometheus, `kubevirt_workqueue_depth{job="controllers"}`);
        const admitted = await series(
          prometheus,
          `denovirt_webhook_admission_duration_seconds_count{resource="virtualmachines",operation="CREATE"}`,
        );
        assert.ok(Number(admitted[0]!.value[1]) >= 1);
        for (const job of ["agent", "controllers", "webhooks"]) {
          await series(prometheus, `kubevirt_info{job="${job}"}`);
        }
      });
      await objects.deleteNamespacedCustomObject({
        group: "kubevirt.io",
        version: "v1",
        plural: "virtualmachines",
        namespace,
        name: "guest",
      });
    }),
});
