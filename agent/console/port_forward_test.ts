import assert from "node:assert/strict";
import {
  addressText,
  firstInterfaceAddress,
  goErrorText,
  PORT_FORWARD_PATH,
  portAndProtocolOf,
} from "./port_forward.ts";

Deno.test("portAndProtocolOf() takes ports 1-65535 and tcp or udp, tcp when absent", () => {
  const good: [string, string | undefined, number, string][] = [
    ["22", undefined, 22, "tcp"],
    ["1", "tcp", 1, "tcp"],
    ["65535", "udp", 65535, "udp"],
    ["00080", "tcp", 80, "tcp"],
  ];
  for (const [port, protocol, number, expected] of good) {
    assert.deepEqual(portAndProtocolOf(port, protocol), { port: number, protocol: expected });
  }
});

Deno.test("portAndProtocolOf() refuses with a 400 naming the port or the protocol", () => {
  const bad: [string, string | undefined, RegExp][] = [
    ["0", "tcp", /^Invalid port: "0" is not a number from 1 to 65535$/],
    ["65536", "tcp", /^Invalid port: "65536"/],
    ["-1", "tcp", /^Invalid port: "-1"/],
    ["http", "tcp", /^Invalid port: "http"/],
    ["1e3", "tcp", /^Invalid port: "1e3"/],
    ["", undefined, /^Invalid port: ""/],
    ["22", "TCP", /^Invalid protocol: "TCP" is not tcp or udp$/],
    ["22", "sctp", /^Invalid protocol: "sctp"/],
  ];
  for (const [port, protocol, message] of bad) {
    assert.throws(
      () => portAndProtocolOf(port, protocol),
      (e: { status: { code: number; message: string } }) =>
        e.status.code === 400 && message.test(e.status.message),
      `${port}/${protocol}`,
    );
  }
});

Deno.test("PORT_FORWARD_PATH matches the agent's port-forward paths only", () => {
  const base = "/v1/namespaces/ns/virtualmachineinstances/web/portforward";
  assert.deepEqual([...`${base}/22`.match(PORT_FORWARD_PATH)!].slice(1), [
    "ns",
    "web",
    "22",
    undefined,
  ]);
  assert.equal(`${base}/53/udp`.match(PORT_FORWARD_PATH)?.[4], "udp");
  for (const other of [base, `${base}/`, `${base}/22/tcp/x`, "/v1/namespaces/ns/x/web/console"]) {
    assert.equal(PORT_FORWARD_PATH.test(other), false, other);
  }
});

Deno.test("firstInterfaceAddress() reads the first interface in the status that has an IP", () => {
  const table: [Parameters<typeof firstInterfaceAddress>[0], string | undefined][] = [
    [{}, undefined],
    [{ status: { interfaces: [] } }, undefined],
    [{ status: { interfaces: [{}] } }, undefined],
    [
      { status: { interfaces: [{ ipAddress: "10.244.0.5" }, { ipAddress: "10.0.0.9" }] } },
      "10.244.0.5",
    ],
    [{ status: { interfaces: [{ ipAddress: "" }, { ipAddress: "fd00::5" }] } }, "fd00::5"],
  ];
  for (const [vmi, address] of table) {
    assert.equal(firstInterfaceAddress(vmi), address, JSON.stringify(vmi));
  }
});

Deno.test("goErrorText() words socket errors as Go's net package does, IPv6 in brackets", () => {
  const tcp = { host: "10.244.0.5", port: 80, protocol: "tcp" as const };
  assert.equal(
    goErrorText("dial", tcp, { code: "ECONNREFUSED" }),
    "dial tcp 10.244.0.5:80: connect: connection refused",
  );
  assert.equal(
    goErrorText("dial", { ...tcp, host: "fd00::5" }, { code: "ETIMEDOUT" }),
    "dial tcp [fd00::5]:80: i/o timeout",
  );
  assert.equal(
    goErrorText("read", tcp, new Error("something odd")),
    "read tcp 10.244.0.5:80: something odd",
  );
  assert.equal(addressText("127.0.0.1", 22), "127.0.0.1:22");
});
