/** Tests that run their own controllers pause the stack's controllers role meanwhile. */
import { runningPid, startDaemon, stopDaemon } from "../../stack/daemon.ts";
import { ALL_IN_ONE } from "../../stack/layout.ts";
import { roleSpec, startRoles } from "../../stack/roles.ts";
import type { StackPaths } from "../../stack/paths.ts";
import type { StackPorts } from "../../stack/ports.ts";

type Stack = { paths: StackPaths; ports: StackPorts; libvirt: { uri: string; kvm: boolean } };

/**
 * Run `fn` with the stack's own controllers stopped, so that the controllers under test are the
 * only ones; they are started again afterwards. When the stack runs every role in one process,
 * that process gives way to the webhooks and the agent each in its own until `fn` is done.
 */
export async function withoutStackControllers<T>(stack: Stack, fn: () => Promise<T>): Promise<T> {
  if ((await runningPid(stack.paths, ALL_IN_ONE)) !== undefined) {
    return await withoutAllInOne(stack, fn);
  }
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

async function withoutAllInOne<T>(stack: Stack, fn: () => Promise<T>): Promise<T> {
  const node = { libvirt: stack.libvirt, podNetwork: true };
  const quiet = () => {};
  await stopDaemon(stack.paths, ALL_IN_ONE);
  try {
    await startRoles(stack.paths, stack.ports, node, quiet, [], "separate", ["webhooks", "agent"]);
    return await fn();
  } finally {
    await stopDaemon(stack.paths, "webhooks");
    await stopDaemon(stack.paths, "agent");
    await startRoles(stack.paths, stack.ports, node, quiet, [], "all-in-one");
  }
}
