import assert from "node:assert/strict";
import type { VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { checkBootOrder, checkDisksAndVolumes, checkInterfacesAndNetworks } from "./devices.ts";

const lines = (causes: { field: string; message: string }[]) =>
  causes.map((c) => `${c.field}: ${c.message}`);
const spec = (s: Record<string, unknown>) => s as unknown as VirtualMachineInstanceSpec;

Deno.test("checkDisksAndVolumes() names disks without volumes and volumes without disks", () => {
  const s = spec({
    domain: { devices: { disks: [{ name: "a" }, { name: "b", lun: {} }] } },
    volumes: [{ name: "b", emptyDisk: { capacity: "1Gi" } }, {
      name: "c",
      emptyDisk: { capacity: "1Gi" },
    }],
  });
  assert.deepEqual(lines(checkDisksAndVolumes(s, ["spec"])), [
    'spec.domain.devices.disks[0].name: "a" has no matching volume',
    "spec.domain.devices.disks[1].lun: can only use a persistentVolumeClaim or dataVolume volume",
    'spec.volumes[1].name: "c" has no matching disk',
  ]);
});

Deno.test("checkInterfacesAndNetworks() allows one pod interface and names unmatched ones", () => {
  const s = spec({
    domain: {
      devices: {
        interfaces: [
          { name: "default", masquerade: {} },
          { name: "second", bridge: {} },
          { name: "bad name", bridge: {} },
        ],
      },
    },
    networks: [{ name: "default", pod: {} }, { name: "second", pod: {} }, {
      name: "unused",
      multus: { networkName: "x" },
    }],
  });
  assert.deepEqual(lines(checkInterfacesAndNetworks(s, ["spec"])), [
    "spec.domain.devices.interfaces[1].name: only one interface may connect to the pod network",
    "spec.domain.devices.interfaces[2].name: may only contain letters, digits, dashes (-) and underscores (_)",
    'spec.domain.devices.interfaces[2].name: "bad name" has no matching network',
    'spec.networks[2].name: "unused" has no matching interface',
  ]);
});

Deno.test("checkInterfacesAndNetworks() checks ports and DHCP options", () => {
  const s = spec({
    domain: {
      devices: {
        interfaces: [{
          name: "default",
          masquerade: {},
          ports: [{ name: "http", port: 80 }, { name: "http", port: 8080 }, {
            name: "Bad_Name",
            port: 1,
          }],
          dhcpOptions: {
            privateOptions: [{ option: 240, value: "a" }, { option: 100, value: "b" }],
            ntpServers: ["10.0.0.1", "ntp.example.com"],
          },
        }],
      },
    },
    networks: [{ name: "default", pod: {} }],
  });
  assert.deepEqual(lines(checkInterfacesAndNetworks(s, ["spec"])), [
    'spec.domain.devices.interfaces[0].ports[1].name: Duplicate value: "http"',
    'spec.domain.devices.interfaces[0].ports[2].name: "Bad_Name" is not a port name (at most 15 lowercase letters, digits and dashes)',
    "spec.domain.devices.interfaces[0].dhcpOptions.privateOptions[1].option: must be between 224 and 254",
    'spec.domain.devices.interfaces[0].dhcpOptions.ntpServers[1]: "ntp.example.com" is not an IPv4 address',
  ]);
});

Deno.test("checkBootOrder() refuses one boot order for a disk and an interface", () => {
  const s = spec({
    domain: {
      devices: {
        disks: [{ name: "a", bootOrder: 2 }],
        interfaces: [{ name: "n", bootOrder: 2, bridge: {} }],
      },
    },
  });
  assert.deepEqual(lines(checkBootOrder(s, ["spec"])), [
    "spec.domain.devices.interfaces[0].bootOrder: Duplicate value: 2: spec.domain.devices.disks[0] boots in that place already",
  ]);
});
