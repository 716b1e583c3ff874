/** `up`'s part for the pod network, before anything starts: is the network free, and its CNI files. */
import { checkStackCidrs } from "./cidr_overlap.ts";
import { writeCniFiles } from "./cni_files.ts";
import { otherStacksWithKubeProxy } from "./kube_proxy.ts";
import type { StackPaths } from "./paths.ts";

/**
 * Whether a stack must have the pod network (`required`: the `up` command, the test stack) or
 * takes it only when no other stack has it (`if-free`: a stack beside another, as the bench's).
 */
export type PodNetworkMode = "required" | "if-free";

/**
 * Check that the stack can have the pod network and write its CNI files; false when another
 * stack has it and `mode` lets this one run without. The bridge, the pod CIDR and kube-proxy's
 * table are machine-wide, so only one stack at a time has them. Throws when the CIDRs overlap
 * the machine's networks, or when another stack has the network and it is `required`.
 */
export async function preparePodNetwork(
  paths: StackPaths,
  mode: PodNetworkMode,
  say: (line: string) => void,
): Promise<boolean> {
  const others = await otherStacksWithKubeProxy(paths.home);
  if (others.length > 0 && mode === "if-free") {
    say(`The stack in ${others[0]} has the pod network: this one runs without (no kube-proxy)`);
    return false;
  }
  if (others.length > 0) {
    throw new Error(
      `Cannot start the local stack in ${paths.home}: the stack in ${others[0]} runs the pod ` +
        `network on this machine; stop it first (deno task down --home ${others[0]})`,
    );
  }
  await checkStackCidrs();
  await writeCniFiles(paths);
  return true;
}
