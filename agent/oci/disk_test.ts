import assert from "node:assert/strict";
import { tarOf } from "./test_tar.ts";
import {
  diskBytes,
  DOCKER_GZIP,
  GZIP,
  gzip,
  gzipped,
  namesIn,
  plain,
  withImage,
} from "./test_image.ts";

Deno.test("extractDiskFile() writes the single file of /disk/ from a gzip layer, sparse, with progress", async () => {
  const disk = diskBytes();
  const progress: { bytes: number; totalBytes: number }[] = [];
  await withImage([
    gzipped([{ name: "disk/", type: "dir" }, { name: "disk/cirros.img", data: disk }]),
  ], async (run) => {
    const result = await run.extract({ onProgress: (p) => progress.push(p) });
    assert.deepEqual(result, { bytes: disk.length, sourcePath: "/disk/cirros.img" });
    assert.deepEqual(await Deno.readFile(run.target), disk);
    const info = await Deno.stat(run.target);
    assert.ok(info.blocks! * 512 < disk.length / 2, `not sparse: ${info.blocks} blocks`);
    assert.equal(info.mode! & 0o777, 0o644);
    assert.deepEqual(await namesIn(run.dir), ["disk.img"]);
    const layerSize = Math.max(...[...run.registry.blobs.values()].map((b) => b.length));
    assert.deepEqual(progress.at(-1), { bytes: layerSize, totalBytes: layerSize });
  });
});

Deno.test("extractDiskFile() applies plain and gzip layers in order with whiteouts and opaque directories", async () => {
  await withImage([
    plain([{ name: "disk/old.img", data: "old" }, { name: "disk/other.img", data: "other" }, {
      name: "etc/os-release",
      data: "x",
    }]),
    gzipped([{ name: "disk/.wh.old.img" }, { name: "disk/mid.img", data: "mid" }]),
    plain([{ name: "disk/.wh..wh..opq" }, { name: "disk/new.qcow2", data: "new disk" }]),
  ], async (run) => {
    assert.deepEqual(await run.extract(), { bytes: 8, sourcePath: "/disk/new.qcow2" });
    assert.equal(await Deno.readTextFile(run.target), "new disk");
    assert.deepEqual(await namesIn(run.dir), ["disk.img"]);
  });
});

Deno.test("extractDiskFile() reads multi-member gzip, a gzip media type over a plain tar, and pax long names", async () => {
  const long = `disk/${"l".repeat(150)}.img`;
  const first = tarOf([{ name: "disk/", type: "dir" }], false);
  const second = tarOf([{ name: long, data: "long", long: "pax" }]);
  await withImage([
    { bytes: new Uint8Array([...gzip(first), ...gzip(second)]), mediaType: GZIP },
    { bytes: tarOf([{ name: "etc/motd", data: "hi" }]), mediaType: DOCKER_GZIP },
  ], async (run) => {
    assert.deepEqual(await run.extract(), { bytes: 4, sourcePath: `/${long}` });
  });
});

Deno.test("extractDiskFile() takes the file at the given path, whatever /disk/ holds", async () => {
  await withImage([
    plain([{ name: "disk/a.img", data: "a" }, { name: "disk/b.img", data: "b" }, {
      name: "images/custom.qcow2",
      data: "custom",
    }]),
  ], async (run) => {
    assert.deepEqual(await run.extract({ path: "/images/custom.qcow2" }), {
      bytes: 6,
      sourcePath: "/images/custom.qcow2",
    });
    assert.equal(await Deno.readTextFile(run.target), "custom");
    assert.deepEqual(await namesIn(run.dir), ["disk.img"]);
  });
});
