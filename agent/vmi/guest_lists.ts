/**
 * The guest agent's users and filesystems of a running VMI of this node (the `userlist` and
 * `filesystemlist` subresources): read from the guest on each call, as virt-handler asks
 * virt-launcher, through libvirt's virDomainGetGuestInfo.
 */
import type { GuestFileSystem, GuestOSUser } from "../../api/mod.ts";
import { liveDomainFacts } from "../libvirt/xml_read.ts";
import {
  GUEST_INFO_FILESYSTEM,
  GUEST_INFO_USERS,
  guestFilesystemsOf,
  guestUsersOf,
} from "../status/guest_lists.ts";
import { domainNameOfKey } from "./keys.ts";
import {
  LifecycleConflictError,
  type LifecycleContext,
  LifecycleNotFoundError,
} from "./lifecycle.ts";

function runningDomainOf(ctx: LifecycleContext, namespace: string, name: string, what: string) {
  const key = `${namespace}/${name}`;
  const vmi = ctx.vmis.get(key);
  if (!vmi || vmi.status?.nodeName !== ctx.node) {
    throw new LifecycleNotFoundError(
      `Cannot read the ${what} of VMI ${key}: it does not run on node ${ctx.node}`,
    );
  }
  if (vmi.status?.phase !== "Running" || vmi.metadata.deletionTimestamp) {
    throw new LifecycleConflictError(`Cannot read the ${what} of VMI ${key}: it is not running`);
  }
  return domainNameOfKey(key);
}

/** The users logged in to the guest, as the guest agent reports them. */
export async function guestUsersOfVmi(
  ctx: LifecycleContext,
  namespace: string,
  name: string,
): Promise<GuestOSUser[]> {
  const domain = runningDomainOf(ctx, namespace, name, "guest users");
  return guestUsersOf(await ctx.hypervisor.guestInfo(domain, GUEST_INFO_USERS));
}

/** The guest's mounted filesystems, each disk's bus read from the live domain. */
export async function guestFilesystemsOfVmi(
  ctx: LifecycleContext,
  namespace: string,
  name: string,
): Promise<GuestFileSystem[]> {
  const domain = runningDomainOf(ctx, namespace, name, "guest filesystems");
  const [fields, xml] = await Promise.all([
    ctx.hypervisor.guestInfo(domain, GUEST_INFO_FILESYSTEM),
    ctx.hypervisor.xml(domain),
  ]);
  const disks = liveDomainFacts(xml).disks;
  return guestFilesystemsOf(fields, (target) => disks.find((d) => d.target === target)?.bus);
}
