/**
 * Reading libvirt's domain XML, in one place: the name and UUID, denovirt's metadata element
 * (whose domain it is), and what the agent reports from a running domain (interfaces, machine
 * type). Regular expressions suffice: libvirt writes this XML, in a form that does not vary.
 */

/** The domain's name, for error messages; "(unnamed)" when it has none. */
export function domainNameInXml(xml: string): string {
  return /<name>\s*([^<]*?)\s*<\/name>/.exec(xml)?.[1] || "(unnamed)";
}

/** The domain's UUID, lower case; undefined when the XML has none. */
export function domainUuidInXml(xml: string): string | undefined {
  return /<uuid>\s*([0-9a-fA-F-]{36})\s*<\/uuid>/.exec(xml)?.[1]?.toLowerCase();
}

/** What denovirt's metadata element says about a domain. */
export interface DomainOwner {
  namespace: string;
  name: string;
  uid: string;
  /** The node whose agent made the domain; absent in domains rendered before it was recorded. */
  node?: string;
}

/** Parses `<denovirt:vmi namespace name uid [node]/>` as `metadata()` returns it. */
export function parseDomainOwner(xml: string | undefined): DomainOwner | undefined {
  if (!xml) return undefined;
  const open = /<(?:[A-Za-z_][\w.-]*:)?vmi\b([^>]*)\/?>/.exec(xml);
  if (!open) return undefined;
  const attrs = attributesOf(open[1]!);
  const { namespace, name, uid, node } = attrs;
  if (!namespace || !name || !uid) return undefined;
  return node ? { namespace, name, uid, node } : { namespace, name, uid };
}

/** Attributes of an XML start tag's attribute text, entities decoded. */
export function attributesOf(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const match of text.matchAll(/([\w:.-]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) {
    attrs[match[1]!] = decodeEntities(match[2] ?? match[3] ?? "");
  }
  return attrs;
}

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (_, entity: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };
    if (entity[0] !== "#") return named[entity.toLowerCase()]!;
    const code = entity[1] === "x" || entity[1] === "X"
      ? parseInt(entity.slice(2), 16)
      : parseInt(entity.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/** One `<interface>` of the live domain. */
export interface DomainInterface {
  /** The VMI interface's name (from the `ua-<name>` alias the renderer sets). */
  name: string | undefined;
  mac: string | undefined;
  /** libvirt's interface type: `user`, `bridge`, ... */
  type: string | undefined;
}

/** One `<disk>` of the live domain. */
export interface DomainDisk {
  /** The VMI disk's name (from the `ua-<name>` alias the renderer sets). */
  name: string | undefined;
  /** The guest's device name, e.g. `vda`. */
  target: string | undefined;
  /** The bus the guest sees the disk on (`virtio`, `sata`, `scsi`, ...). */
  bus?: string;
  /** The file the disk reads, then its backing files in order (an overlay's base). */
  files: string[];
  /** `file` or `block` (the disk element's type). */
  device?: string;
  /** The image format QEMU reads (`qcow2`, `raw`). */
  format?: string;
  readonly?: boolean;
}

/** One interface the guest reports through its agent. */
export interface GuestInterface {
  /** Its name inside the guest (`eth0`). */
  interfaceName: string;
  mac?: string;
  /** IPv4 first when it has one, as KubeVirt picks the interface's IP. */
  ip?: string;
  ips: string[];
}

/** Facts of a running domain: from its live XML, and what its guest agent reports. */
export interface LiveDomainFacts {
  interfaces: DomainInterface[];
  disks: DomainDisk[];
  /** The machine type QEMU runs, e.g. `pc-q35-7.2`. */
  machine: string | undefined;
  /**
   * Whether the guest agent has opened its channel (`org.qemu.guest_agent.0`): libvirt keeps
   * the channel target's `state` up to date in the live XML.
   */
  guestAgentConnected?: boolean;
  /** The guest agent's OS report, KubeVirt's guestOSInfo (read while the agent is connected). */
  guestOS?: Record<string, string>;
  /** The guest's interfaces as its agent reports them (read with the OS). */
  guestInterfaces?: GuestInterface[];
}

/** The virtio port the QEMU guest agent answers on. */
export const GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0";

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
  return {
    interfaces,
    disks: disksOf(xml),
    machine: osType ? attributesOf(osType[1]!).machine : undefined,
    guestAgentConnected: guestAgentConnected(xml),
  };
}

function guestAgentConnected(xml: string): boolean {
  for (const block of xml.matchAll(/<channel\b[^>]*>([\s\S]*?)<\/channel>/g)) {
    const target = /<target\b([^>]*)\/?>/.exec(block[1]!);
    const attributes = target ? attributesOf(target[1]!) : {};
    if (attributes.name === GUEST_AGENT_CHANNEL) return attributes.state === "connected";
  }
  return false;
}

function disksOf(xml: string): DomainDisk[] {
  const disks: DomainDisk[] = [];
  for (const block of xml.matchAll(/<disk\b([^>]*)>([\s\S]*?)<\/disk>/g)) {
    const body = block[2]!;
    // The disk's own source, then each nested <backingStore>'s, in document order.
    const files = [...body.matchAll(/<source\b([^>]*)\/?>/g)]
      .map((source) => attributesOf(source[1]!).file)
      .filter((file): file is string => !!file);
    const target = /<target\b([^>]*)\/?>/.exec(body);
    const alias = /<alias\b([^>]*)\/?>/.exec(body);
    const aliasName = alias ? attributesOf(alias[1]!).name : undefined;
    const driver = /<driver\b([^>]*)\/?>/.exec(body);
    disks.push({
      name: aliasName?.startsWith("ua-") ? aliasName.slice(3) : undefined,
      target: target ? attributesOf(target[1]!).dev : undefined,
      bus: target ? attributesOf(target[1]!).bus : undefined,
      files,
      device: attributesOf(block[1]!).type,
      format: driver ? attributesOf(driver[1]!).type : undefined,
      readonly: /<readonly\s*\/>/.test(body.replace(/<backingStore\b[\s\S]*<\/backingStore>/, "")),
    });
  }
  return disks;
}
