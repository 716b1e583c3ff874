/**
 * What the image runs: the single binary when `deno compile` works, else the bundle that Deno
 * runs. `deno compile` needs Deno's runtime (denort) from Deno's download host or $DENORT_BIN.
 */
import { join } from "node:path";

/**
 * The compiled binaries, or the bundles for the Deno in the image: `main` is every role and
 * command, `certs` the install's certificate job.
 */
export interface ImageEntry {
  kind: "binary" | "bundle";
  main: string;
  certs: string;
}

/** The programs the image carries: entry module and output name; the first is the roles'. */
const MAIN = { entry: "main.ts", name: "denovirt" };
const CERTS = { entry: "cluster/certs_main.ts", name: "denovirt-certs" };

/** Did `deno compile` fail only because it could not get Deno's runtime? */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /denort|dl\.deno\.land|error sending request|dns error/i.test(stderr);
}

/** Try `deno compile`; on a runtime-download failure say so plainly and bundle instead. */
export async function compileOrBundle(
  root: string,
  log: (line: string) => void,
): Promise<ImageEntry> {
  const out = (name: string, ext = "") => join(root, "dist", `${name}${ext}`);
  const compile = (p: typeof MAIN) =>
    deno(root, ["compile", "-A", "--quiet", "-o", out(p.name), p.entry]);
  const compiled = await compile(MAIN);
  if (compiled.success) {
    const certs = await compile(CERTS);
    if (!certs.success) throw new Error(`deno compile failed: ${certs.stderr.trim()}`);
    log(`deno compile made the single binary ${out(MAIN.name)}; the image carries it`);
    return { kind: "binary", main: out(MAIN.name), certs: out(CERTS.name) };
  }
  if (!isRuntimeDownloadFailure(compiled.stderr)) {
    throw new Error(`deno compile failed: ${compiled.stderr.trim()}`);
  }
  log(
    "deno compile is not possible here: it cannot download Deno's runtime (denort) and " +
      "DENORT_BIN is not set. Fell back to the bundle: the image carries Deno and dist/denovirt.js.",
  );
  for (const { entry, name } of [MAIN, CERTS]) {
    const args = ["bundle", "--quiet", "--platform", "deno", "-o", out(name, ".js"), entry];
    const bundled = await deno(root, args);
    if (!bundled.success) throw new Error(`deno bundle failed: ${bundled.stderr.trim()}`);
  }
  return { kind: "bundle", main: out(MAIN.name, ".js"), certs: out(CERTS.name, ".js") };
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
