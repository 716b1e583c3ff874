/**
 * Helpers of the agent's integration tests (this file holds no tests): an agent daemon of its
 * own node on the test stack, VMIs made Scheduled to it as the controllers would, and probes
 * of QEMU processes and serial logs.
 */
import { join } from "node:path";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { type LibvirtConnection, openLibvirt } from "../../agent/libvirt/mod.ts";
import { AGENT_FINALIZER } from "../../agent/reconcile/types.ts";
import { NODE_NAME_LABEL } from "../../agent/reconcile/loop.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import { loadKubeConfig } from "../../lib/kube/config.ts";
import { RestClient } from "../../lib/kube/rest.ts";
import { leases, nodes, pods, virtualMachineInstances } from "../../lib/kube/resources.ts";
import { kubeconfigFor } from "../../stack/control_plane.ts";
import { ensureGuestFixture } from "../../stack/fixture/mod.ts";
import { pkiFiles } from "../../stack/pki.ts";
import { freeLoopbackPort } from "../../stack/ports.ts";
import { ROLES_READY_FOR_THE_STACK } from "../../cli/roles.ts";
import { eventually, type TestStack } from "./stack.ts";

export type Vmi = VirtualMachineInstance & KubeObject;

/** Test nodes are tainted so that only the tests' own pods land on them. */
export const TEST_TAINT_KEY = "denovirt.io/test";

/** An agent process of its own node, with its own data directory. */
export interface AgentDaemon {
  node: string;
  port: number;
  dataDir: string;
  hostDiskDir: string;
  logFile: string;
  pid: number;
  /** Starts the agent again (after `kill`), with the same node and directories. */
  restart(): Promise<void>;
  /** SIGKILL: no cleanup of any kind, as after a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** The agent's log, for failure messages. */
  log(): Promise<string>;
}

/** The agent's command line: from `$DENOVIRT_ENTRY` (e.g. the bundle) or agent/main.ts. */
function agentCommand(): string[] {
  const entry = Deno.env.get("DENOVIRT_ENTRY");
  return entry ? [entry, "agent"] : [new URL("../../agent/main.ts", import.meta.url).pathname];
}

/** Starts an agent for node `node` against the test stack and waits until it is ready. */
export async function startAgentDaemon(
  stack: TestStack,
  opts: { node?: string; registerNode?: boolean; resyncSeconds?: number; args?: string[] } = {},
): Promise<AgentDaemon> {
  const node = opts.node ?? `agent-test-${crypto.randomUUID().slice(0, 6)}`;
  const dataDir = join(stack.paths.home, node);
  // The stack's webhooks allow hostDisk paths under <data>/hostdisks only.
  const hostDiskDir = join(stack.paths.data, "hostdisks");
  const logFile = join(stack.paths.log, `${node}.log`);
  await Deno.mkdir(hostDiskDir, { recursive: true });
  await Deno.mkdir(stack.paths.log, { recursive: true });
  const pki = pkiFiles(stack.paths.pki);
  const port = freeLoopbackPort();
  const args = [
    "run",
    "-A",
    "--no-prompt",
    ...agentCommand(),
    `--kubeconfig=${kubeconfigFor(stack.paths, "denovirt-agent")}`,
    `--port=${port}`,
    `--tls-cert=${pki.cert("serving-denovirt-agent")}`,
    `--tls-key=${pki.key("serving-denovirt-agent")}`,
    `--client-ca=${pki.caCert}`,
    `--libvirt-uri=${stack.libvirtUri}`,
    `--data-dir=${dataDir}`,
    `--node-name=${node}`,
    `--allowed-hostdisk-dir=${hostDiskDir}`,
    `--resync-seconds=${opts.resyncSeconds ?? 10}`,
    // Test nodes never take other tests' pods.
    ...(opts.registerNode !== false
      ? ["--register-node", `--register-with-taints=${TEST_TAINT_KEY}=agent:NoSchedule`]
      : []),
    ...(opts.args ?? []),
  ];
  let child: Deno.ChildProcess | undefined;
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(pki.caCert)] });
  const daemon: AgentDaemon = {
    node,
    port,
    dataDir,
    hostDiskDir,
    logFile,
    pid: 0,
    async restart() {
      // The shell execs into the agent: the pid is the agent's, its output goes straight to the file.
      child = new Deno.Command("sh", {
        args: ["-c", 'exec "$0" "$@" >>"$AGENT_LOG" 2>&1', Deno.execPath(), ...args],
        env: { DENO_NO_UPDATE_CHECK: "1", AGENT_LOG: logFile },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      daemon.pid = child.pid;
      const exited = child.status.then((s) => s);
      await eventually(`agent ${node} to be ready`, async () => {
        const done = await Promise.race([exited, Promise.resolve(undefined)]);
        if (done) throw new Error(`The agent exited with ${done.code}: ${await daemon.log()}`);
        const response = await fetch(`https://127.0.0.1:${port}/readyz`, { client });
        await response.body?.cancel();
        return response.ok ? true : undefined;
      }, 60_000);
    },
    async kill() {
      if (!child) return;
      child.kill("SIGKILL");
      await child.status;
      child = undefined;
    },
    async stop() {
      if (!child) return;
      child.kill("SIGTERM");
      await child.status;
      child = undefined;
      client.close();
    },
    log: () => Deno.readTextFile(logFile).catch(() => ""),
  };
  await daemon.restart();
  return daemon;
}

let currentStack: TestStack | undefined;

/** The admin's REST client. */
export function adminRest(stack: TestStack): RestClient {
  currentStack = stack;
  return RestClient.fromKubeConfig(stack.admin);
}

/** A 96 MiB VMI booting `disk`, a raw image under the hostDisk dir (64 MiB: the fixture reboots in a loop). */
export function vmiSpec(
  disk: string,
  extra: { volumes?: unknown[]; disks?: unknown[]; grace?: number } = {},
): VirtualMachineInstance["spec"] {
  return {
    domain: {
      resources: { requests: { memory: "96Mi" } },
      devices: {
        disks: [{ name: "root", disk: { bus: "virtio" } }, ...(extra.disks ?? [])],
        interfaces: [{ name: "default", masquerade: {} }],
      },
    },
    networks: [{ name: "default", pod: {} }],
    volumes: [{ name: "root", hostDisk: { path: disk, type: "Disk" } }, ...(extra.volumes ?? [])],
    terminationGracePeriodSeconds: extra.grace ?? 2,
  } as VirtualMachineInstance["spec"];
}

/** A private copy of the fixture's raw disk under the agent's hostDisk directory. */
export async function guestDisk(agent: AgentDaemon, name: string): Promise<string> {
  const fixture = await ensureGuestFixture();
  const path = join(agent.hostDiskDir, `${agent.node}-${name}.img`);
  // cp keeps the copy sparse; the cached fixture is never written to.
  const out = await new Deno.Command("cp", { args: ["--sparse=always", fixture.diskRaw, path] })
    .output();
  if (!out.success) {
    throw new Error(`Cannot copy the fixture disk: ${new TextDecoder().decode(out.stderr)}`);
  }
  return path;
}

/**
 * Whether the stack runs the controllers (then VMIs reach the agent's node through launcher pods
 * and kube-scheduler); `DENOVIRT_TEST_CONTROLLERS=0|1` overrides.
 */
export const CONTROLLERS_IN_STACK = Deno.env.get("DENOVIRT_TEST_CONTROLLERS") !== undefined
  ? Deno.env.get("DENOVIRT_TEST_CONTROLLERS") === "1"
  : ROLES_READY_FOR_THE_STACK.includes("controllers");

/**
 * Creates a VMI for the agent's node. With the controllers in the stack, it selects (and
 * tolerates) the test node and goes the whole way; without, the test does the controllers' part:
 * phase Scheduled, `status.nodeName` and the node label.
 */
export async function createScheduledVmi(
  rest: RestClient,
  namespace: string,
  name: string,
  spec: VirtualMachineInstance["spec"],
  node: string,
): Promise<Vmi> {
  const created = await rest.create<Vmi>(virtualMachineInstances, {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name, namespace },
    spec: {
      ...spec,
      nodeSelector: { "kubernetes.io/hostname": node },
      tolerations: [{ key: TEST_TAINT_KEY, operator: "Exists" }],
    },
  } as Vmi);
  if (CONTROLLERS_IN_STACK) return created;
  // As the controllers: the webhooks reserve the node label to their identity.
  if (!currentStack) throw new Error("Make the client with adminRest() first");
  const controllers = RestClient.fromKubeConfig(
    loadKubeConfig({ kubeconfig: kubeconfigFor(currentStack.paths, "denovirt-controllers") }),
  );
  try {
    const scheduled = await controllers.updateStatus<Vmi>(virtualMachineInstances, {
      ...created,
      status: { phase: "Scheduled", nodeName: node },
    });
    return await controllers.patch<Vmi>(virtualMachineInstances, { namespace, name }, {
      metadata: {
        labels: { [NODE_NAME_LABEL]: node },
        resourceVersion: scheduled.metadata.resourceVersion,
      },
    }, { type: "merge" });
  } finally {
    controllers.close();
  }
}

/** The VMI, or undefined once it is gone. */
export async function getVmi(
  rest: RestClient,
  namespace: string,
  name: string,
): Promise<Vmi | undefined> {
  try {
    return await rest.get<Vmi>(virtualMachineInstances, { namespace, name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Waits for the VMI to reach `phase`; fails early on an unexpected final phase. */
export function waitForPhase(
  rest: RestClient,
  namespace: string,
  name: string,
  phase: string,
  timeoutMs = 120_000,
): Promise<Vmi> {
  return eventually(`VMI ${namespace}/${name} to be ${phase}`, async () => {
    const vmi = await getVmi(rest, namespace, name);
    const now = vmi?.status?.phase;
    if (now === phase) return vmi;
    if ((now === "Failed" || now === "Succeeded") && now !== phase) {
      throw new Error(`VMI ${namespace}/${name} is ${now} (${vmi?.status?.reason ?? "no reason"})`);
    }
    return undefined;
  }, timeoutMs);
}

/** The serial log path of a VMI on an agent (`<data-dir>/run/<ns>_<name>/serial.log`). */
export function serialLog(agent: AgentDaemon, namespace: string, name: string): string {
  return join(agent.dataDir, "run", `${namespace}_${name}`, "serial.log");
}

/** Waits until the VMI's serial log holds `text`; answers the whole log. */
export function waitForSerial(
  agent: AgentDaemon,
  namespace: string,
  name: string,
  text: string,
  timeoutMs = 150_000,
): Promise<string> {
  const file = serialLog(agent, namespace, name);
  return eventually(`${text} in ${file}`, async () => {
    const log = (await Deno.readTextFile(file).catch(() => "")).replaceAll("\r\n", "\n");
    return log.includes(text) ? log : undefined;
  }, timeoutMs);
}

/** PIDs of QEMU processes of domain `domain` (`-name guest=<domain>,...` in their command line). */
export async function qemuPids(domain: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    const args = cmdline.split("\0");
    const at = args.indexOf("-name");
    if (at >= 0 && args[at + 1]?.split(",")[0] === `guest=${domain}`) pids.push(pid);
  }
  return pids;
}

/** The test stack's libvirt, for checks and cleanup. */
export function testLibvirt(stack: TestStack): Promise<LibvirtConnection> {
  return openLibvirt(stack.libvirtUri, { events: false, maxConcurrentCalls: 2 });
}

/** Whether a domain of that name exists. */
export async function domainExists(libvirt: LibvirtConnection, name: string): Promise<boolean> {
  return (await libvirt.list()).some((d) => d.name === name);
}

/**
 * Removes what a test may leave behind: the namespace's VMIs (finalizers released by force when
 * the agent is gone), its domains, the agent's directories, its Node and Lease.
 */
export async function cleanUp(
  stack: TestStack,
  agent: AgentDaemon | undefined,
  namespace: string,
): Promise<void> {
  const rest = adminRest(stack);
  const libvirt = await testLibvirt(stack);
  try {
    await agent?.stop().catch(() => {});
    const list = await rest.list<Vmi>(virtualMachineInstances, { namespace }).catch(() => ({
      items: [],
    }));
    for (const vmi of list.items) {
      const ref = { namespace, name: vmi.metadata.name! };
      if (vmi.metadata.finalizers?.includes(AGENT_FINALIZER)) {
        await rest.patch(virtualMachineInstances, ref, { metadata: { finalizers: [] } }, {
          type: "merge",
        })
          .catch(() => {});
      }
      await rest.delete(virtualMachineInstances, ref).catch(() => {});
    }
    // Without a kubelet or agent, nothing would finish the deletion of the namespace's pods.
    const podList = await rest.list(pods, { namespace }).catch(() => ({ items: [] }));
    for (const pod of podList.items) {
      await rest.delete(pods, { namespace, name: pod.metadata!.name! }, { gracePeriodSeconds: 0 })
        .catch(() => {});
    }
    for (const domain of await libvirt.list()) {
      if (!domain.name.startsWith(`${namespace}_`)) continue;
      await libvirt.destroy(domain.uuid).catch(() => {});
      await libvirt.undefine(domain.uuid).catch(() => {});
    }
    if (agent) {
      // The tests print the agent's log when they fail, before they clean up.
      await Deno.remove(agent.logFile).catch(() => {});
      await Deno.remove(agent.dataDir, { recursive: true }).catch(() => {});
      for await (const entry of Deno.readDir(agent.hostDiskDir)) {
        if (entry.name.startsWith(`${agent.node}-`)) {
          await Deno.remove(join(agent.hostDiskDir, entry.name)).catch(() => {});
        }
      }
      await rest.delete(nodes, { name: agent.node }).catch(() => {});
      await rest.delete(leases, { namespace: "kube-node-lease", name: agent.node }).catch(() => {});
    }
  } finally {
    await libvirt.close();
    rest.close();
  }
}
