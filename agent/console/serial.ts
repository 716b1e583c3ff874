/**
 * Serial console (and VNC) sessions on the node: a viewer's WebSocket bridged to the unix socket
 * QEMU listens on. QEMU's chardev server takes one client at a time, so there is one viewer per
 * VMI, and as in KubeVirt's virt-handler the newest viewer wins: the previous one is told why and
 * closed. Every path out of a session closes both the socket and the WebSocket.
 */
import { createConnection, type Socket } from "node:net";
import type { WsSocket } from "../../lib/http/ws.ts";
import { sendableClose } from "../../lib/http/ws_common.ts";

/** Close code and reason of a viewer displaced by a newer one (virtctl prints the reason). */
export const DISPLACED_CODE = 1001;
export const displacedReason = (key: string, what = "console") =>
  `Another user connected to the ${what} of VMI ${key}`;

interface Session {
  ws: WsSocket;
  socket: Socket;
  close(code: number, reason: string): void;
}

export class SerialConsoles {
  readonly #sessions = new Map<string, Session>();

  /** `what` names the device in the reasons viewers are given: `console`, `VNC`. */
  constructor(private readonly what = "console") {}

  /** Whether a viewer of `key` is attached now. */
  has(key: string): boolean {
    return this.#sessions.has(key);
  }

  /** How many viewers are attached now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Connect to the serial socket; rejects (ENOENT, ECONNREFUSED) before any viewer is touched. */
  connect(path: string, key: string): Promise<Socket> {
    // Displace first: QEMU accepts the next client only once the current one is gone.
    this.#sessions.get(key)?.close(DISPLACED_CODE, displacedReason(key, this.what));
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path });
      socket.once("connect", () => {
        socket.removeAllListeners("error");
        resolve(socket);
      });
      socket.once("error", (error) => {
        socket.destroy();
        reject(error);
      });
    });
  }

  /** Bridge `ws` and `socket` as the session of `key` until either side ends. */
  attach(key: string, ws: WsSocket, socket: Socket, onEnd?: () => void): void {
    this.#sessions.get(key)?.close(DISPLACED_CODE, displacedReason(key, this.what));
    let open = true;
    const session: Session = {
      ws,
      socket,
      close: (code, reason) => {
        if (!open) return;
        open = false;
        if (this.#sessions.get(key) === session) this.#sessions.delete(key);
        socket.destroy();
        const [c, r] = sendableClose(code, reason);
        try {
          ws.close(c, r);
        } catch {
          ws.terminate();
        }
        // A viewer that never answers the close must not keep its descriptor.
        const timer = setTimeout(() => ws.terminate(), 5_000);
        Deno.unrefTimer(timer);
        onEnd?.();
      },
    };
    this.#sessions.set(key, session);
    socket.on("data", (chunk: Uint8Array) => ws.send(chunk, { binary: true }));
    const device = this.what === "console" ? "serial console" : this.what;
    socket.on("close", () => session.close(1000, `The ${device} closed: the VM stopped`));
    socket.on("error", () => session.close(1011, `The ${device} failed`));
    ws.on("message", (data) => {
      if (open) socket.write(data);
    });
    ws.on("close", () => session.close(1000, ""));
    ws.on("error", () => session.close(1011, ""));
  }

  /** Close every session (agent shutdown). */
  closeAll(): void {
    for (const session of [...this.#sessions.values()]) {
      session.close(1001, "The node agent is shutting down");
    }
  }
}
