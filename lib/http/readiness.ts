/**
 * What `/readyz` answers: ready only when the server can answer correctly. A check says why
 * the server is not ready, or nothing; the probe answers 200 "ok" or 503 with the reason.
 */
import { X509Certificate } from "node:crypto";
import { messageOf } from "../errors.ts";

/** Why a server is not ready, or undefined when it is. */
export type ReadinessCheck = () => Promise<string | undefined>;

/** The reason of the first check that fails, asked in order. */
export function firstNotReady(checks: ReadinessCheck[]): ReadinessCheck {
  return async () => {
    for (const check of checks) {
      const reason = await check();
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
}

/**
 * `check` asked at most once per `ttlMs`, so probes do not each cost a call to the API server;
 * callers meanwhile share the answer in flight. A check that throws gives its message as reason.
 */
export function cachedCheck(
  check: ReadinessCheck,
  ttlMs: number,
  now: () => number = Date.now,
): ReadinessCheck {
  let last: { at: number; answer: Promise<string | undefined> } | undefined;
  return () => {
    if (!last || now() - last.at >= ttlMs) {
      last = { at: now(), answer: check().catch((error) => messageOf(error)) };
    }
    return last.answer;
  };
}

/** The serving certificate `pem` parses and is valid now. */
export function certificateCheck(pem: string, now: () => Date = () => new Date()): ReadinessCheck {
  let validity: { from: Date; to: Date } | undefined;
  let unreadable: string | undefined;
  try {
    const certificate = new X509Certificate(pem);
    validity = { from: new Date(certificate.validFrom), to: new Date(certificate.validTo) };
  } catch (error) {
    unreadable = `the serving certificate cannot be read: ${messageOf(error)}`;
  }
  return () => {
    if (!validity) return Promise.resolve(unreadable);
    const at = now();
    if (at < validity.from) {
      return Promise.resolve(
        `the serving certificate is not valid before ${validity.from.toISOString()}`,
      );
    }
    if (at > validity.to) {
      return Promise.resolve(`the serving certificate expired at ${validity.to.toISOString()}`);
    }
    return Promise.resolve(undefined);
  };
}

/** The `/readyz` answer: 200 "ok", or 503 "not ready: <reason>". */
export async function readyzResponse(check?: ReadinessCheck): Promise<Response> {
  const reason = check ? await check().catch((error) => messageOf(error)) : undefined;
  const headers = { "content-type": "text/plain; charset=utf-8" };
  return reason === undefined
    ? new Response("ok", { headers })
    : new Response(`not ready: ${reason}`, { status: 503, headers });
}
