/**
 * Build the denovirt image offline: the bundle (or the compiled binary where `deno compile`
 * can get Deno's runtime), Deno from the npm package, host programs and libraries the agent
 * needs, as an OCI layout at `<out>/layout` and a `docker save`-style `<out>/denovirt-<v>.tar`.
 */
import { join } from "node:path";
import { writeLayer } from "../stack/images/layer.ts";
import { blobPath } from "../stack/images/layout.ts";
import { jsonBlob } from "../stack/images/manifests.ts";
import { runChecked } from "../lib/exec.ts";
import { layoutArchiveFiles, writeTarball } from "./archive.ts";
import {
  dockerArchiveManifestOf,
  imageManifestOf,
  type ImageMeta,
  layoutIndexOf,
  type NamedLayer,
} from "./documents.ts";
import { hostFilesOf, hostRootLinks } from "./host_files.ts";
import type { ImageEntry } from "./entry.ts";
import { rootfsLayers, type SizedFile } from "./rootfs.ts";

/**
 * Host programs in the image: a shell and tools (busybox), openssl for the certificate job and
 * the agents' own serving certificates, and what the agent runs or loads:
 * the libvirt client library (FFI), qemu-img, genisoimage, ip, nft, dnsmasq (the guests' DHCP),
 * xz and the CNI plugins.
 */
export const HOST_PROGRAMS = [
  "/usr/bin/busybox",
  "/usr/lib/x86_64-linux-gnu/libvirt.so.0",
  "/usr/bin/openssl",
  "/etc/ssl/openssl.cnf",
  "/usr/bin/qemu-img",
  "/usr/bin/genisoimage",
  "/usr/sbin/ip",
  "/usr/sbin/nft",
  "/usr/sbin/dnsmasq",
  // procps' pgrep: Debian's busybox has no pgrep applet, and the agent finds each guest's
  // dnsmasq with `pgrep -f` (without it, every wiring pass started another one).
  "/usr/bin/pgrep",
  "/usr/bin/xz",
  "/usr/lib/cni/bridge",
  "/usr/lib/cni/host-local",
  "/usr/lib/cni/loopback",
  "/usr/lib/cni/portmap",
];

export interface BuildOptions {
  out: string;
  name: string;
  tag: string;
  meta: ImageMeta;
  entry: ImageEntry;
  /** Deno from its npm package; needed when the entry is the bundle. */
  deno: string | undefined;
  log: (line: string) => void;
}

export interface BuiltImage {
  layoutDir: string;
  tag: string;
  tarball: string;
  digest: string;
  /** Bytes of the compressed layers, config and manifest (what a registry stores). */
  size: number;
}

/** Write the layout and the tarball; returns the manifest's digest. */
export async function buildImage(options: BuildOptions): Promise<BuiltImage> {
  for (const program of HOST_PROGRAMS) {
    await Deno.stat(program).catch(() => {
      throw new Error(
        `Cannot build the image: ${program} is missing (Debian packages busybox-static, ` +
          "libvirt0, openssl, qemu-utils, genisoimage, iproute2, nftables, dnsmasq-base, procps, xz-utils, containernetworking-plugins)",
      );
    });
  }
  const layoutDir = join(options.out, "layout");
  await Deno.remove(layoutDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(layoutDir, "blobs", "sha256"), { recursive: true });
  const hostFiles = await hostFilesOf(
    HOST_PROGRAMS,
    options.entry.kind === "bundle" ? [options.deno!] : [options.entry.main],
  );
  const busybox = hostFiles.find((f) => f.path.endsWith("/busybox"))!.path;
  const layers = rootfsLayers({
    hostFiles,
    rootLinks: await hostRootLinks(),
    busybox,
    entry: options.entry.kind === "binary"
      ? {
        kind: "binary",
        binary: await sized(options.entry.main),
        certsBinary: await sized(options.entry.certs),
      }
      : {
        kind: "bundle",
        deno: await sized(options.deno!),
        bundle: await sized(options.entry.main),
        certsBundle: await sized(options.entry.certs),
      },
  });
  const written: NamedLayer[] = [];
  for (const [what, entries] of Object.entries(layers)) {
    if (entries.length === 0) continue;
    const partial = join(layoutDir, "blobs", "sha256", `.${what}`);
    const layer = await writeLayer(entries, partial);
    await Deno.rename(partial, blobPath(layoutDir, layer.digest));
    written.push({ ...layer, createdBy: `denovirt image: ${what} layer` });
    options.log(`Layer ${what}: ${layer.digest} (${mib(layer.size)})`);
  }
  const { config, manifest } = imageManifestOf(written, options.meta);
  for (const blob of [config, manifest]) {
    await Deno.writeFile(blobPath(layoutDir, blob.descriptor.digest), blob.bytes);
  }
  const repoTag = `${options.name}:${options.tag}`;
  const index = layoutIndexOf(manifest.descriptor, options.tag, options.name);
  await Deno.writeTextFile(join(layoutDir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  await Deno.writeTextFile(join(layoutDir, "index.json"), JSON.stringify(index));
  const archive = dockerArchiveManifestOf(config.descriptor, written, repoTag);
  await Deno.writeFile(join(layoutDir, "manifest.json"), jsonBlob("", archive).bytes);
  const tarball = join(options.out, `denovirt-${options.tag}.tar`);
  const digests = [
    ...written.map((l) => l.digest),
    config.descriptor.digest,
    manifest.descriptor.digest,
  ];
  await writeTarball(tarball, ["blobs/", "blobs/sha256/"], layoutArchiveFiles(layoutDir, digests));
  const size = written.reduce((sum, l) => sum + l.size, 0) + config.descriptor.size +
    manifest.descriptor.size;
  return { layoutDir, tag: options.tag, tarball, digest: manifest.descriptor.digest, size };
}

/** Version, revision, source and time of the checkout at `root`, for the image's labels. */
export async function checkoutMeta(root: string, version: string): Promise<ImageMeta> {
  const git = (...args: string[]) => runChecked("git", ["-C", root, ...args]).then((s) => s.trim());
  const revision = await git("rev-parse", "HEAD");
  const dirty = (await git("status", "--porcelain", "--untracked-files=no")) !== "";
  const source = await git("remote", "get-url", "origin").catch(() => "");
  return {
    version,
    revision: dirty ? `${revision}-dirty` : revision,
    source: source || "unknown",
    created: await git("log", "-1", "--format=%cI"),
  };
}

async function sized(source: string): Promise<SizedFile> {
  return { source, size: (await Deno.stat(source)).size };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
