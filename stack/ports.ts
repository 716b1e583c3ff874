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
  "registry",
  "kubeProxyHealthz",
  "kubeProxyMetrics",
] as const;

export type PortName = typeof PORT_NAMES[number];
export type StackPorts = Record<PortName, number>;

/**
 * Where each role serves `/metrics`: on the port it already has (the agent's and the webhooks'
 * HTTPS ports, the controllers' health port), so these are names for ports, not more ports.
 */
export function metricsPorts(
  ports: StackPorts,
): { agentMetrics: number; controllersMetrics: number; webhooksMetrics: number } {
  return {
    agentMetrics: ports.agent,
    controllersMetrics: ports.controllersHealth,
    webhooksMetrics: ports.webhooks,
  };
}

/** The ports a stack saved, without allocating any; undefined when it never started. */
export async function savedPorts(file: string): Promise<StackPorts | undefined> {
  try {
    const saved = JSON.parse(await Deno.readTextFile(file)) as Partial<StackPorts>;
    return PORT_NAMES.every((name) => typeof saved[name] === "number")
      ? saved as StackPorts
      : undefined;
  } catch {
    return undefined;
  }
}

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
  const written = { ...ports, ...metricsPorts(ports) };
  await Deno.writeTextFile(file, JSON.stringify(written, null, 2) + "\n");
  return ports;
}

/**
 * A port nothing listens on right now, below the kernel's ephemeral range: a port the kernel
 * picks (port 0) comes from that range, where any outgoing connection may take it before the
 * component that is to listen on it has started.
 */
export function freeLoopbackPort(): number {
  const [low, high] = ephemeralRange();
  const ceiling = Math.min(low, 65536) - 1;
  const floor = Math.max(1024, ceiling - 12000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = floor + Math.floor(Math.random() * (ceiling - floor + 1));
    if (port >= low && port <= high) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch {
      // Taken: try another.
    }
  }
  throw new Error(`Cannot find a free loopback port between ${floor} and ${ceiling}`);
}

/** The kernel's range for ephemeral ports (Linux default 32768-60999). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range").trim()
      .split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux, or not readable: assume the default.
  }
  return [32768, 60999];
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
