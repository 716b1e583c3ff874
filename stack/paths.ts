/** Where the local stack keeps its state: one directory, `$DENOVIRT_HOME` (default `~/.denovirt`). */
import { join } from "node:path";

export interface StackPaths {
  home: string;
  kubeconfig: string;
  run: string;
  log: string;
  pki: string;
  etcdData: string;
  libvirt: string;
  data: string;
  /** The loopback OCI registry: its config and its storage. */
  registry: string;
  portsFile: string;
}

/** The home of the stack: `$DENOVIRT_HOME`, else `~/.denovirt`. */
export function defaultHome(): string {
  const fromEnv = Deno.env.get("DENOVIRT_HOME");
  if (fromEnv) return fromEnv;
  return join(Deno.env.get("HOME") ?? "/root", ".denovirt");
}

/** The layout of a stack home directory. */
export function stackPaths(home = defaultHome()): StackPaths {
  return {
    home,
    kubeconfig: join(home, "kubeconfig"),
    run: join(home, "run"),
    log: join(home, "log"),
    pki: join(home, "pki"),
    etcdData: join(home, "etcd"),
    libvirt: join(home, "libvirt"),
    data: join(home, "data"),
    registry: join(home, "registry"),
    portsFile: join(home, "ports.json"),
  };
}

/** The shared cache for built binaries and fixtures: `$DENOVIRT_CACHE`, else `~/.cache/denovirt`. */
export function cacheDir(): string {
  const fromEnv = Deno.env.get("DENOVIRT_CACHE");
  if (fromEnv) return fromEnv;
  return join(Deno.env.get("HOME") ?? "/root", ".cache", "denovirt");
}
