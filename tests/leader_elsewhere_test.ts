/**
 * The stack's controllers stand by while another replica holds their Lease, and the agent that
 * shares their process (the all-in-one layout) keeps running VMs for the replica that leads.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { VMI } from "../api/mod.ts";
import type { Lease } from "../lib/leader.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { leases, virtualMachineInstances } from "../lib/kube/resources.ts";
import { kubeconfigFor } from "../stack/control_plane.ts";
import { logFile, startDaemon, stopDaemon } from "../stack/daemon.ts";
import { FIXTURE_REPOSITORY } from "../stack/images/fixture_images.ts";
import { roleLog, rolePid } from "../stack/layout.ts";
import { STACK_NODE_NAME } from "../stack/pod_network.ts";
import { roleEntry } from "../stack/roles.ts";
import { containerDiskVm } from "./support/container_disks.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
const LEASE = { namespace: "denovirt", name: "denovirt-controllers" };

/** What `file` gained after `offset` bytes. */
async function logSince(file: string, offset: number): Promise<string> {
  return (await Deno.readTextFile(file)).slice(offset);
}

Deno.test("with the controllers' Lease held by another replica, the stack's controllers stand by and its agent still starts VMs", async () => {
  const admin = RestClient.fromKubeConfig(stack.admin);
  const ownLog = await roleLog(stack.paths, "controllers");
  const ownPid = await rolePid(stack.paths, "controllers");
  const offset = (await Deno.readTextFile(ownLog)).length;
  const other = `controllers-elsewhere-${crypto.randomUUID().slice(0, 6)}`;
  try {
    await startDaemon(stack.paths, {
      name: other,
      command: Deno.execPath(),
      args: [
        "run",
        "-A",
        "--no-prompt",
        roleEntry(),
        "controllers",
        `--kubeconfig=${kubeconfigFor(stack.paths, "denovirt-controllers")}`,
        `--identity=${other}`,
      ],
      env: { DENO_NO_UPDATE_CHECK: "1" },
    });
    // Hand the Lease over as if the other replica had won it: the holder renews from here.
    const lease = await admin.get<Lease>(leases, LEASE);
    assert.ok(lease.spec?.holderIdentity, "the stack's controllers hold the Lease");
    await admin.patch(leases, LEASE, {
      spec: { holderIdentity: other, renewTime: new Date().toISOString().replace("Z", "000Z") },
    }, { type: "merge" });
    await eventually(
      "the other replica to lead",
      async () =>
        /Became leader/.test(await Deno.readTextFile(logFile(stack.paths, other))) || undefined,
    );
    await eventually(
      "the stack's controllers to stand by",
      async () => /Lost leadership/.test(await logSince(ownLog, offset)) || undefined,
    );

    await withNamespace(stack.admin, "leader-elsewhere", async (namespace) => {
      const image = `127.0.0.1:${stack.ports.registry}/${FIXTURE_REPOSITORY}:latest`;
      await stack.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
        group: "kubevirt.io",
        version: "v1",
        namespace,
        plural: "virtualmachines",
        body: containerDiskVm("guest", STACK_NODE_NAME, image),
      });
      const running = await eventually("the VMI Running on the stack's node", async () => {
        const vmi = await admin.get<VMI>(virtualMachineInstances, { namespace, name: "guest" })
          .catch(() => undefined);
        return vmi?.status?.phase === "Running" ? vmi : undefined;
      }, 120_000);
      assert.equal(running.status?.nodeName, STACK_NODE_NAME);
      const key = `"key":"${namespace}/guest"`;
      const otherLog = await Deno.readTextFile(logFile(stack.paths, other));
      assert.ok(
        otherLog.split("\n").some((l) =>
          l.includes("Started VM by creating its VMI") && l.includes(key)
        ),
        "the leading replica created the VMI",
      );
      const own = (await logSince(ownLog, offset)).split("\n");
      assert.ok(
        !own.some((l) => l.includes('"component":"controllers"') && l.includes(key)),
        "the standing-by controllers did not touch the VM",
      );
      const agentLog = await Deno.readTextFile(await roleLog(stack.paths, "agent"));
      assert.ok(
        agentLog.split("\n").some((l) => l.includes("Domain started") && l.includes(key)),
        "the stack's agent started the domain",
      );
    });
    assert.equal(await rolePid(stack.paths, "controllers"), ownPid, "the stack's process ran on");
  } finally {
    await stopDaemon(stack.paths, other);
    // The other replica released the Lease on its way out; the stack's controllers take it back.
    await eventually("the stack's controllers to lead again", async () => {
      const holder = (await admin.get<Lease>(leases, LEASE)).spec?.holderIdentity;
      return holder && holder !== other ? true : undefined;
    });
    admin.close();
  }
});
