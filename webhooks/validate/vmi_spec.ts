// Every check of a VMI spec, for VMIs and for VM and replica set templates.
import type { VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { type Cause, cause, type WebhookConfig } from "../review.ts";
import { checkBootOrder, checkDisksAndVolumes, checkInterfacesAndNetworks } from "./devices.ts";
import { at, type Path } from "./paths.ts";
import { checkResources } from "./resources.ts";
import { refusedInVmiSpec } from "./unsupported.ts";
import { checkVolumes } from "./volumes.ts";
import { checkHotplugDisks } from "./hotplug.ts";

/** KubeVirt's emulated machines on amd64: q35 and its versions (pc-q35-*). */
export const SUPPORTED_MACHINE_TYPES = /^(q35|pc-q35-[A-Za-z0-9._-]+)$/;
const SERIAL = /^[A-Za-z0-9_.+-]{1,256}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Causes for everything wrong in a VMI spec at `base` (e.g. `spec.template.spec`). */
export function checkVmiSpec(
  spec: VirtualMachineInstanceSpec,
  base: Path,
  config: WebhookConfig,
): Cause[] {
  return [
    ...checkDisksAndVolumes(spec, base),
    ...checkInterfacesAndNetworks(spec, base),
    ...checkBootOrder(spec, base),
    ...checkResources(spec, base, true),
    ...checkVolumes(spec, base, config),
    ...checkHotplugDisks(spec, base),
    ...checkDomain(spec, base),
    ...refusedInVmiSpec(spec, base),
  ];
}

/** Machine type, firmware, features, host name and start strategy. */
export function checkDomain(spec: VirtualMachineInstanceSpec, base: Path): Cause[] {
  const causes: Cause[] = [];
  const domain = spec.domain;
  const machineType = domain.machine?.type;
  if (machineType && !SUPPORTED_MACHINE_TYPES.test(machineType)) {
    causes.push(cause(
      at(base, "domain", "machine", "type"),
      `${JSON.stringify(machineType)} is not supported: use q35 or a pc-q35-* version`,
      "FieldValueNotSupported",
    ));
  }
  const firmware = domain.firmware;
  if (firmware?.serial !== undefined && !SERIAL.test(firmware.serial)) {
    causes.push(
      cause(
        at(base, "domain", "firmware", "serial"),
        "must be 1 to 256 of the characters A-Z a-z 0-9 _ . + -",
      ),
    );
  }
  if (firmware?.uuid !== undefined && !UUID.test(firmware.uuid)) {
    causes.push(
      cause(
        at(base, "domain", "firmware", "uuid"),
        `${JSON.stringify(firmware.uuid)} is not a UUID`,
      ),
    );
  }
  const efi = firmware?.bootloader?.efi;
  if (efi && efi.secureBoot !== false && domain.features?.smm?.enabled === false) {
    causes.push(
      cause(
        at(base, "domain", "features", "smm"),
        "EFI SecureBoot (the default with efi) requires SMM, which is disabled",
      ),
    );
  }
  if (spec.hostname !== undefined && !DNS_LABEL.test(spec.hostname)) {
    causes.push(
      cause(
        at(base, "hostname"),
        "must be a DNS label: lowercase letters, digits and '-', at most 63 characters",
      ),
    );
  }
  if (spec.subdomain !== undefined && !DNS_SUBDOMAIN.test(spec.subdomain)) {
    causes.push(
      cause(
        at(base, "subdomain"),
        "must be a DNS subdomain: lowercase letters, digits, '-' and '.'",
      ),
    );
  }
  if (spec.startStrategy === "Paused" && spec.livenessProbe !== undefined) {
    causes.push(cause(at(base, "startStrategy"), "cannot be Paused together with a livenessProbe"));
  }
  return causes;
}
