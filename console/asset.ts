/** One file of the console as the role serves it. */
import { decodeBase64 } from "../lib/base64.ts";

export interface ConsoleAsset {
  /** Its content type. */
  type: string;
  /** Its bytes, gzip-compressed, in base64. */
  gzip: string;
}

/** The asset as a response: gzip as it is stored when the client takes it, else decompressed. */
export function assetResponse(asset: ConsoleAsset, acceptEncoding: string | null): Response {
  const gz = decodeBase64(asset.gzip) as Uint8Array<ArrayBuffer>;
  const headers = new Headers({
    "content-type": asset.type,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (/\bgzip\b/.test(acceptEncoding ?? "")) {
    headers.set("content-encoding", "gzip");
    return new Response(gz, { headers });
  }
  const body = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(body, { headers });
}
