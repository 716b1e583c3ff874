/**
 * The real virtctl, built from the Go module proxy at a pinned KubeVirt version and cached, so
 * tests can check denovirt's subresource API against the client people actually use.
 */
import { join } from "node:path";
import { goBuild, goModule } from "../../stack/go_build.ts";
import { cacheDir } from "../../stack/paths.ts";

/** The KubeVirt release whose virtctl the tests run (its api and client-go modules exist too). */
export const VIRTCTL_VERSION = "1.7.0";

/** The cached virtctl binary, building it first when missing (many minutes the first time). */
export async function ensureVirtctl(
  onProgress: (line: string) => void = () => {},
  version = VIRTCTL_VERSION,
): Promise<string> {
  const given = Deno.env.get("DENOVIRT_VIRTCTL");
  if (given) return given;
  const dir = join(cacheDir(), "bin", `virtctl-v${version}`);
  const binary = join(dir, "virtctl");
  const ldflags = virtctlLdflags(version);
  const stamp = { file: "ldflags", text: ldflags + "\n" };
  const built = await Deno.readTextFile(join(dir, stamp.file)).catch(() => "");
  if (await isFile(binary) && built === stamp.text) return binary;
  onProgress(`Building virtctl v${version} from the Go module proxy (first time only)`);
  const { goMod: upstream } = await goModule("kubevirt.io/kubevirt", `v${version}`);
  await goBuild({
    name: `virtctl-v${version}`,
    files: { "go.mod": wrapperGoMod(upstream, version) },
    packages: ["kubevirt.io/kubevirt/cmd/virtctl"],
    binaryNames: ["virtctl"],
    ldflags,
    stamp,
    outDir: dir,
    onProgress,
  });
  return binary;
}

/**
 * The version virtctl reports: without it a build says `v0.0.0-master+$Format:%h$`, which
 * virtctl's own semver parsing refuses on some paths (migrate-cancel failed so at times).
 */
export function virtctlLdflags(version: string): string {
  const pkg = "kubevirt.io/client-go/version";
  return [
    `-X ${pkg}.gitVersion=v${version}`,
    `-X ${pkg}.gitCommit=v${version}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ].join(" ");
}

/**
 * KubeVirt's go.mod requires its staging modules (kubevirt.io/api, kubevirt.io/client-go) at
 * placeholder versions and replaces them with local paths, which a dependent module cannot use:
 * the wrapper maps them to their published releases and repeats every versioned replace.
 */
export function wrapperGoMod(upstream: string, version: string): string {
  const replaces: string[] = [];
  for (const [, from, to] of replaceDirectives(upstream)) {
    const local = to!.startsWith("./") || to!.startsWith("../");
    replaces.push(local ? `\t${from} => ${from} v${version}` : `\t${from} => ${to}`);
  }
  const goLine = upstream.match(/^go\s+(\S+)\s*$/m)?.[1] ?? "1.24";
  return [
    "module denovirt.local/virtctl",
    "",
    `go ${goLine}`,
    "",
    `require kubevirt.io/kubevirt v${version}`,
    "",
    "replace (",
    ...replaces,
    ")",
    "",
  ].join("\n");
}

/** `[line, from, to]` of each replace directive, in block and single-line form. */
function replaceDirectives(goMod: string): string[][] {
  const found: string[][] = [];
  const block = goMod.match(/^replace\s*\(([\s\S]*?)^\)/m)?.[1] ?? "";
  const lines = [
    ...block.split("\n"),
    ...[...goMod.matchAll(/^replace\s+([^(].*)$/gm)].map((m) => m[1]!),
  ];
  for (const line of lines) {
    const match = line.trim().match(/^(\S+)(?:\s+\S+)?\s+=>\s+(.+)$/);
    if (match) found.push([line, match[1]!, match[2]!.trim()]);
  }
  return found;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
