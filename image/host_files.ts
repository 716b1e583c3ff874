/**
 * Files the image takes from the build host (Debian 12): programs the roles run and the shared
 * libraries they load, found by asking the dynamic loader (`ldd`), as a distroless base would.
 */
import { basename, dirname } from "node:path";
import { run } from "../lib/exec.ts";

/** One host file for the image: where it goes in the image, and what to read it from. */
export interface HostFile {
  /** Absolute path in the image (the host's path with symlinked directories resolved). */
  path: string;
  /** The file to read: the host path with every symlink resolved. */
  source: string;
  mode: number;
  size: number;
}

/** The libraries `ldd` lists for a program: absolute paths; the vDSO and static programs give none. */
export function librariesOfLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split("\n")) {
    const linked = line.match(/=>\s+(\/\S+)\s+\(0x/);
    const loader = line.match(/^\s*(\/\S+)\s+\(0x/);
    const path = linked?.[1] ?? loader?.[1];
    if (path) paths.push(path);
  }
  return paths;
}

/**
 * Programs and their library closure, each once, in the image's path order; `librariesOf` adds
 * only the libraries of programs that come from elsewhere (Deno).
 */
export async function hostFilesOf(
  programs: string[],
  librariesOf: string[] = [],
): Promise<HostFile[]> {
  const wanted = new Set<string>(programs);
  for (const program of [...programs, ...librariesOf]) {
    const ldd = await run("ldd", [program]);
    // Static programs make ldd exit 1 ("not a dynamic executable"): they need no libraries.
    if (ldd.code === 0) { for (const lib of librariesOfLdd(ldd.stdout)) wanted.add(lib); }
  }
  const files = new Map<string, HostFile>();
  for (const path of wanted) {
    const inImage = `${await Deno.realPath(dirname(path))}/${basename(path)}`;
    const source = await Deno.realPath(path);
    const info = await Deno.stat(source);
    files.set(inImage, { path: inImage, source, mode: info.mode! & 0o777, size: info.size });
  }
  return [...files.values()].sort((a, b) => a.path < b.path ? -1 : 1);
}

/** The host's top-level directories that are symlinks (merged /usr: /bin -> usr/bin, ...). */
export async function hostRootLinks(): Promise<{ name: string; target: string }[]> {
  const links = [];
  for (const name of ["bin", "lib", "lib64", "sbin"]) {
    try {
      links.push({ name, target: await Deno.readLink(`/${name}`) });
    } catch {
      // A real directory (or none): files land in it as they are.
    }
  }
  return links;
}
