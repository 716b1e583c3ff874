// Disks, volumes, interfaces and networks of a VMI spec: names that match and are unique, one
// binding per interface, boot orders used once (KubeVirt's vmi-create-admitter rules).
import { INTERFACE_BINDINGS, type VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { type Cause, cause } from "../review.ts";
import { at, type Path } from "./paths.ts";

const INTERFACE_NAME = /^[A-Za-z0-9_-]+$/;
const MAC_ADDRESS = /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/;
const PCI_ADDRESS = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const IANA_SERVICE_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Causes for disks and volumes that do not match, and for repeated names. */
export function checkDisksAndVolumes(spec: VirtualMachineInstanceSpec, base: Path): Cause[] {
  const causes: Cause[] = [];
  const devices = spec.domain.devices;
  const volumes = new Map<string, number>();
  spec.volumes?.forEach((volume, i) => {
    const first = volumes.get(volume.name);
    if (first !== undefined) {
      causes.push(
        duplicate(at(base, "volumes", i, "name"), volume.name, at(base, "volumes", first)),
      );
    } else volumes.set(volume.name, i);
  });
  const disks = new Map<string, number>();
  devices.disks?.forEach((disk, i) => {
    const path = [...base, "domain", "devices", "disks", i] as const;
    const first = disks.get(disk.name);
    if (first !== undefined) {
      causes.push(
        duplicate(at(path, "name"), disk.name, at(base, "domain", "devices", "disks", first)),
      );
    } else disks.set(disk.name, i);
    const v = volumes.get(disk.name);
    const volume = v === undefined ? undefined : spec.volumes![v]!;
    if (!volume) {
      causes.push(
        cause(
          at(path, "name"),
          `${JSON.stringify(disk.name)} has no matching volume`,
          "FieldValueNotFound",
        ),
      );
    } else if (disk.lun && !volume.persistentVolumeClaim && !volume.dataVolume) {
      causes.push(
        cause(at(path, "lun"), "can only use a persistentVolumeClaim or dataVolume volume"),
      );
    }
    const pciAddress = disk.disk?.pciAddress;
    if (pciAddress !== undefined && !PCI_ADDRESS.test(pciAddress)) {
      causes.push(
        cause(
          at(path, "disk", "pciAddress"),
          `${JSON.stringify(pciAddress)} is not a PCI address such as 0000:81:01.0`,
        ),
      );
    }
  });
  const filesystems = new Set((devices.filesystems ?? []).map((f) => f.name));
  spec.volumes?.forEach((volume, i) => {
    // A memory dump volume has no disk; any other volume got one from the mutating webhook.
    if (!disks.has(volume.name) && !filesystems.has(volume.name) && !volume.memoryDump) {
      causes.push(
        cause(
          at(base, "volumes", i, "name"),
          `${JSON.stringify(volume.name)} has no matching disk`,
          "FieldValueNotFound",
        ),
      );
    }
  });
  return causes;
}

/** Causes for interfaces and networks: matching names, bindings, addresses and ports. */
export function checkInterfacesAndNetworks(spec: VirtualMachineInstanceSpec, base: Path): Cause[] {
  const causes: Cause[] = [];
  const networks = new Map<string, number>();
  let multusDefaults = 0;
  spec.networks?.forEach((network, i) => {
    const first = networks.get(network.name);
    if (first !== undefined) {
      causes.push(
        duplicate(at(base, "networks", i, "name"), network.name, at(base, "networks", first)),
      );
    } else networks.set(network.name, i);
    if (network.multus?.default) multusDefaults++;
    if (network.multus && network.multus.networkName === "") {
      causes.push(
        cause(
          at(base, "networks", i, "multus", "networkName"),
          "Required value",
          "FieldValueRequired",
        ),
      );
    }
  });
  if (multusDefaults > 1) {
    causes.push(cause(at(base, "networks"), "only one multus network may be the default"));
  }
  if (multusDefaults > 0 && spec.networks?.some((n) => n.pod)) {
    causes.push(
      cause(
        at(base, "networks"),
        "a pod network cannot be used together with a default multus network",
      ),
    );
  }
  const interfaces = new Map<string, number>();
  const portNames = new Set<string>();
  let podInterfaces = 0;
  spec.domain.devices.interfaces?.forEach((iface, i) => {
    const path = [...base, "domain", "devices", "interfaces", i] as const;
    const first = interfaces.get(iface.name);
    if (first !== undefined) {
      causes.push(
        duplicate(at(path, "name"), iface.name, at(base, "domain", "devices", "interfaces", first)),
      );
    } else interfaces.set(iface.name, i);
    if (!INTERFACE_NAME.test(iface.name)) {
      causes.push(
        cause(at(path, "name"), "may only contain letters, digits, dashes (-) and underscores (_)"),
      );
    }
    if (!INTERFACE_BINDINGS.some((b) => iface[b] !== undefined)) {
      causes.push(
        cause(
          at(path),
          `must set one interface binding: one of ${INTERFACE_BINDINGS.join(", ")}`,
          "FieldValueRequired",
        ),
      );
    }
    const n = networks.get(iface.name);
    const network = n === undefined ? undefined : spec.networks![n]!;
    if (!network) {
      causes.push(
        cause(
          at(path, "name"),
          `${JSON.stringify(iface.name)} has no matching network`,
          "FieldValueNotFound",
        ),
      );
    } else if (network.pod) {
      if (++podInterfaces > 1) {
        causes.push(cause(at(path, "name"), "only one interface may connect to the pod network"));
      }
    } else if (iface.masquerade) {
      causes.push(cause(at(path, "masquerade"), "only works with the pod network"));
    }
    if (iface.macAddress !== undefined && !MAC_ADDRESS.test(iface.macAddress)) {
      causes.push(
        cause(
          at(path, "macAddress"),
          `${JSON.stringify(iface.macAddress)} is not a MAC address such as 02:00:00:2a:5e:01`,
        ),
      );
    }
    if (iface.pciAddress !== undefined && !PCI_ADDRESS.test(iface.pciAddress)) {
      causes.push(
        cause(
          at(path, "pciAddress"),
          `${JSON.stringify(iface.pciAddress)} is not a PCI address such as 0000:81:01.0`,
        ),
      );
    }
    iface.ports?.forEach((port, p) => {
      if (port.name === undefined) return;
      if (portNames.has(port.name)) {
        causes.push(
          cause(
            at(path, "ports", p, "name"),
            `Duplicate value: ${JSON.stringify(port.name)}`,
            "FieldValueDuplicate",
          ),
        );
      }
      portNames.add(port.name);
      if (!IANA_SERVICE_NAME.test(port.name)) {
        causes.push(
          cause(
            at(path, "ports", p, "name"),
            `${
              JSON.stringify(port.name)
            } is not a port name (at most 15 lowercase letters, digits and dashes)`,
          ),
        );
      }
    });
    const options = new Set<number>();
    iface.dhcpOptions?.privateOptions?.forEach((option, o) => {
      const optionPath = at(path, "dhcpOptions", "privateOptions", o, "option");
      if (option.option < 224 || option.option > 254) {
        causes.push(cause(optionPath, "must be between 224 and 254"));
      }
      if (options.has(option.option)) {
        causes.push(cause(optionPath, `Duplicate value: ${option.option}`, "FieldValueDuplicate"));
      }
      options.add(option.option);
    });
    iface.dhcpOptions?.ntpServers?.forEach((server, s) => {
      if (!IPV4.test(server)) {
        causes.push(
          cause(
            at(path, "dhcpOptions", "ntpServers", s),
            `${JSON.stringify(server)} is not an IPv4 address`,
          ),
        );
      }
    });
  });
  spec.networks?.forEach((network, i) => {
    if (!interfaces.has(network.name)) {
      causes.push(
        cause(
          at(base, "networks", i, "name"),
          `${JSON.stringify(network.name)} has no matching interface`,
          "FieldValueNotFound",
        ),
      );
    }
  });
  return causes;
}

/** Causes for boot orders that more than one disk or interface uses. */
export function checkBootOrder(spec: VirtualMachineInstanceSpec, base: Path): Cause[] {
  const causes: Cause[] = [];
  const seen = new Map<number, string>();
  const note = (order: number | undefined, path: string) => {
    if (order === undefined) return;
    const first = seen.get(order);
    if (first !== undefined) {
      causes.push(
        cause(
          `${path}.bootOrder`,
          `Duplicate value: ${order}: ${first} boots in that place already`,
          "FieldValueDuplicate",
        ),
      );
    } else seen.set(order, path);
  };
  spec.domain.devices.disks?.forEach((d, i) =>
    note(d.bootOrder, at(base, "domain", "devices", "disks", i))
  );
  spec.domain.devices.interfaces?.forEach((f, i) =>
    note(f.bootOrder, at(base, "domain", "devices", "interfaces", i))
  );
  return causes;
}

function duplicate(field: string, name: string, first: string): Cause {
  return cause(
    field,
    `Duplicate value: ${JSON.stringify(name)} is already the name of ${first}`,
    "FieldValueDuplicate",
  );
}
