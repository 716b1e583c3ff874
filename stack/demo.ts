/** The demo VM `up` creates: the guest fixture's disk as a hostDisk, booted through the whole path. */
import { join } from "node:path";
import { ensureGuestFixture } from "./fixture/mod.ts";
import { type ApiAccess, applyFiles } from "./apply.ts";
import { runChecked } from "../lib/exec.ts";
import type { StackPaths } from "./paths.ts";
import { hostDiskDir } from "./roles.ts";
import { waitUntil } from "./readiness.ts";

const DEMO_MANIFEST = new URL("../examples/demo-vm.yaml", import.meta.url).pathname;

/** Create (or keep) the demo VM and wait until its VMI runs; returns the VMI's phase. */
export async function ensureDemoVm(
  paths: StackPaths,
  admin: ApiAccess,
  say: (line: string) => void,
): Promise<void> {
  const fixture = await ensureGuestFixture({ onProgress: say });
  const disk = join(hostDiskDir(paths), "demo.img");
  await Deno.mkdir(hostDiskDir(paths), { recursive: true });
  try {
    await Deno.stat(disk);
  } catch {
    // The VM writes to its disk: it gets a copy, never the cached fixture itself.
    await runChecked("cp", ["--sparse=always", fixture.diskRaw, disk]);
  }
  await applyFiles(admin, [DEMO_MANIFEST], { GUEST_DISK: disk });
  const url = `${admin.server}/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances/demo`;
  let phase = "";
  await waitUntil(async () => {
    const response = await fetch(url, { client: admin.client });
    const vmi = response.ok ? await response.json() : (await response.body?.cancel(), undefined);
    phase = vmi?.status?.phase ?? "";
    return phase === "Running";
  }, { what: "the demo VM", timeoutMs: 180_000 });
  say("The demo VM default/demo is Running");
}
