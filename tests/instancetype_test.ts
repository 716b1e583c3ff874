/**
 * Instance types and preferences through the real API server, the stack's webhooks, controllers
 * and node agent: a VM sized by the shipped u1.small with a shipped preference boots with the
 * instance type's CPU and memory; an edit of the instance type leaves the VM on the revision it
 * froze, until the VM's revisionName is cleared and the VM restarted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";
import { kubectlOutput } from "./support/drains.ts";

const ignore = !(["controllers", "webhooks", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const NAME = "sized";
const INSTANCETYPE = "u1.small";
const kubevirt = { group: "kubevirt.io", version: "v1" };
const MANIFESTS = new URL("../manifests/instancetypes/", import.meta.url).pathname;
const api = () => stack!.admin.makeApiClient(CustomObjectsApi);

/** kubectl as the stack's admin; its stdout. */
const kubectl = (...args: string[]) => kubectlOutput(stack!, ...args);

const getVm = (namespace: string) =>
  api().getNamespacedCustomObject({
    ...kubevirt,
    namespace,
    plural: "virtualmachines",
    name: NAME,
  }) as Promise<Json>;
const getVmi = (namespace: string) =>
  api().getNamespacedCustomObject({
    ...kubevirt,
    namespace,
    plural: "virtualmachineinstances",
    name: NAME,
  }) as Promise<Json>;

/** The VM's VMI once Running, other than the one with `notUid`. */
function runningVmi(namespace: string, notUid?: string): Promise<Json> {
  return eventually(`VMI ${NAME} to be Running`, async () => {
    const vmi = await getVmi(namespace);
    return vmi.status?.phase === "Running" && vmi.metadata.uid !== notUid ? vmi : undefined;
  }, 180_000);
}

/** Sets u1.small's vCPUs. */
function setGuestCpus(guest: number): Promise<string> {
  return kubectl(
    "patch",
    "vmclusterinstancetype",
    INSTANCETYPE,
    "--type=merge",
    "-p",
    JSON.stringify({ spec: { cpu: { guest } } }),
  );
}

/** The VMI's vCPUs as the guest gets them. */
const vcpusOf = (vmi: Json) => {
  const cpu = vmi.spec.domain.cpu;
  return cpu.sockets * cpu.cores * cpu.threads;
};

Deno.test({
  name: "a VM sized by u1.small boots with its CPU and memory, and keeps them until re-revised",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "itype", async (namespace) => {
      await kubectl("apply", "-f", MANIFESTS);
      const fixture = await ensureGuestFixture();
      await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
      const disk = join(hostDiskDir(stack!.paths), `${namespace}-root.img`);
      await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
      try {
        await api().createNamespacedCustomObject({
          ...kubevirt,
          namespace,
          plural: "virtualmachines",
          body: {
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachine",
            metadata: { name: NAME, namespace },
            spec: {
              runStrategy: "Always",
              instancetype: { name: INSTANCETYPE },
              preference: { name: "cirros" },
              template: {
                spec: {
                  domain: {
                    devices: {
                      disks: [{ name: "root" }],
                      interfaces: [{ name: "default", masquerade: {} }],
                    },
                  },
                  networks: [{ name: "default", pod: {} }],
                  volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }],
                  terminationGracePeriodSeconds: 2,
                },
              },
            },
          },
        });
        // A template that sets what the instance type sets is refused, naming the field.
        await assert.rejects(
          api().createNamespacedCustomObject({
            ...kubevirt,
            namespace,
            plural: "virtualmachines",
            body: {
              apiVersion: "kubevirt.io/v1",
              kind: "VirtualMachine",
              metadata: { name: "conflicting", namespace },
              spec: {
                runStrategy: "Halted",
                instancetype: { name: INSTANCETYPE },
                template: { spec: { domain: { cpu: { cores: 2 }, devices: {} } } },
              },
            },
          }),
          (error: { body?: unknown; message?: string }) =>
            `${error.body ?? ""} ${error.message ?? ""}`.includes(
              "spec.template.spec.domain.cpu.cores: VM field(s) " +
                "spec.template.spec.domain.cpu.cores conflicts with selected instance type",
            ),
        );
        const first = await runningVmi(namespace);
        assert.deepEqual(
          [vcpusOf(first), first.spec.domain.memory.guest],
          [1, "2Gi"],
          "the VMI has u1.small's CPU and memory",
        );
        assert.equal(first.spec.domain.devices.disks[0].disk.bus, "virtio", "the preference's bus");
        assert.equal(
          first.metadata.annotations["kubevirt.io/cluster-instancetype-name"],
          "u1.small",
        );
        const vm = await getVm(namespace);
        const revision = vm.spec.instancetype.revisionName;
        assert.ok(revision?.startsWith(`${NAME}-${INSTANCETYPE}-v1beta1-`), revision);
        assert.ok(vm.spec.preference.revisionName, "the preference has its revision too");
        const stored = JSON.parse(
          await kubectl("get", "controllerrevision", revision, "-n", namespace, "-o", "json"),
        );
        assert.equal(stored.metadata.ownerReferences[0].uid, vm.metadata.uid);
        assert.deepEqual(stored.data.spec.cpu, { guest: 1 });
        // The status names both and their revisions, as KubeVirt's does.
        const refs = await eventually("the VM's status refs", async () => {
          const status = (await getVm(namespace)).status;
          return status?.instancetypeRef && status?.preferenceRef ? status : undefined;
        });
        assert.deepEqual(refs.instancetypeRef, {
          name: INSTANCETYPE,
          kind: "VirtualMachineClusterInstancetype",
          controllerRevisionRef: { name: revision },
        });
        assert.equal(
          refs.preferenceRef.controllerRevisionRef.name,
          vm.spec.preference.revisionName,
        );

        try {
          // An edit of the instance type: the VM keeps its revision, and a restart its CPUs.
          await setGuestCpus(2);
          await kubectl("delete", "vmi", NAME, "-n", namespace, "--wait=true");
          const restarted = await runningVmi(namespace, first.metadata.uid);
          assert.equal(vcpusOf(restarted), 1, "a restart alone keeps the frozen revision");
          assert.equal((await getVm(namespace)).spec.instancetype.revisionName, revision);

          // Clearing revisionName freezes the instance type as it is now; a restart takes it.
          await kubectl(
            "patch",
            "vm",
            NAME,
            "-n",
            namespace,
            "--type=merge",
            "-p",
            '{"spec":{"instancetype":{"revisionName":null}}}',
          );
          const renewed = await eventually("a new revisionName on the VM", async () => {
            const name = (await getVm(namespace)).spec.instancetype.revisionName;
            return name && name !== revision ? name : undefined;
          });
          assert.ok(renewed.startsWith(`${NAME}-${INSTANCETYPE}-v1beta1-`), renewed);
          await eventually("the status ref to follow the new revision", async () =>
            (await getVm(namespace)).status?.instancetypeRef?.controllerRevisionRef?.name ===
                renewed
              ? true
              : undefined);
          assert.equal(vcpusOf(await getVmi(namespace)), 1, "the running VMI is untouched");
          await kubectl("delete", "vmi", NAME, "-n", namespace, "--wait=true");
          const resized = await runningVmi(namespace, restarted.metadata.uid);
          assert.equal(vcpusOf(resized), 2, "the restart after the new revision has 2 vCPUs");
          assert.equal(resized.spec.domain.memory.guest, "2Gi");
        } finally {
          await setGuestCpus(1);
        }
      } finally {
        await api().deleteNamespacedCustomObject({
          ...kubevirt,
          namespace,
          plural: "virtualmachines",
          name: NAME,
        }).catch(() => {});
        await eventually("the VM's VMI to be gone", async () => {
          try {
            await getVmi(namespace);
            return undefined;
          } catch {
            return true;
          }
        }, 90_000).catch((error) =>
          console.error(`Cleanup: ${error.message}`)
        );
        await Deno.remove(disk).catch(() => {});
      }
    }),
});
