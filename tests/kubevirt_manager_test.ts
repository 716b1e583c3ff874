/**
 * kubevirt-manager's calls, byte for byte as its UI sends them through the API server: a VM
 * created as kubevirt.io/v1alpha3 by POST to the VM's own URL, started and stopped by merge
 * patches of `spec.running`, the launcher pod found by `kubevirt.io/created-by`, and restart,
 * pause and unpause with its HTTP options object as the request body.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CREATED_BY_LABEL } from "../api/mod.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { transportFrom } from "../lib/kube/transport.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** One call through the API server as the admin, with the content type the UI sends. */
async function http(method: string, path: string, body?: string, type = "application/json") {
  const transport = transportFrom(loadKubeConfig({ kubeconfig: stack!.paths.kubeconfig }));
  try {
    const response = await fetch(transport.server + path, {
      method,
      headers: { "content-type": type, accept: "application/json", ...transport.authHeaders() },
      ...(body !== undefined ? { body } : {}),
      client: transport.client,
    });
    const text = await response.text();
    return { status: response.status, text, json: text.startsWith("{") ? JSON.parse(text) : {} };
  } finally {
    transport.close();
  }
}

const v1alpha3 = (ns: string, rest: string) =>
  `/apis/kubevirt.io/v1alpha3/namespaces/${ns}/${rest}`;
const sub = (ns: string, rest: string) =>
  `/apis/subresources.kubevirt.io/v1/namespaces/${ns}/${rest}`;
// What kubevirt-manager's Angular service passes where the body goes.
const OPTIONS_OBJECT = JSON.stringify({ headers: { accept: "application/json" } });
const MERGE = "application/merge-patch+json";

async function runningVmi(namespace: string, name: string, notUid = ""): Promise<Json> {
  return await eventually(`VMI ${name} to run`, async () => {
    const vmi = await http("GET", v1alpha3(namespace, `virtualmachineinstances/${name}`));
    const ok = vmi.json.status?.phase === "Running" && vmi.json.metadata.uid !== notUid;
    return ok ? vmi.json : undefined;
  }, 180_000);
}

Deno.test({
  name: "kubevirt-manager's create, start, restart, pause and stop calls work on a real guest",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "kvm-mgr", async (namespace) => {
      const fixture = await ensureGuestFixture();
      const disk = join(hostDiskDir(stack!.paths), `${namespace}-mgr.img`);
      await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
      await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
      try {
        const vm = {
          apiVersion: "kubevirt.io/v1alpha3",
          kind: "VirtualMachine",
          metadata: { name: "mgr", namespace, labels: { "kubevirt-manager.io/managed": "true" } },
          spec: {
            running: false,
            template: {
              metadata: { labels: { "kubevirt.io/domain": "mgr" } },
              spec: {
                domain: {
                  resources: { requests: { memory: "96Mi" } },
                  devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
                },
                volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }],
                terminationGracePeriodSeconds: 0,
              },
            },
          },
        };
        // kubevirt-manager POSTs to the VM's own URL, not to the collection.
        const created = await http(
          "POST",
          v1alpha3(namespace, "virtualmachines/mgr"),
          JSON.stringify(vm),
        );
        assert.equal(created.status, 201, created.text);
        assert.equal(created.json.apiVersion, "kubevirt.io/v1alpha3");

        const start = await http(
          "PATCH",
          v1alpha3(namespace, "virtualmachines/mgr"),
          '{"spec":{"running": true}}',
          MERGE,
        );
        assert.equal(start.status, 200, start.text);
        const vmi = await runningVmi(namespace, "mgr");

        const pods = await http(
          "GET",
          `/api/v1/namespaces/${namespace}/pods?labelSelector=${
            encodeURIComponent(`${CREATED_BY_LABEL}=${vmi.metadata.uid}`)
          }`,
        );
        assert.equal(pods.json.items.length, 1, pods.text);
        assert.equal(pods.json.items[0].status.phase, "Running");

        for (const action of ["pause", "unpause"]) {
          const answer = await http(
            "PUT",
            sub(namespace, `virtualmachineinstances/mgr/${action}`),
            OPTIONS_OBJECT,
          );
          assert.equal(answer.status, 200, `${action}: ${answer.text}`);
          const condition = action === "pause" ? "True" : undefined;
          await eventually(`the VMI's Paused condition after ${action}`, async () => {
            const now = await http("GET", v1alpha3(namespace, "virtualmachineinstances/mgr"));
            const paused = now.json.status?.conditions?.find((c: Json) => c.type === "Paused");
            return paused?.status === condition ? true : undefined;
          }, 60_000);
        }

        const restart = await http(
          "PUT",
          sub(namespace, "virtualmachines/mgr/restart"),
          OPTIONS_OBJECT,
        );
        assert.equal(restart.status, 202, restart.text);
        await runningVmi(namespace, "mgr", vmi.metadata.uid);

        const stop = await http(
          "PATCH",
          v1alpha3(namespace, "virtualmachines/mgr"),
          '{"spec":{"running": false}}',
          MERGE,
        );
        assert.equal(stop.status, 200, stop.text);
        await eventually("the VMI to go", async () =>
          (await http("GET", v1alpha3(namespace, "virtualmachineinstances/mgr"))).status === 404
            ? true
            : undefined, 120_000);
        const deleted = await http("DELETE", v1alpha3(namespace, "virtualmachines/mgr"));
        assert.equal(deleted.status, 200, deleted.text);
      } finally {
        await Deno.remove(disk).catch(() => {});
      }
    }),
});
