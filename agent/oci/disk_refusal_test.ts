import assert from "node:assert/strict";
import type { ExtractOptions } from "./disk.ts";
import { diskBytes, GZIP, gzipped, namesIn, plain, withImage } from "./test_image.ts";
import { ociFails } from "./test_support.ts";
import { tarOf } from "./test_tar.ts";

/** Extraction fails with this reason and leaves the directory empty. */
async function refused(
  layers: { bytes: Uint8Array; mediaType: string }[],
  reason: string,
  message: RegExp,
  options: Partial<ExtractOptions> = {},
) {
  await withImage(layers, async (run) => {
    const error = await ociFails(run.extract(options), reason, reason === "DigestMismatch");
    assert.match(error.message, message);
    assert.deepEqual(await namesIn(run.dir), [], "something was left behind");
  });
}

Deno.test("extractDiskFile() refuses two files in /disk/, a link or device there, and leaves nothing", async () => {
  await refused(
    [plain([{ name: "disk/a.img", data: "a" }, { name: "disk/b.img", data: "b" }])],
    "NotADiskImage",
    /more than one file found in \/disk\/ \(\/disk\/a\.img, \/disk\/b\.img\)/,
  );
  await refused(
    [plain([{ name: "disk/a.img", type: "symlink", linkname: "/etc/shadow" }])],
    "NotADiskImage",
    /\/disk\/a\.img is a symbolic link/,
  );
  await refused(
    [plain([{ name: "data.img", data: "x" }, {
      name: "disk/a.img",
      type: "hardlink",
      linkname: "data.img",
    }])],
    "NotADiskImage",
    /hard link/,
  );
  await refused([plain([{ name: "disk/a.img", type: "block" }])], "NotADiskImage", /block device/);
  await refused(
    [plain([{ name: "etc/hosts", data: "x" }])],
    "NotADiskImage",
    /no \/disk\/ directory/,
  );
});

Deno.test("extractDiskFile() refuses a layer with a ../ or absolute entry, naming the layer and the entry", async () => {
  const layer = plain([{ name: "disk/a.img", data: "a" }, {
    name: "disk/../../../tmp/evil",
    data: "x",
  }]);
  await refused(
    [layer],
    "UnsafeLayer",
    /layer sha256:[0-9a-f]{64} has the entry "disk\/\.\.\/\.\.\/\.\.\/tmp\/evil"/,
  );
  await refused(
    [gzipped([{ name: "disk/a.img", data: "a".repeat(100_000) }, {
      name: "/etc/passwd",
      data: "x",
    }])],
    "UnsafeLayer",
    /"\/etc\/passwd", an absolute name/,
  );
});

Deno.test("extractDiskFile() refuses a blob whose digest does not match, a disk over maxBytes, and zstd", async () => {
  await withImage([plain([{ name: "disk/a.img", data: "right" }])], async (run) => {
    const [digest] = [...run.registry.blobs.keys()].filter((d) =>
      run.registry.blobs.get(d)!.length > 512
    );
    run.registry.blobs.set(digest!, tarOf([{ name: "disk/a.img", data: "wrong" }]));
    await ociFails(run.extract(), "DigestMismatch", true);
    assert.deepEqual(await namesIn(run.dir), []);
  });
  await refused(
    [plain([{ name: "disk/a.img", data: "x".repeat(2000) }])],
    "TooLarge",
    /\/disk\/a\.img has 2000 bytes, more than the 1000 allowed/,
    { maxBytes: 1000 },
  );
  await withImage([plain([{ name: "disk/a.img", data: "a" }]), {
    bytes: new Uint8Array(8),
    mediaType: "application/vnd.oci.image.layer.v1.tar+zstd",
  }], async (run) => {
    const error = await ociFails(run.extract(), "UnsupportedLayer", false);
    assert.match(error.message, /zstd-compressed layers are not supported/);
    assert.ok(!run.registry.paths().some((p) => p.includes("/blobs/")), "a blob was fetched");
  });
  await refused(
    [{ bytes: new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0]), mediaType: GZIP }],
    "UnsupportedLayer",
    /zstd/,
  );
  await refused(
    [{ bytes: new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8]), mediaType: GZIP }],
    "UnsupportedLayer",
    /not valid gzip data/,
  );
  await refused(
    [{
      bytes: new Uint8Array(4),
      mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
    }],
    "UnsupportedLayer",
    /is not a filesystem layer/,
  );
});

Deno.test("extractDiskFile() stops when aborted mid-layer, rejecting with the reason and leaving nothing", async () => {
  const disk = diskBytes(8 * 1024 * 1024);
  await withImage([plain([{ name: "disk/a.img", data: disk }])], async (run) => {
    const layer = [...run.registry.blobs.values()].find((b) => b.length > disk.length)!;
    // Send the first MiB of the layer, then nothing until the client goes away.
    run.registry.intercept = (url) =>
      url.pathname.includes("/blobs/") &&
        run.registry.blobs.get(url.pathname.split("/").pop()!) === layer
        ? new Response(
          new ReadableStream({ start: (c) => c.enqueue(layer.subarray(0, 1024 * 1024)) }),
        )
        : undefined;
    const stop = new AbortController();
    const reason = new Error("the VMI was deleted");
    const extraction = run.extract({
      signal: stop.signal,
      onProgress: (p) => p.bytes > 0 && stop.abort(reason),
    });
    await assert.rejects(extraction, (error) => error === reason);
    assert.deepEqual(await namesIn(run.dir), []);
  });
});
