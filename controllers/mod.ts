/** denovirt's controllers, and what each needs from the Manager. Importing this starts nothing. */
import { LAUNCHER_LABEL, LAUNCHER_LABEL_VALUE } from "../api/mod.ts";
import type { Controller } from "../lib/controller.ts";
import type { ManagerOptions } from "../lib/manager_options.ts";
import {
  dataVolumes,
  nodes,
  persistentVolumeClaims,
  pods,
  type Resource,
  storageClasses,
  virtualMachineInstances,
  virtualMachines,
} from "../lib/kube/resources.ts";
import { dataVolumeController } from "./datavolume/controller.ts";
import { evacuationController } from "./evacuation/controller.ts";
import { migrationController } from "./migration/controller.ts";
import { NODE_LOSS_SELECTIONS, nodeLossController } from "./nodes/controller.ts";
import { replicaSetController } from "./replicaset/controller.ts";
import { poolController } from "./pool/controller.ts";
import {
  clusterPolicyStatusController,
  namespacedPolicyStatusController,
  POLICY_STATUS_CACHES,
} from "./policy/controller.ts";
import { localPlacementController } from "./storage/controller.ts";
import { vmController } from "./vm/controller.ts";
import { vmiController } from "./vmi/controller.ts";
import { DEFAULT_LAUNCHER_IMAGE, type LauncherOptions } from "./vmi/launcher_pod.ts";

export { dataVolumeController } from "./datavolume/controller.ts";
export { evacuationController } from "./evacuation/controller.ts";
export { migrationController } from "./migration/controller.ts";
export { nodeLossController } from "./nodes/controller.ts";
export { replicaSetController } from "./replicaset/controller.ts";
export { vmController } from "./vm/controller.ts";
export { vmiController } from "./vmi/controller.ts";
export { DEFAULT_LAUNCHER_IMAGE } from "./vmi/launcher_pod.ts";

/** The controllers, by the name `--only` takes. */
export const CONTROLLER_NAMES = [
  "vm",
  "vmi",
  "replicaset",
  "pool",
  "datavolume",
  "local-placement",
  "migration",
  "evacuation",
  "node-loss",
  "policy-status",
] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

/** Settings shared by the controllers. */
export interface ControllersConfig {
  launcher?: Partial<LauncherOptions>;
}

/** A controller (or a few with one job) with the caches it reads besides what it watches. */
interface ControllerModule {
  controller: Controller | Controller[];
  caches: readonly Resource[];
}

function moduleOf(name: ControllerName, config: ControllersConfig): ControllerModule {
  switch (name) {
    case "vm":
      return {
        controller: vmController() as Controller,
        caches: [persistentVolumeClaims, dataVolumes],
      };
    case "vmi":
      return {
        controller: vmiController({
          image: DEFAULT_LAUNCHER_IMAGE,
          ...config.launcher,
        }) as Controller,
        caches: [virtualMachines, persistentVolumeClaims, dataVolumes],
      };
    case "replicaset":
      // Watches replica sets and VMIs; reads nothing else.
      return { controller: replicaSetController() as Controller, caches: [] };
    case "pool":
      // Watches pools and VMs; reads nothing else.
      return { controller: poolController() as Controller, caches: [] };
    case "datavolume":
      return { controller: dataVolumeController() as Controller, caches: [storageClasses] };
    case "migration":
      // Watches migrations, VMIs and launcher pods; reads nothing else from caches.
      return {
        controller: migrationController({
          image: DEFAULT_LAUNCHER_IMAGE,
          ...config.launcher,
        }) as Controller,
        caches: [],
      };
    case "evacuation":
      return { controller: evacuationController() as Controller, caches: [] };
    case "local-placement":
      return {
        controller: localPlacementController() as Controller,
        caches: [storageClasses, nodes, virtualMachineInstances],
      };
    case "node-loss":
      // Watches node Leases, VMIs, launcher pods and denovirt's ConfigMap; reads nothing else.
      return { controller: nodeLossController() as Controller, caches: [] };
    case "policy-status":
      // Both policy kinds: the counts of existing objects that violate each.
      return {
        controller: [
          clusterPolicyStatusController() as Controller,
          namespacedPolicyStatusController() as Controller,
        ],
        caches: POLICY_STATUS_CACHES,
      };
  }
}

/** The Manager options that run the named controllers (all by default). */
export function controllersManagerOptions(
  names: readonly ControllerName[] = CONTROLLER_NAMES,
  config: ControllersConfig = {},
): Pick<ManagerOptions, "controllers" | "caches" | "selections"> {
  const modules = [...new Set(names)].map((name) => moduleOf(name, config));
  return {
    controllers: modules.flatMap((m) => m.controller),
    caches: [...new Set(modules.flatMap((m) => m.caches))],
    // Only launcher pods: the controllers never read other pods, and a cluster may have many.
    selections: [
      { resource: pods, labelSelector: `${LAUNCHER_LABEL}=${LAUNCHER_LABEL_VALUE}` },
      ...NODE_LOSS_SELECTIONS,
    ],
  };
}
