import assert from "node:assert/strict";
import { join } from "node:path";
import { domainXmlFor } from "./domain_xml.ts";
import { fakePreparedDisks, loadVmi, TESTDATA } from "../testdata/vmis.ts";
import type { DomainInputs, NodeFacts } from "./types.ts";
import { commandOnPath } from "../../lib/which.ts";

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";

const NODE: NodeFacts = {
  name: "node01",
  kvm: false,
  runDir: "/run/denovirt/vmis",
};
const POD: DomainInputs = { podBridge: "dvb0123456789" };
const KERNEL: DomainInputs = {
  kernelBoot: {
    kernel: "/var/lib/denovirt/kernels/vmlinuz",
    initrd: "/var/lib/denovirt/kernels/initrd.gz",
  },
};

/** Golden cases: `<name>.xml` renders `<vmi>.yaml` (default: `<name>.yaml`) on a node. */
const CASES: { name: string; vmi?: string; node?: Partial<NodeFacts>; inputs?: DomainInputs }[] = [
  { name: "minimal" },
  { name: "minimal-kvm", vmi: "minimal", node: { kvm: true } },
  { name: "multi-disk" },
  { name: "efi" },
  { name: "kernel-boot", inputs: KERNEL },
  { name: "pod-network", vmi: "minimal", inputs: POD },
  { name: "bridge", inputs: POD },
  { name: "multiqueue", inputs: POD },
  { name: "no-serial" },
  { name: "boot-order" },
  // Hyper-V enlightenments need KVM.
  { name: "tuned", node: { kvm: true } },
];

/** XML without its layout (indentation, wrapped attributes, `<a />` or `<a/>`), a tag a line. */
function layoutFree(xml: string): string {
  return xml.replace(/\s+/g, " ").replace(/ ?\/>/g, "/>").replace(/> </g, ">\n<").trim();
}

for (const c of CASES) {
  Deno.test(`domainXmlFor() renders ${c.name} as its golden file`, async () => {
    const vmi = await loadVmi(c.vmi ?? c.name);
    const xml = domainXmlFor(vmi, { ...NODE, ...c.node }, fakePreparedDisks(vmi), c.inputs);
    const golden = join(TESTDATA, `${c.name}.xml`);
    if (UPDATE) {
      await Deno.writeTextFile(golden, xml);
      // deno fmt formats XML too: keep the goldens as `deno fmt --check` wants them.
      await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", golden] }).output();
    }
    assert.equal(
      layoutFree(xml),
      layoutFree(await Deno.readTextFile(golden)),
      `${golden} differs; UPDATE_GOLDEN=1 rewrites it`,
    );
  });
}

const VALIDATOR = commandOnPath("virt-xml-validate");

Deno.test({
  name: "domainXmlFor() goldens pass libvirt's schema (virt-xml-validate)" +
    (VALIDATOR ? "" : ": ignored, virt-xml-validate is not installed (Debian libvirt-clients)"),
  ignore: !VALIDATOR,
  async fn(t) {
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const out = await new Deno.Command(VALIDATOR!, {
          args: [join(TESTDATA, `${c.name}.xml`), "domain"],
        }).output();
        const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
        assert.ok(out.success, text);
      });
    }
  },
});
