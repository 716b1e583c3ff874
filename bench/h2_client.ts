/**
 * A small HTTP/2 client on `node:http2`: one TLS connection, requests multiplexed on it, as
 * kube-apiserver calls webhooks (client-go enables HTTP/2). Deno's `fetch` is not used here: its
 * requests to a `Deno.serve` server stall ~40 ms on delayed ACKs, which would measure the client.
 */
import http2 from "node:http2";

export interface H2Answer {
  status: number;
  body: string;
}

/** POSTs over one HTTP/2 session to `origin` (https), trusting `ca`. */
export class H2Client {
  #session: http2.ClientHttp2Session;

  constructor(origin: string, ca: string) {
    this.#session = http2.connect(origin, { ca });
    // Errors surface on the requests; an unhandled 'error' event would end the process.
    this.#session.on("error", () => {});
  }

  /** POSTs `body` as JSON to `path`; resolves with the status and the whole answer. */
  post(path: string, body: string): Promise<H2Answer> {
    return new Promise((resolve, reject) => {
      const request = this.#session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/json",
      });
      let status = 0;
      const chunks: string[] = [];
      request.setEncoding("utf8");
      request.on("response", (headers) => (status = Number(headers[":status"] ?? 0)));
      request.on("data", (chunk: string) => chunks.push(chunk));
      request.on("end", () => resolve({ status, body: chunks.join("") }));
      request.on("error", reject);
      request.end(body);
    });
  }

  /** Closes the session. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#session.close(() => resolve()));
  }
}
