import assert from "node:assert/strict";
import { subprotocolFor } from "./console_proxy.ts";

const VMI = "/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/web";

const CASES: { offered: string[]; path: string; want: string | false }[] = [
  { offered: ["plain.kubevirt.io"], path: `${VMI}/console`, want: "plain.kubevirt.io" },
  { offered: ["plain.kubevirt.io"], path: `${VMI}/vnc`, want: "plain.kubevirt.io" },
  { offered: ["binary", "plain.kubevirt.io"], path: `${VMI}/vnc`, want: "plain.kubevirt.io" },
  { offered: ["binary"], path: `${VMI}/vnc`, want: "binary" },
  { offered: ["binary"], path: `${VMI}/console`, want: false },
  { offered: ["base64"], path: `${VMI}/vnc`, want: false },
];

for (const c of CASES) {
  Deno.test(`subprotocolFor() answers ${c.want} to [${c.offered}] on ${c.path.split("/").pop()}`, () => {
    assert.equal(subprotocolFor(new Set(c.offered), c.path), c.want);
  });
}
