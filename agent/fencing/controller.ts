/**
 * Self-fencing: one key, this node. While the node's Lease was renewed within the fence time
 * (as the Lease's renewTime says, on this host's clock), it lets domains start (its part of the
 * gate; the start-up check holds the other); once it was not, the agent destroys every running
 * domain it made and starts none until a renewal shows up. The next look is a requeue at the
 * fence time, not a timer; the Lease's changes come through the watch, and when the API server
 * is unreachable the cache simply stops moving.
 */
import {
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  NODE_LEASE_NAMESPACE,
  NODE_UNRESPONSIVE_SECONDS_KEY,
} from "../../api/mod.ts";
import type { Controller, ReconcileContext } from "../../lib/controller.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import { configMaps, leases } from "../../lib/kube/resources.ts";
import type { Lease } from "../../lib/leader_lease.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import { destroyActive, ownedDomains } from "./domains.ts";
import type { FenceGate } from "./gate.ts";
import { lastRenewalFile, readLastRenewal, writeLastRenewal } from "./last_renewal.ts";
import { effectiveFenceSeconds, fenceVerdict } from "./verdict.ts";

export interface FenceOptions {
  node: string;
  /** `--fence-seconds`. */
  fenceSeconds: number;
  gate: FenceGate;
  /** libvirt without the gate (destroying is always allowed). */
  hypervisor: Hypervisor;
  dataDir: string;
  now?: () => number;
}

/** While fenced, look at libvirt again this often: a domain that came back is destroyed too. */
const FENCED_RECHECK_MS = 5_000;

/** The fence controller of the agent on `opts.node`. */
export function fenceController(opts: FenceOptions): Controller<Lease> {
  const { node, gate } = opts;
  const now = opts.now ?? Date.now;
  const file = lastRenewalFile(opts.dataDir);
  let recorded: string | undefined;
  let reportedError: string | undefined;

  const fenceMs = (ctx: ReconcileContext<Lease>): number => {
    const config = ctx.cache<KubeObject & { data?: Record<string, string> }>(configMaps)
      .get(`${DENOVIRT_NAMESPACE}/${DENOVIRT_CONFIG_MAP}`);
    const { seconds, error } = effectiveFenceSeconds(
      opts.fenceSeconds,
      config?.data?.[NODE_UNRESPONSIVE_SECONDS_KEY],
    );
    if (error && error !== reportedError) ctx.log.error(`Fence time too long: ${error}`);
    reportedError = error;
    return seconds * 1000;
  };

  return {
    name: "fence",
    for: leases,
    keyOf: (lease) =>
      lease.metadata?.namespace === NODE_LEASE_NAMESPACE && lease.metadata.name === node
        ? node
        : undefined,
    seedKeys: () => [node],
    watches: [{ resource: configMaps, mapToKeys: () => [node] }],
    concurrency: 1,
    async reconcile(key, ctx) {
      if (key !== node) return;
      const renewTime = ctx.cache<Lease>(leases).get(`${NODE_LEASE_NAMESPACE}/${node}`)?.spec
        ?.renewTime ?? undefined;
      if (renewTime && renewTime !== recorded) {
        await writeLastRenewal(file, renewTime);
        recorded = renewTime;
      }
      const last = renewTime ? Date.parse(renewTime) : await readLastRenewal(file);
      const limitMs = fenceMs(ctx);
      const verdict = fenceVerdict(last, now(), limitMs);
      if (!verdict.fenced) {
        if (gate.isClosedBy("lease")) {
          gate.open("lease");
          ctx.log.info(
            gate.closedBecause
              ? "Node Lease renewed; domains start once the start-up check is done"
              : "Node Lease renewed: domains may start again",
          );
        }
        return { requeueAfterMs: verdict.fencedInMs + 50 };
      }
      const reason = last === undefined
        ? "no renewal of its Lease is known"
        : `its Lease was last renewed at ${new Date(last).toISOString()}, more than ` +
          `${limitMs / 1000} s ago`;
      // A fresh node has no Lease yet: closed from the start, but nothing to say until it ran.
      const wasOpen = !gate.isClosedBy("lease");
      gate.close("lease", reason);
      const destroyed = await destroyActive(
        opts.hypervisor,
        await ownedDomains(opts.hypervisor, node),
      );
      // No Event can be recorded without the API server: the log says why the guests went.
      if (wasOpen || destroyed.length > 0) {
        ctx.log.error("Node fenced: its domains are destroyed and none starts", {
          reason,
          destroyed,
        });
      }
      return { requeueAfterMs: FENCED_RECHECK_MS };
    },
  };
}
