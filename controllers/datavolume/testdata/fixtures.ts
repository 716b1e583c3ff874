/** JSON fixtures of a DataVolume and its claim, and small edits of them for table tests. */
import type {
  DV,
  PersistentVolume,
  PersistentVolumeClaim,
  StorageClass,
} from "../../../api/mod.ts";
import { claimFor } from "../claim_for.ts";

const read = (name: string) => JSON.parse(Deno.readTextFileSync(new URL(name, import.meta.url)));

/** The fixture DataVolume (an http import of 1Gi, no status yet) with `edit` applied. */
export function dvFixture(edit: (dv: DV) => void = () => {}): DV {
  const dv = read("./dv.json") as DV;
  edit(dv);
  return dv;
}

/** The claim the controller makes for `dv`, in `phase`, with the agent's `annotations` added. */
export function claimOf(
  dv: DV,
  phase: "Pending" | "Bound" | "Lost" | undefined,
  annotations: Record<string, string> = {},
  storageClassName = "denovirt-local",
): PersistentVolumeClaim {
  const decision = claimFor(dv, {
    claim: { metadata: { name: "src" }, status: { phase: "Bound" } },
    volume: {},
  });
  if (!("claim" in decision)) throw new Error("The fixture makes no claim");
  const claim = decision.claim;
  claim.metadata!.annotations = { ...claim.metadata!.annotations, ...annotations };
  claim.spec = { ...claim.spec, storageClassName };
  if (phase) claim.status = { phase };
  return claim;
}

/** A StorageClass of the local provisioner with `mode` binding. */
export function storageClass(mode: "Immediate" | "WaitForFirstConsumer"): StorageClass {
  return {
    metadata: { name: mode === "Immediate" ? "denovirt-local-immediate" : "denovirt-local" },
    provisioner: "denovirt.io/local",
    volumeBindingMode: mode,
  };
}

/** A local PV pinned to `node`. */
export function localVolume(node: string): PersistentVolume {
  return {
    metadata: { name: "pvc-1234" },
    spec: {
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }],
          }],
        },
      },
    },
  };
}

export const NOW = Date.parse("2026-01-01T00:10:00Z");
