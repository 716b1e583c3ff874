/** The agent's pure domain rendering: VMI + node facts + prepared disks -> libvirt domain XML. */
export { domainXmlFor } from "./domain_xml.ts";
export { cpuTopologyOf, memoryKiBOf } from "./cpu.ts";
export { diskDevName, type DiskTarget, diskTargetsOf, hotplugDiskElement } from "./disks.ts";
export { DomainSpecError } from "./errors.ts";
export { domainNameFor, domainUuidFor, vmiKey } from "./identity.ts";
export { DEFAULT_VM_NETWORK_CIDR } from "./interfaces.ts";
export { machineTypeOf } from "./os.ts";
export { type VmiRunPaths, vmiRunPathsFor } from "./serial.ts";
export type { DomainInputs, KernelBootFiles, NodeFacts, PreparedDisk } from "./types.ts";
export { escapeXml, renderXml } from "./xml.ts";
