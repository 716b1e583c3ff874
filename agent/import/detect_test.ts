import assert from "node:assert/strict";
import { compressionOf, formatOf, refusedFormatOf } from "./detect.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("compressionOf() knows gzip and xz by their magic bytes, anything else is none", () => {
  assert.equal(compressionOf(bytes(0x1f, 0x8b, 0x08, 0, 0, 0)), "gzip");
  assert.equal(compressionOf(bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)), "xz");
  assert.equal(compressionOf(bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01)), "none");
  assert.equal(compressionOf(bytes(0x1f)), "none");
  assert.equal(compressionOf(bytes()), "none");
});

Deno.test("formatOf() knows qcow2 by QFI\\xfb, anything else is raw", () => {
  assert.equal(formatOf(bytes(0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3)), "qcow2");
  assert.equal(formatOf(bytes(0x51, 0x46, 0x49)), "raw");
  assert.equal(formatOf(new TextEncoder().encode("KDMV")), "raw");
  assert.equal(formatOf(bytes()), "raw");
});

Deno.test("refusedFormatOf() names the disk formats and compressions that are not imported", () => {
  const text = (t: string) => new TextEncoder().encode(t);
  assert.equal(refusedFormatOf(text("KDMV\x01\0\0\0")), "vmdk");
  assert.equal(refusedFormatOf(text("vhdxfile")), "vhdx");
  assert.equal(refusedFormatOf(bytes(0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0)), "zstd-compressed");
  assert.equal(refusedFormatOf(text("BZh91AY&")), "bzip2-compressed");
  assert.equal(refusedFormatOf(bytes(0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 1)), "qcow (version 1)");
  assert.equal(refusedFormatOf(bytes(0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3)), undefined, "qcow2 v3");
  assert.equal(refusedFormatOf(bytes(0xeb, 0x63, 0x90, 0, 0, 0, 0, 0)), undefined, "a boot sector");
});
