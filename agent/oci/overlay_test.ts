import assert from "node:assert/strict";
import { OciError } from "./errors.ts";
import { DiskSearch } from "./overlay.ts";
import type { TarEntryType } from "./tar.ts";

type Layer = [path: string, type?: TarEntryType][];

/** Runs the layers through a DiskSearch as extraction does; the disk's path, or the error. */
function diskOf(
  layers: Layer[],
  path?: string,
): { disk?: string; stored: string[]; error?: OciError } {
  const stored = new Set<string>();
  try {
    const search = new DiskSearch(path, "Cannot use image I");
    layers.forEach((entries, layer) => {
      for (const [entryPath, type = "file"] of entries) {
        const applied = search.apply(layer, entryPath, type, `layer ${layer}`);
        for (const gone of applied.stale) assert.ok(stored.delete(gone), `${gone} was not stored`);
        if (applied.store) stored.add(applied.store);
      }
    });
    const disk = search.result();
    assert.ok(stored.has(disk), "the disk's data was not stored");
    return { disk, stored: [...stored].sort() };
  } catch (error) {
    if (!(error instanceof OciError)) throw error;
    return { stored: [...stored].sort(), error };
  }
}

const found = (layers: Layer[], path?: string) => {
  const { disk, error } = diskOf(layers, path);
  assert.equal(error, undefined, error?.message);
  return disk;
};

const refused = (layers: Layer[], reason: string, message: RegExp, path?: string) => {
  const { error } = diskOf(layers, path);
  assert.equal(error?.reason, reason, error?.message ?? "no error");
  assert.match(error!.message, message);
};

Deno.test("DiskSearch finds the single file of /disk/, however the archive names its parents", () => {
  assert.equal(found([[["disk", "dir"], ["disk/cirros.qcow2"]]]), "disk/cirros.qcow2");
  assert.equal(found([[["disk/cirros.qcow2"]]]), "disk/cirros.qcow2");
  assert.equal(found([[["etc/passwd"], ["bin/sh", "symlink"]], [["disk/a.img"]]]), "disk/a.img");
});

Deno.test("DiskSearch applies a later layer's whiteout to lower layers only", () => {
  assert.equal(
    found([[["disk/old.img"]], [["disk/.wh.old.img"], ["disk/new.img"]]]),
    "disk/new.img",
  );
  assert.equal(
    found([[["disk/old.img"]], [["disk/new.img"], ["disk/.wh.old.img"]]]),
    "disk/new.img",
  );
  // A whiteout never hides what its own layer adds.
  refused(
    [[["disk/a.img"]], [["disk/b.img"], ["disk/.wh.b.img"]]],
    "NotADiskImage",
    /more than one file found in \/disk\/ \(\/disk\/a\.img, \/disk\/b\.img\), only one disk is allowed/,
  );
  const { stored } = diskOf([[["disk/a.img"], ["disk/b.img"]], [["disk/.wh.b.img"]]]);
  assert.deepEqual(stored, ["disk/a.img"], "the hidden file's data is dropped");
  refused([[["disk/a.img"]], [[".wh.disk"]]], "NotADiskImage", /has no \/disk\/ directory/);
  // aufs metadata names change nothing.
  assert.equal(found([[["disk/a.img"]], [["disk/.wh..wh.plnk", "dir"]]]), "disk/a.img");
});

Deno.test("DiskSearch applies an opaque whiteout before its layer's own entries, wherever it stands", () => {
  const lower: Layer = [["disk/a.img"], ["disk/sub", "dir"], ["disk/sub/x"]];
  assert.equal(found([lower, [["disk/.wh..wh..opq"], ["disk/b.img"]]]), "disk/b.img");
  assert.equal(found([lower, [["disk/b.img"], ["disk/.wh..wh..opq"]]]), "disk/b.img");
  refused([lower, [[".wh..wh..opq"]]], "NotADiskImage", /no \/disk\/ directory/);
  refused([lower, [["disk/.wh..wh..opq"]]], "NotADiskImage", /\/disk\/ holds no file/);
});

Deno.test("DiskSearch lets a later file replace an earlier one, and a non-directory replace /disk", () => {
  const { disk, stored } = diskOf([[["disk/a.img"]], [["disk/a.img"]]]);
  assert.equal(disk, "disk/a.img");
  assert.deepEqual(stored, ["disk/a.img"]);
  refused([[["disk/a.img"]], [["disk", "symlink"]]], "NotADiskImage", /\/disk is a symbolic link/);
  assert.deepEqual(diskOf([[["disk/a.img"]], [["disk"]]]).stored, []);
});

Deno.test("DiskSearch refuses a link, a device or a directory where the disk should be", () => {
  const cases: [TarEntryType, RegExp][] = [
    ["symlink", /\/disk\/a\.img is a symbolic link \(links are not followed\), not a regular file/],
    ["hardlink", /\/disk\/a\.img is a hard link, not a regular file/],
    ["char", /a character device/],
    ["block", /a block device/],
    ["fifo", /a FIFO/],
    ["dir", /\/disk\/a\.img is a directory/],
  ];
  for (const [type, message] of cases) refused([[["disk/a.img", type]]], "NotADiskImage", message);
  refused([[["disk/sub/deep.img"]]], "NotADiskImage", /\/disk\/sub is a directory/);
  refused([[["etc/hosts"]]], "NotADiskImage", /has no \/disk\/ directory/);
  refused([[["disk", "dir"]]], "NotADiskImage", /\/disk\/ holds no file/);
});

Deno.test("DiskSearch refuses entries under a link to /disk instead of following it", () => {
  refused(
    [[["disk", "symlink"]], [["disk/a.img"]]],
    "UnsafeLayer",
    /layer 1 has the entry "disk\/a\.img" under \/disk, which is a symbolic link/,
  );
  refused([[["disk", "symlink"]]], "NotADiskImage", /\/disk is a symbolic link/);
  // Links elsewhere in the image are none of its business.
  assert.equal(found([[["lib", "symlink"], ["lib/x"], ["disk/a.img"]]]), "disk/a.img");
});

Deno.test("DiskSearch with a path takes the file there, whatever /disk/ holds", () => {
  const layers: Layer[] = [[["disk/a.img"], ["disk/b.img"], ["custom/d/image.qcow2"]]];
  assert.equal(found(layers, "/custom/d/image.qcow2"), "custom/d/image.qcow2");
  assert.equal(found(layers, "disk/b.img"), "disk/b.img");
  refused(layers, "NotADiskImage", /no file at \/custom\/other/, "/custom/other");
  refused(layers, "NotADiskImage", /\/custom\/d is a directory, not a regular file/, "/custom/d");
  refused(
    [[["custom", "symlink"]]],
    "NotADiskImage",
    /\/custom is a symbolic link/,
    "/custom/image.qcow2",
  );
  refused(
    [[["custom/image.qcow2"]], [["custom/.wh.image.qcow2"]]],
    "NotADiskImage",
    /no file at/,
    "/custom/image.qcow2",
  );
  refused(
    layers,
    "NotADiskImage",
    /the disk path "\/x\/\.\.\/etc" is not a file path/,
    "/x/../etc",
  );
  refused(layers, "NotADiskImage", /is not a file path/, "/");
});
