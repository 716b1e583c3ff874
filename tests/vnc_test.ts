/**
 * VNC of a real guest: the graphics device every domain gets, through the API server, the
 * subresource API and the node agent to QEMU's VNC socket; the real `virtctl vnc --proxy-only`
 * and a raw RFB handshake read the guest's screen size; preserveSession and takeover; and a VMI
 * without a graphics device is refused with KubeVirt's 400.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { hostDiskDir, ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { webSocketOptionsOf } from "../cli/kube_command.ts";
import { CONSOLE_PROTOCOL, WebSocket, type WsSocket } from "../lib/http/ws.ts";
import { eventually, type TestStack, testStack, withNamespace } from "./support/stack.ts";
import { spawnVirtctl } from "./support/port_forward.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";
import { ByteReader, rfbHandshake } from "./support/rfb.ts";
import { transportFrom } from "../lib/kube/transport.ts";

const ignore = !(["controllers", "agent"] as const).every((role) =>
  ROLES_READY_FOR_THE_STACK.includes(role)
);
const stack: TestStack | undefined = ignore ? undefined : await testStack();
const virtctl = ignore ? "" : await ensureVirtctl((line) => console.log(`[virtctl] ${line}`));

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;
const VMIS = { group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances" };

/** The VMI's `vnc` WebSocket through the API server, or the Status of the refusal. */
function openVnc(
  namespace: string,
  name: string,
  query = "",
  version = "v1",
): Promise<
  { ws?: WsSocket; first?: Promise<string>; protocol?: string; status?: number; message?: string }
> {
  const { server, options } = webSocketOptionsOf(
    loadKubeConfig({ kubeconfig: stack!.paths.kubeconfig }),
  );
  const url = server.replace(/^http/, "ws") +
    `/apis/subresources.kubevirt.io/${version}/namespaces/${namespace}/virtualmachineinstances/${name}/vnc${query}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [CONSOLE_PROTOCOL], options);
    // Listen from the start: the server's first bytes may come with the upgrade's answer.
    const first = new Promise<string>((got) =>
      ws.on("message", (data) => got(new TextDecoder().decode(data)))
    );
    ws.once("open", () => resolve({ ws, first, protocol: ws.protocol }));
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (c: Uint8Array) => text += new TextDecoder().decode(c));
      res.on("end", () => {
        ws.terminate();
        resolve({ status: res.statusCode, message: JSON.parse(text).message });
      });
    });
    ws.once("error", reject);
  });
}

/** The VMI's `vnc/screenshot` through the API server. */
async function screenshot(namespace: string, name: string, version = "v1") {
  const transport = transportFrom(loadKubeConfig({ kubeconfig: stack!.paths.kubeconfig }));
  try {
    const response = await fetch(
      `${transport.server}/apis/subresources.kubevirt.io/${version}/namespaces/${namespace}` +
        `/virtualmachineinstances/${name}/vnc/screenshot`,
      { headers: transport.authHeaders(), client: transport.client },
    );
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: new Uint8Array(await response.arrayBuffer()),
    };
  } finally {
    transport.close();
  }
}

function closed(ws: WsSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: new TextDecoder().decode(reason) }))
  );
}

async function createVmi(namespace: string, name: string, spec: Json) {
  await stack!.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...VMIS,
    namespace,
    body: {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachineInstance",
      metadata: { name },
      spec,
    },
  });
}

async function phaseOf(namespace: string, name: string): Promise<string | undefined> {
  const vmi = await stack!.admin.makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...VMIS, namespace, name }).catch(() => undefined) as Json;
  return vmi?.status?.phase;
}

Deno.test({
  name: "vnc: virtctl vnc --proxy-only and an RFB handshake read a real guest's screen size",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "vnc", async (namespace) => {
      const fixture = await ensureGuestFixture();
      const disk = join(hostDiskDir(stack!.paths), `${namespace}-screen.img`);
      await Deno.mkdir(hostDiskDir(stack!.paths), { recursive: true });
      await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, disk] }).output();
      try {
        let proxy: ReturnType<typeof spawnVirtctl> | undefined;
        try {
          await createVmi(namespace, "screen", {
            domain: {
              resources: { requests: { memory: "96Mi" } },
              devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
            },
            volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }],
            terminationGracePeriodSeconds: 0,
          });
          await eventually("the VMI to run", async () =>
            (await phaseOf(namespace, "screen")) === "Running" ? true : undefined, 120_000);

          proxy = spawnVirtctl(
            virtctl,
            ["-n", namespace, "vnc", "screen", "--proxy-only", "--port", "0"],
            stack!.paths.kubeconfig,
          );
          const printed = await proxy.waitFor(/"port":\s*\d+/, "its port");
          const port = Number(printed.match(/"port":\s*(\d+)/)![1]);
          const conn = await Deno.connect({ hostname: "127.0.0.1", port });
          const stream = conn.readable.getReader();
          const reader = new ByteReader(async () =>
            (await stream.read()).value ?? null
          );
          const started = Date.now();
          const init = await rfbHandshake(reader, (bytes) => conn.write(bytes));
          console.log(
            `RFB ${init.version} through virtctl: ${init.width}x${init.height} "${init.name}" ` +
              `in ${Date.now() - started} ms`,
          );
          assert.ok(init.width > 0 && init.height > 0, `screen ${init.width}x${init.height}`);
          conn.close();
        } finally {
          await proxy?.stop();
        }

        // The screen as PNG: signature, then IHDR's width and height.
        const shot = await screenshot(namespace, "screen");
        assert.equal(shot.status, 200, new TextDecoder().decode(shot.body));
        assert.equal(shot.type, "image/png");
        assert.deepEqual([...shot.body.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
        const ihdr = new DataView(shot.body.buffer, 8);
        assert.equal(new TextDecoder().decode(shot.body.subarray(12, 16)), "IHDR");
        const [width, height] = [ihdr.getUint32(8), ihdr.getUint32(12)];
        console.log(`vnc/screenshot: ${width}x${height} PNG, ${shot.body.length} bytes`);
        assert.ok(width > 0 && height > 0, `screenshot ${width}x${height}`);

        // The real virtctl's screenshot: the same PNG to a file.
        const file = await Deno.makeTempFile({ suffix: ".png" });
        try {
          const shooter = spawnVirtctl(
            virtctl,
            ["-n", namespace, "vnc", "screenshot", "screen", "-f", file],
            stack!.paths.kubeconfig,
          );
          const status = await shooter.exited;
          await shooter.stop();
          assert.equal(status.code, 0, shooter.output());
          const saved = await Deno.readFile(file);
          assert.deepEqual([...saved.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
        } finally {
          await Deno.remove(file).catch(() => {});
        }

        // v1alpha3, preserveSession and takeover, on the same running guest.
        const first = await openVnc(namespace, "screen", "", "v1alpha3");
        assert.ok(first.ws, first.message);
        assert.equal(first.protocol, CONSOLE_PROTOCOL);
        assert.match(await first.first!, /^RFB 003\.00\d\n$/);
        const kept = await openVnc(namespace, "screen", "?preserveSession=true");
        assert.equal(kept.status, 503, kept.message);
        const firstClosed = closed(first.ws);
        const second = await openVnc(namespace, "screen");
        assert.ok(second.ws, second.message);
        const why = await firstClosed;
        assert.equal(why.code, 1001);
        assert.match(why.reason, /Another user connected to the VNC of VMI/);
        assert.match(await second.first!, /^RFB 003\.00\d\n$/);
        second.ws.close(1000, "");

        await stack!.admin.makeApiClient(CustomObjectsApi)
          .deleteNamespacedCustomObject({ ...VMIS, namespace, name: "screen" });
        await eventually("the VMI to go", async () =>
          await stack!.admin.makeApiClient(CustomObjectsApi)
            .getNamespacedCustomObject({ ...VMIS, namespace, name: "screen" })
            .then(() =>
              undefined, () =>
              true), 60_000);
      } finally {
        await Deno.remove(disk).catch(() => {});
      }
    }),
});

Deno.test({
  name: "vnc: a VMI with autoattachGraphicsDevice false is refused with 400",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "vnc", async (namespace) => {
      await createVmi(namespace, "headless", {
        domain: {
          resources: { requests: { memory: "64Mi" } },
          devices: { autoattachGraphicsDevice: false },
        },
      });
      for (const version of ["v1", "v1alpha3"]) {
        const answer = await openVnc(namespace, "headless", "", version);
        assert.equal(answer.status, 400);
        assert.equal(answer.message, "No graphics devices are present.");
      }
      const shot = await screenshot(namespace, "headless");
      assert.equal(shot.status, 400);
      assert.match(new TextDecoder().decode(shot.body), /No graphics devices are present\./);
    }),
});
