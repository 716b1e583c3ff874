/** The libvirt domain XML of a VMI: a pure function of the VMI, the node and prepared inputs. */
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { cpuElements, cpuTopologyOf, memoryKiBOf } from "./cpu.ts";
import { miscDeviceElements, refuseUnsupportedDevices } from "./devices.ts";
import { diskElements } from "./disks.ts";
import { unsupported } from "./errors.ts";
import { clockElement, featuresElement, pmElement } from "./features.ts";
import { domainNameFor, domainUuidFor, metadataElement } from "./identity.ts";
import { interfaceElements } from "./interfaces.ts";
import { osElement, sysinfoElement } from "./os.ts";
import { serialElements } from "./serial.ts";
import type { DomainInputs, NodeFacts, PreparedDisk } from "./types.ts";
import { el, renderXml } from "./xml.ts";

/**
 * Renders the domain XML for a VMI; throws a DomainSpecError (a TerminalError) naming the field
 * for anything denovirt cannot run as asked.
 */
export function domainXmlFor(
  vmi: VirtualMachineInstance,
  node: NodeFacts,
  disks: PreparedDisk[],
  inputs: DomainInputs = {},
): string {
  const spec = vmi.spec;
  const domain = spec.domain;
  if (domain.launchSecurity) unsupported("spec.domain.launchSecurity", "confidential computing");
  if (domain.ioThreadsPolicy !== undefined && domain.ioThreadsPolicy !== "shared") {
    unsupported("spec.domain.ioThreadsPolicy", `the ${domain.ioThreadsPolicy} IO threads policy`);
  }
  refuseUnsupportedDevices(domain.devices);
  const uuid = domainUuidFor(vmi);
  const topology = cpuTopologyOf(spec);
  const vcpus = topology.sockets * topology.cores * topology.threads;
  const rendered = diskElements(spec, disks, vcpus);
  const interfaces = interfaceElements(spec, node);
  const interfaceBootOrder = (domain.devices.interfaces ?? []).some((i) =>
    i.bootOrder !== undefined
  );
  const memory = memoryKiBOf(spec);
  return renderXml(
    el(
      "domain",
      { type: node.kvm ? "kvm" : "qemu" },
      el("name", {}, domainNameFor(vmi)),
      el("uuid", {}, uuid),
      metadataElement(vmi, node.name),
      el("memory", { unit: "KiB" }, String(memory)),
      el("currentMemory", { unit: "KiB" }, String(memory)),
      cpuElements(spec, node),
      sysinfoElement(spec, uuid),
      osElement(spec, inputs, rendered.bootOrder || interfaceBootOrder),
      featuresElement(spec, node),
      clockElement(spec),
      el("on_poweroff", {}, "destroy"),
      el("on_reboot", {}, domain.rebootPolicy === "Terminate" ? "destroy" : "restart"),
      el("on_crash", {}, "destroy"),
      pmElement(),
      el(
        "devices",
        {},
        rendered.disks,
        rendered.controllers,
        interfaces,
        serialElements(vmi, node),
        miscDeviceElements(domain.devices, rendered.usb),
      ),
    ),
  );
}
