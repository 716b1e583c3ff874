// The renderer against the shared table of refused specs (api/testdata/refusals.ts), which the
// webhooks' tests and the API server's integration test walk too: everything the renderer
// refuses, the webhooks refuse at admission, but for what only the node knows.
import assert from "node:assert/strict";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { REFUSAL_CASES, refusedSpec, runnableSpec } from "../../api/testdata/refusals.ts";
import { TerminalError } from "../../lib/errors.ts";
import { fakePreparedDisks } from "../testdata/vmis.ts";
import { domainXmlFor, renderDomainXml } from "./domain_xml.ts";
import type { NodeFacts } from "./types.ts";

const NODE: NodeFacts = { name: "node01", kvm: false, runDir: "/run/denovirt/vmis" };
const HERE = new URL(".", import.meta.url).pathname;

function vmiOf(spec: unknown, metadata: Record<string, string> = {}): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: {
      name: "refused",
      namespace: "default",
      uid: "0d3c8a4e-1b2f-4c5d-9e6f-7a8b9c0d1e2f",
      ...metadata,
    },
    spec,
  } as VirtualMachineInstance;
}

Deno.test("domainXmlFor() renders the table's runnable spec", () => {
  const vmi = vmiOf(runnableSpec());
  assert.match(domainXmlFor(vmi, NODE, fakePreparedDisks(vmi)), /<domain type='qemu'>/);
});

for (const c of REFUSAL_CASES) {
  Deno.test(`domainXmlFor() refuses ${c.name}, naming spec.${c.path}`, () => {
    const vmi = vmiOf(refusedSpec(c));
    assert.throws(() => domainXmlFor(vmi, NODE, fakePreparedDisks(vmi)), (error: unknown) => {
      assert.ok(error instanceof TerminalError, `expected a TerminalError, got ${error}`);
      assert.ok(error.message.startsWith(`spec.${c.path}`), error.message);
      return true;
    });
  });
}

/** Refusals only the node can make: admission does not know the node a VMI will run on. */
const NODE_ONLY: [string, () => unknown][] = [
  ["Hyper-V enlightenments need KVM, which only some nodes have", () => {
    const spec = runnableSpec();
    spec.domain.features = { hyperv: { relaxed: { enabled: true } } };
    return renderDomainXml(vmiOf(spec), NODE, fakePreparedDisks(vmiOf(spec)));
  }],
  ["volumes are prepared on the node", () => renderDomainXml(vmiOf(runnableSpec()), NODE, [])],
  // Without a pod bridge (a node whose pods the agent cannot join), QEMU's user-mode network.
  ...([
    [
      "the bridge binding",
      (s) => (s.domain.devices.interfaces[0] = { name: "default", bridge: {} }),
    ],
    ["forwarded ports", (s) => (s.domain.devices.interfaces[0].ports = [{ port: 80 }])],
    ["a multi-queue NIC on 2 vCPUs", (s) => {
      s.domain.cpu.cores = 2;
      s.domain.devices.networkInterfaceMultiqueue = true;
    }],
    ["an IPv6 VM network that is not a /64", (s) => {
      s.networks[0].pod = { vmIPv6NetworkCIDR: "fd10:0:2::/120" };
    }],
  ] as [string, (s: ReturnType<typeof runnableSpec>) => void][]).map(([what, edit]): [
    string,
    () => unknown,
  ] => [`${what} needs the pod's namespace`, () => {
    const spec = runnableSpec();
    edit(spec);
    return renderDomainXml(vmiOf(spec), NODE, fakePreparedDisks(vmiOf(spec)));
  }]),
  ["the node's run directory must leave room for a socket path", () => {
    const vmi = vmiOf(runnableSpec());
    return renderDomainXml(vmi, { ...NODE, runDir: `/${"r".repeat(120)}` }, fakePreparedDisks(vmi));
  }],
  // The API server gives every object a namespace, a name and a uid.
  ...["namespace", "name", "uid"].map((field): [string, () => unknown] => [
    `metadata.${field} comes from the API server`,
    () => {
      const vmi = vmiOf(runnableSpec(), { [field]: "" });
      return renderDomainXml(vmi, NODE, fakePreparedDisks(vmi));
    },
  ]),
];

Deno.test("renderDomainXml() raises no refusal that neither the table nor a node fact explains", async () => {
  const hit = new Set<string>();
  const record = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (error instanceof TerminalError) hit.add(siteOf(error));
    }
  };
  for (const c of REFUSAL_CASES) {
    const vmi = vmiOf(refusedSpec(c));
    record(() => renderDomainXml(vmi, NODE, fakePreparedDisks(vmi)));
  }
  for (const [, run] of NODE_ONLY) record(run);
  const missed = [...await refusalSites()].filter((site) => !hit.has(site));
  assert.deepEqual(missed, [], "refusals no case reaches: add a case to api/testdata/refusals.ts");
});

/** `file.ts:line` of every `new DomainSpecError(` and `new TerminalError(` in the renderer. */
async function refusalSites(): Promise<Set<string>> {
  const sites = new Set<string>();
  for await (const entry of Deno.readDir(HERE)) {
    const file = entry.name;
    if (!file.endsWith(".ts") || file.endsWith("_test.ts") || file === "errors.ts") continue;
    const lines = (await Deno.readTextFile(`${HERE}${file}`)).split("\n");
    lines.forEach((line, i) => {
      if (/new (DomainSpecError|TerminalError)\(/.test(line)) sites.add(`${file}:${i + 1}`);
    });
  }
  return sites;
}

/** Where in the renderer an error was made: the first frame outside errors.ts. */
function siteOf(error: Error): string {
  for (const match of (error.stack ?? "").matchAll(/agent\/domain\/(\w+\.ts):(\d+):\d+/g)) {
    if (match[1] !== "errors.ts") return `${match[1]}:${match[2]}`;
  }
  return "unknown";
}
