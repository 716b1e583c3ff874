/** The VMI subresources: pause, unpause, soft reboot, volumes, the guest agent's, screenshots. */
import type { Hono } from "hono";
import { messageOf } from "../lib/errors.ts";
import { badRequest, internal, noRoute, statusResponse } from "../lib/http/status.ts";
import type { Backend, Env, NodeAction } from "./app_options.ts";
import { GUEST_AGENT_SUBRESOURCES, guestAgentAnswer, plainTextFailure } from "./guest_agent.ts";
import { lifecycleOptionsOf } from "./lifecycle.ts";
import { sendVolume, vmiOrThrow, VOLUME_ACTIONS, volumeCallOf } from "./route_steps.ts";
import type { Call, CallAttributes } from "./subresource_call.ts";
import { checkPause, checkSoftReboot, checkUnpause, checkVnc } from "./vmi_checks.ts";
import { vmiVolumePlan } from "./volumes.ts";

/** Route the VMI subresources under `base`, carried out by the agent of the VMI's node. */
export function addVmiRoutes(app: Hono<Env>, base: string, backend: Backend, call: Call): void {
  app.put(`${base}/namespaces/:namespace/virtualmachineinstances/:name/:action`, (c) => {
    const { namespace, name, action } = c.req.param();
    const attributes: CallAttributes = {
      verb: "update",
      namespace,
      resource: "virtualmachineinstances",
      subresource: action,
      name,
    };
    if (VOLUME_ACTIONS.includes(action)) {
      return call(c, attributes, async () => {
        const { request, dryRun } = volumeCallOf(action, await c.req.text());
        const vmi = await vmiOrThrow(backend, namespace, name);
        await sendVolume(backend, vmiVolumePlan(vmi, request), namespace, name, dryRun);
        return c.body(null, 202);
      });
    }
    if (!["pause", "unpause", "softreboot"].includes(action)) {
      return statusResponse(noRoute(c.req.path));
    }
    return call(c, attributes, async () => {
      const opts = lifecycleOptionsOf(await c.req.text());
      const vmi = await vmiOrThrow(backend, namespace, name);
      if (action === "pause") checkPause(vmi);
      else if (action === "unpause") checkUnpause(vmi, await backend.getVm(namespace, name));
      else checkSoftReboot(vmi);
      if (!opts.dryRun) await backend.agentPut(vmi, action as NodeAction);
      return c.body(null, 200);
    });
  });

  for (const what of GUEST_AGENT_SUBRESOURCES) {
    app.get(`${base}/namespaces/:namespace/virtualmachineinstances/:name/${what}`, (c) => {
      const { namespace, name } = c.req.param();
      return call(c, {
        verb: "get",
        namespace,
        resource: "virtualmachineinstances",
        subresource: what,
        name,
      }, async () => {
        let vmi;
        try {
          vmi = await backend.getVmi(namespace, name);
        } catch (error) {
          const failed = internal(`unable to retrieve vmi [${name}]: ${messageOf(error)}`);
          return plainTextFailure(failed.message);
        }
        return await guestAgentAnswer(what, namespace, name, vmi, backend.agentGuestList);
      });
    });
  }

  app.get(`${base}/namespaces/:namespace/virtualmachineinstances/:name/vnc/screenshot`, (c) => {
    const { namespace, name } = c.req.param();
    return call(c, {
      verb: "get",
      namespace,
      resource: "virtualmachineinstances",
      subresource: "vnc/screenshot",
      name,
    }, async () => {
      // virt-api moves the pointer first to wake a screensaver; denovirt sends no input events.
      if (c.req.query("moveCursor") === "true") {
        throw badRequest("moveCursor is not supported by denovirt");
      }
      const vmi = await vmiOrThrow(backend, namespace, name);
      checkVnc(vmi);
      if (!backend.agentScreenshot) throw noRoute(c.req.path);
      const png = await backend.agentScreenshot(vmi);
      return new Response(png, { status: 200, headers: { "content-type": "image/png" } });
    });
  });
}
