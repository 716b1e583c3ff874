/** How to reach and authenticate to the API server, from a client-node KubeConfig. */
import type { KubeConfig } from "@kubernetes/client-node";
import { decodeBase64 } from "../base64.ts";

/** The server URL, an HTTP client carrying the TLS material, and the auth headers. */
export interface Transport {
  server: string;
  client?: Deno.HttpClient;
  /** Authorization headers; may re-read a rotating token file. */
  authHeaders(): Record<string, string>;
  close(): void;
}

/** The part of a client-node KubeConfig used here; a lighter kubeconfig loader can provide it. */
export type KubeConfigLike = Pick<
  KubeConfig,
  "getCurrentCluster" | "getCurrentUser" | "getCurrentContext"
>;

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** PEM text from kubeconfig `*-data` (base64) or a file path. */
function pemOf(data: string | undefined, file: string | undefined): string | undefined {
  if (data) return text(decodeBase64(data.trim()));
  if (file) return Deno.readTextFileSync(file);
  return undefined;
}

/** A Transport for the current context of `kc`; throws when the user needs an exec plugin. */
export function transportFrom(kc: KubeConfigLike): Transport {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error(`Cannot use kubeconfig: context "${kc.getCurrentContext()}" has no cluster`);
  }
  const user = kc.getCurrentUser();
  if (user?.exec) {
    throw new Error(
      `Cannot use kubeconfig user "${user.name}": exec credential plugins are not supported`,
    );
  }
  const caCert = pemOf(cluster.caData, cluster.caFile);
  const cert = pemOf(user?.certData, user?.certFile);
  const key = pemOf(user?.keyData, user?.keyFile);
  // HTTP/1.1 only: Deno's fetch leaves Nagle on and sends an HTTP/2 request body over ~1 KiB in
  // a second TLS record, which waits ~40 ms for the API server's delayed ACK (adr/0016).
  const options: Deno.CreateHttpClientOptions = {
    http1: true,
    http2: false,
    ...(caCert ? { caCerts: [caCert] } : {}),
  };
  // skipTLSVerify has no per-client switch in Deno; only --unsafely-ignore-certificate-errors.
  const client = Deno.createHttpClient(cert && key ? { ...options, cert, key } : options);
  return {
    server: cluster.server.replace(/\/+$/, ""),
    client,
    authHeaders: authHeadersFor(user),
    close: () => client.close(),
  };
}

type User = ReturnType<KubeConfig["getCurrentUser"]>;

function authHeadersFor(user: User): () => Record<string, string> {
  if (user?.token) {
    const headers = { authorization: `Bearer ${user.token}` };
    return () => headers;
  }
  // In-cluster configs point at a projected token that the kubelet rotates: re-read it now and then.
  const tokenFile: unknown = user?.authProvider?.config?.tokenFile;
  if (typeof tokenFile === "string") {
    let cached = { token: "", readAt: 0 };
    return () => {
      if (Date.now() - cached.readAt > 60_000) {
        cached = { token: Deno.readTextFileSync(tokenFile).trim(), readAt: Date.now() };
      }
      return { authorization: `Bearer ${cached.token}` };
    };
  }
  if (user?.username && user.password) {
    const headers = { authorization: `Basic ${btoa(`${user.username}:${user.password}`)}` };
    return () => headers;
  }
  return () => ({});
}
