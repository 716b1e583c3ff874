/**
 * The containerDisk bench's images: the guest fixture's qcow2 disk (optionally followed by MiBs
 * of random bytes, so that pulls move real data), published to the stack's registry once per
 * measured start under a file name of its own, so that each has its own digest and no start
 * finds another's pull in the node's cache.
 */
import { join } from "node:path";
import { runChecked } from "../lib/exec.ts";
import type { GuestFixture } from "../stack/fixture/mod.ts";
import { writeContainerDiskLayout } from "../stack/images/layout.ts";
import { type PublishedImage, pushImage } from "../stack/images/push.ts";

export const BENCH_REPOSITORY = "bench/containerdisk";
const MiB = 1024 * 1024;

/** The disk to publish: the fixture's qcow2, or a qcow2 of its raw disk and `padMiB` random MiBs. */
export async function benchDisk(fixture: GuestFixture, padMiB: number, dir: string) {
  if (padMiB === 0) return fixture.diskQcow2;
  const raw = join(dir, "padded.raw");
  await Deno.copyFile(fixture.diskRaw, raw);
  const file = await Deno.open(raw, { append: true });
  try {
    const chunk = new Uint8Array(MiB);
    for (let i = 0; i < padMiB; i++) {
      // getRandomValues fills at most 64 KiB at a time.
      for (let at = 0; at < MiB; at += 65536) {
        crypto.getRandomValues(chunk.subarray(at, at + 65536));
      }
      await file.write(chunk);
    }
  } finally {
    file.close();
  }
  const qcow2 = join(dir, "padded.qcow2");
  await runChecked("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2]);
  await Deno.remove(raw);
  return qcow2;
}

/** One image per tag, each with the disk under its own file name: distinct digests. */
export async function publishBenchImages(
  disk: string,
  registryUrl: string,
  tags: string[],
  dir: string,
): Promise<Map<string, PublishedImage>> {
  const published = new Map<string, PublishedImage>();
  for (const tag of tags) {
    const layout = await writeContainerDiskLayout({
      disk,
      dir: join(dir, `layout-${tag}`),
      fileName: `${tag}.qcow2`,
      tag,
    });
    published.set(tag, await pushImage(layout, { url: registryUrl }, BENCH_REPOSITORY, tag));
    await Deno.remove(layout.dir, { recursive: true });
  }
  return published;
}
