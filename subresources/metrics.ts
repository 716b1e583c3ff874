/**
 * virt-api's session gauges: `kubevirt_console_active_connections`,
 * `kubevirt_vnc_active_connections` and `kubevirt_portforward_active_tunnels`, by the VMI's
 * namespace and name.
 */
import type { Registry } from "../lib/metrics/registry.ts";

export interface SessionMetrics {
  /** A console was attached (+1) or detached (-1). */
  console(namespace: string, name: string, change: 1 | -1): void;
  /** A VNC session was attached (+1) or detached (-1). */
  vnc(namespace: string, name: string, change: 1 | -1): void;
  /** A port-forward tunnel was opened (+1) or closed (-1). */
  tunnel(namespace: string, name: string, change: 1 | -1): void;
}

/** Registers the gauges; a VMI with no session left drops out of the scrape. */
export function sessionMetrics(registry: Registry): SessionMetrics {
  const consoles = registry.gauge(
    "kubevirt_console_active_connections",
    "Amount of active Console connections, broken down by namespace and vmi name.",
  );
  const vncs = registry.gauge(
    "kubevirt_vnc_active_connections",
    "Amount of active VNC connections, broken down by namespace and vmi name.",
  );
  const tunnels = registry.gauge(
    "kubevirt_portforward_active_tunnels",
    "Amount of active portforward tunnels, broken down by namespace and vmi name.",
  );
  return {
    console: (namespace, name, change) => consoles.add({ namespace, name }, change),
    vnc: (namespace, name, change) => vncs.add({ namespace, name }, change),
    tunnel: (namespace, name, change) => tunnels.add({ namespace, name }, change),
  };
}
