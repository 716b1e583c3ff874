/** Tests that run their own controllers pause the stack's controllers role meanwhile. */
import { runningPid, startDaemon, stopDaemon } from "../../stack/daemon.ts";
import { roleSpec } from "../../stack/roles.ts";
import type { StackPaths } from "../../stack/paths.ts";
import type { StackPorts } from "../../stack/ports.ts";

/**
 * Run `fn` with the stack's own `controllers` daemon stopped (if it runs), so that the controllers
 * under test are the only ones; it is started again afterwards.
 */
export async function withoutStackControllers<T>(
  stack: { paths: StackPaths; ports: StackPorts; libvirt: { uri: string; kvm: boolean } },
  fn: () => Promise<T>,
): Promise<T> {
  const running = (await runningPid(stack.paths, "controllers")) !== undefined;
  if (running) await stopDaemon(stack.paths, "controllers");
  try {
    return await fn();
  } finally {
    if (running) {
      await startDaemon(
        stack.paths,
        roleSpec(stack.paths, stack.ports, "controllers", stack.libvirt),
      );
    }
  }
}
