/** The domain's first screen, as libvirt takes it from QEMU over a stream. */

import { libvirt, takeCString } from "./ffi.ts";
import { withDomain } from "./domain_lookup.ts";
import type { LanePool } from "./lanes.ts";
import type { DomainRef, Screenshot } from "./types.ts";

/** Takes a screenshot of the domain's first screen (PNG, or PPM from older QEMUs). */
export function screenshotOf(pool: LanePool, domain: DomainRef): Promise<Screenshot> {
  return withDomain(pool, "take a screenshot of", domain, async (dom, fail, conn) => {
    const lib = libvirt();
    const stream = await lib.virStreamNew(conn, 0);
    if (!stream) throw await fail(`Cannot take a screenshot of domain ${domain}`);
    let finished = false;
    try {
      const mime = takeCString(await lib.virDomainScreenshot(dom, stream, 0, 0));
      if (mime === undefined) throw await fail(`Cannot take a screenshot of domain ${domain}`);
      const chunks: Uint8Array[] = [];
      const buffer = new Uint8Array(256 * 1024);
      for (;;) {
        const n = await lib.virStreamRecv(stream, buffer, BigInt(buffer.length));
        if (n < 0) throw await fail(`Cannot read the screenshot of domain ${domain}`);
        if (n === 0) break;
        chunks.push(buffer.slice(0, n));
      }
      if (await lib.virStreamFinish(stream) < 0) {
        throw await fail(`Cannot read the screenshot of domain ${domain}`);
      }
      finished = true;
      const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
      let at = 0;
      for (const c of chunks) (out.set(c, at), at += c.length);
      return { mime, data: out };
    } finally {
      if (!finished) await lib.virStreamAbort(stream);
      await lib.virStreamFree(stream);
    }
  });
}
