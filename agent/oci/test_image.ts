/** Test helper: a containerDisk image in a fake registry, and a directory to extract it into. */
import { join } from "node:path";
import zlib from "node:zlib";
import { RegistryClient } from "./client.ts";
import { extractDiskFile, type ExtractOptions } from "./disk.ts";
import { parseImageReference } from "./reference.ts";
import { type FakeRegistry, withRegistry } from "./test_registry.ts";
import { tarOf, type TestEntry } from "./test_tar.ts";

export const TAR = "application/vnd.oci.image.layer.v1.tar";
export const GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const DOCKER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const gzip = (bytes: Uint8Array) => new Uint8Array(zlib.gzipSync(bytes));
export const plain = (entries: TestEntry[]) => ({ bytes: tarOf(entries), mediaType: TAR });
export const gzipped = (entries: TestEntry[]) => ({ bytes: gzip(tarOf(entries)), mediaType: GZIP });

/** A disk image: markers in a sea of zeros (which must come back as holes). */
export function diskBytes(size = 3 * 1024 * 1024): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode("DISK-START"), 0);
  bytes.set(new TextEncoder().encode("middle"), 1024 * 1024 + 3);
  bytes.set(new TextEncoder().encode("DISK-END"), size - 8);
  return bytes;
}

export interface Run {
  dir: string;
  target: string;
  registry: FakeRegistry;
  /** Resolves `disks/img:v1` and extracts it to `target`. */
  extract(options?: Partial<ExtractOptions>): Promise<{ bytes: number; sourcePath: string }>;
}

/** An image of `layers` in a fake registry, and a fresh directory to extract it into. */
export async function withImage(
  layers: { bytes: Uint8Array; mediaType: string }[],
  fn: (run: Run) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-oci-disk-" });
  const client = new RegistryClient({ insecure: () => true });
  try {
    await withRegistry(async (registry, name) => {
      registry.addImage("disks/img", "v1", layers);
      const target = join(dir, "disk.img");
      const extract = async (options: Partial<ExtractOptions> = {}) => {
        const image = await client.resolve(parseImageReference(`${name}/disks/img:v1`));
        return extractDiskFile(client, image, { target, maxBytes: 64 * 1024 * 1024, ...options });
      };
      await fn({ dir, target, registry, extract });
    });
  } finally {
    client.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The names in `dir`: nothing but what the test expects, no temporaries. */
export async function namesIn(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}
