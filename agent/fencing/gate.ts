/**
 * The fence gate: no domain starts on this node while any of its reasons holds. Two parts of
 * fencing close it independently: the start-up check (until this node's domains were checked
 * against the API server) and the fence controller (until it saw the Lease renewed within the
 * fence time, and again whenever the node is fenced). It sits in front of libvirt, so every path
 * that starts a guest goes through it; the VMI controller also watches it to wait quietly.
 */
import { LocalSource } from "../../lib/local_source.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { Hypervisor } from "../libvirt/mod.ts";

/** Who holds the gate closed: the start-up check, or the Lease's fence time. */
export type GateHolder = "startup" | "lease";

/** Why the gate is closed before each holder has had its say. */
const INITIALLY: Record<GateHolder, string> = {
  startup: "the agent has not yet checked this node's domains against the API server",
  lease: "the agent has not yet seen this node's Lease renewed",
};

/** Whether domains may start on this node now, and why not. */
export class FenceGate {
  #closed = new Map<GateHolder, string>(Object.entries(INITIALLY) as Array<[GateHolder, string]>);
  /** One object, set again whenever the gate opens or closes: a watch source for controllers. */
  readonly changes = new LocalSource<KubeObject>("fence gate");

  /** Why starting is refused (every reason that holds), or undefined while it is allowed. */
  get closedBecause(): string | undefined {
    return this.#closed.size > 0 ? [...this.#closed.values()].join("; ") : undefined;
  }

  /** Whether `holder` keeps the gate closed. */
  isClosedBy(holder: GateHolder): boolean {
    return this.#closed.has(holder);
  }

  close(holder: GateHolder, reason: string): void {
    const wasOpen = this.#closed.size === 0;
    this.#closed.set(holder, reason);
    if (wasOpen) this.#changed();
  }

  open(holder: GateHolder): void {
    if (!this.#closed.delete(holder) || this.#closed.size > 0) return;
    this.#changed();
  }

  /** Throws while the gate is closed. */
  check(): void {
    const reason = this.closedBecause;
    if (reason) throw new Error(`Cannot start a domain: this node is fenced: ${reason}`);
  }

  #changed(): void {
    const open = this.#closed.size === 0;
    this.changes.set({ metadata: { name: "fence-gate", annotations: { open: String(open) } } });
  }
}

/** `hypervisor` with every start (start, createXml, resume) refused while `gate` is closed. */
export function gatedHypervisor(hypervisor: Hypervisor, gate: FenceGate): Hypervisor {
  return new Proxy(hypervisor, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const gated = property === "start" || property === "createXml" || property === "resume";
      if (!gated) return value.bind(target);
      return (...args: unknown[]) => {
        try {
          gate.check();
        } catch (error) {
          return Promise.reject(error);
        }
        return value.apply(target, args);
      };
    },
  });
}
