/** prepareDisks(): every disk's volume made ready on the host, in disk order, for domainXmlFor(). */
import {
  NOT_SUPPORTED,
  SUPPORTED_VOLUME_SOURCES,
  type VirtualMachineInstance,
  type Volume,
  VOLUME_SOURCE_NOTES,
  VOLUME_SOURCES,
} from "../../api/mod.ts";
import { TerminalError } from "../../lib/errors.ts";
import { prepareClaim, prepareOverlay } from "./claims.ts";
import { prepareCloudInit } from "./cloud_init.ts";
import { type PreparedDisk, type VolumeContext, volumeLabel } from "./context.ts";
import { prepareEmptyDisk } from "./empty_disk.ts";
import { prepareHostDisk } from "./host_disk.ts";
import { ensureVmiDir } from "./vmi_dir.ts";

/**
 * Prepares the volume of each disk of the VMI. Throws a TerminalError for what cannot work
 * (unsupported sources, paths outside the allowed roots) and a plain Error for what may work
 * on a retry (a Secret or a claim not there yet).
 */
export async function prepareDisks(
  vmi: VirtualMachineInstance,
  ctx: VolumeContext,
): Promise<PreparedDisk[]> {
  const volumes = new Map((vmi.spec.volumes ?? []).map((v) => [v.name, v]));
  const namespace = vmi.metadata.namespace ?? "default";
  const prepared: PreparedDisk[] = [];
  let vmiDir: string | undefined;
  const dir = async () => (vmiDir ??= await ensureVmiDir(ctx.dataDir, vmi.metadata.uid));
  for (const disk of vmi.spec.domain.devices.disks ?? []) {
    const volume = volumes.get(disk.name);
    if (!volume) {
      throw new TerminalError(`Disk ${JSON.stringify(disk.name)} has no volume of that name`);
    }
    prepared.push(await prepareVolume(vmi, volume, namespace, ctx, dir));
  }
  return prepared;
}

/** Prepares the volume of the VMI's disk `name` alone (a volume hotplugged to a running VMI). */
export function prepareDiskNamed(
  vmi: VirtualMachineInstance,
  name: string,
  ctx: VolumeContext,
): Promise<PreparedDisk> {
  const volume = (vmi.spec.volumes ?? []).find((v) => v.name === name);
  if (!volume) {
    return Promise.reject(new TerminalError(`Disk ${JSON.stringify(name)} has no volume`));
  }
  let vmiDir: string | undefined;
  const dir = async () => (vmiDir ??= await ensureVmiDir(ctx.dataDir, vmi.metadata.uid));
  return prepareVolume(vmi, volume, vmi.metadata.namespace ?? "default", ctx, dir);
}

function prepareVolume(
  vmi: VirtualMachineInstance,
  volume: Volume,
  namespace: string,
  ctx: VolumeContext,
  vmiDir: () => Promise<string>,
): Promise<PreparedDisk> {
  const label = volumeLabel(volume.name);
  // The webhooks refuse the same list (api/unsupported.ts): only a VMI that bypassed them or
  // predates them gets here with a source this agent does not prepare.
  const kind = VOLUME_SOURCES.find((k) => volume[k] !== undefined);
  if (!kind || !SUPPORTED_VOLUME_SOURCES.includes(kind)) {
    const why = (kind && VOLUME_SOURCE_NOTES[kind]) ??
      `supported volume sources: ${SUPPORTED_VOLUME_SOURCES.join(", ")}`;
    throw new TerminalError(`${label}: ${kind ?? "no volume source"}: ${NOT_SUPPORTED} (${why})`);
  }
  if (volume.hostDisk) {
    return prepareHostDisk({ ...volume, hostDisk: volume.hostDisk }, ctx.hostDiskRoots);
  }
  if (volume.emptyDisk) {
    const emptyDisk = volume.emptyDisk;
    return vmiDir().then((dir) => prepareEmptyDisk({ ...volume, emptyDisk }, dir));
  }
  if (volume.cloudInitNoCloud || volume.cloudInitConfigDrive) {
    return vmiDir().then((dir) => prepareCloudInit(vmi, volume, dir, ctx));
  }
  if (volume.persistentVolumeClaim) {
    const { claimName, readOnly } = volume.persistentVolumeClaim;
    return prepareClaim(volume.name, namespace, claimName, readOnly === true, ctx);
  }
  if (volume.dataVolume) {
    return prepareClaim(volume.name, namespace, volume.dataVolume.name, false, ctx);
  }
  if (volume.ephemeral?.persistentVolumeClaim) {
    const claimName = volume.ephemeral.persistentVolumeClaim.claimName;
    return prepareClaim(volume.name, namespace, claimName, true, ctx)
      .then(async (base) => prepareOverlay(base, await vmiDir()));
  }
  if (volume.containerDisk) {
    const source = volume.containerDisk;
    return ctx.containerDisk(vmi, source).then(async ({ path, format }) =>
      prepareOverlay({ name: volume.name, path, format, device: "file" }, await vmiDir())
    );
  }
  // ephemeral without a persistentVolumeClaim: refused at admission as a required value.
  throw new TerminalError(`${label}: ${kind}: ${NOT_SUPPORTED} (no claim to start from)`);
}
