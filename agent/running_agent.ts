/** The handle of a running agent: its readiness, and the node-level calls answered from it. */
import {
  AGENT_ENDPOINT_ANNOTATION,
  type GuestFileSystem,
  type GuestOSUser,
  type NodeObject,
  type Pod,
  type VMI,
} from "../api/mod.ts";
import type { Manager } from "../lib/controller_manager.ts";
import type { EventRecorder } from "../lib/events.ts";
import { nodes, pods, virtualMachineInstances } from "../lib/kube/resources.ts";
import type { Registry } from "../lib/metrics/registry.ts";
import type { FenceGate } from "./fencing/gate.ts";
import type { Hypervisor } from "./libvirt/mod.ts";
import { VMI_CONTROLLER } from "./vmi/controller.ts";
import { type LifecycleContext, pauseVmi, unpauseVmi } from "./vmi/lifecycle.ts";
import { softRebootVmi } from "./vmi/soft_reboot.ts";
import { screenshotVmi } from "./vmi/screenshot.ts";
import { guestFilesystemsOfVmi, guestUsersOfVmi } from "./vmi/guest_lists.ts";

/** A running agent: its readiness, and the calls the node-level APIs make. */
export interface RunningAgent {
  /** Why the agent is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  pause(namespace: string, name: string): Promise<void>;
  unpause(namespace: string, name: string): Promise<void>;
  softReboot(namespace: string, name: string): Promise<void>;
  /** The PNG of the guest's screen. */
  screenshot(namespace: string, name: string): Promise<Uint8Array<ArrayBuffer>>;
  /** The users logged in to the guest, from its guest agent. */
  guestUsers(namespace: string, name: string): Promise<GuestOSUser[]>;
  /** The guest's mounted filesystems, from its guest agent. */
  guestFilesystems(namespace: string, name: string): Promise<GuestFileSystem[]>;
  /** The launcher pod if it is bound to this node, from the agent's cache. */
  launcherPodOf(namespace: string, name: string): Pod | undefined;
  /** The VMI if it is bound to this node, from the agent's cache. */
  vmiOf(namespace: string, name: string): VMI | undefined;
  /** What `/metrics` serves. */
  metrics: Registry;
  /** Resolves once every loop stopped (after `stop` aborted). */
  done: Promise<void>;
}

/** What the handle reads: the agent's parts, and its Manager once made. */
export interface RunningAgentParts {
  node: string;
  /** `--register-node`: the agent registers its Node itself (no kubelet). */
  registerNode: boolean;
  /** The Manager, or undefined while the agent is starting. */
  manager(): Manager | undefined;
  /** libvirt without the fence gate: is it connected. */
  hypervisor: { readonly connected: boolean };
  /** libvirt behind the fence gate: what the node-level calls go through. */
  startable: Hypervisor;
  /** The reflector of libvirt's domains: does libvirt answer. */
  domains: { readonly healthy: boolean };
  fence: FenceGate;
  events: Pick<EventRecorder, "normal">;
  metrics: Registry;
  done: Promise<void>;
}

/** The RunningAgent over `parts`. */
export function runningAgentOf(parts: RunningAgentParts): RunningAgent {
  const { node, hypervisor, domains, fence } = parts;
  const lifecycle = (): LifecycleContext => {
    const m = parts.manager();
    if (!m) throw new Error("The agent is not running yet");
    return {
      node,
      vmis: m.store<VMI>(virtualMachineInstances),
      hypervisor: parts.startable,
      enqueue: (key) => m.enqueue(VMI_CONTROLLER, key),
      events: parts.events,
    };
  };
  return {
    notReadyReason() {
      const manager = parts.manager();
      if (!manager) return "starting";
      if (!hypervisor.connected) return "libvirt is not connected";
      if (!manager.hasSynced) return "caches are not synced";
      if (!domains.healthy) return "libvirt does not answer";
      if (fence.closedBecause) return `the node is fenced: ${fence.closedBecause}`;
      const self = manager.store<NodeObject>(nodes).get(node);
      if (!self?.metadata?.annotations?.[AGENT_ENDPOINT_ANNOTATION]) {
        return parts.registerNode ? "the Node is not registered" : "the Node has no agent endpoint";
      }
      return undefined;
    },
    pause: (namespace, name) => pauseVmi(lifecycle(), namespace, name),
    unpause: (namespace, name) => unpauseVmi(lifecycle(), namespace, name),
    softReboot: (namespace, name) => softRebootVmi(lifecycle(), namespace, name),
    screenshot: (namespace, name) => screenshotVmi(lifecycle(), namespace, name),
    guestUsers: (namespace, name) => guestUsersOfVmi(lifecycle(), namespace, name),
    guestFilesystems: (namespace, name) => guestFilesystemsOfVmi(lifecycle(), namespace, name),
    launcherPodOf: (namespace, name) => {
      const pod = parts.manager()?.store<Pod>(pods).get(`${namespace}/${name}`);
      return pod?.spec?.nodeName === node ? pod : undefined;
    },
    vmiOf: (namespace, name) => {
      const vmi = parts.manager()?.store<VMI>(virtualMachineInstances).get(`${namespace}/${name}`);
      return vmi?.status?.nodeName === node ? vmi : undefined;
    },
    metrics: parts.metrics,
    done: parts.done,
  };
}
