/** Per-VM copies of the guest fixture's raw disk: hostDisk images are raw, as in KubeVirt. */
import { join } from "node:path";
import { runChecked } from "../lib/exec.ts";

/**
 * Copies `base` to `<dir>/<name>.raw` for each name, sparse and reflinked where the filesystem
 * can; answers the paths by name. (A qcow2 overlay would be cheaper, but the agent hands a
 * hostDisk to QEMU as raw.)
 */
export async function copyDisks(
  base: string,
  dir: string,
  names: string[],
): Promise<Map<string, string>> {
  await Deno.mkdir(dir, { recursive: true });
  const paths = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, `${name}.raw`);
    await runChecked("cp", ["--reflink=auto", "--sparse=always", base, path]);
    paths.set(name, path);
  }
  return paths;
}

/** Removes the given files; missing ones are fine. */
export async function removeFiles(paths: Iterable<string>): Promise<void> {
  for (const path of paths) await Deno.remove(path, { recursive: true }).catch(() => {});
}
