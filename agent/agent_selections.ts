/** What the agent caches from the API server: only what concerns its own node. */
import {
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  LAUNCHER_SELECTOR,
  NODE_NAME_LABEL,
} from "../api/mod.ts";
import type { ManagerOptions } from "../lib/controller_manager.ts";
import { configMaps, leases, nodes, pods, virtualMachineInstances } from "../lib/kube/resources.ts";
import { NODE_LEASE_NAMESPACE } from "./node/node_controller.ts";

/** The Manager's selections for the agent on `node`. */
export function agentSelections(node: string): NonNullable<ManagerOptions["selections"]> {
  return [
    { resource: virtualMachineInstances, labelSelector: `${NODE_NAME_LABEL}=${node}` },
    {
      resource: pods,
      labelSelector: LAUNCHER_SELECTOR,
      fieldSelector: `spec.nodeName=${node}`,
    },
    { resource: nodes, fieldSelector: `metadata.name=${node}` },
    {
      resource: leases,
      namespace: NODE_LEASE_NAMESPACE,
      fieldSelector: `metadata.name=${node}`,
    },
    {
      resource: configMaps,
      namespace: DENOVIRT_NAMESPACE,
      fieldSelector: `metadata.name=${DENOVIRT_CONFIG_MAP}`,
    },
  ];
}
