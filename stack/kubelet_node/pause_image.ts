/**
 * The pod sandbox ("pause") image of kubelet nodes, built offline from Debian's static busybox:
 * one layer holding `/bin/busybox`, whose `sleep` holds the pod's namespaces open (containerd
 * stops a sandbox with SIGKILL, so it needs no signal handling). Written once per busybox
 * build into the cache, as an OCI archive that `ctr images import` reads.
 */
import { join } from "node:path";
import { runChecked } from "../../lib/exec.ts";
import { writeLayer } from "../images/layer.ts";
import { blobPath } from "../images/layout.ts";
import { jsonBlob, type LayerRef } from "../images/manifests.ts";
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from "../images/media_types.ts";
import { REF_NAME_ANNOTATION } from "../images/media_types.ts";
import { cacheDir } from "../paths.ts";

/** The sandbox image's name, as containerd's `sandbox_image` gives it. */
export const PAUSE_IMAGE = "localhost/denovirt-pause:1";
/** Where Debian's busybox-static installs busybox. */
const BUSYBOX = "/usr/bin/busybox";
/** The longest sleep busybox takes: about 68 years. */
const FOREVER_SECONDS = "2147483647";

/** The image config: busybox sleeping, as an unprivileged user, with nothing else. */
export function pauseConfigOf(layer: LayerRef) {
  return {
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: ["/bin/busybox", "sleep", FOREVER_SECONDS], User: "65535:65535" },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created_by: "denovirt: pause layer (busybox sleep)" }],
  };
}

/** The index of the archive, naming the image for containerd and for `oci:` readers. */
export function pauseIndexOf(manifest: { digest: string; size: number; mediaType: string }) {
  return {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{
      ...manifest,
      platform: { architecture: "amd64", os: "linux" },
      annotations: {
        "io.containerd.image.name": PAUSE_IMAGE,
        [REF_NAME_ANNOTATION]: PAUSE_IMAGE.split(":")[1]!,
      },
    }],
  };
}

/** The pause image's archive, made unless the cache has it: its path and manifest digest. */
export async function ensurePauseArchive(): Promise<{ archive: string; digest: string }> {
  const busyboxDigest = (await runChecked("sha256sum", [BUSYBOX])).slice(0, 16);
  const dir = join(cacheDir(), "images", `${busyboxDigest}-pause`);
  const archive = join(dir, "pause.tar");
  const digestFile = join(dir, "digest");
  const saved = await Deno.readTextFile(digestFile).catch(() => "");
  if (saved && (await Deno.stat(archive).then(() => true, () => false))) {
    return { archive, digest: saved.trim() };
  }
  const layout = join(dir, "layout");
  await Deno.remove(layout, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(layout, "blobs", "sha256"), { recursive: true });
  const size = (await Deno.stat(BUSYBOX)).size;
  const partial = join(layout, "blobs", "sha256", ".layer");
  const layer = await writeLayer([
    { type: "directory", name: "bin/" },
    { type: "file", name: "bin/busybox", size, mode: 0o755, content: { path: BUSYBOX } },
  ], partial);
  await Deno.rename(partial, blobPath(layout, layer.digest));
  const config = jsonBlob(OCI_CONFIG, pauseConfigOf(layer));
  const ref = (mediaType: string, d: { digest: string; size: number }) => ({
    mediaType,
    digest: d.digest,
    size: d.size,
  });
  const manifest = jsonBlob(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: ref(OCI_CONFIG, config.descriptor),
    layers: [ref(OCI_LAYER_GZIP, layer)],
  });
  for (const blob of [config, manifest]) {
    await Deno.writeFile(blobPath(layout, blob.descriptor.digest), blob.bytes);
  }
  await Deno.writeTextFile(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  await Deno.writeTextFile(
    join(layout, "index.json"),
    JSON.stringify(pauseIndexOf(manifest.descriptor)),
  );
  await runChecked("tar", [
    "--sort=name",
    "--mtime=@0",
    "--owner=0",
    "--group=0",
    "-C",
    layout,
    "-cf",
    archive,
    "oci-layout",
    "index.json",
    "blobs",
  ]);
  await Deno.writeTextFile(digestFile, manifest.descriptor.digest + "\n");
  return { archive, digest: manifest.descriptor.digest };
}
