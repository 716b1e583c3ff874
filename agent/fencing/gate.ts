/**
 * The fence gate: while this node is fenced (or before the agent knows it is not), no domain is
 * started. It sits in front of libvirt, so every path that starts a guest goes through it.
 */
import type { Hypervisor } from "../libvirt/mod.ts";

/** Whether domains may start on this node now, and why not. */
export class FenceGate {
  #closedBecause: string | undefined = "the agent has not yet seen this node's Lease renewed";

  /** Why starting is refused, or undefined while it is allowed. */
  get closedBecause(): string | undefined {
    return this.#closedBecause;
  }

  close(reason: string): void {
    this.#closedBecause = reason;
  }

  open(): void {
    this.#closedBecause = undefined;
  }

  /** Throws while the gate is closed. */
  check(): void {
    if (this.#closedBecause) {
      throw new Error(`Cannot start a domain: this node is fenced: ${this.#closedBecause}`);
    }
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
