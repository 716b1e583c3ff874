/** The node's local storage account: what it may hand out, what it handed out, what still fits. */
import type { PersistentVolume } from "../../api/mod.ts";
import {
  ANN_NODE_STORAGE_ALLOCATED,
  ANN_NODE_STORAGE_CAPACITY,
} from "../../api/storage_annotations.ts";
import { parseQuantity } from "../../api/quantity.ts";
import { isLocalPv, pvNodeOf } from "./types.ts";

/** The share of the filesystem kept back from the provisioner (images, logs, the agent's own). */
export const RESERVED_FRACTION = 0.05;

/** Bytes a filesystem of `totalBytes` offers to the provisioner: all but the reserve. */
export const usableBytes = (totalBytes: bigint): bigint =>
  totalBytes - totalBytes * BigInt(Math.round(RESERVED_FRACTION * 1000)) / 1000n;

/** Bytes of a quantity, or undefined when it is absent or malformed. */
export function bytesOf(quantity: string | number | undefined): bigint | undefined {
  if (quantity === undefined) return undefined;
  try {
    return parseQuantity(quantity).value;
  } catch {
    return undefined;
  }
}

/** The sum of the capacities of this node's denovirt-local PVs (every phase: until deleted). */
export function allocatedBytes(pvs: Iterable<PersistentVolume>, node: string): bigint {
  let total = 0n;
  for (const pv of pvs) {
    if (isLocalPv(pv) && pvNodeOf(pv) === node) total += bytesOf(pv.spec?.capacity?.storage) ?? 0n;
  }
  return total;
}

/** Whether `requested` bytes fit; when not, the message of the ProvisioningFailed event. */
export function fitOf(
  node: string,
  requested: bigint,
  capacity: bigint,
  allocated: bigint,
): { fits: true } | { fits: false; message: string } {
  const free = capacity > allocated ? capacity - allocated : 0n;
  if (requested <= free) return { fits: true };
  return {
    fits: false,
    message: `Not enough local storage on node ${node}: requested ${requested} bytes, ` +
      `${free} bytes free (capacity ${capacity}, allocated ${allocated})`,
  };
}

/** The Node annotations that publish the account, as decimal byte counts. */
export const nodeStorageAnnotations = (capacity: bigint, allocated: bigint) => ({
  [ANN_NODE_STORAGE_CAPACITY]: capacity.toString(),
  [ANN_NODE_STORAGE_ALLOCATED]: allocated.toString(),
});
