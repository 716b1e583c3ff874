/**
 * What the source node's agent hands libvirt for a migration, as pure functions of the VMI and
 * its live domain: the destination's domain XML (the same renderer as a start, with the target
 * pod's bridge, the target node in the metadata and the guest's MACs kept), and the local disks
 * to copy along.
 */
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { domainXmlFor, type NodeFacts, type PreparedDisk } from "../domain/mod.ts";
import type { LiveDomainFacts } from "../libvirt/xml_read.ts";
import { vmLinksOf } from "../network/names.ts";

/** The uid of the migration's target launcher pod: the active pod on the target node. */
export function targetPodUidOf(vmi: VirtualMachineInstance): string | undefined {
  const target = vmi.status?.migrationState?.targetNode;
  if (!target) return undefined;
  const pods = Object.entries(vmi.status?.activePods ?? {});
  return pods.find(([, node]) => node === target)?.[0];
}

/** The disks as the running domain has them, in the VMI's disk order, to render them again. */
export function preparedDisksOfLive(
  vmi: VirtualMachineInstance,
  live: LiveDomainFacts,
): PreparedDisk[] {
  return (vmi.spec.domain.devices.disks ?? []).map((disk) => {
    const found = live.disks.find((d) => d.name === disk.name);
    const path = found?.files[0];
    if (!found || !path) {
      throw new Error(`Cannot migrate: disk ${JSON.stringify(disk.name)} is not in the domain`);
    }
    const prepared: PreparedDisk = {
      name: disk.name,
      path,
      format: found.format === "qcow2" ? "qcow2" : "raw",
      device: found.device === "block" ? "block" : "file",
    };
    if (found.readonly) prepared.readonly = true;
    return prepared;
  });
}

/**
 * The guest devices (`vda`) of the local disks to copy: the writable ones in the VMI's own data
 * directory (containerDisk and ephemeral overlays, emptyDisks). Read-only media (cloud-init) are
 * made again on the target; shared volumes are not copied.
 */
export function disksToCopy(live: LiveDomainFacts, vmiDir: string): string[] {
  const prefix = vmiDir.endsWith("/") ? vmiDir : `${vmiDir}/`;
  return live.disks
    .filter((d) => !d.readonly && d.target && d.files[0]?.startsWith(prefix))
    .map((d) => d.target!);
}

/** The MACs of the live domain's interfaces, by VMI interface name. */
export function macsOfLive(live: LiveDomainFacts): Record<string, string> {
  const macs: Record<string, string> = {};
  for (const iface of live.interfaces) if (iface.name && iface.mac) macs[iface.name] = iface.mac;
  return macs;
}

/**
 * The domain XML for the target node: rendered as a start on that node would render it, on the
 * target pod's bridge when the guest is on a pod bridge here (else QEMU's user network again).
 */
export function destinationXmlFor(
  vmi: VirtualMachineInstance,
  source: NodeFacts,
  live: LiveDomainFacts,
): string {
  const targetNode = vmi.status?.migrationState?.targetNode;
  if (!targetNode) throw new Error("Cannot migrate: the migration names no target node");
  const onBridge = live.interfaces.some((i) => i.type === "bridge");
  let podBridge: string | undefined;
  if (onBridge) {
    const podUid = targetPodUidOf(vmi);
    if (!podUid) throw new Error("Cannot migrate: no active pod of the VMI is on the target node");
    podBridge = vmLinksOf(podUid).bridge;
  }
  return domainXmlFor(vmi, { ...source, name: targetNode }, preparedDisksOfLive(vmi, live), {
    ...(podBridge ? { podBridge } : {}),
    macs: macsOfLive(live),
  });
}
