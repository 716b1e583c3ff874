import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { crc32, encodePng, parsePpm, PNG_SIGNATURE, pngOf, ppmToPng } from "./screenshot.ts";

const ppm = (header: string, pixels: number[]) => {
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(head.length + pixels.length);
  out.set(head);
  out.set(pixels, head.length);
  return out;
};

// 2x2: red, green / blue, white.
const PIXELS = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];

Deno.test("crc32() matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

const PPM_CASES: { name: string; header: string }[] = [
  { name: "a plain header", header: "P6\n2 2\n255\n" },
  { name: "a header with a comment", header: "P6\n# by QEMU\n2 2\n255\n" },
  { name: "a header on one line", header: "P6 2 2 255 " },
];

for (const c of PPM_CASES) {
  Deno.test(`parsePpm() reads ${c.name}`, () => {
    const image = parsePpm(ppm(c.header, PIXELS));
    assert.deepEqual([image.width, image.height], [2, 2]);
    assert.deepEqual([...image.rgb], PIXELS);
  });
}

Deno.test("parsePpm() refuses what is not a whole 8-bit binary PPM", () => {
  assert.throws(() => parsePpm(ppm("P3\n2 2\n255\n", PIXELS)), /Not a binary PPM/);
  assert.throws(() => parsePpm(ppm("P6\n2 2\n65535\n", PIXELS)), /maxval 65535/);
  assert.throws(() => parsePpm(ppm("P6\n2 2\n255\n", PIXELS.slice(3))), /cut short: 9 of 12/);
});

Deno.test("encodePng() writes the signature, an RGB IHDR and rows that inflate to the pixels", () => {
  const png = encodePng({ width: 2, height: 2, rgb: new Uint8Array(PIXELS) });
  assert.deepEqual([...png.subarray(0, 8)], [...PNG_SIGNATURE]);
  const view = new DataView(png.buffer);
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
  assert.deepEqual([view.getUint32(16), view.getUint32(20)], [2, 2]);
  assert.deepEqual([...png.subarray(24, 29)], [8, 2, 0, 0, 0]);
  assert.equal(view.getUint32(29), crc32(png.subarray(12, 29)));
  const idatLength = view.getUint32(33);
  assert.equal(new TextDecoder().decode(png.subarray(37, 41)), "IDAT");
  const rows = inflateSync(png.subarray(41, 41 + idatLength));
  assert.deepEqual([...rows], [0, ...PIXELS.slice(0, 6), 0, ...PIXELS.slice(6)]);
  assert.equal(new TextDecoder().decode(png.subarray(png.length - 8, png.length - 4)), "IEND");
});

Deno.test("ppmToPng() keeps the PPM's size", () => {
  const png = ppmToPng(ppm("P6\n2 2\n255\n", PIXELS));
  assert.deepEqual(
    [new DataView(png.buffer).getUint32(16), new DataView(png.buffer).getUint32(20)],
    [2, 2],
  );
});

Deno.test("pngOf() passes a PNG through, converts a PPM and refuses other types", () => {
  const png = ppmToPng(ppm("P6\n2 2\n255\n", PIXELS));
  assert.equal(pngOf({ mime: "image/png", data: png }), png);
  const converted = pngOf({
    mime: "image/x-portable-pixmap",
    data: ppm("P6\n2 2\n255\n", PIXELS),
  });
  assert.deepEqual(converted, png);
  assert.throws(
    () => pngOf({ mime: "image/bmp", data: new Uint8Array(2) }),
    /Cannot convert a screenshot of type image\/bmp to PNG/,
  );
});
