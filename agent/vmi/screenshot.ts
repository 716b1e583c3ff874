/** The screen of a running VMI of this node as PNG (the `vnc/screenshot` subresource). */
import { pngOf } from "../console/screenshot.ts";
import { domainNameOfKey } from "./keys.ts";
import {
  LifecycleConflictError,
  type LifecycleContext,
  LifecycleNotFoundError,
} from "./lifecycle.ts";

/**
 * libvirt's screenshot of the VMI's first screen as PNG: QEMU 7.1 and later hand libvirt a PNG;
 * older ones a PPM, converted here.
 */
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
  return pngOf(await ctx.hypervisor.screenshot(domainNameOfKey(key)));
}
