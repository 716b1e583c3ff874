/**
 * denovirt's own virtctl-style verbs as users run them (`denovirt start ...` and
 * `kubectl denovirt ...`), against the subresource API through the API server, with kubectl's
 * kubeconfig handling. VMIs live on a fake node served by an in-process node API.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { ensureKubeBinaries } from "../stack/kube_binaries.ts";
import { testStack } from "./support/stack.ts";
import { denovirt, setVmiStatus, withConsoleFixture } from "./support/virtctl.ts";

const stack = await testStack();
const admin = stack.paths.kubeconfig;

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

async function createVm(namespace: string, name: string, runStrategy: string) {
  await stack.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: "kubevirt.io",
    version: "v1",
    plural: "virtualmachines",
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

async function runStrategyOf(namespace: string, name: string): Promise<string> {
  const vm = await stack.admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: "kubevirt.io",
    version: "v1",
    plural: "virtualmachines",
    namespace,
    name,
  }) as Json;
  return vm.spec.runStrategy;
}

/** A kubeconfig of the admin whose context defaults to `namespace`, or of a token user. */
async function kubeconfigFile(namespace: string, token?: string): Promise<string> {
  const { parse } = await import("yaml");
  const config = parse(await Deno.readTextFile(admin)) as Json;
  for (const c of config.contexts) c.context.namespace = namespace;
  if (token) config.users = config.users.map((u: Json) => ({ name: u.name, user: { token } }));
  const file = await Deno.makeTempFile({ suffix: ".kubeconfig" });
  await Deno.writeTextFile(file, stringify(config));
  return file;
}

Deno.test("denovirt start and stop use the context's namespace and print virtctl's lines", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await createVm(namespace, "halted", "Halted");
    const kubeconfig = await kubeconfigFile(namespace);
    const start = await denovirt(["start", "halted"], kubeconfig);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(start.stdout.trim(), "VM halted was scheduled to start");
    assert.equal(await runStrategyOf(namespace, "halted"), "Always");
    const again = await denovirt(["start", "halted", "--kubeconfig", admin, "-n", namespace], "");
    assert.equal(again.code, 1);
    // KubeVirt refuses either way: "already running" once the controllers made the VMI.
    assert.match(
      again.stderr,
      /Always does not support manual start requests|VM is already running/,
    );
    const stop = await denovirt(["stop", "halted", "--force", "--grace-period=0"], kubeconfig);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(await runStrategyOf(namespace, "halted"), "Halted");
    const wrongContext = await denovirt(["stop", "halted", "--context", "nope"], kubeconfig);
    assert.equal(wrongContext.code, 1);
    assert.match(wrongContext.stderr, /no context "nope"/);
    const usage = await denovirt(["stop"], kubeconfig);
    assert.equal(usage.code, 2);
    await Deno.remove(kubeconfig);
  }));

Deno.test("denovirt pause, unpause, restart and migrate answer as the server decides", () =>
  withConsoleFixture(stack, async ({ namespace, calls }) => {
    await createVm(namespace, "web", "Manual");
    const kubeconfig = await kubeconfigFile(namespace);
    const migrate = await denovirt(["migrate", "web"], kubeconfig);
    assert.equal(migrate.code, 1);
    // The VMI runs, but no agent reported it live-migratable: admission refuses the migration.
    assert.match(migrate.stderr, /Cannot migrate VMI, Reason: NotMigratable/);
    const pause = await denovirt(["pause", "vm", "web"], kubeconfig);
    assert.equal(pause.code, 0, pause.stderr);
    assert.equal(pause.stdout.trim(), "VMI web was scheduled to pause");
    const unpause = await denovirt(["unpause", "vmi", "web"], kubeconfig);
    assert.equal(unpause.code, 1);
    assert.match(unpause.stderr, /VMI is not paused/);
    await setVmiStatus(stack, namespace, "web", {
      conditions: [{ type: "Paused", status: "True" }],
    });
    assert.equal((await denovirt(["unpause", "vmi", "web"], kubeconfig)).code, 0);
    assert.deepEqual(calls, ["pause web", "unpause web"]);
    const restart = await denovirt(["restart", "web"], kubeconfig);
    assert.equal(restart.code, 0, restart.stderr);
    await Deno.remove(kubeconfig);
  }));

Deno.test("denovirt console pipes stdin to the console and its answers to stdout", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    const result = await denovirt(["console", "web", "-n", namespace], admin, "uname\nhostname\n");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /echo:uname\r\necho:hostname/);
    console.log(`denovirt console, one piped session (process included): ${result.ms} ms`);
  }));

Deno.test("a ServiceAccount without RBAC gets 403 from denovirt start and console", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await createVm(namespace, "halted", "Halted");
    const core = stack.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "eve" } } });
    const token = (await core.createNamespacedServiceAccountToken({
      namespace,
      name: "eve",
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    })).status!.token!;
    const kubeconfig = await kubeconfigFile(namespace, token);
    const start = await denovirt(["start", "halted"], kubeconfig);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /cannot update resource "virtualmachines\/start"/);
    const console_ = await denovirt(["console", "web"], kubeconfig, "x\n");
    assert.equal(console_.code, 1);
    assert.match(console_.stderr, /cannot get resource "virtualmachineinstances\/console"/);
    await Deno.remove(kubeconfig);
  }));

Deno.test("kubectl denovirt runs the CLI as a kubectl plugin", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    await createVm(namespace, "halted", "Halted");
    const kubectl = (await ensureKubeBinaries()).kubectl;
    const pluginDir = new URL("../cli/kubectl_plugin", import.meta.url).pathname;
    const child = await new Deno.Command(kubectl, {
      args: ["denovirt", "start", "halted", "-n", namespace],
      env: {
        KUBECONFIG: admin,
        PATH: `${pluginDir}:${join(Deno.execPath(), "..")}:${Deno.env.get("PATH")}`,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    assert.equal(child.code, 0, text(child.stderr));
    assert.equal(text(child.stdout).trim(), "VM halted was scheduled to start");
  }));

Deno.test("denovirt console on a terminal is raw and leaves on Ctrl+]", () =>
  withConsoleFixture(stack, async ({ namespace }) => {
    const main = Deno.env.get("DENOVIRT_ENTRY") ?? new URL("../main.ts", import.meta.url).pathname;
    // script(1) gives the command a pseudo-terminal, as a person's shell would.
    const command = `'${Deno.execPath()}' run -A --no-prompt '${main}' console web -n ${namespace}`;
    const child = new Deno.Command("script", {
      args: ["-qfec", command, "/dev/null"],
      env: { KUBECONFIG: admin, DENO_NO_UPDATE_CHECK: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(seen) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      assert.match(seen, pattern);
    };
    await until(/Press Ctrl\+\] to exit console/);
    // Raw mode: Enter arrives as \r, and the terminal echoes nothing itself.
    await writer.write(new TextEncoder().encode("hello\r"));
    await until(/echo:hello/);
    assert.doesNotMatch(seen.replace("echo:hello", ""), /hello/);
    await writer.write(new Uint8Array([0x1d]));
    const status = await child.status;
    assert.equal(status.code, 0);
    await writer.close().catch(() => {});
    await reader.cancel().catch(() => {});
    await child.stderr.cancel();
  }));
