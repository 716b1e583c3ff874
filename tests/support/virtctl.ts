/**
 * Running virtctl and denovirt's own CLI against the test stack, and the fixtures the console
 * tests share (a fake serial socket behind a node API, running VMIs); the binary itself comes
 * from virtctl_build.ts.
 */
import { AGENT_ENDPOINT_ANNOTATION } from "../../api/mod.ts";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { serveNodeApi } from "../../agent/console/server.ts";
import type { NodeApiOptions } from "../../agent/console/node_api.ts";
import { loadKubeConfig } from "../../lib/kube/config.ts";
import { virtualMachineInstances } from "../../lib/kube/resources.ts";
import { RestClient } from "../../lib/kube/rest.ts";
import { pkiFiles } from "../../stack/pki.ts";
import type { VmiLike } from "../../subresources/lifecycle.ts";
import { CONSOLE_PROTOCOL, WebSocket, type WsSocket } from "../../lib/http/ws.ts";
import { webSocketOptionsOf } from "../../cli/kube_command.ts";
import { type TestStack, withNamespace } from "./stack.ts";

/** What a command printed and how it ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a command with `KUBECONFIG` set, feeding `stdin` (then closing it). */
export async function runWithKubeconfig(
  command: string,
  args: string[],
  kubeconfig: string,
  stdin = "",
): Promise<CommandResult> {
  const started = Date.now();
  const child = new Deno.Command(command, {
    args,
    env: { KUBECONFIG: kubeconfig, DENO_NO_UPDATE_CHECK: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: out.code,
    stdout: text(out.stdout),
    stderr: text(out.stderr),
    ms: Date.now() - started,
  };
}

/** `denovirt <args>` from this checkout, or `$DENOVIRT_ENTRY` (e.g. the bundle), as users run it. */
export function denovirt(args: string[], kubeconfig: string, stdin = ""): Promise<CommandResult> {
  const main = Deno.env.get("DENOVIRT_ENTRY") ?? new URL("../../main.ts", import.meta.url).pathname;
  return runWithKubeconfig(
    Deno.execPath(),
    ["run", "-A", "--no-prompt", main, ...args],
    kubeconfig,
    stdin,
  );
}

/**
 * A stand-in for QEMU's serial chardev server on a unix socket: answers each line `x` with
 * `echo:x`, so a console test can type and read without a guest.
 */
export async function fakeSerial(
  path: string,
): Promise<{ close(): Promise<void>; connections(): number }> {
  const { createServer } = await import("node:net");
  let count = 0;
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    let line = "";
    socket.on("data", (chunk: Uint8Array) => {
      line += new TextDecoder().decode(chunk);
      let at;
      while ((at = line.search(/[\r\n]/)) >= 0) {
        const text = line.slice(0, at);
        line = line.slice(at + 1);
        if (text) socket.write(`echo:${text}\r\n`);
      }
    });
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Open file descriptors of a process (Linux). */
export function openDescriptors(pid: number | "self" = "self"): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

export interface ConsoleFixture {
  namespace: string;
  /** What the node API was asked to do: `pause web`, ... */
  calls: string[];
  serialPath: string;
  node: string;
}

/**
 * A fake Node whose agent endpoint annotation names a node API served in this process
 * (`agent/console`) over a stand-in serial socket, and a Running VMI `web` on it in a fresh
 * namespace: the console chain end to end without the agent role. `nodeApi` overrides options
 * of that node API (e.g. where port-forward connects).
 */
export async function withConsoleFixture(
  stack: TestStack,
  fn: (f: ConsoleFixture) => Promise<void>,
  nodeApi: Pick<NodeApiOptions, "targetAddressOf"> = {},
) {
  const pki = pkiFiles(stack.paths.pki);
  const dir = await Deno.makeTempDir({ prefix: "console-" });
  const serialPath = join(dir, "serial.sock");
  const serial = await fakeSerial(serialPath);
  const calls: string[] = [];
  const stop = new AbortController();
  const node = `fake-node-${crypto.randomUUID().slice(0, 6)}`;
  const vmis = new Map<string, VmiLike>();
  const server = await serveNodeApi({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(pki.cert("serving-denovirt-agent")),
    key: await Deno.readTextFile(pki.key("serving-denovirt-agent")),
    clientCa: await Deno.readTextFile(pki.caCert),
    fallback: () => new Response("ok"),
    vmiOf: (ns, name) => vmis.get(`${ns}/${name}`),
    serialSocketOf: () => serialPath,
    domains: {
      pause: (vmi) => (calls.push(`pause ${vmi.metadata.name}`), Promise.resolve()),
      unpause: (vmi) => (calls.push(`unpause ${vmi.metadata.name}`), Promise.resolve()),
      softReboot: (vmi) => (calls.push(`softreboot ${vmi.metadata.name}`), Promise.resolve()),
    },
    signal: stop.signal,
    ...nodeApi,
  });
  const core = stack.admin.makeApiClient(CoreV1Api);
  await core.createNode({
    body: {
      metadata: {
        name: node,
        annotations: { [AGENT_ENDPOINT_ANNOTATION]: `https://127.0.0.1:${server.port}` },
      },
      // Nothing real may land here: the node exists only to name the fake agent.
      spec: {
        unschedulable: true,
        taints: [{ key: "denovirt.io/fake-node", effect: "NoSchedule" }],
      },
    },
  });
  try {
    await withNamespace(stack.admin, "console", async (namespace) => {
      const vmi = await createRunningVmi(stack, namespace, "web", node);
      vmis.set(`${namespace}/web`, vmi);
      await fn({ namespace, calls, serialPath, node });
    });
  } finally {
    stop.abort();
    await server.finished;
    await serial.close();
    await core.deleteNode({ name: node }).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

/** Create a VMI and give it the status of one running on `node`. */
export async function createRunningVmi(
  stack: TestStack,
  namespace: string,
  name: string,
  node: string,
): Promise<VmiLike> {
  const api = stack.admin.makeApiClient(CustomObjectsApi);
  const target = {
    group: "kubevirt.io",
    version: "v1",
    namespace,
    plural: "virtualmachineinstances",
  };
  await api.createNamespacedCustomObject({
    ...target,
    body: {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachineInstance",
      metadata: { name, namespace },
      spec: { domain: { memory: { guest: "64Mi" }, devices: {} } },
    },
  });
  return await setVmiStatus(stack, namespace, name, { phase: "Running", nodeName: node });
}

/** Merge `status` into the VMI's status, as the controllers would. */
export async function setVmiStatus(
  stack: TestStack,
  namespace: string,
  name: string,
  status: Json,
): Promise<VmiLike> {
  const kube = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
  try {
    return await kube.patch<Json>(virtualMachineInstances, { namespace, name }, { status }, {
      type: "merge",
      subresource: "status",
    }) as VmiLike;
  } finally {
    kube.close();
  }
}

/** A console WebSocket through the API server, or the Status of the refusal. */
export function openConsole(
  stack: TestStack,
  namespace: string,
  name: string,
  kubeconfig: string = stack.paths.kubeconfig,
  token?: string,
): Promise<{ ws?: WsSocket; status?: number; message?: string; ms: number }> {
  const started = Date.now();
  const { server, options } = webSocketOptionsOf(loadKubeConfig({ kubeconfig }));
  const url = server.replace(/^http/, "ws") +
    `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${name}/console`;
  const opts = token ? { ca: options.ca, headers: { authorization: `Bearer ${token}` } } : options;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [CONSOLE_PROTOCOL], opts);
    ws.once("open", () => resolve({ ws, ms: Date.now() - started }));
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (c: Uint8Array) => text += new TextDecoder().decode(c));
      res.on("end", () => {
        ws.terminate();
        resolve({
          status: res.statusCode,
          message: statusMessageOf(text),
          ms: Date.now() - started,
        });
      });
    });
    ws.once("error", reject);
  });
}

/** The `message` of a Status body, or the body itself when it is not one (a proxy's plain text). */
function statusMessageOf(text: string): string {
  try {
    return JSON.parse(text).message ?? text;
  } catch {
    return text;
  }
}
