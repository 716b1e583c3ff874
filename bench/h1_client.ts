/**
 * A small HTTP/1.1 client on `node:https` with kept-alive connections, as kube-apiserver calls
 * webhooks: client-go's transport keeps up to 25 idle connections per host and opens another when
 * all are busy; it speaks HTTP/1.1 to every webhook but those at a loopback URL, and the webhooks
 * offer HTTP/1.1 only (adr/0016).
 */
import { Agent, request } from "node:https";

export interface H1Answer {
  status: number;
  body: string;
}

/** POSTs to `origin` (https) over kept-alive HTTP/1.1 connections, trusting `ca`. */
export class H1Client {
  #agent: Agent;
  #origin: string;

  constructor(origin: string, ca: string) {
    this.#origin = origin;
    this.#agent = new Agent({ keepAlive: true, maxFreeSockets: 25, ca });
  }

  /** POSTs `body` as JSON to `path`; resolves with the status and the whole answer. */
  post(path: string, body: string): Promise<H1Answer> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.#origin), {
        method: "POST",
        agent: this.#agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      }, (res) => {
        const chunks: string[] = [];
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: chunks.join("") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Closes the connections. */
  close(): Promise<void> {
    this.#agent.destroy();
    return Promise.resolve();
  }
}
