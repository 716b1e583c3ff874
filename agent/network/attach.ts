/**
 * Joins a VMI's guest to its launcher pod's network: finds the pod's sandbox (made by the agent
 * on a kubelet-less node, by the kubelet's CNI elsewhere) and wires the VM into it. The answer
 * is the bridge the domain's NIC goes on.
 */
import type { Pod, VMI } from "../../api/mod.ts";
import { bindingOf } from "./binding.ts";
import { wireVm } from "./wiring.ts";

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

export interface VmNetworkAttacher {
  /** The bridge for the VMI's pod-network NIC, or undefined when it has none. */
  attach(vmi: VMI, pod: Pod | undefined): Promise<string | undefined>;
}

/** An attacher over `locator`, handing `dns` to guests. */
export function vmNetworkAttacher(locator: SandboxLocator, dns: string[]): VmNetworkAttacher {
  return {
    async attach(vmi, pod) {
      const binding = bindingOf(vmi.spec);
      if (!binding) return undefined;
      const where = `VMI ${vmi.metadata.namespace}/${vmi.metadata.name}`;
      const sandbox = pod ? await locator.locate(pod) : undefined;
      const podIP = sandbox?.ips.find((ip) => ip.includes("."));
      if (!pod || !sandbox || !podIP) {
        throw new NetworkNotReady(`The launcher pod of ${where} has no IPv4 pod network yet`);
      }
      const links = await wireVm({
        podUid: pod.metadata!.uid!,
        netns: sandbox.netns,
        podIP,
        binding,
        dns,
        stateDir: sandbox.stateDir,
      });
      return links.bridge;
    },
  };
}
