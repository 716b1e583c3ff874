/**
 * What the virtctl-style verbs share: kubectl's kubeconfig flags (`--kubeconfig`, `--context`,
 * `-n/--namespace`, `$KUBECONFIG`, the context's namespace) and calls of the subresource API
 * through the API server, exactly where virtctl sends them.
 */
import { parseArgs } from "node:util";
import { decodeBase64 } from "../lib/base64.ts";
import { type LoadedKubeconfig, loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { transportFrom } from "../lib/kube/transport.ts";

export const SUBRESOURCE_API = "/apis/subresources.kubevirt.io/v1";

export const KUBE_FLAGS_USAGE =
  `  --kubeconfig=<file>   kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)
  --context=<name>      kubeconfig context to use
  -n, --namespace=<ns>  namespace (default: the context's, else "default")`;

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

/** A parsed command line: the kube flags, the verb's own flags and its positional arguments. */
export interface KubeArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
  /** The kubeconfig chosen; loaded on first use, so `--help` works without one. */
  kubeconfig: () => LoadedKubeconfig;
  namespace: () => string;
}

/** Parse `args` with the kube flags added to `options`; usage errors throw UsageError. */
export function parseKubeArgs(args: string[], options: OptionSpec): KubeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        ...options,
        kubeconfig: { type: "string" },
        context: { type: "string" },
        namespace: { type: "string", short: "n" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  let loaded: LoadedKubeconfig | undefined;
  const kubeconfig = () =>
    loaded ??= loadKubeConfig({
      ...(values.kubeconfig ? { kubeconfig: String(values.kubeconfig) } : {}),
      ...(values.context ? { context: String(values.context) } : {}),
    });
  return {
    values,
    positionals: parsed.positionals,
    help: values.help === true,
    kubeconfig,
    namespace: () => (values.namespace as string | undefined) ?? kubeconfig().namespace,
  };
}

/** A command line the verb cannot run: print it with the usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Run a verb: usage errors exit 2 with the usage, API errors exit 1 with their message. */
export async function runVerb(
  usage: string,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      return 2;
    }
    console.error(`Error: ${(error as Error).message}`);
    return 1;
  }
}

/** The path of a subresource: `/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachines/web/start`. */
export function subresourcePath(
  namespace: string,
  resource: "virtualmachines" | "virtualmachineinstances",
  name: string,
  subresource: string,
): string {
  const ns = encodeURIComponent(namespace);
  return `${SUBRESOURCE_API}/namespaces/${ns}/${resource}/${
    encodeURIComponent(name)
  }/${subresource}`;
}

/** Call the API server; throws ApiError with the server's Status message on failure. */
export async function callApi(
  kc: LoadedKubeconfig,
  method: "GET" | "PUT",
  path: string,
  body?: unknown,
  what = path,
): Promise<{ status: number; text: string }> {
  const kube = RestClient.fromKubeConfig(kc);
  try {
    return await kube.call(method, path, { ...(body !== undefined ? { body } : {}), what });
  } finally {
    kube.close();
  }
}

/** The error message an ApiError carries, without the "Cannot ...: 409 Conflict:" prefix. */
export function serverMessage(error: unknown): string {
  const body = (error as { body?: { message?: string } }).body;
  return body?.message ?? (error as Error).message;
}

/** TLS material and headers for a WebSocket to the API server (npm ws client options). */
export function webSocketOptionsOf(kc: LoadedKubeconfig) {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser();
  const pem = (data: string | undefined, file: string | undefined) =>
    data
      ? new TextDecoder().decode(decodeBase64(data.trim()))
      : file
      ? Deno.readTextFileSync(file)
      : undefined;
  const ca = pem(cluster.caData, cluster.caFile);
  const cert = pem(user?.certData, user?.certFile);
  const key = pem(user?.keyData, user?.keyFile);
  const transport = transportFrom(kc);
  const headers = transport.authHeaders();
  transport.close();
  return {
    server: cluster.server.replace(/\/+$/, ""),
    options: {
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      headers,
      ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
    },
  };
}

/** One PUT verb on one object, printing virtctl's "VM web was scheduled to start". */
export async function putSubresource(opts: {
  kubeconfig: LoadedKubeconfig;
  namespace: string;
  resource: "virtualmachines" | "virtualmachineinstances";
  name: string;
  subresource: string;
  body: unknown;
  done: string;
  failed: string;
}): Promise<number> {
  const path = subresourcePath(opts.namespace, opts.resource, opts.name, opts.subresource);
  try {
    await callApi(opts.kubeconfig, "PUT", path, opts.body);
  } catch (error) {
    console.error(`${opts.failed}: ${serverMessage(error)}`);
    return 1;
  }
  console.log(opts.done);
  return 0;
}

/** The one NAME argument of a verb. */
export function oneName(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`Expected exactly one ${what} name`);
  return positionals[0]!;
}
