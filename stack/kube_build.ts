/**
 * Building the pinned Kubernetes commands and etcd from the Go module proxy, each in a wrapper
 * module, with Kubernetes' own version stamps.
 */
import { join } from "node:path";
import { ETCD_VERSION, KUBERNETES_VERSION } from "./versions.ts";
import { goBuild, goModule } from "./go_build.ts";

/** Build some commands beside a cached set that has the same stamp, then move them in. */
export async function addToKubernetes(
  kubeDir: string,
  commands: string[],
  onProgress: (line: string) => void,
) {
  const extra = `${kubeDir}.add-${Deno.pid}`;
  try {
    await buildKubernetes(extra, commands, onProgress);
    for (const command of commands) {
      await Deno.rename(join(extra, command), join(kubeDir, command));
    }
  } finally {
    await Deno.remove(extra, { recursive: true }).catch(() => {});
  }
}

/**
 * `k8s.io/kubernetes` requires its staging modules at v0.0.0 without replace directives, so
 * a wrapper module maps each of them to its published v0.X.Y.
 */
export async function buildKubernetes(
  outDir: string,
  commands: string[],
  onProgress: (line: string) => void,
) {
  const { goMod: upstream, time } = await goModule("k8s.io/kubernetes", `v${KUBERNETES_VERSION}`);
  const stagingVersion = `v0.${KUBERNETES_VERSION.split(".").slice(1).join(".")}`;
  const replaces = stagingModules(upstream).map((m) => `\t${m} => ${m} ${stagingVersion}`);
  const goMod = [
    "module denovirt.local/kubernetes",
    "",
    `go ${goDirective(upstream)}`,
    "",
    `require k8s.io/kubernetes v${KUBERNETES_VERSION}`,
    "",
    "replace (",
    ...replaces,
    ")",
    "",
  ].join("\n");
  await goBuild({
    name: `kubernetes-v${KUBERNETES_VERSION}`,
    files: { "go.mod": goMod },
    packages: commands.map((c) => `k8s.io/kubernetes/cmd/${c}`),
    ldflags: versionLdflags(KUBERNETES_VERSION, time),
    stamp: { file: STAMP_FILE, text: stampText() },
    outDir,
    onProgress,
  });
}

/** Written beside the binaries; a cache without it (or with another) predates these flags. */
const STAMP_FILE = "build-stamp.json";

function stampText(): string {
  return JSON.stringify({
    version: KUBERNETES_VERSION,
    ldflags: versionLdflags(KUBERNETES_VERSION, ""),
  });
}

/** Whether a build directory was built the way this code builds it. */
export async function stampMatches(dir: string): Promise<boolean> {
  try {
    return (await Deno.readTextFile(join(dir, STAMP_FILE))) === stampText();
  } catch {
    return false;
  }
}

/**
 * The `-X` flags Kubernetes' own build sets (hack/lib/version.sh), so that `kubectl version`
 * and every client that parses the server's version see `v1.X.Y`, not `v0.0.0-master`. The
 * module proxy does not say which commit a version is, so gitCommit stays unset; the build
 * date is the version's publication time, which keeps builds reproducible.
 */
export function versionLdflags(version: string, buildDate: string): string {
  const [major, minor] = version.split(".");
  const values: [string, string][] = [
    ["gitVersion", `v${version}`],
    ["gitMajor", major!],
    ["gitMinor", minor!],
    ["gitTreeState", "archive"],
  ];
  if (buildDate) values.push(["buildDate", buildDate]);
  const packages = ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"];
  return values.flatMap(([key, value]) => packages.map((pkg) => `-X ${pkg}.${key}=${value}`))
    .join(" ");
}

/** etcd's own main module has replace directives, so a two-line main wraps `etcdmain`. */
export async function buildEtcd(outDir: string, onProgress: (line: string) => void) {
  const { goMod: upstream } = await goModule("go.etcd.io/etcd/server/v3", `v${ETCD_VERSION}`);
  const goMod = [
    "module denovirt.local/etcd",
    "",
    `go ${goDirective(upstream)}`,
    "",
    `require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}`,
    "",
  ].join("\n");
  const mainGo = [
    "package main",
    "",
    'import (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)',
    "",
    "func main() { etcdmain.Main(os.Args) }",
    "",
  ].join("\n");
  await goBuild({
    name: `etcd-v${ETCD_VERSION}`,
    files: { "go.mod": goMod, "main.go": mainGo },
    packages: ["."],
    binaryNames: ["etcd"],
    outDir,
    onProgress,
  });
}

/** The staging modules a Kubernetes go.mod requires at the placeholder version v0.0.0. */
export function stagingModules(goMod: string): string[] {
  const found = new Set<string>();
  for (const match of goMod.matchAll(/^\s*(k8s\.io\/[A-Za-z0-9._-]+)\s+v0\.0\.0\s*$/gm)) {
    found.add(match[1]!);
  }
  return [...found].sort();
}

/** The `go` directive of a go.mod file. */
export function goDirective(goMod: string): string {
  const match = goMod.match(/^go\s+(\S+)\s*$/m);
  if (!match) throw new Error("Cannot read go.mod: it has no go directive");
  return match[1]!;
}
