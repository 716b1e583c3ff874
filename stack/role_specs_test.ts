import assert from "node:assert/strict";
import { ROLE_V8_OPTION } from "../lib/role_runtime.ts";
import { stackPaths } from "./paths.ts";
import { PORT_NAMES, type StackPorts } from "./ports.ts";
import { allInOneSpec, roleEntry, roleSpec } from "./roles.ts";

const paths = stackPaths("/tmp/denovirt-specs");
const ports = Object.fromEntries(PORT_NAMES.map((name, i) => [name, 20_000 + i])) as StackPorts;
const libvirt = { uri: "qemu:///system", kvm: false };

Deno.test("allInOneSpec() and roleSpec() run every role from roleEntry() with the roles' V8 flags", () => {
  const specs = [
    allInOneSpec(paths, ports, libvirt),
    roleSpec(paths, ports, "controllers", libvirt),
    roleSpec(paths, ports, "webhooks", libvirt),
    roleSpec(paths, ports, "agent", libvirt),
  ];
  for (const spec of specs) {
    const argv = [spec.command, ...spec.args];
    const run = argv.indexOf("run");
    const entry = argv.indexOf(roleEntry());
    assert.ok(run >= 0 && entry > run, `${spec.name}: deno run ENTRY`);
    assert.ok(argv.slice(run, entry).includes(ROLE_V8_OPTION), `${spec.name}: ${argv.join(" ")}`);
  }
});
