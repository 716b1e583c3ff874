/**
 * `down`: stop everything `up` started, remove its domains, sockets and pod network; `--purge`
 * removes the home too (with its CNI files and leases).
 */
import { processAlive, runningPid, stopDaemon, terminate } from "./daemon.ts";
import { ALL_IN_ONE } from "./layout.ts";
import { stopLibvirt } from "./libvirt_daemon.ts";
import { removePodNetwork } from "./network_down.ts";
import { defaultHome, stackPaths } from "./paths.ts";
import { knownExtraNodes, stopNode } from "./nodes/node_down.ts";
import { knownKubeletNodes, stopKubeletNode } from "./kubelet_node/kubelet_node_down.ts";

export interface DownOptions {
  home?: string;
  purge?: boolean;
  say?: (line: string) => void;
}

/**
 * Roles first (they talk to the rest), then libvirt, then the pod network (sandboxes, bridge,
 * kube-proxy and its rules), then the control plane from the top down.
 */
const STOP_ORDER = [ALL_IN_ONE, "controllers", "webhooks", "agent", "registry"];
const CONTROL_PLANE_STOP_ORDER = [
  "kube-scheduler",
  "kube-controller-manager",
  "kube-apiserver",
  "etcd",
];

/** Stop the stack; safe to run on a stack that is partly or not at all running. */
export async function down(options: DownOptions = {}): Promise<void> {
  const say = options.say ?? ((line: string) => console.log(line));
  const paths = stackPaths(options.home ?? defaultHome());
  for (const name of STOP_ORDER) {
    if (await stopDaemon(paths, name)) say(`Stopped ${name}`);
  }
  for (const node of await knownExtraNodes(paths)) await stopNode(paths, node, say);
  for (const node of await knownKubeletNodes(paths)) await stopKubeletNode(paths, node, say);
  const libvirtWasUp = [];
  for (const name of ["libvirtd", "virtlogd"]) {
    if ((await runningPid(paths, name)) !== undefined) libvirtWasUp.push(name);
  }
  await stopLibvirt(paths);
  for (const name of libvirtWasUp) say(`Stopped ${name}`);
  await removePodNetwork(paths, say);
  for (const name of CONTROL_PLANE_STOP_ORDER) {
    if (await stopDaemon(paths, name)) say(`Stopped ${name}`);
  }
  const strays = await processesUnder(paths.home);
  for (const pid of strays) await terminate(pid, 5_000);
  if (strays.length > 0) say(`Stopped ${strays.length} stray process(es) of ${paths.home}`);
  if (options.purge) {
    await Deno.remove(paths.home, { recursive: true }).catch(() => {});
    say(`Removed ${paths.home}`);
  }
}

/**
 * Processes whose command line names a path inside `home`: every component of the stack does,
 * so this finds what a lost pid file would otherwise leave running.
 */
export async function processesUnder(home: string): Promise<number[]> {
  const found: number[] = [];
  const needle = home.endsWith("/") ? home : `${home}/`;
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    try {
      const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`);
      if (cmdline.includes(needle) && processAlive(pid)) found.push(pid);
    } catch {
      // Gone already.
    }
  }
  return found;
}
