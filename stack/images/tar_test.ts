import assert from "node:assert/strict";
import { containerDiskEntries, QEMU_GID, QEMU_UID, tarEnd, tarHeader, tarPadding } from "./tar.ts";

const text = (header: Uint8Array, offset: number, width: number) =>
  new TextDecoder().decode(header.subarray(offset, offset + width)).replace(/\0.*$/s, "");
const octal = (header: Uint8Array, offset: number, width: number) =>
  parseInt(text(header, offset, width), 8);

Deno.test("tarHeader() writes ustar fields and a checksum that sums the header", () => {
  const header = tarHeader({
    type: "file",
    name: "disk/disk.img",
    size: 1234,
    content: { bytes: new Uint8Array(1234) },
    mode: 0o444,
    uid: 107,
    gid: 107,
  });
  assert.equal(header.length, 512);
  assert.equal(text(header, 0, 100), "disk/disk.img");
  assert.equal(octal(header, 100, 8), 0o444);
  assert.equal(octal(header, 108, 8), 107);
  assert.equal(octal(header, 116, 8), 107);
  assert.equal(octal(header, 124, 12), 1234);
  assert.equal(text(header, 156, 1), "0");
  assert.equal(text(header, 257, 6), "ustar");
  assert.equal(text(header, 263, 2), "00");
  const stored = octal(header, 148, 8);
  const blanked = header.slice();
  blanked.fill(0x20, 148, 156);
  assert.equal(stored, blanked.reduce((a, b) => a + b, 0));
});

Deno.test("tarHeader() writes directories, symlinks and hard links with their type flags", () => {
  assert.equal(text(tarHeader({ type: "directory", name: "disk/" }), 156, 1), "5");
  assert.equal(octal(tarHeader({ type: "directory", name: "disk/" }), 100, 8), 0o755);
  const link = tarHeader({ type: "symlink", name: "disk/disk.img", target: "/etc/passwd" });
  assert.equal(text(link, 156, 1), "2");
  assert.equal(text(link, 157, 100), "/etc/passwd");
  assert.equal(text(tarHeader({ type: "hardlink", name: "a", target: "b" }), 156, 1), "1");
});

Deno.test("tarHeader() keeps names past 100 bytes in the prefix field and refuses longer ones", () => {
  const long = `${"d".repeat(120)}/${"f".repeat(90)}`;
  const header = tarHeader({ type: "directory", name: long });
  assert.equal(text(header, 345, 155), "d".repeat(120));
  assert.equal(text(header, 0, 100), "f".repeat(90));
  assert.throws(() => tarHeader({ type: "directory", name: "x".repeat(300) }), /too long/);
});

Deno.test("tarHeader() stores sizes of 8 GiB and more in base-256", () => {
  const size = 10 * 1024 ** 3;
  const header = tarHeader({ type: "file", name: "disk/big.img", size, content: { path: "/x" } });
  assert.equal(header[124], 0x80);
  let value = 0n;
  for (let i = 125; i < 136; i++) value = (value << 8n) | BigInt(header[i]!);
  assert.equal(value, BigInt(size));
});

Deno.test("tarPadding() and tarEnd() pad to whole 512-byte blocks", () => {
  assert.equal(tarPadding(0).length, 0);
  assert.equal(tarPadding(1).length, 511);
  assert.equal(tarPadding(512).length, 0);
  assert.equal(tarPadding(513).length, 511);
  assert.equal(tarEnd().length, 1024);
  assert.ok(tarEnd().every((b) => b === 0));
});

Deno.test("containerDiskEntries() makes disk/ and disk/<file> owned by qemu, the file read-only", () => {
  const [dir, file] = containerDiskEntries("fixture.qcow2", 42, { path: "/tmp/x" });
  assert.deepEqual(
    [dir.type, dir.name, dir.uid, dir.gid],
    ["directory", "disk/", QEMU_UID, QEMU_GID],
  );
  assert.deepEqual(
    [file.type, file.name, file.size, file.mode, file.uid, file.gid],
    ["file", "disk/fixture.qcow2", 42, 0o444, 107, 107],
  );
});
