/**
 * Calls from the aggregated API to the node agents: HTTPS with the webhooks' client certificate
 * (the agents trust only that identity), to the endpoint each agent publishes on its Node.
 */
import { AGENT_ENDPOINT_ANNOTATION } from "../api/mod.ts";
import { request } from "node:https";
import { nodes } from "../lib/kube/resources.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { VmiLike } from "./lifecycle.ts";
import { internal, StatusError, unavailable } from "../lib/http/status.ts";
import { CONSOLE_PROTOCOL, WebSocket, type WsSocket } from "../lib/http/ws.ts";

export interface ClientTls {
  /** PEM CA bundle the agents' serving certificates chain to. */
  ca: string;
  /** PEM client certificate and key presented to the agents. */
  cert: string;
  key: string;
}

/** The agent API path of a VMI: `/v1/namespaces/<ns>/virtualmachineinstances/<name>/<what>`. */
export function agentPathOf(vmi: VmiLike, what: string): string {
  const ns = encodeURIComponent(vmi.metadata.namespace ?? "");
  const name = encodeURIComponent(vmi.metadata.name ?? "");
  return `/v1/namespaces/${ns}/virtualmachineinstances/${name}/${what}`;
}

export class AgentClient {
  constructor(
    private readonly kube: RestClient,
    private readonly tls: ClientTls,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The endpoint of the agent on the VMI's node. */
  async endpointFor(vmi: VmiLike): Promise<string> {
    const nodeName = vmi.status?.nodeName;
    if (!nodeName) throw unavailable(`VMI ${vmi.metadata.name} is not on a node yet`);
    const node = await this.kube.get<KubeObject>(nodes, { name: nodeName });
    const endpoint = node.metadata?.annotations?.[AGENT_ENDPOINT_ANNOTATION];
    if (!endpoint) {
      throw unavailable(
        `Cannot reach the agent of node ${nodeName}: the node has no ${AGENT_ENDPOINT_ANNOTATION} annotation`,
      );
    }
    return endpoint.replace(/\/+$/, "");
  }

  /** One request to the agent; answers the body text, throws a StatusError for errors. */
  async call(vmi: VmiLike, method: "GET" | "PUT", what: string): Promise<string> {
    return new TextDecoder().decode(await this.callForBytes(vmi, method, what));
  }

  /** One request to the agent; answers the body's bytes, throws a StatusError for errors. */
  async callForBytes(
    vmi: VmiLike,
    method: "GET" | "PUT",
    what: string,
  ): Promise<Uint8Array<ArrayBuffer>> {
    const url = new URL((await this.endpointFor(vmi)) + agentPathOf(vmi, what));
    const { status, body } = await new Promise<{ status: number; body: Uint8Array<ArrayBuffer> }>(
      (resolve, reject) => {
        const req = request(url, {
          method,
          ca: this.tls.ca,
          cert: this.tls.cert,
          key: this.tls.key,
          timeout: this.timeoutMs,
          headers: { "content-length": "0" },
        }, (res) => {
          const chunks: Uint8Array[] = [];
          res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
          res.on("end", () => {
            const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
            let at = 0;
            for (const c of chunks) (body.set(c, at), at += c.length);
            resolve({ status: res.statusCode ?? 500, body });
          });
          res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
        req.on("error", reject);
        req.end();
      },
    ).catch((error) => {
      throw unavailable(`Cannot reach the agent at ${url.origin}: ${(error as Error).message}`);
    });
    if (status >= 400) throw agentError(status, new TextDecoder().decode(body));
    return body;
  }

  /** Open the serial console of the VMI on its agent; rejects with a StatusError. */
  openConsole(vmi: VmiLike): Promise<WsSocket> {
    return this.openWebSocket(vmi, "console");
  }

  /** Open the VNC of the VMI on its agent; rejects with a StatusError (503: a viewer is kept). */
  openVnc(vmi: VmiLike, preserveSession: boolean): Promise<WsSocket> {
    return this.openWebSocket(vmi, preserveSession ? "vnc?preserveSession=true" : "vnc");
  }

  /** Have the VMI's agent connect to the VM's `port`; rejects with a StatusError. */
  openPortForward(vmi: VmiLike, port: number, protocol: "tcp" | "udp"): Promise<WsSocket> {
    return this.openWebSocket(vmi, `portforward/${port}/${protocol}`);
  }

  /** A WebSocket to the agent's `what` of the VMI, once the agent accepted it. */
  private async openWebSocket(vmi: VmiLike, what: string): Promise<WsSocket> {
    const url = (await this.endpointFor(vmi)).replace(/^http/, "ws") + agentPathOf(vmi, what);
    const socket = new WebSocket(url, [CONSOLE_PROTOCOL], {
      ...this.tls,
      handshakeTimeout: this.timeoutMs,
    });
    return await new Promise<WsSocket>((resolve, reject) => {
      socket.once("open", () => {
        socket.removeAllListeners("error");
        socket.removeAllListeners("unexpected-response");
        resolve(socket);
      });
      socket.once("unexpected-response", (_req, res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => text += chunk);
        res.on("end", () => reject(agentError(res.statusCode ?? 500, text)));
        res.on("error", () => reject(agentError(res.statusCode ?? 500, text)));
      });
      socket.once("error", (error) => {
        reject(unavailable(`Cannot reach the agent at ${url}: ${error.message}`));
      });
    });
  }
}

/** The agent answers Status bodies; pass them on, or wrap what it said. */
function agentError(code: number, body: string): StatusError {
  try {
    const parsed = JSON.parse(body);
    if (parsed?.kind === "Status" && typeof parsed.code === "number") {
      return new StatusError(parsed);
    }
  } catch {
    // Not a Status.
  }
  const error = internal(`the node agent answered ${code}: ${body.trim().slice(0, 300)}`);
  return code === 503 ? unavailable(error.message) : error;
}
