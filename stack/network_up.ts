/** `up`'s part for the pod network, before anything starts: is the network free, and its CNI files. */
import { checkStackCidrs } from "./cidr_overlap.ts";
import { writeCniFiles } from "./cni_files.ts";
import { otherStacksWithKubeProxy } from "./kube_proxy.ts";
import type { StackPaths } from "./paths.ts";

/**
 * Fail early when another stack runs the pod network here (the bridge, the pod CIDR and
 * kube-proxy's table are machine-wide) or when the CIDRs overlap the machine's networks;
 * then write the CNI template and make its directories.
 */
export async function preparePodNetwork(paths: StackPaths): Promise<void> {
  const others = await otherStacksWithKubeProxy(paths.home);
  if (others.length > 0) {
    throw new Error(
      `Cannot start the local stack in ${paths.home}: the stack in ${others[0]} runs the pod ` +
        `network on this machine; stop it first (deno task down --home ${others[0]})`,
    );
  }
  await checkStackCidrs();
  await writeCniFiles(paths);
}
