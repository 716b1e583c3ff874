/**
 * `down`'s part for the pod network, once the agent and libvirtd are stopped: the agent
 * releases the sandboxes it recorded, then the bridge, the CNI plugins' leftovers and
 * kube-proxy's rules go, so nothing of the stack's network stays on the machine.
 */
import { join } from "node:path";
import { run } from "../lib/exec.ts";
import { logFile, stopDaemon } from "./daemon.ts";
import { removeCniLeftovers } from "./cni_leftovers.ts";
import { kubeBinaryPaths } from "./kube_binaries.ts";
import { cleanupKubeProxy, KUBE_PROXY, otherStacksWithKubeProxy } from "./kube_proxy.ts";
import { libvirtUri } from "./libvirt_daemon.ts";
import type { StackPaths } from "./paths.ts";
import { POD_BRIDGE } from "./pod_network.ts";
import { savedPorts } from "./ports.ts";
import { roleSpec } from "./roles.ts";

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
  if ((await run("ip", ["link", "show", "dev", POD_BRIDGE])).code === 0) {
    const deleted = await run("ip", ["link", "delete", "dev", POD_BRIDGE]);
    if (deleted.code === 0) say(`Deleted the bridge ${POD_BRIDGE}`);
    else say(`Warning: cannot delete the bridge ${POD_BRIDGE}: ${deleted.stderr.trim()}`);
  }
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
 * Run the agent once with its own flags plus `--cleanup`: it releases every sandbox recorded
 * under `<data>/network/` (network namespaces, CNI DEL, per-VM links and tables) and exits.
 * Nothing recorded, nothing to run. A failure or a timeout is a warning: `down` goes on.
 */
async function releaseSandboxes(paths: StackPaths, say: (line: string) => void) {
  const records = join(paths.data, "network");
  const any = await Array.fromAsync(Deno.readDir(records)).then((e) => e.length > 0, () => false);
  const ports = await savedPorts(paths.portsFile);
  if (!any || !ports) return;
  const kvm = (await Deno.readTextFile(join(paths.libvirt, "kvm")).catch(() => "0")).trim() === "1";
  const spec = roleSpec(paths, ports, "agent", { uri: libvirtUri(paths), kvm });
  const output = await new Deno.Command(spec.command, {
    args: [...spec.args, "--cleanup"],
    env: spec.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(AGENT_CLEANUP_TIMEOUT_MS),
  }).output().catch((error) => error as Error);
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
  if (output.success) {
    say("Released the agent's pod network sandboxes");
    return;
  }
  const why = output.signal
    ? `stopped after ${AGENT_CLEANUP_TIMEOUT_MS / 1000} s`
    : `exit ${output.code}`;
  const tail = text.trimEnd().split("\n").slice(-5).join("\n");
  say(`Warning: agent --cleanup did not finish (${why}); see ${logFile(paths, "agent")}\n${tail}`);
}
