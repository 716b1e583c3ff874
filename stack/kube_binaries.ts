/**
 * The control-plane binaries: built from the Go module proxy at pinned versions and cached per
 * version, or taken from `$DENOVIRT_KUBE_BINARIES` (a directory holding all of them).
 */
import { join } from "node:path";
import { cacheDir } from "./paths.ts";
import { ETCD_VERSION, KUBERNETES_VERSION } from "./versions.ts";
import { goBuild, goModule } from "./go_build.ts";

export interface KubeBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubeProxy: string;
  kubectl: string;
}

/** The commands built from `k8s.io/kubernetes`, each a binary of the same name. */
export const KUBE_COMMANDS = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kube-proxy",
  "kubectl",
];

/** Paths of the binaries inside one directory. */
export function binariesIn(dir: string): KubeBinaries {
  return {
    etcd: join(dir, "etcd"),
    kubeApiserver: join(dir, "kube-apiserver"),
    kubeControllerManager: join(dir, "kube-controller-manager"),
    kubeScheduler: join(dir, "kube-scheduler"),
    kubeProxy: join(dir, "kube-proxy"),
    kubectl: join(dir, "kubectl"),
  };
}

/**
 * Where the binaries are or will be, without building anything (`down` uses this: stopping a
 * stack never builds).
 */
export function kubeBinaryPaths(): KubeBinaries {
  const given = Deno.env.get("DENOVIRT_KUBE_BINARIES");
  if (given) return binariesIn(given);
  const { kubeDir, etcdDir } = cachedDirs();
  return { ...binariesIn(kubeDir), etcd: join(etcdDir, "etcd") };
}

function cachedDirs() {
  return {
    kubeDir: join(cacheDir(), "bin", `kubernetes-v${KUBERNETES_VERSION}`),
    etcdDir: join(cacheDir(), "bin", `etcd-v${ETCD_VERSION}`),
  };
}

/** Find or build every control-plane binary, reporting build progress line by line. */
export async function ensureKubeBinaries(
  onProgress: (line: string) => void = () => {},
): Promise<KubeBinaries> {
  if (Deno.env.get("DENOVIRT_KUBE_BINARIES")) {
    const bins = kubeBinaryPaths();
    for (const path of Object.values(bins)) {
      if (!(await isFile(path))) {
        throw new Error(`Cannot use $DENOVIRT_KUBE_BINARIES: ${path} does not exist`);
      }
    }
    return bins;
  }
  const { kubeDir, etcdDir } = cachedDirs();
  const missing = await missingIn(kubeDir, KUBE_COMMANDS);
  const toBuild = kubeCommandsToBuild(await stampMatches(kubeDir), missing);
  if (toBuild.length === KUBE_COMMANDS.length) {
    onProgress(
      `Building Kubernetes v${KUBERNETES_VERSION} from the Go module proxy (first time only)`,
    );
    await buildKubernetes(kubeDir, KUBE_COMMANDS, onProgress);
  } else if (toBuild.length > 0) {
    onProgress(`Building ${toBuild.join(", ")} v${KUBERNETES_VERSION} (first time only)`);
    await addToKubernetes(kubeDir, toBuild, onProgress);
  }
  if ((await missingIn(etcdDir, ["etcd"])).length > 0) {
    onProgress(`Building etcd v${ETCD_VERSION} from the Go module proxy (first time only)`);
    await buildEtcd(etcdDir, onProgress);
  }
  return kubeBinaryPaths();
}

/**
 * Which commands a cached build directory lacks: all of them when it was built another way
 * (stamp mismatch), else only the missing ones, so a command added later (kube-proxy) does
 * not rebuild the rest.
 */
export function kubeCommandsToBuild(stampMatches: boolean, missing: string[]): string[] {
  if (!stampMatches || missing.length === KUBE_COMMANDS.length) return [...KUBE_COMMANDS];
  return KUBE_COMMANDS.filter((command) => missing.includes(command));
}

/** Build some commands beside a cached set that has the same stamp, then move them in. */
async function addToKubernetes(
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
async function buildKubernetes(
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

async function stampMatches(dir: string): Promise<boolean> {
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
async function buildEtcd(outDir: string, onProgress: (line: string) => void) {
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

async function missingIn(dir: string, names: string[]): Promise<string[]> {
  const missing = [];
  for (const name of names) if (!(await isFile(join(dir, name)))) missing.push(name);
  return missing;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
