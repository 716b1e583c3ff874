import assert from "node:assert/strict";
import { KUBE_COMMANDS, kubeCommandsToBuild } from "./kube_binaries.ts";

Deno.test("kubeCommandsToBuild() builds only what a cache of the same build lacks", () => {
  const cases: { stamp: boolean; missing: string[]; build: string[] }[] = [
    { stamp: true, missing: [], build: [] },
    { stamp: true, missing: ["kube-proxy"], build: ["kube-proxy"] },
    { stamp: true, missing: ["kubectl", "kube-proxy"], build: ["kube-proxy", "kubectl"] },
    { stamp: true, missing: [...KUBE_COMMANDS], build: [...KUBE_COMMANDS] },
    // Another stamp (or none): built with other flags, so everything is rebuilt.
    { stamp: false, missing: [], build: [...KUBE_COMMANDS] },
    { stamp: false, missing: ["kube-proxy"], build: [...KUBE_COMMANDS] },
  ];
  for (const { stamp, missing, build } of cases) {
    assert.deepEqual(kubeCommandsToBuild(stamp, missing), build, `${stamp} ${missing}`);
  }
  assert.ok(KUBE_COMMANDS.includes("kube-proxy"));
});
