/** One subresource call: who calls, whether they may, the answer (errors as Status), a log line. */
import type { Context } from "hono";
import { statusResponse } from "../lib/http/status.ts";
import { type Attributes, type Caller, callerOf, requireAllowed } from "./access.ts";
import type { AppOptions, Env } from "./app_options.ts";

/** What a call asks to do, as the authorizer is asked it (the API version comes from the path). */
export type CallAttributes = Omit<Attributes, "version">;

/** Runs `handle` for the caller once authorized; answers its Response or the error's Status. */
export type Call = (
  c: Context<Env>,
  attrs: CallAttributes,
  handle: (caller: Caller) => Promise<Response>,
) => Promise<Response>;

/** The `call` of an app with `opts`: its request headers, its authorizer and its call log. */
export function callOf(opts: AppOptions): Call {
  const { backend } = opts;
  return async (c, attrs, handle) => {
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
}
