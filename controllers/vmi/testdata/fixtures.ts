/** JSON fixtures of a VMI and its launcher pod, and edits of them for table tests. */
import type { Pod, VirtualMachineInstancePhase, VMI } from "../../../api/mod.ts";

const read = (name: string) => JSON.parse(Deno.readTextFileSync(new URL(name, import.meta.url)));

/** The fixture VMI (2 vCPUs, 1Gi) in `phase`, with `edit` applied. */
export function vmiFixture(
  phase?: VirtualMachineInstancePhase,
  edit: (v: VMI) => void = () => {},
): VMI {
  const vmi = read("./vmi.json") as VMI;
  if (phase !== undefined) vmi.status = { phase };
  edit(vmi);
  return vmi;
}

/** The fixture launcher pod (unschedulable) with `edit` applied. */
export function podFixture(edit: (p: Pod) => void = () => {}): Pod {
  const pod = read("./pod.json") as Pod;
  edit(pod);
  return pod;
}

/** The fixture pod bound to `node` and running. */
export function boundPod(node = "node-a", edit: (p: Pod) => void = () => {}): Pod {
  return podFixture((p) => {
    p.spec!.nodeName = node;
    p.status = {
      phase: "Running",
      qosClass: "Burstable",
      conditions: [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: "True" },
      ],
    };
    edit(p);
  });
}

export const VMI_UID = "5f0c8a4e-1b2f-4c5d-9e6f-7a8b9c0d1e2f";
export const NOW = Date.parse("2026-01-01T00:01:00Z");
