/** The screen of a running VMI of this node as PNG (the `vnc/screenshot` subresource). */
import { ppmToPng } from "../console/screenshot.ts";
import { domainNameOfKey } from "./keys.ts";
import {
  LifecycleConflictError,
  type LifecycleContext,
  LifecycleNotFoundError,
} from "./lifecycle.ts";

/** libvirt's screenshot of the VMI's first screen, converted from PPM to PNG. */
export async function screenshotVmi(
  ctx: LifecycleContext,
  namespace: string,
  name: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = `${namespace}/${name}`;
  const vmi = ctx.vmis.get(key);
  if (!vmi || vmi.status?.nodeName !== ctx.node) {
    throw new LifecycleNotFoundError(
      `Cannot take a screenshot of VMI ${key}: it does not run on node ${ctx.node}`,
    );
  }
  if (vmi.status?.phase !== "Running" || vmi.metadata.deletionTimestamp) {
    throw new LifecycleConflictError(`Cannot take a screenshot of VMI ${key}: it is not running`);
  }
  return ppmToPng(await ctx.hypervisor.screenshot(domainNameOfKey(key)));
}
