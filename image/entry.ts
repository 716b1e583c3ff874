/**
 * What the image runs: the single binary when `deno compile` works, else the bundle that Deno
 * runs. `deno compile` needs Deno's runtime (denort) from Deno's download host or $DENORT_BIN.
 */
import { join } from "node:path";

/** The compiled binary, or the bundle for the Deno in the image. */
export type ImageEntry = { kind: "binary"; path: string } | { kind: "bundle"; path: string };

/** Did `deno compile` fail only because it could not get Deno's runtime? */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /denort|dl\.deno\.land|error sending request|dns error/i.test(stderr);
}

/** Try `deno compile`; on a runtime-download failure say so plainly and bundle instead. */
export async function compileOrBundle(
  root: string,
  log: (line: string) => void,
): Promise<ImageEntry> {
  const binary = join(root, "dist", "denovirt");
  const compiled = await deno(root, ["compile", "-A", "--quiet", "--output", binary, "main.ts"]);
  if (compiled.success) {
    log(`deno compile made the single binary ${binary}; the image carries it`);
    return { kind: "binary", path: binary };
  }
  if (!isRuntimeDownloadFailure(compiled.stderr)) {
    throw new Error(`deno compile failed: ${compiled.stderr.trim()}`);
  }
  log(
    "deno compile is not possible here: it cannot download Deno's runtime (denort) and " +
      "DENORT_BIN is not set. Fell back to the bundle: the image carries Deno and dist/denovirt.js.",
  );
  const bundle = join(root, "dist", "denovirt.js");
  const bundled = await deno(root, [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "-o",
    bundle,
    "main.ts",
  ]);
  if (!bundled.success) throw new Error(`deno bundle failed: ${bundled.stderr.trim()}`);
  return { kind: "bundle", path: bundle };
}

async function deno(cwd: string, args: string[]): Promise<{ success: boolean; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  return { success: out.success, stderr: new TextDecoder().decode(out.stderr) };
}
