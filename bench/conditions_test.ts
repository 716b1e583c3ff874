import assert from "node:assert/strict";
import { kubernetesVersionOf, versionsOfVirsh } from "./conditions.ts";
import { KUBERNETES_VERSION } from "../stack/versions.ts";

Deno.test("versionsOfVirsh() reads libvirt's library and QEMU's version", () => {
  const text = "Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\n" +
    "Using API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.22\n";
  assert.deepEqual(versionsOfVirsh(text), { libvirt: "9.0.0", qemu: "7.2.22" });
  assert.deepEqual(versionsOfVirsh(""), { libvirt: "unknown", qemu: "unknown" });
});

Deno.test("kubernetesVersionOf() falls back to the pinned version for an unstamped build", () => {
  assert.equal(kubernetesVersionOf("v1.36.3"), "v1.36.3");
  assert.equal(
    kubernetesVersionOf("v0.0.0-master+$Format:%H$"),
    `v${KUBERNETES_VERSION} (pinned; the binary reports v0.0.0-master+$Format:%H$)`,
  );
});
