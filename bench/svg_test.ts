import assert from "node:assert/strict";
import { cdfSvg } from "./svg.ts";

Deno.test("cdfSvg() draws one line per series with its label and escapes text", () => {
  const svg = cdfSvg("a <b>", "seconds", [
    { label: "denovirt", samples: [0.5, 0.7, 1.2], color: "#c00" },
    { label: "libvirt", samples: [0.4, 0.6], color: "#00c" },
  ]);
  assert.match(svg, /^<svg /);
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.match(svg, /denovirt \(n=3\)/);
  assert.match(svg, /a &lt;b&gt;/);
});
