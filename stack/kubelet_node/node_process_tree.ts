/**
 * Finding every process of a kubelet node: those in its network or mount namespace (kubelet,
 * containerd, shims) and their descendants (containers, in namespaces of their own).
 */
import { processAlive } from "../daemon.ts";

/** Live processes in the network namespace `netnsFile` or the bind-mounted mount namespace file. */
export async function namespaceMembers(
  netnsFile: string,
  mountNsFile: string,
  mountNsDir: string,
): Promise<number[]> {
  const links = new Set<string>();
  const net = await Deno.stat(netnsFile).catch(() => undefined);
  if (net?.ino) links.add(`net:[${net.ino}]`);
  // A namespace file is on nsfs while bind-mounted; unmounted, it is an empty file of our own.
  const mnt = await Deno.stat(mountNsFile).catch(() => undefined);
  const dir = await Deno.stat(mountNsDir).catch(() => undefined);
  if (mnt?.ino && mnt.dev !== dir?.dev) links.add(`mnt:[${mnt.ino}]`);
  if (links.size === 0) return [];
  const found: number[] = [];
  for (const pid of await allPids()) {
    for (const kind of ["net", "mnt"]) {
      const link = await Deno.readLink(`/proc/${pid}/ns/${kind}`).catch(() => "");
      if (links.has(link) && processAlive(pid)) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

/** `roots` and every live process descended from them. */
export async function descendantsOf(roots: number[]): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const pid of await allPids()) {
    const parent = await parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  return treeOf(roots, children).filter(processAlive);
}

/** Every pid reachable from `roots` through `children`, each once. */
export function treeOf(roots: number[], children: Map<number, number[]>): number[] {
  const seen = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

async function allPids(): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (Number.isInteger(pid) && pid !== Deno.pid) pids.push(pid);
  }
  return pids;
}

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}
