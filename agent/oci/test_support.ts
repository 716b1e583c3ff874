/** Test helpers shared by the OCI tests: certificates, digests, error assertions. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ensurePki, LOOPBACK_SANS, pkiFiles } from "../../stack/pki.ts";
import { OciError } from "./errors.ts";

export const sha256 = (bytes: Uint8Array) =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

export interface Tls {
  ca: string;
  cert: string;
  key: string;
}

let tlsOnce: Promise<Tls> | undefined;

/** A CA and a serving certificate for 127.0.0.1 and localhost, made once per test process. */
export function testTls(): Promise<Tls> {
  tlsOnce ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "denovirt-oci-pki-" });
    try {
      await ensurePki(dir, [{ name: "serving", sans: LOOPBACK_SANS }], []);
      const files = pkiFiles(dir);
      const read = Deno.readTextFile;
      return {
        ca: await read(files.caCert),
        cert: await read(files.cert("serving")),
        key: await read(files.key("serving")),
      };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return tlsOnce;
}

/** The promise rejects with an OciError of this reason and retryability; returns it. */
export async function ociFails(
  promise: Promise<unknown>,
  reason: string,
  retryable: boolean,
): Promise<OciError> {
  let caught: unknown;
  await assert.rejects(promise, (error) => (caught = error, true));
  assert.ok(caught instanceof OciError, `expected an OciError, got ${caught}`);
  assert.equal(caught.reason, reason, caught.message);
  assert.equal(caught.retryable, retryable, caught.message);
  return caught;
}
