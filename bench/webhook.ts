/**
 * Admission latency straight at the webhook server, open loop: AdmissionReviews of a typical VM
 * CREATE sent at a fixed rate over TLS and kept-alive HTTP/1.1 (as kube-apiserver sends them),
 * alternately to `/virtualmachines/mutate` and, with the mutated object as kube-apiserver would
 * send it, to `/virtualmachines/validate`. Each request has its own uid.
 */
import { decodeBase64 } from "../lib/base64.ts";
import { roleLog } from "../stack/layout.ts";
import { pkiFiles } from "../stack/pki.ts";
import type { RunningStack } from "../stack/up.ts";
import { applyPatch, type JsonPatchOperation } from "../webhooks/json_patch.ts";
import { H1Client } from "./h1_client.ts";
import { openLoop, type OpenLoopResult } from "./open_loop.ts";
import { createReview } from "./vm_manifest.ts";
import type { KubeObject } from "../lib/kube/object.ts";

type Endpoint = "mutate" | "validate";

interface Answer {
  response?: { allowed?: boolean; patch?: string; status?: { message?: string } };
}

export interface WebhookLoadOptions {
  rate: number;
  seconds: number;
  /** Load before the measured run, not counted (connections, JIT). */
  warmupSeconds: number;
  vm: KubeObject;
  namespace: string;
}

const UID = "00000000-0000-4000-8000-000000000000";

/** What the load measured: the client's view, and the server's own time per review. */
export interface WebhookLoad {
  client: OpenLoopResult;
  serverMs: number[];
}

/** Runs the load; `client.byTag` holds the `mutate` and `validate` latencies. */
export async function webhookLoad(
  stack: RunningStack,
  opts: WebhookLoadOptions,
): Promise<WebhookLoad> {
  const ca = await Deno.readTextFile(pkiFiles(stack.paths.pki).caCert);
  const client = new H1Client(`https://127.0.0.1:${stack.ports.webhooks}`, ca);
  try {
    const warmup = `${opts.namespace}-warmup`;
    const first = await admit(client, "mutate", review(opts.vm, warmup));
    const mutated = first.response?.patch
      ? applyPatch(opts.vm, patchOf(first.response.patch)) as KubeObject
      : opts.vm;
    // The warm-up's reviews name another namespace, so the server's log tells them apart.
    const load = (namespace: string, seconds: number) => {
      const bodies = { mutate: review(opts.vm, namespace), validate: review(mutated, namespace) };
      return openLoop(opts.rate, seconds, async (i) => {
        const endpoint = i % 2 === 0 ? "mutate" : "validate";
        await admit(client, endpoint, bodies[endpoint].replace(UID, crypto.randomUUID()));
        return endpoint;
      });
    };
    await load(warmup, opts.warmupSeconds);
    const measured = await load(opts.namespace, opts.seconds);
    const log = await Deno.readTextFile(await roleLog(stack.paths, "webhooks")).catch(() => "");
    return { client: measured, serverMs: serverMsOf(log, opts.namespace) };
  } finally {
    await client.close();
  }
}

/** A CREATE review of `object` whose uid is the placeholder `UID`. */
function review(object: KubeObject, namespace: string): string {
  return JSON.stringify(createReview(object, namespace, UID));
}

/** POSTs one AdmissionReview; throws unless it was answered and allowed. */
async function admit(client: H1Client, endpoint: Endpoint, body: string): Promise<Answer> {
  const path = `/virtualmachines/${endpoint}`;
  const { status, body: text } = await client.post(path, body);
  let answer: Answer = {};
  try {
    answer = JSON.parse(text) as Answer;
  } catch {
    // Reported below with the status.
  }
  if (status !== 200 || answer.response?.allowed !== true) {
    const why = answer.response?.status?.message ?? `HTTP ${status}: ${text.slice(0, 200)}`;
    throw new Error(`The webhook at ${path} did not allow the bench VM: ${why}`);
  }
  return answer;
}

/**
 * The webhook server's own time per review (from reading the body to the verdict), from its log
 * lines for `namespace`: separates the server's share of the latency from the network and client.
 */
export function serverMsOf(logText: string, namespace: string): number[] {
  const ms: number[] = [];
  for (const line of logText.split("\n")) {
    if (!line.includes(`"namespace":"${namespace}"`)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; namespace?: string; ms?: number };
      if (entry.msg === "Admission" && entry.namespace === namespace && entry.ms !== undefined) {
        ms.push(entry.ms);
      }
    } catch {
      // Not a log line of ours.
    }
  }
  return ms;
}

function patchOf(base64: string): JsonPatchOperation[] {
  return JSON.parse(new TextDecoder().decode(decodeBase64(base64)));
}
