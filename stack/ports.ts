/** Loopback ports of the stack: picked free on first start, then kept in `ports.json`. */

export const PORT_NAMES = [
  "etcdClient",
  "etcdPeer",
  "apiserver",
  "controllerManager",
  "scheduler",
  "webhooks",
  "subresources",
  "agent",
  "controllersHealth",
] as const;

export type PortName = typeof PORT_NAMES[number];
export type StackPorts = Record<PortName, number>;

/** Read the stack's ports, allocating (and saving) any that are missing. */
export async function ensurePorts(file: string): Promise<StackPorts> {
  let saved: Partial<StackPorts> = {};
  try {
    saved = JSON.parse(await Deno.readTextFile(file));
  } catch {
    // First start.
  }
  const taken = new Set(Object.values(saved));
  const ports = {} as StackPorts;
  for (const name of PORT_NAMES) {
    let port = saved[name];
    if (port === undefined) {
      do port = freeLoopbackPort(); while (taken.has(port));
      taken.add(port);
    }
    ports[name] = port;
  }
  await Deno.writeTextFile(file, JSON.stringify(ports, null, 2) + "\n");
  return ports;
}

/** A port nothing listens on right now, chosen by the kernel. */
export function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Whether something accepts connections on a loopback port. */
export async function portOpen(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}
