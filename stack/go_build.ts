/** Build Go commands from the module proxy inside a throwaway wrapper module. */
import { join } from "node:path";
import { cacheDir } from "./paths.ts";

export interface GoBuildSpec {
  name: string;
  /** Files of the wrapper module, by name. */
  files: Record<string, string>;
  /** Packages to build; each becomes a binary named after its last path element. */
  packages: string[];
  /** Names of the binaries when a package's path does not name them (e.g. "."). */
  binaryNames?: string[];
  /** Passed to `go build -ldflags`. */
  ldflags?: string;
  /** A file written beside the binaries, naming how they were built. */
  stamp?: { file: string; text: string };
  outDir: string;
  onProgress: (line: string) => void;
}

/** Build into a temp dir, then move into `outDir` so a half-built set is never used. */
export async function goBuild(spec: GoBuildSpec): Promise<void> {
  const work = join(cacheDir(), "build", spec.name);
  await Deno.mkdir(work, { recursive: true });
  for (const [file, text] of Object.entries(spec.files)) {
    await Deno.writeTextFile(join(work, file), text);
  }
  const staging = `${spec.outDir}.tmp-${Deno.pid}`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await Deno.mkdir(staging, { recursive: true });
  const started = Date.now();
  const out = spec.binaryNames && spec.packages.length === 1
    ? join(staging, spec.binaryNames[0]!)
    : `${staging}/`;
  const ldflags = spec.ldflags ? ["-ldflags", spec.ldflags] : [];
  await runGo(work, ["build", "-v", ...ldflags, "-o", out, ...spec.packages], spec.onProgress);
  if (spec.stamp) await Deno.writeTextFile(join(staging, spec.stamp.file), spec.stamp.text);
  await Deno.remove(spec.outDir, { recursive: true }).catch(() => {});
  await Deno.rename(staging, spec.outDir);
  spec.onProgress(`Built ${spec.name} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** A module version's go.mod and publication time, through the Go toolchain and its cache. */
export async function goModule(
  module: string,
  version: string,
): Promise<{ goMod: string; time: string }> {
  const result = await new Deno.Command("go", {
    args: ["mod", "download", "-json", `${module}@${version}`],
    env: goEnv(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(result.stdout);
  if (!result.success) {
    throw new Error(
      `Cannot download ${module}@${version}: ${text}${new TextDecoder().decode(result.stderr)}`,
    );
  }
  const info = JSON.parse(text) as { GoMod?: string; Info?: string };
  if (!info.GoMod) throw new Error(`Cannot download ${module}@${version}: no go.mod in answer`);
  const goMod = await Deno.readTextFile(info.GoMod);
  const published = info.Info
    ? (JSON.parse(await Deno.readTextFile(info.Info)) as { Time?: string }).Time
    : undefined;
  return { goMod, time: published ?? "" };
}

function goEnv(): Record<string, string> {
  // -mod=mod lets the wrapper's go.sum fill itself; the toolchain already installed is used.
  return { GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" };
}

async function runGo(cwd: string, args: string[], onProgress: (line: string) => void) {
  let goBin = "go";
  try {
    await Deno.stat("/usr/local/go/bin/go");
    goBin = "/usr/local/go/bin/go";
  } catch {
    // Fall back to PATH.
  }
  const child = new Deno.Command(goBin, {
    args,
    cwd,
    env: goEnv(),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tail: string[] = [];
  let built = 0;
  let lastReport = 0;
  const report = async (stream: ReadableStream<Uint8Array>) => {
    const lines = stream.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines());
    for await (const line of lines) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (line.startsWith("go: downloading")) continue;
      built++;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        onProgress(`  go build: ${built} packages compiled (now ${line})`);
      }
    }
  };
  const [status] = await Promise.all([child.status, report(child.stdout), report(child.stderr)]);
  if (!status.success) {
    throw new Error(
      `Cannot build with go ${args.join(" ")}: exit ${status.code}\n${tail.join("\n")}`,
    );
  }
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const part of parts) controller.enqueue(part);
    },
    flush(controller) {
      if (rest) controller.enqueue(rest);
    },
  });
}
