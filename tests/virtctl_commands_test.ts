/**
 * The real virtctl (built from the Go module proxy, cached) against denovirt's subresource API
 * through the API server: start, stop, restart, pause, unpause, console, version and the guest
 * agent's verbs as KubeVirt users run them. VMIs live on a fake node served by an in-process node API, so no agent role
 * or guest is needed; the VM controller (when running) may act on the VMs meanwhile, so the
 * checks read what the subresource API wrote right after each call.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { testStack } from "./support/stack.ts";
import {
  type CommandResult,
  runWithKubeconfig,
  setVmiStatus,
  withConsoleFixture,
} from "./support/virtctl.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const stack = await testStack();
const started = Date.now();
const virtctlBinary = await ensureVirtctl((line) => console.log(`[virtctl] ${line}`));
console.log(`virtctl ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${virtctlBinary}`);

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const virtctl = (args: string[], stdin = ""): Promise<CommandResult> =>
  runWithKubeconfig(virtctlBinary, args, stack.paths.kubeconfig, stdin);

const vms = { group: "kubevirt.io", version: "v1", plural: "virtualmachines" };

async function createVm(namespace: string, name: string, runStrategy: string): Promise<void> {
  await stack.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...vms,
    namespace,
    body: {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachine",
      metadata: { name, namespace },
      spec: {
        runStrategy,
        template: { spec: { domain: { memory: { guest: "64Mi" }, devices: {} } } },
      },
    },
  });
}

async function getVm(namespace: string, name: string): Promise<Json> {
  return await stack.admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    ...vms,
    namespace,
    name,
  }) as Json;
}

Deno.test("virtctl version shows denovirt's server version", async () => {
  const result = await virtctl(["version"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Server Version: .*GitVersion:"v0\.1\.0-denovirt"/);
});

Deno.test("virtctl start and stop flip a Halted VM, and refuse what KubeVirt refuses", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await createVm(namespace, "halted", "Halted");
    const start = await virtctl(["-n", namespace, "start", "halted"]);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /VM halted was scheduled to start/);
    console.log(`virtctl start round trip (process included): ${start.ms} ms`);
    assert.equal((await getVm(namespace, "halted")).spec.runStrategy, "Always");
    const again = await virtctl(["-n", namespace, "start", "halted"]);
    assert.equal(again.code, 1);
    // KubeVirt refuses either way: "already running" once the controllers made the VMI.
    assert.match(
      again.stderr,
      /Always does not support manual start requests|VM is already running/,
    );
    const stop = await virtctl(["-n", namespace, "stop", "halted"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await getVm(namespace, "halted")).spec.runStrategy, "Halted");
    const missing = await virtctl(["-n", namespace, "start", "nope"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /virtualmachine.kubevirt.io "nope" not found/);
  }));

Deno.test("virtctl pause and unpause reach the node API, for a vmi and for a vm", () =>
  withConsoleFixture(stack, async ({ namespace, calls }) => {
    await createVm(namespace, "web", "Manual");
    const pause = await virtctl(["-n", namespace, "pause", "vmi", "web"]);
    assert.equal(pause.code, 0, pause.stderr);
    assert.deepEqual(calls, ["pause web"]);
    const notPaused = await virtctl(["-n", namespace, "unpause", "vmi", "web"]);
    assert.equal(notPaused.code, 1);
    assert.match(notPaused.stderr, /VMI is not paused/);
    await setVmiStatus(stack, namespace, "web", {
      conditions: [{ type: "Paused", status: "True" }],
    });
    const unpause = await virtctl(["-n", namespace, "unpause", "vm", "web"]);
    assert.equal(unpause.code, 0, unpause.stderr);
    assert.deepEqual(calls, ["pause web", "unpause web"]);
  }));

Deno.test("virtctl guestosinfo, userlist and fslist say the VMI has no guest agent connected", () =>
  withConsoleFixture(stack, async ({ namespace, calls }) => {
    for (const verb of ["guestosinfo", "userlist", "fslist"]) {
      const result = await virtctl(["-n", namespace, verb, "web"]);
      assert.equal(result.code, 1, verb);
      assert.match(
        result.stderr,
        /Operation cannot be fulfilled on virtualmachineinstance\.kubevirt\.io \\?"web\\?": VMI does not have guest agent connected/,
        verb,
      );
    }
    assert.deepEqual(calls, []);
  }));

Deno.test("virtctl console types into the serial console and reads its answer", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    const child = new Deno.Command(virtctlBinary, {
      args: ["-n", namespace, "console", "web"],
      env: { KUBECONFIG: stack.paths.kubeconfig },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const deadline = Date.now() + 20_000;
    const started = Date.now();
    try {
      // Type until the console is attached and answers (virtctl connects asynchronously).
      let pending: Promise<ReadableStreamReadResult<string>> | undefined;
      while (!seen.includes("echo:hello") && Date.now() < deadline) {
        await writer.write(new TextEncoder().encode("hello\n"));
        pending ??= reader.read();
        const chunk = await Promise.race([
          pending,
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 500)),
        ]);
        if (chunk === undefined) continue;
        pending = undefined;
        if (chunk.done) break;
        seen += chunk.value;
      }
      console.log(`virtctl console attach and first answer: ${Date.now() - started} ms`);
      assert.match(seen, /echo:hello/);
    } finally {
      child.kill("SIGTERM");
      await writer.close().catch(() => {});
      await reader.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await child.status;
    }
  }));

Deno.test("virtctl stop --force and restart send KubeVirt's state change requests", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await createVm(namespace, "web", "Manual");
    const restart = await virtctl(["-n", namespace, "restart", "web"]);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stdout, /VM web was scheduled to restart/);
    const halted = await virtctl(["-n", namespace, "restart", "nope"]);
    assert.equal(halted.code, 1);
    assert.match(halted.stderr, /not found/);
    const stop = await virtctl(["-n", namespace, "stop", "web", "--force", "--grace-period=0"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /VM web was scheduled to stop/);
  }));
