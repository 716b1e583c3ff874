/**
 * `down`'s part for the pod network, once the agent and libvirtd are stopped: the agent
 * releases the sandboxes it recorded (namespaces, links, addresses), then the bridge, the CNI
 * plugins' chains and kube-proxy's rules go, so nothing of the stack's network stays on the
 * machine.
 */
import { join } from "node:path";
import { run } from "../lib/exec.ts";
import { type DaemonSpec, logFile, stopDaemon } from "./daemon.ts";
import { removeCniLeftovers } from "./cni_leftovers.ts";
import { kubeBinaryPaths } from "./kube_binaries.ts";
import { cleanupKubeProxy, KUBE_PROXY, otherStacksWithKubeProxy } from "./kube_proxy.ts";
import { libvirtUri } from "./libvirt_daemon.ts";
import type { StackPaths } from "./paths.ts";
import { POD_BRIDGE, STACK_INTERFACE_PREFIX } from "./pod_network.ts";
import { savedPorts } from "./ports.ts";
import { roleSpec } from "./roles.ts";
import { removeNodesBridge } from "./nodes/node_network.ts";

/** How long `agent --cleanup` may take before `down` stops it and goes on. */
const AGENT_CLEANUP_TIMEOUT_MS = 30_000;

/** Tear the stack's pod network down; problems are said as warnings, never thrown. */
export async function removePodNetwork(paths: StackPaths, say: (line: string) => void) {
  await releaseSandboxes(paths, say);
  if (await stopDaemon(paths, KUBE_PROXY)) say(`Stopped ${KUBE_PROXY}`);
  const others = await otherStacksWithKubeProxy(paths.home);
  if (others.length > 0) {
    say(`Left the pod network in place: the stack in ${others.join(", ")} uses it`);
    return;
  }
  for (const what of await removeNodesBridge()) say(`Deleted ${what}`);
  await removeBridge(say);
  for (const failure of await removeCniLeftovers()) {
    say(`Warning: cannot remove a CNI chain: ${failure.trim()}`);
  }
  const binary = kubeBinaryPaths().kubeProxy;
  if (await Deno.stat(binary).then(() => true, () => false)) {
    const cleaned = await cleanupKubeProxy(binary);
    if (cleaned.code !== 0) {
      say(`Warning: kube-proxy --cleanup failed: ${(cleaned.stderr || cleaned.stdout).trim()}`);
    }
  }
}

/**
 * Delete the pod bridge, then name what the agent's cleanup left: network namespaces `dv-*`
 * and links `dv*` (per-VM bridges and veths). Those are only reported, not deleted: other
 * software on the machine (an agent under test, say) may use the same names, and only the
 * agent's records say which are this stack's.
 */
async function removeBridge(say: (line: string) => void) {
  if ((await run("ip", ["link", "show", "dev", POD_BRIDGE])).code === 0) {
    const deleted = await run("ip", ["link", "delete", "dev", POD_BRIDGE]);
    if (deleted.code === 0) say(`Deleted the bridge ${POD_BRIDGE}`);
    else say(`Warning: cannot delete the bridge ${POD_BRIDGE}: ${deleted.stderr.trim()}`);
  }
  const names = async (args: string[], key: "name" | "ifname") =>
    JSON.parse((await run("ip", ["-j", ...args])).stdout || "[]")
      .map((entry: Record<string, string>) => entry[key] ?? "")
      .filter((name: string) => name.startsWith(STACK_INTERFACE_PREFIX));
  const left = [
    ...(await names(["netns", "list"], "name")).map((n: string) => `network namespace ${n}`),
    ...(await names(["link", "show"], "ifname")).map((n: string) => `link ${n}`),
  ];
  if (left.length > 0) {
    say(`Warning: the agent's cleanup left what the stack's network names so: ${left.join(", ")}`);
  }
}

/**
 * Run the agent once with its own flags plus `--cleanup`: it releases every sandbox recorded
 * under `<data>/network/` (network namespaces, CNI DEL, per-VM links and tables) and exits.
 * Nothing recorded, nothing to run. A failure or a timeout is a warning: `down` goes on.
 */
async function releaseSandboxes(paths: StackPaths, say: (line: string) => void) {
  const ports = await savedPorts(paths.portsFile);
  if (!ports) return;
  const kvm = (await Deno.readTextFile(join(paths.libvirt, "kvm")).catch(() => "0")).trim() === "1";
  const spec = roleSpec(paths, ports, "agent", { uri: libvirtUri(paths), kvm });
  await runAgentCleanup(paths, spec, join(paths.data, "network"), say);
}

/**
 * Run an agent's command line (`spec`) once more with `--cleanup` when `records` (its
 * `<data>/network/`) holds any sandbox; its output goes to the agent's log under `logPaths`.
 */
export async function runAgentCleanup(
  logPaths: StackPaths,
  spec: DaemonSpec,
  records: string,
  say: (line: string) => void,
) {
  const paths = logPaths;
  const any = await Array.fromAsync(Deno.readDir(records)).then((e) => e.length > 0, () => false);
  if (!any) return;
  // Our own timer, not AbortSignal.timeout: the agent exits 0 on the SIGTERM it sends.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), AGENT_CLEANUP_TIMEOUT_MS);
  const output = await new Deno.Command(spec.command, {
    args: [...spec.args, "--cleanup"],
    env: spec.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: abort.signal,
  }).output().catch((error) => error as Error).finally(() => clearTimeout(timer));
  if (output instanceof Error) {
    say(`Warning: agent --cleanup could not run: ${output.message}`);
    return;
  }
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  await Deno.writeTextFile(
    logFile(paths, "agent"),
    `--- ${new Date().toISOString()} agent --cleanup\n${text}`,
    { append: true },
  ).catch(() => {});
  if (output.success && !abort.signal.aborted) {
    say("Released the agent's pod network sandboxes");
    return;
  }
  const why = abort.signal.aborted
    ? `stopped after ${AGENT_CLEANUP_TIMEOUT_MS / 1000} s`
    : `exit ${output.code}`;
  const tail = text.trimEnd().split("\n").slice(-5).join("\n");
  say(`Warning: agent --cleanup did not finish (${why}); see ${logFile(paths, "agent")}\n${tail}`);
}
