/**
 * The guest agent's subresources, answered as virt-api answers them for a VMI whose guest agent
 * is not connected. With one connected, `guestosinfo` answers the OS the node agent keeps in
 * `status.guestOSInfo` (KubeVirt's VirtualMachineInstanceGuestAgentInfo with `os` only); the
 * user and filesystem lists are not read yet. No call goes to the node agent.
 */
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

/** The answer to GET `what` of the VMI `namespace/name` (`vmi` undefined when it does not exist). */
export function guestAgentAnswer(
  what: GuestAgentSubresource,
  namespace: string,
  name: string,
  vmi: VmiLike | undefined,
): Response {
  try {
    if (!vmi) throw notFound("virtualmachineinstance", name);
    checkGuestAgent(vmi);
    if (what === "guestosinfo" && vmi.status?.guestOSInfo) {
      return Response.json({ os: vmi.status.guestOSInfo });
    }
    return plainTextFailure(
      `Cannot answer ${what} for VMI ${namespace}/${name}: the guest agent's ${what} is not supported by denovirt`,
    );
  } catch (error) {
    return plainTextFailure(messageOf(error));
  }
}
