/** The guest fixture as containerDisk images: built once per fixture, cached, and published. */
import { basename, join } from "node:path";
import type { GuestFixture } from "../fixture/mod.ts";
import { cacheDir } from "../paths.ts";
import { ensureContainerDiskLayout, type ImageLayout } from "./layout.ts";
import { type PublishedImage, pushImage } from "./push.ts";
import type { RegistryTarget } from "./registry_session.ts";

/** Where the stack and the tests publish the guest fixture. */
export const FIXTURE_REPOSITORY = "denovirt/fixture";

export type FixtureDiskFormat = "qcow2" | "raw";

/** Bumped when the layer or manifests this code writes change, so old cached layouts are not reused. */
const IMAGE_FORMAT = "containerdisk-1";

/** The fixture's disk in one format as a containerDisk layout (`disk/disk.qcow2` or `disk/disk.raw`). */
export function ensureFixtureImage(
  fixture: GuestFixture,
  format: FixtureDiskFormat,
): Promise<ImageLayout> {
  return ensureContainerDiskLayout({
    disk: format === "qcow2" ? fixture.diskQcow2 : fixture.diskRaw,
    dir: join(cacheDir(), "images", `${basename(fixture.dir)}-${IMAGE_FORMAT}`, format),
    tag: format,
  });
}

/**
 * Publish the fixture to a registry as `denovirt/fixture:<tag>` in all four manifest forms
 * (see push.ts for the tags), in the given disk format.
 */
export async function publishFixture(
  fixture: GuestFixture,
  target: RegistryTarget,
  format: FixtureDiskFormat,
  tag: string,
): Promise<PublishedImage> {
  return await pushImage(
    await ensureFixtureImage(fixture, format),
    target,
    FIXTURE_REPOSITORY,
    tag,
  );
}
