/** The KubeVirt kinds as the runtime handles them: API types that are also KubeObjects. */
import type { DataVolume, VirtualMachine, VirtualMachineInstance } from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";

export type VM = VirtualMachine & KubeObject;
export type VMI = VirtualMachineInstance & KubeObject;
export type DV = DataVolume & KubeObject;
