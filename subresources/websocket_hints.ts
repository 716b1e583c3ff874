/**
 * Plain GETs of the aggregated API's WebSocket subresources (console, vnc, portforward) answer
 * 400 saying to upgrade, as virt-api does, instead of the catch-all's 404.
 */
import type { Env, Hono } from "hono";
import { badRequest, statusResponse } from "../lib/http/status.ts";

/** Adds the 400 answers under `base` (`/apis/subresources.kubevirt.io/:version`). */
export function addWebSocketHints<E extends Env>(app: Hono<E>, base: string): void {
  app.get(
    `${base}/namespaces/:namespace/virtualmachineinstances/:name/console`,
    () => statusResponse(badRequest("The console is a WebSocket: connect with Upgrade: websocket")),
  );
  app.get(
    `${base}/namespaces/:namespace/virtualmachineinstances/:name/vnc`,
    () => statusResponse(badRequest("VNC is a WebSocket: connect with Upgrade: websocket")),
  );
  for (const resource of ["virtualmachineinstances", "virtualmachines"]) {
    for (const tail of [":port", ":port/:protocol"]) {
      app.get(
        `${base}/namespaces/:namespace/${resource}/:name/portforward/${tail}`,
        () =>
          statusResponse(
            badRequest("Port-forward is a WebSocket: connect with Upgrade: websocket"),
          ),
      );
    }
  }
}
