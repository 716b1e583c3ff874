/**
 * A VirtualMachinePool through the real API server, the stack's webhooks, controllers and node
 * agent: a pool of 3 runs 3 VMs named <pool>-<index>, `kubectl scale vmpool` takes it to 1 (the
 * highest indexes go), and `kubectl get vmpool` shows KubeVirt's columns.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";
import { vmiSpec } from "./support/vmis.ts";
import { kubectlOutput } from "./support/drains.ts";

const ignore = !(["controllers", "webhooks", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const NAME = "fleet";
const kubevirt = { group: "kubevirt.io", version: "v1" };
const pools = { group: "pool.kubevirt.io", version: "v1alpha1", plural: "virtualmachinepools" };
const api = () => stack!.admin.makeApiClient(CustomObjectsApi);

/** kubectl as the stack's admin; its stdout. */
const kubectl = (...args: string[]) => kubectlOutput(stack!, ...args);

const list = async (namespace: string, plural: string): Promise<Json[]> =>
  ((await api().listNamespacedCustomObject({ ...kubevirt, namespace, plural })) as Json).items;

/** `kubectl get vmpool NAME` as { column: value }. */
async function printedColumns(namespace: string): Promise<Record<string, string>> {
  const [header, row] = (await kubectl("get", "vmpool", NAME, "-n", namespace)).trim().split("\n");
  const names = header!.trim().split(/\s+/);
  const values = row!.trim().split(/\s+/);
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? ""]));
}

Deno.test({
  name: "a VM pool of 3 runs 3 VMs, kubectl scale vmpool takes it to 1, kubectl get shows it",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "vmpool", async (namespace) => {
      // One copy of the fixture, read-only: the three guests share it as their boot disk.
      const fixture = await ensureGuestFixture();
      await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
      const disk = join(hostDiskDir(stack!.paths), `${namespace}-pool.img`);
      await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
      const spec = vmiSpec(disk);
      spec.domain.devices.disks![0]!.disk = { bus: "virtio", readonly: true };
      try {
        await api().createNamespacedCustomObject({
          ...pools,
          namespace,
          body: {
            apiVersion: "pool.kubevirt.io/v1alpha1",
            kind: "VirtualMachinePool",
            metadata: { name: NAME, namespace },
            spec: {
              replicas: 3,
              selector: { matchLabels: { pool: NAME } },
              virtualMachineTemplate: {
                metadata: { labels: { pool: NAME } },
                spec: { runStrategy: "Always", template: { spec } },
              },
            },
          },
        });

        // Three TCG guests on two cores: generous.
        await eventually("3 VMIs of the pool to be Running", async () => {
          const running = (await list(namespace, "virtualmachineinstances"))
            .filter((v) => v.status?.phase === "Running");
          return running.length === 3 || undefined;
        }, 300_000);
        const vms = await list(namespace, "virtualmachines");
        assert.deepEqual(
          vms.map((vm) => vm.metadata.name).sort(),
          [0, 1, 2].map((i) => `${NAME}-${i}`),
        );
        for (const vm of vms) {
          const owner = vm.metadata.ownerReferences?.find((r: Json) => r.controller);
          assert.deepEqual([owner?.kind, owner?.name], ["VirtualMachinePool", NAME]);
          assert.equal(vm.metadata.labels?.pool, NAME);
        }
        await eventually("kubectl get vmpool to show 3 ready", async () => {
          const printed = await printedColumns(namespace);
          return printed.READY === "3" || undefined;
        }, 60_000);

        await kubectl("scale", "vmpool", NAME, "--replicas=1", "-n", namespace);
        const left = await eventually("exactly 1 VM of the pool to remain", async () => {
          const all = await list(namespace, "virtualmachines");
          return all.length === 1 ? all[0] : undefined;
        }, 120_000);
        assert.equal(left!.metadata.name, `${NAME}-0`, "scale-down removes the highest indexes");
        const columns = await eventually("kubectl get vmpool to show 1", async () => {
          const printed = await printedColumns(namespace);
          return printed.CURRENT === "1" && printed.READY === "1" ? printed : undefined;
        }, 60_000);
        assert.deepEqual(Object.keys(columns), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
        assert.equal(columns.DESIRED, "1");

        // The scale subresource, as an autoscaler reads it.
        const scale = JSON.parse(
          await kubectl(
            "get",
            "--raw",
            `/apis/pool.kubevirt.io/v1alpha1/namespaces/${namespace}/virtualmachinepools/${NAME}/scale`,
          ),
        );
        assert.deepEqual(
          [scale.spec.replicas, scale.status.replicas, scale.status.selector],
          [1, 1, `pool=${NAME}`],
        );
      } finally {
        await api().deleteNamespacedCustomObject({
          ...pools,
          namespace,
          name: NAME,
          propagationPolicy: "Foreground",
        }).catch(() => {});
        await eventually(
          "the pool's VMIs to be gone",
          async () => (await list(namespace, "virtualmachineinstances")).length === 0 || undefined,
          120_000,
        ).catch((error) => console.error(`Cleanup: ${error.message}`));
        await Deno.remove(disk).catch(() => {});
      }
    }),
});
