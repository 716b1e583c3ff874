/** The VM subresources: start, stop, restart and migrate, and the VM's volume requests. */
import type { Hono } from "hono";
import { ApiError } from "../lib/kube/api_error.ts";
import { messageOf } from "../lib/errors.ts";
import { internal, noRoute, statusResponse } from "../lib/http/status.ts";
import type { Backend, Env } from "./app_options.ts";
import { lifecycleOptionsOf, restartPlan, startPlan, stopPlan } from "./lifecycle.ts";
import { migrateOptionsOf, migrationFor } from "./migrate.ts";
import {
  send,
  sendVolume,
  vmiOrThrow,
  vmOrThrow,
  VOLUME_ACTIONS,
  volumeCallOf,
} from "./route_steps.ts";
import type { Call, CallAttributes } from "./subresource_call.ts";
import { vmVolumePlan } from "./volumes.ts";

/** Route the VM subresources under `base`: patches of the VM, as virt-api makes them. */
export function addVmRoutes(app: Hono<Env>, base: string, backend: Backend, call: Call): void {
  app.put(`${base}/namespaces/:namespace/virtualmachines/:name/:action`, (c) => {
    const { namespace, name, action } = c.req.param();
    const attributes: CallAttributes = {
      verb: "update",
      namespace,
      resource: "virtualmachines",
      subresource: action,
      name,
    };
    if (VOLUME_ACTIONS.includes(action)) {
      return call(c, attributes, async () => {
        const { request, dryRun } = volumeCallOf(action, await c.req.text());
        const vm = await vmOrThrow(backend, namespace, name);
        await sendVolume(backend, vmVolumePlan(vm, request), namespace, name, dryRun);
        return c.body(null, 202);
      });
    }
    if (!["start", "stop", "restart", "migrate"].includes(action)) {
      return statusResponse(noRoute(c.req.path));
    }
    return call(c, attributes, async () => {
      const body = await c.req.text();
      const vm = await vmOrThrow(backend, namespace, name);
      if (action === "migrate") {
        const options = migrateOptionsOf(body);
        const migration = migrationFor(
          namespace,
          name,
          await vmiOrThrow(backend, namespace, name),
          options,
        );
        try {
          await backend.createMigration(migration, options.dryRun);
        } catch (error) {
          // virt-api's answer to a failed create: the API server's message, as an internal error.
          throw internal(
            error instanceof ApiError ? error.body?.message ?? error.message : messageOf(error),
          );
        }
        return c.body(null, 202);
      }
      const opts = lifecycleOptionsOf(body);
      const vmi = await backend.getVmi(namespace, name);
      const plan = { start: startPlan, stop: stopPlan, restart: restartPlan }[action as "start"];
      await send(backend, plan(vm, vmi, opts), namespace, name, opts.dryRun);
      return c.body(null, 202);
    });
  });
}
