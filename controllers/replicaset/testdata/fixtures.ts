/** JSON fixtures of a replica set and one of its VMIs, and small edits of them for table tests. */
import type { VirtualMachineInstancePhase, VMI, VMIRS } from "../../../api/mod.ts";

const read = (name: string) => JSON.parse(Deno.readTextFileSync(new URL(name, import.meta.url)));

export const RS_UID = "11111111-0000-4000-8000-000000000001";
export const NOW = Date.parse("2026-01-01T00:10:00Z");

/** The fixture replica set (3 replicas of `app=web`, all ready) with `edit` applied. */
export function rsFixture(edit: (rs: VMIRS) => void = () => {}): VMIRS {
  const rs = read("./rs.json") as VMIRS;
  edit(rs);
  return rs;
}

/** How one fixture VMI differs from the Running, Ready VMI of the replica set. */
export interface VmiShape {
  phase?: VirtualMachineInstancePhase;
  ready?: "True" | "False";
  readyReason?: string;
  /** Minutes after the fixture's creation time. */
  createdMinute?: number;
  deleting?: boolean;
  labels?: Record<string, string>;
  /** "rs" (the default), "none" for an orphan, or another controller's UID. */
  owner?: "rs" | "none" | string;
}

/** A VMI of the fixture replica set named `name`, shaped by `shape`. */
export function vmiFixture(name: string, shape: VmiShape = {}): VMI {
  const vmi = read("./vmi.json") as VMI;
  vmi.metadata.name = name;
  vmi.metadata.uid = `uid-${name}`;
  const minute = String(shape.createdMinute ?? 1).padStart(2, "0");
  vmi.metadata.creationTimestamp = `2026-01-01T00:${minute}:00Z`;
  if (shape.labels) vmi.metadata.labels = shape.labels;
  if (shape.deleting) vmi.metadata.deletionTimestamp = "2026-01-01T00:09:00Z";
  const owner = shape.owner ?? "rs";
  if (owner === "none") delete vmi.metadata.ownerReferences;
  else if (owner !== "rs") vmi.metadata.ownerReferences![0]!.uid = owner;
  vmi.status!.phase = shape.phase ?? "Running";
  vmi.status!.conditions = [{
    type: "Ready",
    status: shape.ready ?? (vmi.status!.phase === "Running" ? "True" : "False"),
    ...(shape.readyReason ? { reason: shape.readyReason } : {}),
  }];
  return vmi;
}
