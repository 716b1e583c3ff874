/**
 * Helpers of the agent's integration tests (this file holds no tests): an agent daemon of its
 * own node on the test stack, and its guests' serial logs.
 */
import { join } from "node:path";
import { kubeconfigFor } from "../../stack/control_plane.ts";
import { pkiFiles } from "../../stack/pki.ts";
import { freeLoopbackPort } from "../../stack/ports.ts";
import { CNI_BIN_DIR, cniPaths } from "../../stack/pod_network.ts";
import { eventually, type TestStack } from "./stack.ts";

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
  /** SIGTERM and wait, then release the pod network sandboxes it made (`--cleanup`). */
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
  const bridge = `dvn${node.slice(-6).replace(/[^a-z0-9]/g, "")}`;
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
    // Its own CNI conf dir and template: this node's pods go on a bridge of its own.
    `--cni-conf-dir=${join(dataDir, "cni", "net.d")}`,
    `--cni-conf-template=${await nodeCniTemplate(stack, dataDir, bridge)}`,
    `--cni-bin-dir=${CNI_BIN_DIR}`,
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
      if (child) {
        child.kill("SIGTERM");
        await child.status;
        child = undefined;
        client.close();
      }
      // As the stack's `down` does: the pod network sandboxes this node made go too.
      const cleanup = await new Deno.Command(Deno.execPath(), {
        args: [...args, "--cleanup"],
        env: { DENO_NO_UPDATE_CHECK: "1" },
        stdin: "null",
      }).output();
      if (!cleanup.success) {
        throw new Error(`agent --cleanup failed: ${new TextDecoder().decode(cleanup.stderr)}`);
      }
      await new Deno.Command("ip", { args: ["link", "del", bridge], stderr: "null" }).output();
    },
    log: () => Deno.readTextFile(logFile).catch(() => ""),
  };
  await daemon.restart();
  return daemon;
}

/**
 * The stack's CNI template with another bridge: every test node is a node of its own on this
 * machine, with its own pod CIDR, and a Linux bridge holds one gateway address per CNI network.
 */
async function nodeCniTemplate(stack: TestStack, dataDir: string, bridge: string) {
  const template = JSON.parse(await Deno.readTextFile(cniPaths(stack.paths).template));
  template.plugins[0].bridge = bridge;
  const file = join(dataDir, "cni", "template.conflist");
  await Deno.mkdir(join(dataDir, "cni"), { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify(template, null, 2));
  return file;
}

/** The serial log path of a VMI on an agent (`<data-dir>/run/<ns>_<name>/serial.log`). */
export function serialLog(
  agent: Pick<AgentDaemon, "dataDir">,
  namespace: string,
  name: string,
): string {
  return join(agent.dataDir, "run", `${namespace}_${name}`, "serial.log");
}

/** Waits until the VMI's serial log holds `text`; answers the whole log. */
export function waitForSerial(
  agent: Pick<AgentDaemon, "dataDir">,
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
