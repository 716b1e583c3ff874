/**
 * The guest agent's subresources, answered as virt-api answers them. With the guest agent
 * connected, `guestosinfo` answers the OS the node agent keeps in `status.guestOSInfo` (KubeVirt's
 * VirtualMachineInstanceGuestAgentInfo with `os` only, no call to the node); `userlist` and
 * `filesystemlist` ask the node agent, which asks the guest (VirtualMachineInstanceGuestOSUserList
 * and VirtualMachineInstanceFileSystemList).
 */
import { guestAgentList } from "../api/mod.ts";
import { messageOf } from "../lib/errors.ts";
import { notFound } from "../lib/http/status.ts";
import type { VmiLike } from "./lifecycle.ts";
import { checkGuestAgent } from "./vmi_checks.ts";

/** The subresources virt-api reads from the guest agent (there is no interfacelist). */
export const GUEST_AGENT_SUBRESOURCES = ["guestosinfo", "userlist", "filesystemlist"] as const;
export type GuestAgentSubresource = typeof GUEST_AGENT_SUBRESOURCES[number];

/**
 * virt-api answers these GETs' failures with go-restful's WriteError: HTTP 500 and the message
 * as plain text, not a Status (clients print "an error on the server (...)").
 */
export function plainTextFailure(message: string): Response {
  return new Response(message, {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** The node agent's answer to `userlist` or `filesystemlist` of a VMI (its JSON body). */
export type GuestListReader = (
  vmi: VmiLike,
  what: Exclude<GuestAgentSubresource, "guestosinfo">,
) => Promise<string>;

/**
 * The answer to GET `what` of the VMI `namespace/name` (`vmi` undefined when it does not exist);
 * the lists come from `readList` (without it, they are not supported).
 */
export async function guestAgentAnswer(
  what: GuestAgentSubresource,
  namespace: string,
  name: string,
  vmi: VmiLike | undefined,
  readList?: GuestListReader,
): Promise<Response> {
  try {
    if (!vmi) throw notFound("virtualmachineinstance", name);
    checkGuestAgent(vmi);
    if (what === "guestosinfo") {
      return Response.json({ os: vmi.status?.guestOSInfo ?? {} });
    }
    if (!readList) {
      return plainTextFailure(
        `Cannot answer ${what} for VMI ${namespace}/${name}: the guest agent's ${what} is not supported by denovirt`,
      );
    }
    // virt-api decodes the node's answer into its list type and writes that: items always there.
    const body = JSON.parse(await readList(vmi, what)) as { items?: unknown[] | null };
    return Response.json(guestAgentList(Array.isArray(body?.items) ? body.items : []));
  } catch (error) {
    return plainTextFailure(messageOf(error));
  }
}
