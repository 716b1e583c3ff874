/** skopeo as an independent client of the test registries: copy an image out and open its layer. */
import { join } from "node:path";
import { run, runChecked } from "../../lib/exec.ts";

/** An image as skopeo's `dir:` transport writes it. */
export interface CopiedImage {
  dir: string;
  /** The manifest skopeo stored, as bytes and parsed. */
  manifestBytes: Uint8Array;
  manifest: { mediaType?: string; layers: { digest: string; size: number }[] };
  /** The file of each layer (skopeo names them by the digest's hex). */
  layerFiles: string[];
}

/** `skopeo copy <flags> <source> dir:<into>`; throws with skopeo's message when it fails. */
export async function skopeoCopy(
  source: string,
  flags: string[],
  into: string,
): Promise<CopiedImage> {
  await runChecked("skopeo", ["copy", "--quiet", ...flags, source, `dir:${into}`]);
  const manifestBytes = await Deno.readFile(join(into, "manifest.json"));
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  const layerFiles = manifest.layers.map((l: { digest: string }) =>
    join(into, l.digest.split(":")[1]!)
  );
  return { dir: into, manifestBytes, manifest, layerFiles };
}

/** The same copy expected to fail: skopeo's exit code and its error text. */
export async function skopeoCopyFails(
  source: string,
  flags: string[],
  into: string,
): Promise<{ code: number; stderr: string }> {
  const result = await run("skopeo", ["copy", "--quiet", ...flags, source, `dir:${into}`]);
  return { code: result.code, stderr: result.stderr };
}

/** GNU tar's view of a gzip layer: "mode uid/gid size name" per member. */
export async function layerListing(layer: string): Promise<string[]> {
  const out = await runChecked("tar", ["--numeric-owner", "-tvzf", layer]);
  return out.trim().split("\n").map((line) => {
    const [mode, owner, size, , , ...name] = line.split(/\s+/);
    return `${mode} ${owner} ${size} ${name.join(" ")}`;
  });
}

/** Unpack a gzip layer with GNU tar into `into`. */
export async function unpackLayer(layer: string, into: string): Promise<void> {
  await Deno.mkdir(into, { recursive: true });
  await runChecked("tar", ["-xzf", layer, "-C", into]);
}

/** Whether two files hold the same bytes, compared in chunks. */
export async function sameFileBytes(a: string, b: string): Promise<boolean> {
  if ((await Deno.stat(a)).size !== (await Deno.stat(b)).size) return false;
  const result = await run("cmp", ["-s", a, b]);
  return result.code === 0;
}
