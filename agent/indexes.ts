/** The cache indexes the agent's controllers share, declared once. */
import { CREATED_BY_LABEL } from "../api/mod.ts";
import type { IndexDeclaration } from "../lib/controller.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { pods, virtualMachineInstances } from "../lib/kube/resources.ts";

/** The uid of the VMI a launcher pod belongs to. */
export const creatorOf = (pod: KubeObject): string[] => {
  const uid = pod.metadata?.labels?.[CREATED_BY_LABEL];
  return uid ? [uid] : [];
};

/** Launcher pods by the uid of their VMI. */
export const PODS_BY_CREATOR: IndexDeclaration = {
  resource: pods,
  name: "byCreator",
  index: creatorOf,
};

/** VMIs by uid. */
export const VMIS_BY_UID: IndexDeclaration = {
  resource: virtualMachineInstances,
  name: "byUid",
  index: (vmi) => vmi.metadata?.uid ? [vmi.metadata.uid] : [],
};
