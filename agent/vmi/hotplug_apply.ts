/** The side of volume hotplug: a disk attached to or detached from the running domain. */
import type { VMI } from "../../api/mod.ts";
import { hotplugDiskElement, renderXml } from "../domain/mod.ts";
import { el } from "../domain/xml.ts";
import { prepareDiskNamed } from "../volumes/mod.ts";
import type { ApplyContext } from "./apply.ts";
import type { Action, Observation } from "./types.ts";

type HotplugContext = Pick<ApplyContext, "volumes" | "hypervisor" | "log" | "events">;

/** Prepares the volume of disk `name` and attaches its `<disk>` to the running domain. */
export async function attachDisk(vmi: VMI, o: Observation, name: string, ctx: HotplugContext) {
  const domain = o.domain!;
  const prepared = await prepareDiskNamed(vmi, name, ctx.volumes);
  const taken = (domain.live?.disks ?? []).flatMap((d) => d.target ? [d.target] : []);
  const xml = renderXml(hotplugDiskElement(vmi.spec, name, prepared, taken));
  await ctx.hypervisor.attachDevice(domain.uuid, xml);
  ctx.log.info("Disk attached", { domain: domain.name, volume: name });
  void ctx.events.record(
    vmi,
    "Normal",
    "VolumeReady",
    `Successfully attach hotplugged volume ${name} to VM`,
  );
}

/**
 * Detaches the disk of a volume gone from the spec. libvirt matches the disk by its target; a
 * detach the guest has not completed yet leaves the disk in the live XML, and the next pass
 * asks again.
 */
export async function detachDisk(
  vmi: VMI,
  o: Observation,
  action: Extract<Action, { type: "detachDisk" }>,
  ctx: HotplugContext,
) {
  const domain = o.domain!;
  const source = action.device === "block" ? { dev: action.source } : { file: action.source };
  const xml = renderXml(
    el(
      "disk",
      { type: action.device, device: "disk" },
      el("source", source),
      el("target", {
        dev: action.target,
      }),
    ),
  );
  try {
    await ctx.hypervisor.detachDevice(domain.uuid, xml);
  } catch (error) {
    // Asked before, and the guest has not let go yet: the next pass looks again.
    if (/already in the process of unplug/i.test((error as Error).message)) return;
    throw error;
  }
  ctx.log.info("Disk detached", { domain: domain.name, volume: action.name });
  void ctx.events.record(
    vmi,
    "Normal",
    "VolumeDetached",
    `Detached hotplugged volume ${action.name}`,
  );
}
