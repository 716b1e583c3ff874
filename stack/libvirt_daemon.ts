/**
 * A private libvirt (virtlogd + libvirtd) for the local stack. A root libvirtd uses compiled-in
 * paths, so each daemon runs in its own mount namespace where /etc/libvirt, /run/libvirt,
 * /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are bind mounts of directories
 * under `paths.libvirt`; the system's libvirt, if any, is never touched.
 */
import { join } from "node:path";
import * as daemon from "./daemon.ts";
import { run } from "../lib/exec.ts";
import { libvirtdConf, type LibvirtTcp, qemuConf } from "./libvirt_config.ts";
import { stackDriverDir } from "./libvirt_drivers.ts";
import { kvmWorks } from "./kvm.ts";
import type { StackPaths } from "./paths.ts";
import { waitUntil } from "./readiness.ts";

export interface StartLibvirtOptions {
  /** Use KVM (else /dev/kvm is hidden from the daemons); default: whether KVM really works. */
  kvm?: boolean;
  timeoutMs?: number;
  /** Listen for migrations on TCP at this node address, as this host (a distinct UUID per node). */
  tcp?: LibvirtTcp;
  /**
   * A command prefix that runs the daemons inside a node's namespaces (`nsenter ...`), whose
   * mount namespace already has libvirt's directories in place; without it each daemon gets a
   * mount namespace of its own.
   */
  enter?: string[];
}

const DAEMONS = ["virtlogd", "libvirtd"] as const;

/** Where the private libvirt keeps things; `system` maps each real directory to its stand-in. */
export function libvirtDirs(paths: StackPaths) {
  const root = paths.libvirt;
  const system = {
    "/etc/libvirt": join(root, "etc"),
    "/run/libvirt": join(root, "run"),
    "/var/lib/libvirt": join(root, "lib"),
    "/var/cache/libvirt": join(root, "cache"),
    "/var/log/libvirt": join(root, "log"),
  };
  return {
    system,
    etc: system["/etc/libvirt"],
    run: system["/run/libvirt"],
    sock: join(root, "sock"),
  };
}

/** The client URI of the private libvirtd. */
export function libvirtUri(paths: StackPaths): string {
  return `qemu:///system?socket=${join(libvirtDirs(paths).sock, "libvirt-sock")}`;
}

/** Start virtlogd, then libvirtd, unless already running; resolves once libvirtd answers. */
export async function startLibvirt(
  paths: StackPaths,
  opts: StartLibvirtOptions = {},
): Promise<{ uri: string; kvm: boolean }> {
  const dirs = libvirtDirs(paths);
  for (const dir of [...Object.values(dirs.system), dirs.sock, paths.run, paths.log]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await Deno.writeTextFile(join(dirs.etc, "libvirtd.conf"), libvirtdConf(dirs.sock, opts.tcp));
  await Deno.writeTextFile(join(dirs.etc, "virtlogd.conf"), "# Defaults: logs go to stderr.\n");
  await Deno.writeTextFile(join(dirs.etc, "qemu.conf"), qemuConf(opts.tcp?.address));
  // A running libvirtd keeps the KVM choice it was started with.
  const kvmFile = join(paths.libvirt, "kvm");
  const kvm = (await daemon.runningPid(paths, "libvirtd"))
    ? (await Deno.readTextFile(kvmFile).catch(() => "0")).trim() === "1"
    : (opts.kvm ?? await kvmWorks());
  await Deno.writeTextFile(kvmFile, kvm ? "1\n" : "0\n");
  const uri = libvirtUri(paths);
  const ready = {
    virtlogd: async () => await isFile(join(dirs.run, "virtlogd-sock")),
    libvirtd: async () => (await virsh(uri, ["version"])).code === 0,
  };
  for (const name of DAEMONS) {
    if (!(await daemon.runningPid(paths, name))) {
      await startInNamespace(paths, name, kvm, opts);
    }
    await waitUntil(ready[name], {
      what: name,
      timeoutMs: opts.timeoutMs ?? 120_000,
      logFile: daemon.logFile(paths, name),
      stillAlive: async () => (await daemon.runningPid(paths, name)) !== undefined,
    });
  }
  return { uri, kvm };
}

/**
 * Destroy and undefine every domain, stop libvirtd and virtlogd, and remove their sockets and
 * pid files.
 */
export async function stopLibvirt(paths: StackPaths): Promise<void> {
  const uri = libvirtUri(paths);
  if (await daemon.runningPid(paths, "libvirtd")) {
    const names = async (args: string[]) =>
      (await virsh(uri, ["list", "--name", ...args])).stdout.split("\n").map((l) => l.trim())
        .filter((l) => l);
    for (const name of await names([])) await virsh(uri, ["destroy", name]);
    for (const name of await names(["--all"])) {
      // --nvram also removes an EFI domain's variables; a BIOS domain may refuse the flag.
      if ((await virsh(uri, ["undefine", "--nvram", name])).code !== 0) {
        await virsh(uri, ["undefine", name]);
      }
    }
  }
  // Whatever else runs in the daemons' namespaces (a qemu that outlived its destroy) goes too.
  const members = await libvirtProcesses(paths);
  for (const name of [...DAEMONS].reverse()) await daemon.stopDaemon(paths, name);
  for (const pid of members) if (daemon.processAlive(pid)) await daemon.terminate(pid, 5_000);
  const dirs = libvirtDirs(paths);
  const leftovers = [
    ...["libvirt-sock", "libvirt-sock-ro", "libvirt-admin-sock"].map((f) => join(dirs.sock, f)),
    ...["virtlogd-sock", "virtlogd-admin-sock"].map((f) => join(dirs.run, f)),
    ...DAEMONS.flatMap((name) => [daemon.pidFile(paths, name), namespaceFile(paths, name)]),
    ...DAEMONS.map((name) => join(dirs.run, `${name}.pid`)),
  ];
  for (const file of leftovers) await Deno.remove(file).catch(() => {});
}

/** Every live process of this private libvirt: the daemons and whatever shares their mount namespace. */
export async function libvirtProcesses(paths: StackPaths): Promise<number[]> {
  const namespaces = new Set<string>();
  for (const name of DAEMONS) {
    const text = await Deno.readTextFile(namespaceFile(paths, name)).catch(() => "");
    for (const ns of text.split("\n").filter((line) => line)) namespaces.add(ns);
  }
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    const ns = await Deno.readLink(`/proc/${pid}/ns/mnt`).catch(() => "");
    if (namespaces.has(ns) && daemon.processAlive(pid)) found.push(pid);
  }
  return found;
}

/** Run `virsh -c uri args...`, never throwing. */
export function virsh(uri: string, args: string[]) {
  return run("virsh", ["-c", uri, ...args]);
}

/**
 * Start a daemon in the foreground inside a fresh private mount namespace. `unshare` and `sh`
 * exec into the daemon, so the recorded pid is the daemon's own. The daemons' own pid files
 * would default to /run/<name>.pid, which a system libvirt holds locked: they go to our run dir.
 */
async function startInNamespace(
  paths: StackPaths,
  name: typeof DAEMONS[number],
  kvm: boolean,
  opts: StartLibvirtOptions,
) {
  const dirs = libvirtDirs(paths);
  await Deno.remove(join(dirs.run, `${name}-sock`)).catch(() => {});
  const daemonArgs = ["-f", join(dirs.etc, `${name}.conf`), "-p", join(dirs.run, `${name}.pid`)];
  // libvirtd opens its TCP socket only when started with --listen.
  if (name === "libvirtd" && opts.tcp) daemonArgs.push("--listen");
  const [command, ...prefix] = opts.enter ?? ["unshare", "-m", "--propagation", "private"];
  const args = opts.enter
    ? [...prefix, name, ...daemonArgs]
    : [...prefix, "sh", "-c", namespaceScript(paths, kvm), name, name, ...daemonArgs];
  // libvirtd loads only the drivers the stack's domains use (libvirt_drivers.ts).
  const drivers = name === "libvirtd" ? await stackDriverDir(paths.libvirt) : undefined;
  const env = drivers ? { LIBVIRT_DRIVER_DIR: drivers } : undefined;
  const pid = await daemon.startDaemon(paths, { name, command: command!, args, env });
  // Appended, not replaced: a qemu started by an earlier libvirtd may still live in its namespace.
  const ns = await namespaceOf(pid);
  if (ns) await Deno.writeTextFile(namespaceFile(paths, name), ns + "\n", { append: true });
}

/**
 * The script that sets up a daemon's namespace, then execs it. A /dev/kvm that does not work
 * is removed from a copy of /dev, not merely masked: libvirtd 9 finds any openable /dev/kvm
 * "usable", and when its cached QEMU capabilities lack KVM it re-probes QEMU on every define
 * (~30 s under TCG). Mounts under /dev (pts, shm) are carried over with rbind.
 */
function namespaceScript(paths: StackPaths, kvm: boolean): string {
  const binds = Object.entries(libvirtDirs(paths).system)
    .map(([target, source]) => bindLine(source, target));
  return ["set -e", ...binds, kvm ? "" : hideKvmScript(paths), 'exec "$@"'].join("\n");
}

/** A shell line that bind-mounts `source` on `target`, making the target directory first. */
export function bindLine(source: string, target: string): string {
  return `mkdir -p ${quote(target)}; mount --bind ${quote(source)} ${quote(target)}`;
}

/** Shell lines that replace /dev with a copy without `kvm` (see namespaceScript). */
export function hideKvmScript(paths: StackPaths): string {
  return `if [ -e /dev/kvm ]; then
  stage=${quote(join(paths.libvirt, "dev"))}
  mkdir -p "$stage"
  mount -t tmpfs -o mode=755,size=1m denovirt-dev "$stage"
  cp -ax /dev/. "$stage/"
  rm -f "$stage/kvm"
  for mnt in $(awk '$5 ~ "^/dev/[^/]+$" { print $5 }' /proc/self/mountinfo | sort -u); do
    mount --rbind "$mnt" "$stage/\${mnt#/dev/}"
  done
  mount --move "$stage" /dev
fi`;
}

/** The mount namespace of `pid` once it has left ours (unshare runs right after spawn). */
async function namespaceOf(pid: number): Promise<string | undefined> {
  const ours = await Deno.readLink("/proc/self/ns/mnt");
  for (let i = 0; i < 250; i++) {
    const ns = await Deno.readLink(`/proc/${pid}/ns/mnt`).catch(() => undefined);
    if (ns === undefined) return undefined;
    if (ns !== ours) return ns;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

function namespaceFile(paths: StackPaths, name: string): string {
  return join(paths.run, `${name}.mntns`);
}

/** `text` as one single-quoted shell word. */
export function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
