/** `<os>` (machine, BIOS or EFI, direct kernel boot) and the SMBIOS `<sysinfo>` it points at. */
import type { VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { DomainSpecError } from "./errors.ts";
import type { DomainInputs } from "./types.ts";
import { el, type XmlElement } from "./xml.ts";

const MACHINE_TYPE = /^[a-z][a-z0-9._-]*$/i;

/** The QEMU machine type: `q35` by default; anything shaped like a machine type passes through. */
export function machineTypeOf(spec: VirtualMachineInstanceSpec): string {
  const type = spec.domain.machine?.type || "q35";
  if (!MACHINE_TYPE.test(type) || type.length > 64) {
    throw new DomainSpecError(
      "spec.domain.machine.type",
      `${JSON.stringify(type)} is not a QEMU machine type`,
    );
  }
  return type;
}

/** Whether the guest boots EFI with Secure Boot (KubeVirt's default for `efi: {}`). */
export function secureBootOf(spec: VirtualMachineInstanceSpec): boolean {
  const efi = spec.domain.firmware?.bootloader?.efi;
  return efi !== undefined && efi.secureBoot !== false;
}

/** `<os>`; `<boot dev='hd'/>` only when no device has a boot order and no kernel is given. */
export function osElement(
  spec: VirtualMachineInstanceSpec,
  inputs: DomainInputs,
  deviceBootOrder: boolean,
): XmlElement {
  const firmware = spec.domain.firmware;
  const arch = spec.architecture;
  if (arch !== undefined && arch !== "" && arch !== "amd64") {
    throw new DomainSpecError(
      "spec.architecture",
      `${JSON.stringify(arch)} is not supported: only amd64`,
    );
  }
  const efi = firmware?.bootloader?.efi;
  const kernel = kernelBootElements(spec, inputs);
  const secureBoot = secureBootOf(spec);
  return el(
    "os",
    { firmware: efi ? "efi" : undefined },
    el("type", { arch: "x86_64", machine: machineTypeOf(spec) }, "hvm"),
    efi && el(
      "firmware",
      {},
      el("feature", { enabled: secureBoot ? "yes" : "no", name: "enrolled-keys" }),
      el("feature", { enabled: secureBoot ? "yes" : "no", name: "secure-boot" }),
    ),
    kernel,
    !deviceBootOrder && kernel.length === 0 && el("boot", { dev: "hd" }),
    firmware?.bootloader?.bios?.useSerial && el("bios", { useserial: "yes" }),
    el("smbios", { mode: "sysinfo" }),
  );
}

function kernelBootElements(spec: VirtualMachineInstanceSpec, inputs: DomainInputs): XmlElement[] {
  const kernelBoot = spec.domain.firmware?.kernelBoot;
  if (!kernelBoot) return [];
  const path = "spec.domain.firmware.kernelBoot";
  const files = inputs.kernelBoot;
  if (!kernelBoot.container) {
    throw new DomainSpecError(`${path}.container`, "must be set for kernel boot");
  }
  if (!files) {
    throw new DomainSpecError(
      `${path}.container`,
      `kernel boot from a container image (${kernelBoot.container.image}) is not supported by ` +
        "denovirt yet: the node has no kernel and initrd for it on the host",
    );
  }
  const cmdline = kernelBoot.kernelArgs ?? files.cmdline;
  return [
    el("kernel", {}, files.kernel),
    files.initrd !== undefined && el("initrd", {}, files.initrd),
    cmdline !== undefined && cmdline !== "" && el("cmdline", {}, cmdline),
  ].filter((e): e is XmlElement => e !== false);
}

/** SMBIOS system and chassis data, as KubeVirt presents it to guests. */
export function sysinfoElement(spec: VirtualMachineInstanceSpec, uuid: string): XmlElement {
  const serial = spec.domain.firmware?.serial;
  const chassis = spec.domain.chassis;
  const entry = (name: string, value: string | undefined) =>
    value !== undefined && el("entry", { name }, value);
  return el(
    "sysinfo",
    { type: "smbios" },
    el(
      "system",
      {},
      entry("manufacturer", "KubeVirt"),
      entry("product", "None"),
      entry("uuid", uuid),
      entry("serial", serial),
      entry("family", "KubeVirt"),
    ),
    chassis && Object.values(chassis).some((v) => v !== undefined) && el(
      "chassis",
      {},
      entry("manufacturer", chassis.manufacturer),
      entry("version", chassis.version),
      entry("serial", chassis.serial),
      entry("asset", chassis.asset),
      entry("sku", chassis.sku),
    ),
  );
}
