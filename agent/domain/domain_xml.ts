/** The libvirt domain XML of a VMI: a pure function of the VMI, the node and prepared inputs. */
import { refusalsOfVmiSpec, type VirtualMachineInstance } from "../../api/mod.ts";
import { cpuElements, cpuTopologyOf, memoryKiBOf } from "./cpu.ts";
import { miscDeviceElements } from "./devices.ts";
import { diskElements } from "./disks.ts";
import { refuseFirst } from "./errors.ts";
import { clockElement, featuresElement, pmElement } from "./features.ts";
import { domainNameFor, domainUuidFor, metadataElement } from "./identity.ts";
import { graphicsElements } from "./graphics.ts";
import { interfaceElements } from "./interfaces.ts";
import { osElement, sysinfoElement } from "./os.ts";
import { serialElements } from "./serial.ts";
import type { DomainInputs, NodeFacts, PreparedDisk } from "./types.ts";
import { el, renderXml } from "./xml.ts";

/**
 * Renders the domain XML for a VMI; throws a DomainSpecError (a TerminalError) naming the field
 * for anything denovirt cannot run as asked. First come the refusals the webhooks make at
 * admission (api/runnable.ts), so that an admitted VMI never fails here for its spec, unless it
 * asks this node for what it lacks (KVM, a pod bridge, block volumes, host kernel files).
 */
export function domainXmlFor(
  vmi: VirtualMachineInstance,
  node: NodeFacts,
  disks: PreparedDisk[],
  inputs: DomainInputs = {},
): string {
  refuseFirst(refusalsOfVmiSpec(vmi.spec, {
    hostKernel: inputs.kernelBoot !== undefined,
    // Whether a LUN's volume is a block device is known per prepared disk, checked below.
    blockVolumes: true,
  }));
  return renderDomainXml(vmi, node, disks, inputs);
}

/**
 * The renderer behind domainXmlFor(), with only its own checks of what it renders; tests reach
 * those checks through it.
 */
export function renderDomainXml(
  vmi: VirtualMachineInstance,
  node: NodeFacts,
  disks: PreparedDisk[],
  inputs: DomainInputs = {},
): string {
  const spec = vmi.spec;
  const domain = spec.domain;
  const uuid = domainUuidFor(vmi);
  const topology = cpuTopologyOf(spec);
  const vcpus = topology.sockets * topology.cores * topology.threads;
  const rendered = diskElements(spec, disks, vcpus);
  const interfaces = interfaceElements(spec, inputs.podBridge, inputs.macs);
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
        graphicsElements(vmi, node),
        miscDeviceElements(domain.devices, rendered.usb),
      ),
    ),
  );
}
