/**
 * The serial console end to end but for the guest: a caller's WebSocket through the real API
 * server, its aggregation proxy and the subresource API, to a node API (`agent/console`) serving
 * a stand-in serial socket, on a fake Node whose annotation names it. Needs no agent role.
 */
import assert from "node:assert/strict";
import { loadKubeConfig } from "../lib/kube/config.ts";
import type { WsSocket } from "../lib/http/ws.ts";
import { CoreV1Api } from "@kubernetes/client-node";
import { testStack } from "./support/stack.ts";
import {
  type ConsoleFixture,
  openConsole as openConsoleOf,
  openDescriptors,
  setVmiStatus,
  withConsoleFixture as fixtureOf,
} from "./support/virtctl.ts";

const stack = await testStack();
const withConsoleFixture = (fn: (f: ConsoleFixture) => Promise<void>) => fixtureOf(stack, fn);
const openConsole = (namespace: string, name: string, kubeconfig?: string, token?: string) =>
  openConsoleOf(stack, namespace, name, kubeconfig, token);

/** Send `line` and wait for the fake serial's answer. */
function roundTrip(ws: WsSocket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`No answer to ${line}; saw ${JSON.stringify(seen)}`)),
      10_000,
    );
    ws.on("message", (data) => {
      seen += new TextDecoder().decode(data);
      if (seen.includes(`echo:${line}`)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
    ws.send(new TextEncoder().encode(`${line}\n`), { binary: true });
  });
}

function closed(ws: WsSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: new TextDecoder().decode(reason) }))
  );
}

Deno.test("the console relays a caller's keystrokes and the serial answers through the API server", () =>
  withConsoleFixture(async ({ namespace }) => {
    const { ws, ms, message } = await openConsole(namespace, "web");
    assert.ok(ws, message);
    console.log(`console attach through the API server: ${ms} ms`);
    const started = Date.now();
    assert.match(await roundTrip(ws, "uname"), /echo:uname/);
    console.log(`console keystroke round trip: ${Date.now() - started} ms`);
    const end = closed(ws);
    ws.close(1000, "");
    assert.equal((await end).code, 1000);
  }));

Deno.test("a second console viewer displaces the first, which is told why", () =>
  withConsoleFixture(async ({ namespace }) => {
    const first = (await openConsole(namespace, "web")).ws!;
    await roundTrip(first, "one");
    const firstClosed = closed(first);
    const second = (await openConsole(namespace, "web")).ws!;
    const why = await firstClosed;
    assert.equal(why.code, 1001);
    assert.match(why.reason, /Another user connected to the console of VMI/);
    assert.match(await roundTrip(second, "two"), /echo:two/);
    second.close(1000, "");
    await closed(second);
  }));

Deno.test("opening and closing the console 20 times leaks no descriptors", () =>
  withConsoleFixture(async ({ namespace }) => {
    // Warm up: the first connection sets up pools and TLS state that stay.
    const warm = (await openConsole(namespace, "web")).ws!;
    await roundTrip(warm, "warm");
    warm.close(1000, "");
    await closed(warm);
    await new Promise((r) => setTimeout(r, 500));
    const before = openDescriptors();
    for (let i = 0; i < 20; i++) {
      const ws = (await openConsole(namespace, "web")).ws!;
      await roundTrip(ws, `n${i}`);
      const end = closed(ws);
      ws.close(1000, "");
      await end;
    }
    let after = openDescriptors();
    for (let i = 0; i < 40 && after > before; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = openDescriptors();
    }
    console.log(
      `descriptors of the node API's process: ${before} before, ${after} after 20 sessions`,
    );
    assert.ok(after <= before, `descriptors grew from ${before} to ${after}`);
  }));

Deno.test("pause and unpause reach the node API through the API server", () =>
  withConsoleFixture(async ({ namespace, calls }) => {
    const kc = loadKubeConfig({ kubeconfig: stack.paths.kubeconfig });
    const { callApi } = await import("../cli/kube_command.ts");
    const base =
      `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/web`;
    await callApi(kc, "PUT", `${base}/pause`, {});
    assert.deepEqual(calls, ["pause web"]);
    await assert.rejects(callApi(kc, "PUT", `${base}/unpause`, {}), /VMI is not paused/);
    // No guest agent is read: virt-api's answer, a 500 with the reason as text.
    for (const what of ["guestosinfo", "userlist", "filesystemlist"]) {
      const guest = await callApi(kc, "GET", `${base}/${what}`).catch((e) => e);
      assert.equal(guest.status, 500, what);
      assert.match(
        String(guest.message),
        /: Operation cannot be fulfilled on virtualmachineinstance\.kubevirt\.io "web": VMI does not have guest agent connected$/,
      );
    }
  }));

Deno.test("the console refuses a missing VMI with 404 and a non-running one with 400", () =>
  withConsoleFixture(async ({ namespace }) => {
    const missing = await openConsole(namespace, "nope");
    assert.equal(missing.status, 404);
    assert.match(missing.message!, /virtualmachineinstance.kubevirt.io "nope" not found/);
    await setVmiStatus(stack, namespace, "web", { phase: "Scheduling" });
    const pending = await openConsole(namespace, "web");
    assert.equal(pending.status, 400);
    // The stack's controllers may already have moved the VMI on from the phase it was made in.
    assert.match(pending.message!, /phase is (Pending|Scheduling|Scheduled) instead of Running/);
  }));

Deno.test("a ServiceAccount without RBAC gets 403 for the console", () =>
  withConsoleFixture(async ({ namespace }) => {
    const core = stack.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: "nobody" } },
    });
    const token = await core.createNamespacedServiceAccountToken({
      namespace,
      name: "nobody",
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const refused = await openConsole(
      namespace,
      "web",
      stack.paths.kubeconfig,
      token.status!.token,
    );
    assert.equal(refused.status, 403);
    assert.match(refused.message!, /cannot get resource "virtualmachineinstances\/console"/);
  }));
