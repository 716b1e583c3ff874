/**
 * The aggregated API `subresources.kubevirt.io` as a Hono app: discovery, the VM lifecycle
 * subresources (patches of the VM, as virt-api makes them), the VMI subresources the node
 * agent carries out, and the guest agent's (`guest_agent.ts`). The
 * WebSockets of the console and of port-forward are handled by `console_proxy.ts` and
 * `port_forward_proxy.ts`, not here.
 * Importing this starts nothing; tests drive it with `app.request()` and a fake backend.
 */
import { type Context, Hono } from "hono";
import type { VirtualMachineInstanceMigration } from "../api/mod.ts";
import { ApiError } from "../lib/kube/api_error.ts";
import { messageOf } from "../lib/errors.ts";
import { type ReadinessCheck, readyzResponse } from "../lib/http/readiness.ts";
import {
  type Attributes,
  type Authorizer,
  type Caller,
  callerOf,
  type RequestHeaderConfig,
  requireAllowed,
} from "./access.ts";
import {
  apiGroup,
  apiResourceList,
  GROUP,
  openApiV2,
  openApiV3,
  versionInfo,
} from "./discovery.ts";
import type { Peer } from "../lib/http/https_server.ts";
import {
  GUEST_AGENT_SUBRESOURCES,
  guestAgentAnswer,
  type GuestListReader,
  plainTextFailure,
} from "./guest_agent.ts";
import {
  lifecycleOptionsOf,
  type PatchStep,
  restartPlan,
  startPlan,
  stopPlan,
  type VmiLike,
  type VmLike,
} from "./lifecycle.ts";
import {
  badRequest,
  internal,
  noRoute,
  notFound,
  StatusError,
  statusResponse,
} from "../lib/http/status.ts";
import { checkPause, checkSoftReboot, checkUnpause, checkVnc } from "./vmi_checks.ts";
import { migrateOptionsOf, migrationFor } from "./migrate.ts";
import { patchError, volumePatchError } from "./patch_errors.ts";
import { addWebSocketHints } from "./websocket_hints.ts";
import {
  addVolumeCallOf,
  removeVolumeCallOf,
  vmiVolumePlan,
  vmVolumePlan,
  type VolumeCall,
} from "./volumes.ts";

export type NodeAction = "pause" | "unpause" | "softreboot";

/** What the app needs from the cluster and the node agents. */
export interface Backend {
  getVm(namespace: string, name: string): Promise<VmLike | undefined>;
  getVmi(namespace: string, name: string): Promise<VmiLike | undefined>;
  /** Send one JSON Patch; throws ApiError. */
  patch(step: PatchStep, namespace: string, name: string, dryRun: boolean): Promise<void>;
  authorize: Authorizer;
  /** PUT an action to the agent of the VMI's node. */
  agentPut(vmi: VmiLike, action: NodeAction): Promise<void>;
  /** The PNG of the VMI's screen, from the agent of its node. */
  agentScreenshot?(vmi: VmiLike): Promise<Uint8Array<ArrayBuffer>>;
  /** The guest's `userlist` or `filesystemlist` (JSON), from the agent of the VMI's node. */
  agentGuestList?: GuestListReader;
  /** Create a migration (through admission); throws ApiError. */
  createMigration(migration: VirtualMachineInstanceMigration, dryRun: boolean): Promise<void>;
}

export interface AppOptions {
  backend: Backend;
  requestHeaders?: RequestHeaderConfig;
  /** Why /readyz answers 503; ready when absent. */
  notReadyReason?: ReadinessCheck;
  /** One line per call: who did what and how it ended. */
  onCall?: (entry: CallLogEntry) => void;
}

export interface CallLogEntry {
  user: string;
  verb: string;
  namespace: string;
  resource: string;
  name: string;
  code: number;
  ms: number;
  message?: string;
}

type Env = { Bindings: { peer: Peer } };
const VERSION = ":version{v1|v1alpha3}";
const BASE = `/apis/${GROUP}/${VERSION}`;
const VOLUME_ACTIONS = ["addvolume", "removevolume"];

/** The Hono app of the aggregated API. */
export function subresourceApp(opts: AppOptions): Hono<Env> {
  const { backend } = opts;
  const app = new Hono<Env>();
  const proxyOnly = (c: Context<Env>) => {
    // Discovery needs the front proxy but no user: the aggregator's availability checks send none.
    const peer = c.env?.peer ?? { authorized: false };
    const allowed = opts.requestHeaders?.allowedNames ?? ["front-proxy-client"];
    if (!peer.authorized || (allowed.length > 0 && !allowed.includes(peer.commonName ?? ""))) {
      callerOf(peer, c.req.raw.headers, opts.requestHeaders);
    }
  };

  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", () => readyzResponse(opts.notReadyReason));
  app.get("/livez", (c) => c.text("ok"));
  app.get("/openapi/v2", (c) => c.json(openApiV2()));
  app.get("/openapi/v3", (c) => c.json(openApiV3()));
  app.get(`/apis/${GROUP}`, (c) => (proxyOnly(c), c.json(apiGroup())));
  app.get(BASE, (c) => (proxyOnly(c), c.json(apiResourceList(c.req.param("version")))));
  app.get(`${BASE}/version`, (c) => (proxyOnly(c), c.json(versionInfo())));
  app.get(`${BASE}/healthz`, (c) => c.json({ apiserver: "ok", restcontrollers: "ok" }));

  const call = async (
    c: Context<Env>,
    attrs: Omit<Attributes, "version">,
    handle: (caller: Caller) => Promise<Response>,
  ): Promise<Response> => {
    const started = Date.now();
    let user = "";
    let response: Response;
    try {
      const caller = callerOf(
        c.env?.peer ?? { authorized: false },
        c.req.raw.headers,
        opts.requestHeaders,
      );
      user = caller.user;
      await requireAllowed(backend.authorize, caller, {
        ...attrs,
        version: c.req.param("version")!,
      });
      response = await handle(caller);
    } catch (error) {
      response = statusResponse(error);
    }
    opts.onCall?.({
      user,
      verb: `${attrs.verb} ${attrs.subresource}`,
      namespace: attrs.namespace,
      resource: attrs.resource,
      name: attrs.name,
      code: response.status,
      ms: Date.now() - started,
      ...(response.status >= 400 ? { message: await response.clone().text() } : {}),
    });
    return response;
  };

  const vmOrThrow = async (namespace: string, name: string) => {
    const vm = await backend.getVm(namespace, name);
    if (!vm) throw notFound("virtualmachine", name);
    return vm;
  };
  const vmiOrThrow = async (namespace: string, name: string) => {
    const vmi = await backend.getVmi(namespace, name);
    if (!vmi) throw notFound("virtualmachineinstance", name);
    return vmi;
  };
  const send = async (steps: PatchStep[], namespace: string, name: string, dryRun: boolean) => {
    for (const step of steps) {
      try {
        await backend.patch(step, namespace, name, dryRun);
      } catch (error) {
        throw patchError(error, step, name);
      }
    }
  };

  /** Send a volume request's patches; failures worded as virt-api's. */
  const sendVolume = async (steps: PatchStep[], namespace: string, name: string, dry: boolean) => {
    for (const step of steps) {
      try {
        await backend.patch(step, namespace, name, dry);
      } catch (error) {
        throw volumePatchError(error, step, name);
      }
    }
  };
  const volumeCallOf = (action: string, body: string): VolumeCall =>
    action === "addvolume" ? addVolumeCallOf(body) : removeVolumeCallOf(body);

  app.put(`${BASE}/namespaces/:namespace/virtualmachines/:name/:action`, (c) => {
    const { namespace, name, action } = c.req.param();
    if (VOLUME_ACTIONS.includes(action)) {
      return call(c, {
        verb: "update",
        namespace,
        resource: "virtualmachines",
        subresource: action,
        name,
      }, async () => {
        const { request, dryRun } = volumeCallOf(action, await c.req.text());
        const vm = await vmOrThrow(namespace, name);
        await sendVolume(vmVolumePlan(vm, request), namespace, name, dryRun);
        return c.body(null, 202);
      });
    }
    if (!["start", "stop", "restart", "migrate"].includes(action)) {
      return statusResponse(noRoute(c.req.path));
    }
    return call(c, {
      verb: "update",
      namespace,
      resource: "virtualmachines",
      subresource: action,
      name,
    }, async () => {
      const body = await c.req.text();
      const vm = await vmOrThrow(namespace, name);
      if (action === "migrate") {
        const options = migrateOptionsOf(body);
        const migration = migrationFor(namespace, name, await vmiOrThrow(namespace, name), options);
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
      await send(plan(vm, vmi, opts), namespace, name, opts.dryRun);
      return c.body(null, 202);
    });
  });

  app.put(`${BASE}/namespaces/:namespace/virtualmachineinstances/:name/:action`, (c) => {
    const { namespace, name, action } = c.req.param();
    if (VOLUME_ACTIONS.includes(action)) {
      return call(c, {
        verb: "update",
        namespace,
        resource: "virtualmachineinstances",
        subresource: action,
        name,
      }, async () => {
        const { request, dryRun } = volumeCallOf(action, await c.req.text());
        const vmi = await vmiOrThrow(namespace, name);
        await sendVolume(vmiVolumePlan(vmi, request), namespace, name, dryRun);
        return c.body(null, 202);
      });
    }
    if (!["pause", "unpause", "softreboot"].includes(action)) {
      return statusResponse(noRoute(c.req.path));
    }
    return call(c, {
      verb: "update",
      namespace,
      resource: "virtualmachineinstances",
      subresource: action,
      name,
    }, async () => {
      const opts = lifecycleOptionsOf(await c.req.text());
      const vmi = await vmiOrThrow(namespace, name);
      if (action === "pause") checkPause(vmi);
      else if (action === "unpause") checkUnpause(vmi, await backend.getVm(namespace, name));
      else checkSoftReboot(vmi);
      if (!opts.dryRun) await backend.agentPut(vmi, action as NodeAction);
      return c.body(null, 200);
    });
  });

  for (const what of GUEST_AGENT_SUBRESOURCES) {
    app.get(`${BASE}/namespaces/:namespace/virtualmachineinstances/:name/${what}`, (c) => {
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

  app.get(`${BASE}/namespaces/:namespace/virtualmachineinstances/:name/vnc/screenshot`, (c) => {
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
      const vmi = await vmiOrThrow(namespace, name);
      checkVnc(vmi);
      if (!backend.agentScreenshot) throw noRoute(c.req.path);
      const png = await backend.agentScreenshot(vmi);
      return new Response(png, { status: 200, headers: { "content-type": "image/png" } });
    });
  });

  addWebSocketHints(app, BASE);

  app.notFound((c) => statusResponse(noRoute(c.req.path)));
  app.onError((error) =>
    statusResponse(error instanceof StatusError ? error : internal(messageOf(error)))
  );
  return app;
}
