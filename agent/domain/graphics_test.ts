import assert from "node:assert/strict";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { graphicsElements } from "./graphics.ts";
import type { NodeFacts } from "./types.ts";
import { renderXml } from "./xml.ts";

const NODE: NodeFacts = { name: "node01", kvm: false, runDir: "/run/denovirt/vmis" };

function vmiWith(domain: Record<string, unknown>): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "web", namespace: "apps", uid: "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a" },
    spec: { domain: { devices: {}, ...domain } },
  } as VirtualMachineInstance;
}

const CASES: { name: string; domain: Record<string, unknown>; want: string[] }[] = [
  {
    name: "attaches VGA and a VNC socket by default",
    domain: {},
    want: [
      `<graphics type='vnc'>`,
      `<listen type='socket' socket='/run/denovirt/vmis/apps_web/vnc.sock'`,
      `<model type='vga' vram='16384' heads='1'`,
    ],
  },
  {
    name: "attaches them when autoattachGraphicsDevice is true",
    domain: { devices: { autoattachGraphicsDevice: true } },
    want: [`<graphics type='vnc'>`, `<model type='vga' vram='16384' heads='1'`],
  },
  {
    name: "gives EFI guests bochs",
    domain: { firmware: { bootloader: { efi: { secureBoot: false } } } },
    want: [`<graphics type='vnc'>`, `<model type='bochs' vram='16384' heads='1'`],
  },
  {
    name: "gives BIOS guests VGA",
    domain: { firmware: { bootloader: { bios: {} } } },
    want: [`<model type='vga' vram='16384' heads='1'`],
  },
];

for (const c of CASES) {
  Deno.test(`graphicsElements() ${c.name}`, () => {
    const xml = graphicsElements(vmiWith(c.domain), NODE).map((e) => renderXml(e)).join("\n");
    for (const want of c.want) assert.ok(xml.includes(want), `${want} missing from:\n${xml}`);
  });
}

Deno.test("graphicsElements() attaches nothing when autoattachGraphicsDevice is false", () => {
  const vmi = vmiWith({ devices: { autoattachGraphicsDevice: false } });
  assert.deepEqual(graphicsElements(vmi, NODE), []);
});

Deno.test("graphicsElements() puts the VNC socket beside the serial socket under the uid when the name is too long", () => {
  const vmi = vmiWith({});
  vmi.metadata.name = "n".repeat(90);
  const xml = graphicsElements(vmi, NODE).map((e) => renderXml(e)).join("\n");
  assert.ok(xml.includes(`socket='/run/denovirt/vmis/${vmi.metadata.uid}/vnc.sock'`), xml);
});
