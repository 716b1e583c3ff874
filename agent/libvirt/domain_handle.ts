/** Reading a `virDomainPtr` and releasing it. */

import { libvirt } from "./ffi.ts";
import { domainStateName, stateReasonName } from "./names.ts";
import type { DomainIdentity, DomainInfo, DomainStatus } from "./types.ts";

export type Dom = Deno.PointerObject;

const VIR_UUID_STRING_BUFLEN = 37;
const VIR_DOMAIN_INFO_SIZE = 40; // LP64: u8, then u64, u64, u16, u64 at 8-byte alignment

/** Runs `fn`, then frees the handle whatever happened. */
export function withFree<T>(dom: Dom, fn: () => T | Promise<T>): Promise<T> {
  return Promise.resolve().then(fn).finally(() => libvirt().virDomainFree(dom));
}

/** Name and UUID, read from the handle without a call to libvirtd. */
export function identityOf(dom: Dom): DomainIdentity {
  const lib = libvirt();
  const uuid = new Uint8Array(VIR_UUID_STRING_BUFLEN);
  lib.virDomainGetUUIDString(dom, uuid);
  return {
    // Owned by the handle: not to be freed.
    name: Deno.UnsafePointerView.getCString(lib.virDomainGetName(dom)!),
    uuid: new TextDecoder().decode(uuid.subarray(0, VIR_UUID_STRING_BUFLEN - 1)),
  };
}

/** virDomainGetState, or undefined when it failed (the error is on the connection). */
export async function statusOf(dom: Dom): Promise<DomainStatus | undefined> {
  const state = new Int32Array(1);
  const reason = new Int32Array(1);
  if (await libvirt().virDomainGetState(dom, state, reason, 0) < 0) return undefined;
  const name = domainStateName(state[0]!);
  return { state: name, reason: reason[0]!, reasonName: stateReasonName(name, reason[0]!) };
}

/** virDomainGetInfo, or undefined when it failed (the error is on the connection). */
export async function infoOf(dom: Dom): Promise<DomainInfo | undefined> {
  const buf = new Uint8Array(VIR_DOMAIN_INFO_SIZE);
  if (await libvirt().virDomainGetInfo(dom, buf) < 0) return undefined;
  const view = new DataView(buf.buffer);
  return {
    state: domainStateName(view.getUint8(0)),
    maxMemoryKiB: Number(view.getBigUint64(8, true)),
    memoryKiB: Number(view.getBigUint64(16, true)),
    vcpus: view.getUint16(24, true),
    cpuTimeNs: Number(view.getBigUint64(32, true)),
  };
}
