/**
 * The kubelet, built like the other Kubernetes commands (same module, same version, same version
 * stamps) into the same cached directory, but only when a stack asks for kubelet nodes: a stack
 * without them never pays for its build.
 */
import { join } from "node:path";
import { kubeBinaryPaths } from "../kube_binaries.ts";
import { addToKubernetes } from "../kube_build.ts";
import { KUBERNETES_VERSION } from "../versions.ts";

/** Where the kubelet is or will be, beside kube-apiserver (built or from $DENOVIRT_KUBE_BINARIES). */
export function kubeletPath(): string {
  return join(kubeBinaryPaths().kubeApiserver, "..", "kubelet");
}

/** Find or build the kubelet; the other binaries must be in place already (`ensureKubeBinaries`). */
export async function ensureKubelet(onProgress: (line: string) => void): Promise<string> {
  const path = kubeletPath();
  if (await Deno.stat(path).then((s) => s.isFile, () => false)) return path;
  if (Deno.env.get("DENOVIRT_KUBE_BINARIES")) {
    throw new Error(`Cannot use $DENOVIRT_KUBE_BINARIES for kubelet nodes: ${path} does not exist`);
  }
  onProgress(`Building kubelet v${KUBERNETES_VERSION} (first time only)`);
  await addToKubernetes(join(path, ".."), ["kubelet"], onProgress);
  return path;
}
