/**
 * A VirtualMachineInstanceReplicaSet through the real API server, the stack's controllers and
 * its node agent: three guests boot from one template, `kubectl scale` takes the set to one, and
 * `kubectl get` shows KubeVirt's columns. Runs once the stack starts the controllers and the agent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { ensureKubeBinaries } from "../stack/kube_binaries.ts";
import { hostDiskDir } from "../stack/roles.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";
import { vmiSpec } from "./support/vmis.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const NAME = "web";
const LABEL = "kubevirt.io/vmReplicaSet";
const kubevirt = { group: "kubevirt.io", version: "v1" };
const api = () => stack!.admin.makeApiClient(CustomObjectsApi);

/** The replica set's VMIs (by its selector), terminating ones included. */
async function vmisOf(namespace: string): Promise<Json[]> {
  const list = await api().listNamespacedCustomObject({
    ...kubevirt,
    namespace,
    plural: "virtualmachineinstances",
    labelSelector: `${LABEL}=${NAME}`,
  }) as Json;
  return list.items;
}

/** kubectl with the stack's admin kubeconfig; fails with its stderr when it fails. */
async function kubectl(...args: string[]): Promise<string> {
  const bin = (await ensureKubeBinaries()).kubectl;
  const out = await new Deno.Command(bin, {
    args: [`--kubeconfig=${stack!.paths.kubeconfig}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!out.success) throw new Error(`kubectl ${args.join(" ")} failed: ${text(out.stderr)}`);
  return text(out.stdout);
}

/** `kubectl get vmirs NAME` as { column: value }. */
async function printedColumns(namespace: string): Promise<Record<string, string>> {
  const [header, row] = (await kubectl("get", "vmirs", NAME, "-n", namespace)).trim().split("\n");
  const names = header!.trim().split(/\s+/);
  const values = row!.trim().split(/\s+/);
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? ""]));
}

/** Delete the replica set and wait (bounded) for its VMIs to go, so no guest outlives the test. */
async function removeReplicaSet(namespace: string): Promise<void> {
  await api().deleteNamespacedCustomObject({
    ...kubevirt,
    namespace,
    plural: "virtualmachineinstancereplicasets",
    name: NAME,
    propagationPolicy: "Foreground",
  }).catch(() => {});
  await eventually(
    "the replica set's VMIs to be gone",
    async () => (await vmisOf(namespace)).length === 0 || undefined,
    90_000,
  ).catch((error) => console.error(`Cleanup: ${error.message}`));
}

Deno.test({
  name: "a replica set of 3 boots 3 guests, kubectl scale takes it to 1, kubectl get shows it",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "vmirs", async (namespace) => {
      // One copy of the fixture, read-only: the three guests share it as their boot disk.
      const fixture = await ensureGuestFixture();
      await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
      const disk = join(hostDiskDir(stack!.paths), `${namespace}-rs.img`);
      await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
      const spec = vmiSpec(disk);
      spec.domain.devices.disks![0]!.disk = { bus: "virtio", readonly: true };
      try {
        await api().createNamespacedCustomObject({
          ...kubevirt,
          namespace,
          plural: "virtualmachineinstancereplicasets",
          body: {
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachineInstanceReplicaSet",
            metadata: { name: NAME, namespace },
            spec: {
              replicas: 3,
              selector: { matchLabels: { [LABEL]: NAME } },
              template: { metadata: { labels: { [LABEL]: NAME } }, spec },
            },
          },
        });

        // Three TCG guests on two cores: generous.
        const three = await eventually("3 VMIs of the replica set to be Running", async () => {
          const vmis = await vmisOf(namespace);
          const running = vmis.filter((v) => v.status?.phase === "Running");
          return vmis.length === 3 && running.length === 3 ? vmis : undefined;
        }, 300_000);
        for (const vmi of three) {
          // The API server completes KubeVirt's generateName, the replica set's own name.
          assert.match(vmi.metadata.name, new RegExp(`^${NAME}[a-z0-9]{5}$`));
          const owner = vmi.metadata.ownerReferences?.find((r: Json) => r.controller);
          assert.equal(owner?.kind, "VirtualMachineInstanceReplicaSet");
          assert.equal(owner?.name, NAME);
        }

        await kubectl("scale", "vmirs", NAME, "--replicas=1", "-n", namespace);
        const scaledAt = Date.now();
        const left = await eventually("exactly 1 VMI to remain", async () => {
          const vmis = await vmisOf(namespace);
          return vmis.length === 1 ? vmis[0] : undefined;
        }, 60_000);
        console.log(`Scaled 3 -> 1 in ${((Date.now() - scaledAt) / 1000).toFixed(1)} s`);
        assert.equal(left!.status?.phase, "Running");
        assert.ok(
          three.some((v) => v.metadata.uid === left!.metadata.uid),
          "the VMI left is one of the first three, not a replacement",
        );

        const columns = await eventually(
          "kubectl get vmirs to show 1 desired, current, ready",
          async () => {
            const printed = await printedColumns(namespace);
            return printed.CURRENT === "1" && printed.READY === "1" ? printed : undefined;
          },
          60_000,
        );
        assert.deepEqual(Object.keys(columns), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
        assert.equal(columns.NAME, NAME);
        assert.equal(columns.DESIRED, "1");

        // The scale subresource, as autoscalers read it.
        const scale = JSON.parse(
          await kubectl(
            "get",
            "--raw",
            `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstancereplicasets/${NAME}/scale`,
          ),
        );
        assert.deepEqual(
          [scale.spec.replicas, scale.status.replicas, scale.status.selector],
          [1, 1, `${LABEL}=${NAME}`],
        );
      } finally {
        await removeReplicaSet(namespace);
        await Deno.remove(disk).catch(() => {});
      }
    }),
});
