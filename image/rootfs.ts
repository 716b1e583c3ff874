/**
 * The image's file system as three layers of tar entries, a pure function of its inputs:
 * `system` (host programs and libraries, busybox, users), `runtime` (Deno; empty for a
 * compiled binary) and `app` (the bundle and the `denovirt` wrapper, or the binary). Fixed owners, modes and order: same inputs, same layers.
 */
import { ROLE_V8_OPTION } from "../lib/role_runtime.ts";
import type { TarEntry } from "../stack/images/tar.ts";
import type { HostFile } from "./host_files.ts";

/** The unprivileged user the roles run as (distroless's `nonroot`). */
export const IMAGE_USER = { name: "denovirt", uid: 65532, gid: 65532 };
export const DENO_PATH = "/usr/local/bin/deno";
export const BUNDLE_PATH = "/opt/denovirt/denovirt.js";
export const ENTRY_PATH = "/usr/local/bin/denovirt";
/** The install's certificate job (a Job in manifests/cluster runs it). */
export const CERTS_BUNDLE_PATH = "/opt/denovirt/denovirt-certs.js";
export const CERTS_ENTRY_PATH = "/usr/local/bin/denovirt-certs";
/** busybox applets the image offers (a shell for the wrapper, and tools the agent runs). */
export const BUSYBOX_APPLETS = [
  "cat",
  "df",
  "env",
  "kill",
  "ls",
  "mkdir",
  "ps",
  "rm",
  "sh",
  "sysctl",
];

export interface RootfsInputs {
  /** Host programs and their libraries (busybox among them). */
  hostFiles: HostFile[];
  /** Top-level symlinks of a merged-/usr host: `bin -> usr/bin`, ... */
  rootLinks: { name: string; target: string }[];
  /** Where busybox is in the image (one of hostFiles). */
  busybox: string;
  /** Deno and the bundle, or (where `deno compile` worked) the single binary. */
  entry:
    | { kind: "bundle"; deno: SizedFile; bundle: SizedFile; certsBundle: SizedFile }
    | { kind: "binary"; binary: SizedFile; certsBinary: SizedFile };
}

/** A build input file and its size. */
export interface SizedFile {
  source: string;
  size: number;
}

export interface RootfsLayers {
  system: TarEntry[];
  runtime: TarEntry[];
  app: TarEntry[];
}

/** A wrapper that runs a bundle with Deno (`denovirt`: every role and command). */
export function wrapperScript(bundle = BUNDLE_PATH): string {
  return [
    "#!/bin/sh",
    "# Run by Deno from the bundle, with every argument passed on and the roles' V8 flags.",
    `exec ${DENO_PATH} run -A --no-prompt ${ROLE_V8_OPTION} ${bundle} "$@"`,
    "",
  ].join("\n");
}

/** /etc/passwd and /etc/group: root and the roles' unprivileged user. */
export function accountFiles(): { passwd: string; group: string } {
  const { name, uid, gid } = IMAGE_USER;
  return {
    passwd:
      `root:x:0:0:root:/root:/bin/sh\n${name}:x:${uid}:${gid}:${name}:/home/${name}:/sbin/nologin\n`,
    group: `root:x:0:\n${name}:x:${gid}:\n`,
  };
}

/** The three layers of the image. */
export function rootfsLayers(inputs: RootfsInputs): RootfsLayers {
  const { passwd, group } = accountFiles();
  const text = (path: string, content: string, mode = 0o644): TarEntry => {
    const bytes = new TextEncoder().encode(content);
    return { type: "file", name: rel(path), size: bytes.length, content: { bytes }, mode };
  };
  const taken = new Set(inputs.hostFiles.map((f) => f.path));
  const binDir = inputs.busybox.slice(0, inputs.busybox.lastIndexOf("/"));
  const applets: TarEntry[] = BUSYBOX_APPLETS
    .filter((name) => !taken.has(`${binDir}/${name}`))
    .map((name) => ({ type: "symlink", name: rel(`${binDir}/${name}`), target: "busybox" }));
  const home = `/home/${IMAGE_USER.name}`;
  const system: TarEntry[] = [
    ...inputs.rootLinks.map((l): TarEntry => ({ type: "symlink", name: l.name, target: l.target })),
    ...inputs.hostFiles.map((f): TarEntry => ({
      type: "file",
      name: rel(f.path),
      size: f.size,
      content: { path: f.source },
      mode: f.mode,
    })),
    ...applets,
    text("/etc/passwd", passwd),
    text("/etc/group", group),
    { type: "directory", name: "tmp/", mode: 0o1777 },
    { type: "directory", name: "home/" },
    {
      type: "directory",
      name: `${rel(home)}/`,
      mode: 0o700,
      uid: IMAGE_USER.uid,
      gid: IMAGE_USER.gid,
    },
  ];
  const file = (path: string, from: SizedFile, mode: number): TarEntry => ({
    type: "file",
    name: rel(path),
    size: from.size,
    content: { path: from.source },
    mode,
  });
  const { entry } = inputs;
  const runtime: TarEntry[] = entry.kind === "bundle" ? [file(DENO_PATH, entry.deno, 0o755)] : [];
  const app: TarEntry[] = entry.kind === "bundle"
    ? [
      file(BUNDLE_PATH, entry.bundle, 0o644),
      text(ENTRY_PATH, wrapperScript(), 0o755),
      file(CERTS_BUNDLE_PATH, entry.certsBundle, 0o644),
      text(CERTS_ENTRY_PATH, wrapperScript(CERTS_BUNDLE_PATH), 0o755),
    ]
    : [file(ENTRY_PATH, entry.binary, 0o755), file(CERTS_ENTRY_PATH, entry.certsBinary, 0o755)];
  return { system: withParents(system), runtime: withParents(runtime), app: withParents(app) };
}

/** Entries sorted by name, each preceded by its parent directories (0755, root), once. */
export function withParents(entries: TarEntry[]): TarEntry[] {
  const byName = new Map<string, TarEntry>();
  for (const entry of entries) {
    const parts = entry.name.replace(/\/$/, "").split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join("/")}/`;
      if (!byName.has(dir)) byName.set(dir, { type: "directory", name: dir });
    }
    byName.set(entry.name, entry);
  }
  return [...byName.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Tar names are relative: `/usr/bin/sh` is stored as `usr/bin/sh`. */
function rel(path: string): string {
  return path.replace(/^\/+/, "");
}
