/** Starting a VMI's domain, with its network wired alongside (the domain needs only its bridge). */
import type { VMI } from "../../api/mod.ts";
import { domainXmlFor } from "../domain/mod.ts";
import { OperationInvalidError } from "../libvirt/mod.ts";
import { ensureVmiRunDir, prepareDisks } from "../volumes/mod.ts";
import type { ApplyContext } from "./apply.ts";
import { ignoring } from "./ignoring.ts";
import type { Observation } from "./types.ts";

/** What starting a domain uses of the apply context. */
type StartContext = Pick<ApplyContext, "network" | "volumes" | "node" | "hypervisor" | "log">;

/**
 * Prepares disks and the run dir, defines the domain, starts it (paused if asked). The guest's
 * network is wired meanwhile: the domain needs only its bridge to start, the rest (veth, NAT,
 * DHCP) only once the guest boots. If that rest fails, the domain goes again, so that the next
 * pass starts it afresh once the wiring is complete.
 */
export async function startDomain(
  vmi: VMI,
  o: Observation,
  paused: boolean,
  ctx: StartContext,
) {
  const t0 = performance.now();
  const network = await ctx.network.begin(vmi, o.launcherPod);
  const tBridge = performance.now();
  let wiredAt = NaN;
  // Never rejects: its failure is looked at once the domain's own steps are done.
  const wired = network.wired.then(() => {
    wiredAt = performance.now();
  }, (error: unknown) => error as Error);
  let domain: { name: string; uuid: string } | undefined;
  let t1 = NaN, t2 = NaN, t3 = NaN;
  let stepError: unknown;
  try {
    const disks = await prepareDisks(vmi, ctx.volumes);
    await ensureVmiRunDir(vmi, ctx.node);
    const xml = domainXmlFor(vmi, ctx.node, disks, { podBridge: network.bridge });
    t1 = performance.now();
    domain = await ctx.hypervisor.defineXml(xml);
    t2 = performance.now();
    await ctx.hypervisor.start(domain.uuid);
    if (paused) await ctx.hypervisor.suspend(domain.uuid);
    t3 = performance.now();
  } catch (error) {
    stepError = error;
  }
  const wiringError = await wired;
  // The wiring is idempotent: the retry of a failed step completes it too.
  if (stepError) throw stepError;
  if (wiringError) {
    await removeDomain(domain!.uuid, ctx);
    throw wiringError;
  }
  ctx.log.info("Domain started", {
    domain: domain!.name,
    uuid: domain!.uuid,
    prepareMs: Math.round(t1 - t0),
    defineMs: Math.round(t2 - t1),
    startMs: Math.round(t3 - t2),
    // The bridge, then the rest of the wiring alongside define and start (the pass waits for
    // both; a wiring that outlasts the start delays the pass by the difference).
    bridgeMs: Math.round(tBridge - t0),
    wiringMs: Math.round(wiredAt - tBridge),
    // Since the pass observed the VMI: what came before the preparing (the finalizer's write).
    passMs: Date.now() - Date.parse(o.now),
  });
}

/** Destroys and undefines a domain just started whose network could not be wired. */
async function removeDomain(uuid: string, ctx: StartContext): Promise<void> {
  await ignoring(ctx.hypervisor.destroy(uuid), OperationInvalidError).catch(() => {});
  await ignoring(ctx.hypervisor.undefine(uuid)).catch(() => {});
}
