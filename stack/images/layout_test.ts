import assert from "node:assert/strict";
import { join } from "node:path";
import { runChecked } from "../../lib/exec.ts";
import {
  blobPath,
  ensureContainerDiskLayout,
  readImageLayout,
  writeContainerDiskLayout,
  writeImageLayout,
} from "./layout.ts";
import { sha256Digest } from "./manifests.ts";

async function withTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-images-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A disk-like file whose size is not a multiple of 512, with bytes that are not all alike. */
async function sampleDisk(dir: string): Promise<{ path: string; bytes: Uint8Array }> {
  const bytes = new Uint8Array(300_001);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
  const path = join(dir, "sample.raw");
  await Deno.writeFile(path, bytes);
  return { path, bytes };
}

/** `tar -tvz` of a layer as GNU tar sees it: "mode uid/gid size name" per member. */
async function listing(layer: string): Promise<string[]> {
  const out = await runChecked("tar", ["--numeric-owner", "-tvzf", layer]);
  return out.trim().split("\n").map((line) => {
    const [mode, owner, size, , , ...name] = line.split(/\s+/);
    return `${mode} ${owner} ${size} ${name.join(" ")}`;
  });
}

Deno.test("writeContainerDiskLayout() makes a layer GNU tar reads back as disk/<file>, 107:107, 0444", async () => {
  await withTemp(async (dir) => {
    const disk = await sampleDisk(dir);
    const image = await writeContainerDiskLayout({ disk: disk.path, dir: join(dir, "layout") });
    const layer = blobPath(image.dir, image.layer.digest);
    assert.deepEqual(await listing(layer), [
      "dr-xr-xr-x 107/107 0 disk/",
      "-r--r--r-- 107/107 300001 disk/sample.raw",
    ]);
    const out = join(dir, "out");
    await Deno.mkdir(out);
    await runChecked("tar", ["-xzf", layer, "-C", out]);
    assert.deepEqual(await Deno.readFile(join(out, "disk", "sample.raw")), disk.bytes);
  });
});

Deno.test("writeContainerDiskLayout() records the gzip blob's digest and the plain tar's diff_id", async () => {
  await withTemp(async (dir) => {
    const disk = await sampleDisk(dir);
    const image = await writeContainerDiskLayout({
      disk: disk.path,
      dir: join(dir, "layout"),
      fileName: "disk.img",
    });
    const packed = await Deno.readFile(blobPath(image.dir, image.layer.digest));
    assert.equal(sha256Digest(packed), image.layer.digest);
    assert.equal(packed.length, image.layer.size);
    const plain = await new Response(
      new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).bytes();
    assert.equal(sha256Digest(plain), image.layer.diffId);
    assert.equal(plain.length % 512, 0);
    for (const blob of Object.values(image.documents)) {
      const stored = await Deno.readFile(blobPath(image.dir, blob.descriptor.digest));
      assert.equal(sha256Digest(stored), blob.descriptor.digest);
    }
  });
});

Deno.test("writeContainerDiskLayout() makes an OCI layout whose index.json names the manifest by tag", async () => {
  await withTemp(async (dir) => {
    const disk = await sampleDisk(dir);
    const image = await writeContainerDiskLayout({
      disk: disk.path,
      dir: join(dir, "l"),
      tag: "v2",
    });
    const layoutFile = JSON.parse(await Deno.readTextFile(join(image.dir, "oci-layout")));
    assert.deepEqual(layoutFile, { imageLayoutVersion: "1.0.0" });
    const back = await readImageLayout(image.dir);
    assert.equal(back.tag, "v2");
    assert.deepEqual(back.layer, image.layer);
    assert.deepEqual(back.documents.ociManifest.bytes, image.documents.ociManifest.bytes);
    assert.deepEqual(back.documents.dockerManifest.bytes, image.documents.dockerManifest.bytes);
  });
});

Deno.test("writeContainerDiskLayout() gives the same digests for the same disk twice", async () => {
  await withTemp(async (dir) => {
    const disk = await sampleDisk(dir);
    const a = await writeContainerDiskLayout({ disk: disk.path, dir: join(dir, "a") });
    const b = await writeContainerDiskLayout({ disk: disk.path, dir: join(dir, "b") });
    assert.equal(
      a.documents.ociManifest.descriptor.digest,
      b.documents.ociManifest.descriptor.digest,
    );
  });
});

Deno.test("writeImageLayout() makes the broken layers tests need: two disks, ../, a symlink", async () => {
  await withTemp(async (dir) => {
    const bytes = new TextEncoder().encode("not a disk\n");
    const file = (name: string) => ({
      type: "file" as const,
      name,
      size: bytes.length,
      content: { bytes },
    });
    const image = await writeImageLayout({
      dir: join(dir, "broken"),
      entries: [
        { type: "directory", name: "disk/" },
        file("disk/a.img"),
        file("disk/b.img"),
        file("disk/../escape.img"),
        { type: "symlink", name: "disk/c.img", target: "/etc/passwd" },
      ],
    });
    const names = (await listing(blobPath(image.dir, image.layer.digest))).map((l) =>
      l.split(" ").slice(3).join(" ")
    );
    assert.deepEqual(names, [
      "disk/",
      "disk/a.img",
      "disk/b.img",
      "disk/../escape.img",
      "disk/c.img -> /etc/passwd",
    ]);
  });
});

Deno.test("writeImageLayout() fails when a file is not the size its entry declares", async () => {
  await withTemp(async (dir) => {
    await assert.rejects(
      writeImageLayout({
        dir: join(dir, "l"),
        entries: [{ type: "file", name: "disk/x", size: 5, content: { bytes: new Uint8Array(4) } }],
      }),
      /4 bytes, expected 5/,
    );
  });
});

Deno.test("ensureContainerDiskLayout() builds once and then reuses the finished layout", async () => {
  await withTemp(async (dir) => {
    const disk = await sampleDisk(dir);
    const target = join(dir, "cached");
    const first = await ensureContainerDiskLayout({ disk: disk.path, dir: target });
    const stamp = (await Deno.stat(join(target, "index.json"))).mtime;
    const second = await ensureContainerDiskLayout({ disk: disk.path, dir: target });
    assert.equal(
      second.documents.ociManifest.descriptor.digest,
      first.documents.ociManifest.descriptor.digest,
    );
    assert.deepEqual((await Deno.stat(join(target, "index.json"))).mtime, stamp);
    const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(leftovers, ["cached", "sample.raw"]);
  });
});
