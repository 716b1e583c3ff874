/**
 * The demo VM `up` creates: the guest fixture as a containerDisk from the stack's registry, booted
 * through the whole path (admission, controllers, scheduler, the agent's image cache, libvirt).
 */
import { type ApiAccess, applyFiles } from "./apply.ts";
import type { StackPorts } from "./ports.ts";
import { waitUntil } from "./readiness.ts";

const DEMO_MANIFEST = new URL("../examples/demo-vm.yaml", import.meta.url).pathname;

/** Create (or keep) the demo VM and wait until its VMI runs; returns the VMI's phase. */
export async function ensureDemoVm(
  ports: StackPorts,
  admin: ApiAccess,
  say: (line: string) => void,
): Promise<void> {
  await applyFiles(admin, [DEMO_MANIFEST], { REGISTRY_PORT: String(ports.registry) });
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
