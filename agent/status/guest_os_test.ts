import assert from "node:assert/strict";
import { guestOSInfoOf } from "./guest_os.ts";

Deno.test("guestOSInfoOf() names libvirt's os.* fields as KubeVirt's guestOSInfo", () => {
  assert.deepEqual(
    guestOSInfoOf({
      "os.id": "debian",
      "os.name": "Debian GNU/Linux",
      "os.pretty-name": "Debian GNU/Linux 12 (bookworm)",
      "os.version": "12 (bookworm)",
      "os.version-id": "12",
      "os.kernel-release": "6.1.0-57-cloud-amd64",
      "os.kernel-version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1",
      "os.machine": "x86_64",
      "timezone.name": "UTC",
    }),
    {
      name: "Debian GNU/Linux",
      kernelRelease: "6.1.0-57-cloud-amd64",
      version: "12 (bookworm)",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
      versionId: "12",
      kernelVersion: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1",
      machine: "x86_64",
      id: "debian",
    },
  );
  assert.deepEqual(guestOSInfoOf({ "os.id": "x", "os.name": "" }), { id: "x" });
  assert.deepEqual(guestOSInfoOf({}), {});
});
