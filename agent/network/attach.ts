/**
 * Joins a VMI's guest to its launcher pod's network: finds the pod's sandbox (made by the agent
 * on a kubelet-less node, by the kubelet's CNI elsewhere) and wires the VM into it. The answer
 * is the bridge the domain's NIC goes on.
 */
import type { Pod, VMI } from "../../api/mod.ts";
import { bindingOf } from "./binding.ts";
import { completeWiring, ensureVmBridge } from "./wiring.ts";

/** Where a launcher pod's network is. */
export interface PodSandbox {
  netns: string;
  /** The pod's addresses, IPv4 first. */
  ips: string[];
  /** Where the VM's network files go. */
  stateDir: string;
}

/** Finds the sandbox of a launcher pod on this node. */
export interface SandboxLocator {
  locate(pod: Pod): Promise<PodSandbox | undefined>;
}

/** The launcher pod has no network yet; its status change brings the VMI back. */
export class NetworkNotReady extends Error {}

/** A VM's wiring under way: its bridge exists; the rest is done once `wired` settles. */
export interface AttachStart {
  /** The bridge for the VMI's pod-network NIC, or undefined when it has none. */
  bridge: string | undefined;
  /** Settles once the whole wiring is done (rejects if it failed). */
  wired: Promise<void>;
}

export interface VmNetworkAttacher {
  /** The bridge for the VMI's pod-network NIC, or undefined when it has none. */
  attach(vmi: VMI, pod: Pod | undefined): Promise<string | undefined>;
  /**
   * Like `attach`, but answers as soon as the bridge exists, so that the domain can be defined
   * and started while the rest of the wiring goes on.
   */
  begin(vmi: VMI, pod: Pod | undefined): Promise<AttachStart>;
}

/** An attacher over `locator`, handing `dns` to guests. */
export function vmNetworkAttacher(locator: SandboxLocator, dns: string[]): VmNetworkAttacher {
  const begin = async (vmi: VMI, pod: Pod | undefined): Promise<AttachStart> => {
    const binding = bindingOf(vmi.spec);
    if (!binding) return { bridge: undefined, wired: Promise.resolve() };
    const where = `VMI ${vmi.metadata.namespace}/${vmi.metadata.name}`;
    const sandbox = pod ? await locator.locate(pod) : undefined;
    const podIP = sandbox?.ips.find((ip) => ip.includes("."));
    if (!pod || !sandbox || !podIP) {
      throw new NetworkNotReady(`The launcher pod of ${where} has no IPv4 pod network yet`);
    }
    const podUid = pod.metadata!.uid!;
    const links = await ensureVmBridge(podUid);
    const wiring = {
      podUid,
      netns: sandbox.netns,
      podIP,
      binding,
      dns,
      stateDir: sandbox.stateDir,
    };
    return { bridge: links.bridge, wired: completeWiring(wiring) };
  };
  return {
    begin,
    async attach(vmi, pod) {
      const { bridge, wired } = await begin(vmi, pod);
      await wired;
      return bridge;
    },
  };
}

/** An attacher for VMs that get no pod network here (no sandboxes on this node). */
export const NO_POD_NETWORK: VmNetworkAttacher = {
  attach: () => Promise.resolve(undefined),
  begin: () => Promise.resolve({ bridge: undefined, wired: Promise.resolve() }),
};
