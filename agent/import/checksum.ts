/** `<algorithm>:<hex>` checksums of a body, computed as it streams by. */
import { createHash, type Hash } from "node:crypto";
import { terminal } from "./errors.ts";

const HEX_LENGTHS = { md5: 32, sha1: 40, sha256: 64, sha512: 128 } as const;

export type ChecksumAlgorithm = keyof typeof HEX_LENGTHS;

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** Lower case. */
  hex: string;
}

const isAlgorithm = (name: string): name is ChecksumAlgorithm => Object.hasOwn(HEX_LENGTHS, name);

/** Parses `<md5|sha1|sha256|sha512>:<hex>` (either case); a malformed one is terminal. */
export function parseChecksum(text: string): Checksum {
  const [name = "", hex = "", ...rest] = text.trim().split(":");
  const algorithm = name.toLowerCase();
  if (rest.length > 0 || !isAlgorithm(algorithm)) {
    throw terminal(
      "InvalidChecksum",
      `The checksum must be <md5|sha1|sha256|sha512>:<hex>: its algorithm ${
        JSON.stringify(name)
      } is not one of them`,
    );
  }
  const expected = HEX_LENGTHS[algorithm];
  if (!new RegExp(`^[0-9a-f]{${expected}}$`, "i").test(hex)) {
    throw terminal(
      "InvalidChecksum",
      `The ${algorithm} checksum must be ${expected} hexadecimal digits`,
    );
  }
  return { algorithm, hex: hex.toLowerCase() };
}

/** A running digest that checks itself against the expected checksum at the end. */
export class ChecksumVerifier {
  readonly #hash: Hash;

  constructor(readonly expected: Checksum) {
    this.#hash = createHash(expected.algorithm);
  }

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }

  /** Throws a terminal ChecksumMismatch unless the bytes seen match; call once, at the end. */
  verify(where: string): void {
    const actual = this.#hash.digest("hex").toLowerCase();
    if (actual !== this.expected.hex) {
      throw terminal(
        "ChecksumMismatch",
        `${where}: the ${this.expected.algorithm} checksum of the body is ${actual}, ` +
          `expected ${this.expected.hex}`,
      );
    }
  }
}
