/** What the agent reports from a running domain's live XML: its interfaces and machine type. */
import { attributesOf } from "../reconcile/keys.ts";

/** One `<interface>` of the live domain. */
export interface DomainInterface {
  /** The VMI interface's name (from the `ua-<name>` alias the renderer sets). */
  name: string | undefined;
  mac: string | undefined;
  /** libvirt's interface type: `user`, `bridge`, ... */
  type: string | undefined;
}

/** Facts read from live domain XML. */
export interface LiveDomainFacts {
  interfaces: DomainInterface[];
  /** The machine type QEMU runs, e.g. `pc-q35-7.2`. */
  machine: string | undefined;
}

/** Parses the interfaces and machine type out of `virDomainGetXMLDesc` output. */
export function liveDomainFacts(xml: string): LiveDomainFacts {
  const interfaces: DomainInterface[] = [];
  for (const block of xml.matchAll(/<interface\b([^>]*)>([\s\S]*?)<\/interface>/g)) {
    const body = block[2]!;
    const mac = /<mac\b([^>]*)\/?>/.exec(body);
    const alias = /<alias\b([^>]*)\/?>/.exec(body);
    const aliasName = alias ? attributesOf(alias[1]!).name : undefined;
    interfaces.push({
      name: aliasName?.startsWith("ua-") ? aliasName.slice(3) : undefined,
      mac: mac ? attributesOf(mac[1]!).address?.toLowerCase() : undefined,
      type: attributesOf(block[1]!).type,
    });
  }
  const osType = /<os\b[^>]*>[\s\S]*?<type\b([^>]*)>/.exec(xml);
  return { interfaces, machine: osType ? attributesOf(osType[1]!).machine : undefined };
}
