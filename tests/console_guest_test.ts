/**
 * The whole path with a real guest: a VM started through the subresource API boots the guest
 * fixture, its serial console (through the API server, the subresource API and the node agent)
 * runs a command in the guest's shell, pause/unpause/restart/stop act on the domain, and the
 * agent keeps no descriptor per console session. Runs once the stack starts the controllers
 * and the agent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { rolePid } from "../stack/layout.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { callApi } from "../cli/kube_command.ts";
import type { WsSocket } from "../lib/http/ws.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";
import { openConsole, openDescriptors } from "./support/virtctl.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function getVmi(namespace: string): Promise<Json | undefined> {
  try {
    return await stack!.admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: "kubevirt.io",
      version: "v1",
      plural: "virtualmachineinstances",
      namespace,
      name: "guest",
    }) as Json;
  } catch {
    return undefined;
  }
}

/** Type `command` until the shell's answer matching `expect` shows up (the shell may be starting). */
async function run(ws: WsSocket, command: string, expect: RegExp): Promise<string> {
  let seen = "";
  ws.on("message", (data) => seen += new TextDecoder().decode(data));
  // A TCG guest on a busy machine can take minutes to reach its shell.
  const deadline = Date.now() + 180_000;
  while (!expect.test(seen) && Date.now() < deadline) {
    ws.send(new TextEncoder().encode(`\n${command}\n`), { binary: true });
    await new Promise((r) => setTimeout(r, 1_000));
  }
  assert.match(seen, expect);
  return seen;
}

Deno.test({
  name: "a real guest: start, console command, pause, unpause, restart and stop through the API",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "guest", async (namespace) => {
      const kc = loadKubeConfig({ kubeconfig: stack!.paths.kubeconfig });
      const fixture = await ensureGuestFixture();
      const disk = join(hostDiskDir(stack!.paths), `${namespace}-guest.img`);
      await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
      await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
      try {
        await stack!.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
          group: "kubevirt.io",
          version: "v1",
          plural: "virtualmachines",
          namespace,
          body: {
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachine",
            metadata: { name: "guest", namespace },
            spec: {
              runStrategy: "Halted",
              template: {
                spec: {
                  domain: {
                    resources: { requests: { memory: "96Mi" } },
                    devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
                  },
                  volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }],
                  terminationGracePeriodSeconds: 2,
                },
              },
            },
          },
        });
        const base = `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}`;
        const started = Date.now();
        await callApi(kc, "PUT", `${base}/virtualmachines/guest/start`, {});
        const running = await eventually("the VMI to run", async () => {
          const vmi = await getVmi(namespace);
          return vmi?.status?.phase === "Running" ? vmi : undefined;
        }, 120_000);
        console.log(`start -> VMI Running: ${Date.now() - started} ms`);

        const attach = await openConsole(stack!, namespace, "guest");
        assert.ok(attach.ws, attach.message);
        console.log(`console attach: ${attach.ms} ms`);
        await run(attach.ws, "echo dv-$((6*7))", /dv-42/);
        attach.ws.close(1000, "");

        const agentPid = (await rolePid(stack!.paths, "agent"))!;
        const before = openDescriptors(agentPid);
        for (let i = 0; i < 20; i++) {
          const { ws } = await openConsole(stack!, namespace, "guest");
          const closed = new Promise((r) => ws!.once("close", r));
          ws!.close(1000, "");
          await closed;
        }
        let after = openDescriptors(agentPid);
        for (let i = 0; i < 40 && after > before; i++) {
          await new Promise((r) => setTimeout(r, 250));
          after = openDescriptors(agentPid);
        }
        console.log(`agent descriptors: ${before} before, ${after} after 20 console sessions`);
        assert.ok(after <= before, `the agent's descriptors grew from ${before} to ${after}`);

        await callApi(kc, "PUT", `${base}/virtualmachineinstances/guest/pause`, {});
        await eventually("the Paused condition", async () => {
          const vmi = await getVmi(namespace);
          return vmi?.status?.conditions?.some((c: Json) => c.type === "Paused") ? true : undefined;
        });
        await callApi(kc, "PUT", `${base}/virtualmachineinstances/guest/unpause`, {});
        await eventually("the Paused condition to go", async () => {
          const vmi = await getVmi(namespace);
          return vmi?.status?.conditions?.some((c: Json) => c.type === "Paused") ? undefined : true;
        });

        await callApi(kc, "PUT", `${base}/virtualmachines/guest/restart`, {});
        await eventually("a new VMI to run", async () => {
          const vmi = await getVmi(namespace);
          return vmi?.metadata?.uid !== running.metadata.uid && vmi?.status?.phase === "Running"
            ? true
            : undefined;
        }, 120_000);
        await callApi(kc, "PUT", `${base}/virtualmachines/guest/stop`, {});
        await eventually("the VMI to go", async () =>
          (await getVmi(namespace)) ? undefined : true, 60_000);
      } finally {
        await Deno.remove(disk).catch(() => {});
      }
    }),
});
