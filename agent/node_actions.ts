/** What the node API asks of the running agent: pause, unpause, soft reboot, a screenshot, the guest's users and filesystems. */
import type { RunningAgent } from "./running_agent.ts";
import type { DomainActions } from "./console/node_api.ts";

/** The node API's domain actions, carried out by the agent's lifecycle code. */
export function nodeLevelActions(agent: RunningAgent): DomainActions {
  const ref = (vmi: { metadata: { namespace?: string; name?: string } }) =>
    [vmi.metadata.namespace ?? "", vmi.metadata.name ?? ""] as const;
  return {
    pause: (vmi) => agent.pause(...ref(vmi)),
    unpause: (vmi) => agent.unpause(...ref(vmi)),
    softReboot: (vmi) => agent.softReboot(...ref(vmi)),
    screenshot: (vmi) => agent.screenshot(...ref(vmi)),
    guestUsers: (vmi) => agent.guestUsers(...ref(vmi)),
    guestFilesystems: (vmi) => agent.guestFilesystems(...ref(vmi)),
  };
}
