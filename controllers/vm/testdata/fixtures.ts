/** JSON fixtures of a VM and its VMI, and small edits of them for table tests. */
import type { RunStrategy, VirtualMachineInstancePhase, VM, VMI } from "../../../api/mod.ts";

const read = (name: string) => JSON.parse(Deno.readTextFileSync(new URL(name, import.meta.url)));

/** The fixture VM (runStrategy Always, ran before) with `edit` applied. */
export function vmFixture(edit: (vm: VM) => void = () => {}): VM {
  const vm = read("./vm.json") as VM;
  edit(vm);
  return vm;
}

/** The fixture VM with another run strategy (and a status that says it ran under it). */
export function vmWithStrategy(strategy: RunStrategy, edit: (vm: VM) => void = () => {}): VM {
  return vmFixture((vm) => {
    vm.spec.runStrategy = strategy;
    vm.status!.runStrategy = strategy;
    edit(vm);
  });
}

/** The fixture VMI (Running on node-a) in another phase; "" is the unset phase. */
export function vmiInPhase(
  phase: VirtualMachineInstancePhase,
  edit: (vmi: VMI) => void = () => {},
): VMI {
  const vmi = read("./vmi.json") as VMI;
  vmi.status!.phase = phase;
  if (phase !== "Running") {
    vmi.status!.phaseTransitionTimestamps = vmi.status!.phaseTransitionTimestamps!
      .filter((t) => t.phase !== "Running");
  }
  edit(vmi);
  return vmi;
}

export const VMI_UID = "7c1d2e3f-0000-4000-8000-00000000a1b2";
export const NOW = Date.parse("2026-01-01T00:10:00Z");
