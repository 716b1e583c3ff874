/**
 * The control-plane binaries: built from the Go module proxy at pinned versions and cached per
 * version, or taken from `$DENOVIRT_KUBE_BINARIES` (a directory holding all of them).
 */
import { join } from "node:path";
import { cacheDir } from "./paths.ts";
import { ETCD_VERSION, KUBERNETES_VERSION } from "./versions.ts";
import { addToKubernetes, buildEtcd, buildKubernetes, stampMatches } from "./kube_build.ts";

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
