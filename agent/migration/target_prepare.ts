/**
 * A migration target prepares what the domain needs exactly as for a start, without defining or
 * starting it: the containerDisk images in this node's cache with fresh overlays on them (same
 * backing image, so the same virtual size; the guest's writes are copied into them), emptyDisks,
 * cloud-init media, the run directory, and the target launcher pod's network. Files an earlier
 * failed attempt left are removed first: a copy only writes what the source has written.
 */
import type { Pod, VMI } from "../../api/mod.ts";
import type { NodeFacts } from "../domain/mod.ts";
import type { VmNetworkAttacher } from "../network/attach.ts";
import { ensureVmiRunDir, prepareDisks, removeVmiDir, type VolumeContext } from "../volumes/mod.ts";

/** Prepares the target side of `vmi`'s migration on this node. */
export async function prepareTarget(
  vmi: VMI,
  targetPod: Pod,
  ctx: { volumes: VolumeContext; node: NodeFacts; network: VmNetworkAttacher },
): Promise<void> {
  await ctx.network.attach(vmi, targetPod);
  await removeVmiDir(ctx.volumes.dataDir, vmi.metadata.uid!);
  await prepareDisks(vmi, ctx.volumes);
  await ensureVmiRunDir(vmi, ctx.node);
}
