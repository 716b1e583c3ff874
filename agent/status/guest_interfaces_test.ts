import assert from "node:assert/strict";
import { guestInterfacesOf, withGuestInterfaces } from "./guest_interfaces.ts";

Deno.test("guestInterfacesOf() reads libvirt's if.* fields, IPv4 first, without the loopback", () => {
  assert.deepEqual(
    guestInterfacesOf({
      "if.count": 3,
      "if.0.name": "lo",
      "if.0.hwaddr": "00:00:00:00:00:00",
      "if.0.addr.count": 1,
      "if.0.addr.0.type": "ipv4",
      "if.0.addr.0.addr": "127.0.0.1",
      "if.1.name": "eth0",
      "if.1.hwaddr": "52:54:00:AB:CD:EF",
      "if.1.addr.count": 2,
      "if.1.addr.0.type": "ipv6",
      "if.1.addr.0.addr": "fe80::5054:ff:feab:cdef",
      "if.1.addr.0.prefix": 64,
      "if.1.addr.1.type": "ipv4",
      "if.1.addr.1.addr": "10.0.2.2",
      "if.2.name": "dummy0",
    }),
    [
      {
        interfaceName: "eth0",
        mac: "52:54:00:ab:cd:ef",
        ip: "10.0.2.2",
        ips: ["fe80::5054:ff:feab:cdef", "10.0.2.2"],
      },
      { interfaceName: "dummy0", ips: [] },
    ],
  );
  assert.deepEqual(guestInterfacesOf({}), []);
});

Deno.test("withGuestInterfaces() merges as virt-handler: by MAC, pod IPs kept per family, guest-only added", () => {
  const domain = [
    {
      name: "default",
      mac: "52:54:00:ab:cd:ef",
      ipAddress: "10.244.0.7",
      ipAddresses: ["10.244.0.7"],
      podInterfaceName: "eth0",
      infoSource: "domain",
      linkState: "up",
    },
    { name: "second", mac: "52:54:00:00:00:02", infoSource: "domain", linkState: "up" },
  ];
  const merged = withGuestInterfaces(domain, [
    {
      interfaceName: "eth0",
      mac: "52:54:00:ab:cd:ef",
      ip: "10.0.2.2",
      ips: ["10.0.2.2", "fd10:0:2::2", "fe80::1"],
    },
    { interfaceName: "eth1", mac: "52:54:00:00:00:02", ip: "192.168.1.5", ips: ["192.168.1.5"] },
    { interfaceName: "docker0", mac: "02:42:00:00:00:09", ip: "172.17.0.1", ips: ["172.17.0.1"] },
  ], new Set(["default"]));
  assert.deepEqual(merged, [
    {
      name: "default",
      mac: "52:54:00:ab:cd:ef",
      // The pod's IPv4 stays; the guest adds its IPv6, without the unreachable link-local one.
      ipAddress: "10.244.0.7",
      ipAddresses: ["10.244.0.7", "fd10:0:2::2"],
      podInterfaceName: "eth0",
      interfaceName: "eth0",
      infoSource: "domain, guest-agent",
      linkState: "up",
    },
    {
      name: "second",
      mac: "52:54:00:00:00:02",
      ipAddress: "192.168.1.5",
      ipAddresses: ["192.168.1.5"],
      interfaceName: "eth1",
      infoSource: "domain, guest-agent",
      linkState: "up",
    },
    {
      mac: "02:42:00:00:00:09",
      ipAddress: "172.17.0.1",
      ipAddresses: ["172.17.0.1"],
      interfaceName: "docker0",
      infoSource: "guest-agent",
    },
  ]);
  assert.equal(domain[0]!.infoSource, "domain", "the input is left as it was");
});

Deno.test("withGuestInterfaces() keeps the pod's IPs while the guest reports none", () => {
  const [entry] = withGuestInterfaces(
    [{
      name: "default",
      mac: "52:54:00:ab:cd:ef",
      ipAddress: "10.244.0.7",
      ipAddresses: ["10.244.0.7"],
    }],
    [{ interfaceName: "eth0", mac: "52:54:00:ab:cd:ef", ips: [] }],
    new Set(),
  );
  assert.equal(entry?.ipAddress, "10.244.0.7");
  assert.deepEqual(entry?.ipAddresses, ["10.244.0.7"]);
  assert.equal(entry?.infoSource, "domain, guest-agent");
});

Deno.test("withGuestInterfaces() lists at most ten interfaces only the guest has", () => {
  const many = Array.from({ length: 12 }, (_, i) => ({
    interfaceName: `veth${i}`,
    mac: `02:00:00:00:00:${String(i).padStart(2, "0")}`,
    ips: [],
  }));
  assert.equal(withGuestInterfaces([], many, new Set()).length, 10);
});
