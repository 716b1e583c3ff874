/**
 * A guest's screen as PNG: libvirt hands a QEMU domain's screenshot over as PNG (QEMU 7.1 and
 * later) or as a binary PPM (P6); a PPM is converted with a small PNG writer over node:zlib, so no
 * image library is needed.
 */
import { deflateSync } from "node:zlib";

/** An RGB image, 8 bits a channel, rows top to bottom. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Parses a binary PPM (P6, maxval 255, `#` comments allowed in the header). */
export function parsePpm(bytes: Uint8Array): RgbImage {
  let at = 0;
  const token = (): string => {
    for (;;) {
      while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]!))) at++;
      if (bytes[at] !== 0x23) break;
      while (at < bytes.length && bytes[at] !== 0x0a) at++;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]!))) at++;
    return new TextDecoder().decode(bytes.subarray(start, at));
  };
  const magic = token();
  if (magic !== "P6") throw new Error(`Not a binary PPM: it starts with ${JSON.stringify(magic)}`);
  const [width, height, maxval] = [token(), token(), token()].map(Number);
  if (!(width! > 0 && height! > 0) || maxval !== 255) {
    throw new Error(`Unsupported PPM: ${width}x${height}, maxval ${maxval}`);
  }
  at++; // The one whitespace byte after maxval.
  const size = width! * height! * 3;
  if (bytes.length - at < size) {
    throw new Error(`The PPM is cut short: ${bytes.length - at} of ${size} pixel bytes`);
  }
  return { width: width!, height: height!, rgb: bytes.slice(at, at + size) };
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it (ISO 3309). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The PNG file signature. */
export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encodes an RGB image as PNG (truecolour, 8 bits, no interlace, filter None on every row). */
export function encodePng(image: RgbImage): Uint8Array<ArrayBuffer> {
  const { width, height, rgb } = image;
  const stride = width * 3;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8);
  const parts = [
    PNG_SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) (out.set(part, at), at += part.length);
  return out;
}

/** A PPM screenshot as PNG. */
export function ppmToPng(ppm: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodePng(parsePpm(ppm));
}

/** A screenshot as PNG: a PNG as it is, a PPM converted; anything else is refused. */
export function pngOf(
  shot: { mime: string; data: Uint8Array<ArrayBuffer> },
): Uint8Array<ArrayBuffer> {
  if (shot.mime === "image/png") return shot.data;
  if (shot.mime === "image/x-portable-pixmap") return ppmToPng(shot.data);
  throw new Error(`Cannot convert a screenshot of type ${shot.mime} to PNG`);
}
