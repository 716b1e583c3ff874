/** The domains this node's agent made, read from libvirt with their owners, and their removal. */
import type { NodeFacts } from "../domain/mod.ts";
import { DomainNotFoundError, type Hypervisor, OperationInvalidError } from "../libvirt/mod.ts";
import { parseDomainOwner } from "../libvirt/xml_read.ts";
import { removeVmiRunDir } from "../volumes/run_dir.ts";
import { removeVmiDir } from "../volumes/vmi_dir.ts";
import type { VMI } from "../../api/mod.ts";
import type { OwnedDomain } from "./verdict.ts";

/** Every domain whose denovirt metadata names this node (other domains are never touched). */
export async function ownedDomains(hypervisor: Hypervisor, node: string): Promise<OwnedDomain[]> {
  const owned: OwnedDomain[] = [];
  for (const domain of await hypervisor.list()) {
    const owner = parseDomainOwner(await hypervisor.metadata(domain.uuid).catch(() => undefined));
    if (owner?.node !== node) continue;
    const { namespace, name, uid } = owner;
    owned.push({
      uuid: domain.uuid,
      name: domain.name,
      active: domain.state !== "shutoff",
      owner: { namespace, name, uid },
    });
  }
  return owned;
}

/** Powers off every running domain of the list; answers the names it destroyed. */
export async function destroyActive(
  hypervisor: Hypervisor,
  domains: OwnedDomain[],
): Promise<string[]> {
  const destroyed: string[] = [];
  for (const domain of domains.filter((d) => d.active)) {
    if (await gone(hypervisor.destroy(domain.uuid), OperationInvalidError)) continue;
    destroyed.push(domain.name);
  }
  return destroyed;
}

/**
 * Whether `call` failed because the domain is gone, or (with `also`) already shut off: the VMI
 * controller may remove the same domain at the same time. Other errors propagate.
 */
async function gone(
  call: Promise<void>,
  also?: new (...args: never[]) => Error,
): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (error) {
    if (error instanceof DomainNotFoundError || (also && error instanceof also)) return true;
    throw error;
  }
}

/** Destroys, undefines and removes the files of a domain the node may not keep. */
export async function removeDomain(
  hypervisor: Hypervisor,
  domain: OwnedDomain,
  node: NodeFacts,
  dataDir: string,
): Promise<void> {
  if (domain.active) await gone(hypervisor.destroy(domain.uuid), OperationInvalidError);
  await gone(hypervisor.undefine(domain.uuid));
  await removeVmiDir(dataDir, domain.owner.uid);
  // The run paths depend only on the VMI's name, uid and console settings, not on its spec.
  const vmi = { metadata: domain.owner, spec: { domain: { devices: {} } } } as unknown as VMI;
  await removeVmiRunDir(vmi, node);
}
