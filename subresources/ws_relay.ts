/**
 * Relaying WebSocket messages between a caller and a node agent: both ways, with backpressure (a
 * side is paused while its peer has too much unsent), the first close closing the other with its
 * code and reason, and, where asked, pings that end a relay whose peer stopped answering (as
 * virt-api keeps its port-forward callers alive).
 */
import { sendableClose, type WsSocket } from "../lib/http/ws.ts";

/** Bytes queued toward one side before the side sending them is paused. */
const HIGH_WATER = 1024 * 1024;

export interface KeepAlive {
  /** How often both sides are pinged. */
  intervalMs: number;
  /** A side that answered no ping for this long is gone: the relay ends. */
  deadMs: number;
}

/** `ws` sockets ping and report pongs; the project's typing of `ws` leaves that out. */
type Pinging = WsSocket & { ping(): void; on(event: "pong", listener: () => void): unknown };

/** Relay messages both ways until either side closes; `onEnd` runs once. */
export function relay(
  a: WsSocket,
  b: WsSocket,
  onEnd: (ended: { code: number; reason: string }) => void,
  keepAlive?: KeepAlive,
): void {
  let ended = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const end = (other: WsSocket, code: number, reason: string) => {
    if (ended) return;
    ended = true;
    if (timer !== undefined) clearInterval(timer);
    const [c, r] = sendableClose(code, reason);
    try {
      other.close(c, r);
    } catch {
      other.terminate();
    }
    // A peer that never answers the close must not hold the descriptors.
    Deno.unrefTimer(setTimeout(() => other.terminate(), 5_000));
    onEnd({ code, reason });
  };
  pipe(a, b);
  pipe(b, a);
  const decode = (reason: Uint8Array) => new TextDecoder().decode(reason);
  a.on("close", (code, reason) => end(b, code, decode(reason)));
  b.on("close", (code, reason) => end(a, code, decode(reason)));
  a.on("error", () => a.terminate());
  b.on("error", () => b.terminate());
  if (keepAlive) {
    const silent = "The other end of the connection stopped answering pings";
    timer = ping([a, b], keepAlive, (side) => end(side === a ? b : a, 1001, silent));
  }
}

/** Forward `from`'s messages to `to`, pausing `from` while `to` has too much unsent. */
function pipe(from: WsSocket, to: WsSocket): void {
  let queued = 0;
  let paused = false;
  from.on("message", (data, isBinary) => {
    queued += data.length;
    to.send(data, { binary: isBinary }, () => {
      queued -= data.length;
      if (paused && queued <= HIGH_WATER / 2) {
        paused = false;
        from.resume();
      }
    });
    if (!paused && queued > HIGH_WATER) {
      paused = true;
      from.pause();
    }
  });
}

/** Ping each side every interval; a side silent for `deadMs` is terminated and reported. */
function ping(
  sides: WsSocket[],
  keepAlive: KeepAlive,
  onDead: (side: WsSocket) => void,
): ReturnType<typeof setInterval> {
  const lastHeard = new Map<WsSocket, number>();
  for (const side of sides) {
    lastHeard.set(side, Date.now());
    const heard = () => lastHeard.set(side, Date.now());
    (side as Pinging).on("pong", heard);
    side.on("message", heard);
  }
  const timer = setInterval(() => {
    for (const side of sides) {
      if (Date.now() - lastHeard.get(side)! > keepAlive.deadMs) {
        side.terminate();
        onDead(side);
        return;
      }
      try {
        (side as Pinging).ping();
      } catch {
        // Closing already: its close event ends the relay.
      }
    }
  }, keepAlive.intervalMs);
  Deno.unrefTimer(timer);
  return timer;
}
