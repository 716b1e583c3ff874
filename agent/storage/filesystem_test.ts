import assert from "node:assert/strict";
import {
  ensureEmptyDiskImage,
  ensureVolumeDir,
  filesystemBytes,
  removeVolumeDir,
} from "./filesystem.ts";

async function tempVolumes(): Promise<{ root: string; volumes: string }> {
  const root = await Deno.makeTempDir({ prefix: "denovirt-storage-" });
  const volumes = `${root}/volumes`;
  await Deno.mkdir(volumes);
  return { root, volumes };
}

Deno.test("filesystemBytes() measures the filesystem of a directory", async () => {
  const bytes = await filesystemBytes(Deno.cwd());
  assert.ok(bytes > 0n);
});

Deno.test("ensureEmptyDiskImage() makes a sparse raw image once, and keeps it", async () => {
  const { root, volumes } = await tempVolumes();
  try {
    const dir = `${volumes}/pvc-1`;
    await Promise.all([
      ensureEmptyDiskImage(dir, volumes, 1n << 30n),
      ensureEmptyDiskImage(dir, volumes, 1n << 30n),
    ]);
    const info = await Deno.stat(`${dir}/disk.img`);
    assert.equal(info.size, 1 << 30);
    assert.ok((info.blocks ?? 0) * 512 < 1 << 20, "the image is sparse");
    await Deno.writeTextFile(`${dir}/disk.img`, "guest data");
    await ensureEmptyDiskImage(dir, volumes, 1n << 30n);
    assert.equal(await Deno.readTextFile(`${dir}/disk.img`), "guest data");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["disk.img"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("removeVolumeDir() removes a volume and refuses any path not below the volumes dir", async () => {
  const { root, volumes } = await tempVolumes();
  try {
    await ensureVolumeDir(`${volumes}/pvc-1`, volumes);
    await Deno.writeTextFile(`${volumes}/pvc-1/disk.img`, "x");
    await removeVolumeDir(`${volumes}/pvc-1`, volumes);
    assert.equal(await Deno.lstat(`${volumes}/pvc-1`).catch(() => undefined), undefined);
    await removeVolumeDir(`${volumes}/pvc-1`, volumes); // already gone: fine

    for (const path of [volumes, `${volumes}/`, `${volumes}/..`, root, "/etc"]) {
      await assert.rejects(() => removeVolumeDir(path, volumes), /not under/, path);
    }
    await assert.rejects(() => ensureVolumeDir(`${root}/elsewhere`, volumes), /not under/);

    // A link is removed, never followed.
    await Deno.mkdir(`${root}/precious`);
    await Deno.writeTextFile(`${root}/precious/keep`, "x");
    await Deno.symlink(`${root}/precious`, `${volumes}/pvc-link`);
    await removeVolumeDir(`${volumes}/pvc-link`, volumes);
    assert.equal(await Deno.readTextFile(`${root}/precious/keep`), "x");
    assert.equal(await Deno.lstat(`${volumes}/pvc-link`).catch(() => undefined), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
