/** The processes of an extra node: whatever runs in its network or mount namespace. */
import { processAlive } from "../daemon.ts";
import type { StackPaths } from "../paths.ts";
import type { StackNode } from "./addressing.ts";
import { nodeDirs } from "./node_paths.ts";

/** Namespace links (`net:[inode]`, `mnt:[inode]`) that identify the node's processes. */
async function nodeNamespaces(paths: StackPaths, node: StackNode): Promise<Set<string>> {
  const found = new Set<string>();
  const net = await Deno.stat(`/run/netns/${node.netns}`).catch(() => undefined);
  if (net?.ino) found.add(`net:[${net.ino}]`);
  // A namespace file is on nsfs while bind-mounted; unmounted, it is an empty file of our own.
  const file = nodeDirs(paths, node).mountNs;
  const mnt = await Deno.stat(file).catch(() => undefined);
  const dir = await Deno.stat(nodeDirs(paths, node).nsDir).catch(() => undefined);
  if (mnt?.ino && mnt.dev !== dir?.dev) found.add(`mnt:[${mnt.ino}]`);
  return found;
}

/** Every live process in the node's network or mount namespace. */
export async function nodeProcesses(paths: StackPaths, node: StackNode): Promise<number[]> {
  const namespaces = await nodeNamespaces(paths, node);
  if (namespaces.size === 0) return [];
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    for (const kind of ["net", "mnt"]) {
      const link = await Deno.readLink(`/proc/${pid}/ns/${kind}`).catch(() => "");
      if (namespaces.has(link) && processAlive(pid)) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

/** SIGKILL every process of the node at once, as a power failure would; answers how many. */
export async function killNodeProcesses(paths: StackPaths, node: StackNode): Promise<number> {
  let killed = 0;
  // Twice: a process may fork while the first sweep runs.
  for (let round = 0; round < 2; round++) {
    for (const pid of await nodeProcesses(paths, node)) {
      try {
        Deno.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // Gone already.
      }
    }
  }
  return killed;
}
