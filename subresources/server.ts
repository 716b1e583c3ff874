/**
 * `serveSubresources()`: the aggregated API `subresources.kubevirt.io` over TLS on node:https,
 * trusting only the API server's front-proxy client certificate (adr/0005).
 */
import { type Logger, logger } from "../lib/log.ts";
import { RestClient } from "../lib/kube/rest.ts";
import type { KubeConfigLike } from "../lib/kube/transport.ts";
import { decodeBase64 } from "../lib/base64.ts";
import { DEFAULT_REQUEST_HEADERS, type RequestHeaderConfig } from "./access.ts";
import { subresourceApp } from "./app.ts";
import { backendReadiness, clusterBackend } from "./backend.ts";
import { consoleProxy } from "./console_proxy.ts";
import { portForwardPathOf } from "./port_forward.ts";
import { portForwardProxy } from "./port_forward_proxy.ts";
import { type RunningServer, serveHttps, type UpgradeHandler } from "../lib/http/https_server.ts";
import { certificateCheck, firstNotReady } from "../lib/http/readiness.ts";
import type { SessionMetrics } from "./metrics.ts";
import { consoleApp, isConsolePath } from "../console/app.ts";
import { apiProxy } from "../console/api_proxy.ts";
import { CONSOLE_ASSETS } from "../console/assets.generated.ts";
import { upstreamOf } from "../console/upstream.ts";
import { relayUpgrade } from "../console/ws_proxy.ts";

export interface ServeSubresourcesOptions {
  port: number;
  /** Loopback by default: the local stack's API server reaches it through an ExternalName Service. */
  hostname?: string;
  /** Serving certificate and key files. */
  certFile: string;
  keyFile: string;
  /** The front-proxy CA file (kube-apiserver's --requestheader-client-ca-file). */
  frontProxyCaFile: string;
  /** The cluster CA file: the agents' serving certificates chain to it. */
  clientCaFile: string;
  /** The role's kubeconfig: its client certificate is also what the agents trust. */
  kubeconfig: KubeConfigLike;
  /**
   * Certificate and key files presented to the agents instead of the kubeconfig's client
   * certificate: in a cluster the role's kubeconfig is a ServiceAccount token.
   */
  agentClientCertFile?: string;
  agentClientKeyFile?: string;
  requestHeaders?: RequestHeaderConfig;
  /** Where open consoles and port-forward tunnels are counted. */
  metrics?: SessionMetrics;
  signal?: AbortSignal;
  log?: Logger;
}

/** Serve until `signal` aborts; resolves once listening. */
export async function serveSubresources(opts: ServeSubresourcesOptions): Promise<RunningServer> {
  const log = opts.log ?? logger({ component: "subresources" });
  if (!opts.frontProxyCaFile || !opts.clientCaFile) {
    throw new Error("The subresource API needs --front-proxy-ca and --client-ca");
  }
  const [cert, key, frontProxyCa, clusterCa] = await Promise.all(
    [opts.certFile, opts.keyFile, opts.frontProxyCaFile, opts.clientCaFile].map((f) =>
      Deno.readTextFile(f)
    ),
  );
  const kube = RestClient.fromKubeConfig(opts.kubeconfig);
  const identity = opts.agentClientCertFile && opts.agentClientKeyFile
    ? {
      cert: await Deno.readTextFile(opts.agentClientCertFile),
      key: await Deno.readTextFile(opts.agentClientKeyFile),
    }
    : clientIdentityOf(opts.kubeconfig);
  const backend = clusterBackend(kube, { ca: clusterCa!, ...identity });
  const requestHeaders = opts.requestHeaders ?? DEFAULT_REQUEST_HEADERS;
  const app = subresourceApp({
    backend,
    requestHeaders,
    notReadyReason: firstNotReady([certificateCheck(cert!), backendReadiness(kube)]),
    onCall: (entry) => (entry.code >= 500 ? log.error : log.info)("Subresource call", { ...entry }),
  });
  const subresourceUpgrade = upgradeByPath(
    consoleProxy({
      getVmi: backend.getVmi,
      authorize: backend.authorize,
      openConsole: (vmi) => backend.agents.openConsole(vmi),
      openVnc: (vmi, preserveSession) => backend.agents.openVnc(vmi, preserveSession),
      requestHeaders,
      onSession: (entry) => {
        const count = entry.subresource === "vnc" ? opts.metrics?.vnc : opts.metrics?.console;
        if (entry.event === "attached") count?.(entry.namespace, entry.name, 1);
        if (entry.event === "detached") count?.(entry.namespace, entry.name, -1);
        log.info(entry.subresource === "vnc" ? "VNC" : "Console", entry);
      },
    }),
    portForwardProxy({
      getVm: backend.getVm,
      getVmi: backend.getVmi,
      authorize: backend.authorize,
      openPortForward: (vmi, port, protocol) => backend.agents.openPortForward(vmi, port, protocol),
      requestHeaders,
      onTunnel: (entry) => {
        if (entry.event === "opened") opts.metrics?.tunnel(entry.namespace, entry.name, 1);
        if (entry.event === "closed") opts.metrics?.tunnel(entry.namespace, entry.name, -1);
        (entry.code !== undefined && entry.code >= 500 ? log.error : log.info)(
          "Port-forward",
          { ...entry },
        );
      },
    }),
  );
  // The web console: users' calls go to the API server with their own tokens (console/).
  const upstream = upstreamOf(opts.kubeconfig);
  const web = consoleApp({ assets: CONSOLE_ASSETS, api: apiProxy(upstream) });
  const server = await serveHttps({
    hostname: opts.hostname ?? "127.0.0.1",
    port: opts.port,
    cert: cert!,
    key: key!,
    clientCa: frontProxyCa!,
    fetch: (request, env) =>
      isConsolePath(new URL(request.url).pathname) ? web.fetch(request) : app.fetch(request, env),
    upgrade: (req, socket, head, peer) => {
      if (!relayUpgrade(upstream, req, socket, head)) {
        return subresourceUpgrade(req, socket, head, peer);
      }
    },
    onError: (error) => log.error("Request failed", { error }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  log.info("Subresource API listening", {
    url: `https://${opts.hostname ?? "127.0.0.1"}:${server.port}`,
  });
  server.finished.then(() => kube.close());
  return server;
}

/** Port-forward paths to their proxy, every other upgrade to the console's and VNC's (it refuses others). */
function upgradeByPath(serialConsole: UpgradeHandler, portForward: UpgradeHandler): UpgradeHandler {
  return (req, socket, head, peer) => {
    const path = new URL(req.url ?? "/", "https://localhost").pathname;
    return (portForwardPathOf(path) ? portForward : serialConsole)(req, socket, head, peer);
  };
}

/** The client certificate of a kubeconfig user, as PEM. */
export function clientIdentityOf(kc: KubeConfigLike): { cert: string; key: string } {
  const user = kc.getCurrentUser();
  const pem = (data: string | undefined, file: string | undefined) =>
    data
      ? new TextDecoder().decode(decodeBase64(data.trim()))
      : file
      ? Deno.readTextFileSync(file)
      : undefined;
  const cert = pem(user?.certData, user?.certFile);
  const key = pem(user?.keyData, user?.keyFile);
  if (!cert || !key) {
    throw new Error(
      "Cannot call the node agents: the kubeconfig user has no client certificate (agents trust " +
        "only the webhooks' client certificate; see adr/0005)",
    );
  }
  return { cert, key };
}
