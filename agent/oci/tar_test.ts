import assert from "node:assert/strict";
import { join } from "node:path";
import { OciError } from "./errors.ts";
import { readTar } from "./tar.ts";
import { concat, headerBlock, tarOf } from "./test_tar.ts";

/** The bytes in chunks of `size`, so that headers and data straddle chunk boundaries. */
function streamOf(bytes: Uint8Array, size = 7): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function entriesOf(bytes: Uint8Array, chunk = 7) {
  const out: { path: string; type: string; linkname: string; data: string }[] = [];
  for await (const entry of readTar(streamOf(bytes, chunk), "layer L")) {
    let data = "";
    for await (const part of entry.data()) data += new TextDecoder().decode(part);
    out.push({ path: entry.path, type: entry.type, linkname: entry.linkname, data });
  }
  return out;
}

async function failsWith(bytes: Uint8Array, reason: string, message: RegExp) {
  await assert.rejects(entriesOf(bytes), (error) => {
    assert.ok(error instanceof OciError, String(error));
    assert.equal(error.reason, reason, error.message);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("readTar() reads every entry type, normalizes names and gives file data", async () => {
  const long = `${"d".repeat(60)}/${"n".repeat(60)}.img`;
  const archive = tarOf([
    { name: "./", type: "dir" },
    { name: "./disk/", type: "dir" },
    { name: "./disk/a.img", data: "hello" },
    { name: "disk//b.img", data: "x".repeat(1000) },
    { name: "etc/link", type: "symlink", linkname: "/etc/passwd" },
    { name: "etc/hard", type: "hardlink", linkname: "disk/a.img" },
    { name: "dev/null", type: "char" },
    { name: "dev/sda", type: "block" },
    { name: "run/fifo", type: "fifo" },
    { name: long, data: "pax", long: "pax" },
    { name: `gnu/${long}`, data: "gnu", long: "gnu" },
  ]);
  assert.deepEqual(await entriesOf(archive), [
    { path: "", type: "dir", linkname: "", data: "" },
    { path: "disk", type: "dir", linkname: "", data: "" },
    { path: "disk/a.img", type: "file", linkname: "", data: "hello" },
    { path: "disk/b.img", type: "file", linkname: "", data: "x".repeat(1000) },
    { path: "etc/link", type: "symlink", linkname: "/etc/passwd", data: "" },
    { path: "etc/hard", type: "hardlink", linkname: "disk/a.img", data: "" },
    { path: "dev/null", type: "char", linkname: "", data: "" },
    { path: "dev/sda", type: "block", linkname: "", data: "" },
    { path: "run/fifo", type: "fifo", linkname: "", data: "" },
    { path: long, type: "file", linkname: "", data: "pax" },
    { path: `gnu/${long}`, type: "file", linkname: "", data: "gnu" },
  ]);
});

Deno.test("readTar() reads what GNU tar writes as pax, gnu and ustar, long names included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-tar-" });
  try {
    // 182 bytes in all: ustar splits it into its prefix field, pax and gnu carry it whole.
    const deep = join("disk", "a".repeat(90));
    await Deno.mkdir(join(dir, deep), { recursive: true });
    await Deno.writeTextFile(join(dir, deep, `${"c".repeat(80)}.img`), "deep file");
    await Deno.symlink("../elsewhere", join(dir, "disk", "link"));
    for (const format of ["pax", "gnu", "ustar"]) {
      const tar = new Deno.Command("tar", {
        args: ["-C", dir, `--format=${format}`, "--sort=name", "-cf", "-", "."],
        stdout: "piped",
      });
      const { stdout, success } = await tar.output();
      assert.ok(success, format);
      const files = (await entriesOf(stdout, 4096)).filter((e) => e.type !== "dir");
      assert.deepEqual(files, [
        {
          path: `${deep}/${"c".repeat(80)}.img`,
          type: "file",
          linkname: "",
          data: "deep file",
        },
        { path: "disk/link", type: "symlink", linkname: "../elsewhere", data: "" },
      ], format);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTar() refuses absolute names and .. anywhere, naming the entry, but not symlink targets", async () => {
  await failsWith(
    tarOf([{ name: "disk/../../etc/passwd", data: "x" }]),
    "UnsafeLayer",
    /layer L has the entry "disk\/\.\.\/\.\.\/etc\/passwd", a name that climbs out with \.\./,
  );
  await failsWith(tarOf([{ name: "/disk/a.img" }]), "UnsafeLayer", /"\/disk\/a\.img", an absolute/);
  await failsWith(
    tarOf([{ name: `x/../${"p".repeat(120)}`, long: "pax" }]),
    "UnsafeLayer",
    /climbs out/,
  );
  await failsWith(
    tarOf([{ name: "disk/a.img", type: "hardlink", linkname: "../../etc/shadow" }]),
    "UnsafeLayer",
    /hard link "disk\/a\.img" to "\.\.\/\.\.\/etc\/shadow"/,
  );
  assert.equal(
    (await entriesOf(tarOf([{ name: "l", type: "symlink", linkname: "../../x" }])))[0]?.type,
    "symlink",
  );
});

Deno.test("readTar() refuses a bad checksum, a cut archive and GNU sparse files", async () => {
  const good = tarOf([{ name: "a", data: "12345" }]);
  const corrupt = good.slice();
  corrupt[10] = 0x41;
  await failsWith(corrupt, "UnsupportedLayer", /checksum/);
  await failsWith(good.slice(0, 600), "UnsupportedLayer", /ends in the middle/);
  await failsWith(good.slice(0, 300), "UnsupportedLayer", /ends in the middle/);
  await failsWith(
    concat([headerBlock("s", "S", 0), new Uint8Array(1024)]),
    "UnsupportedLayer",
    /sparse/,
  );
});

Deno.test("readTar() skips unread data, reads base-256 sizes, and reads the stream to its end", async () => {
  const big = headerBlock("big", "0", 0);
  // GNU's base-256 size field: the high bit of the first byte, then the value big-endian.
  big.fill(0, 124, 136);
  big[124] = 0x80;
  big[135] = 3;
  big.fill(0x20, 148, 156);
  const sum = big.reduce((a, b) => a + b, 0);
  big.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  const data = new Uint8Array(512);
  data.set([1, 2, 3]);
  const trailing = new Uint8Array(4096); // Zero padding after the end marker, as tar writes.
  const archive = concat([
    tarOf([{ name: "skipped", data: "z".repeat(700) }], false),
    big,
    data,
    trailing,
  ]);
  let pulledToEnd = false;
  const inner = streamOf(archive, 100).getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await inner.read();
      if (done) return pulledToEnd = true, controller.close();
      controller.enqueue(value);
    },
  });
  const seen: string[] = [];
  for await (const entry of readTar(stream, "layer")) {
    if (entry.path === "big") {
      for await (const part of entry.data()) seen.push(`${entry.size}:${[...part].join(",")}`);
    }
  }
  assert.deepEqual(seen, ["3:1,2,3"]);
  assert.ok(pulledToEnd, "the stream was not read to its end");
});
