/**
 * The relays of port-forward: a TCP connection or a connected UDP socket to the VM on one side, the
 * subresource API's WebSocket on the other, raw bytes in binary messages. Every way out closes both
 * sides once and reports how it ended.
 */
import type { Socket } from "node:net";
import type { Socket as UdpSocket } from "node:dgram";
import type { WsSocket } from "../../lib/http/ws.ts";
import { sendableClose } from "../../lib/http/ws_common.ts";
import { goErrorText, type Target } from "./port_forward.ts";

/** How a tunnel ended, for the log. */
export interface TunnelEnd {
  code: number;
  reason: string;
  bytesToVm: number;
  bytesFromVm: number;
}

/** Bytes queued toward the WebSocket before the VM's socket is paused. */
const HIGH_WATER = 1024 * 1024;

/** Close `ws` once with a sendable code and reason, and make sure it goes. */
function closeOnce() {
  let closed = false;
  return (ws: WsSocket, code: number, reason: string): boolean => {
    if (closed) return false;
    closed = true;
    const [c, r] = sendableClose(code, reason);
    try {
      ws.close(c, r);
    } catch {
      ws.terminate();
    }
    // A caller that never answers the close must not keep its descriptor.
    Deno.unrefTimer(setTimeout(() => ws.terminate(), 5_000));
    return true;
  };
}

/**
 * Relay a TCP connection and a WebSocket: the VM's bytes as binary messages (the socket paused
 * while the WebSocket has too much unsent), binary messages as bytes to the VM (text messages
 * carry nothing on plain.kubevirt.io and are skipped, as virtctl's reader skips them).
 */
export function relayTcp(
  ws: WsSocket,
  socket: Socket,
  target: Target,
  onEnd: (end: TunnelEnd) => void,
) {
  const stats = { bytesToVm: 0, bytesFromVm: 0 };
  const close = closeOnce();
  const end = (code: number, reason: string) => {
    if (close(ws, code, reason)) onEnd({ code, reason, ...stats });
  };
  let queued = 0;
  let paused = false;
  socket.on("data", (chunk: Uint8Array) => {
    stats.bytesFromVm += chunk.length;
    queued += chunk.length;
    ws.send(chunk, { binary: true }, () => {
      queued -= chunk.length;
      if (paused && queued <= HIGH_WATER / 2) {
        paused = false;
        socket.resume();
      }
    });
    if (!paused && queued > HIGH_WATER) {
      paused = true;
      socket.pause();
    }
  });
  socket.on("end", () => end(1000, ""));
  socket.on("error", (error) => {
    end(1011, `Connection to the VM failed: ${goErrorText("read", target, error)}`);
  });
  socket.on("close", () => end(1000, ""));
  socket.on("drain", () => ws.resume());
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    stats.bytesToVm += data.length;
    if (!socket.write(data)) ws.pause();
  });
  ws.on("close", (code) => {
    // Let what the caller sent reach the VM, then close; a VM that never closes is cut off.
    socket.end();
    Deno.unrefTimer(setTimeout(() => socket.destroy(), 5_000));
    if (close(ws, code, "")) onEnd({ code, reason: "", ...stats });
  });
  ws.on("error", () => ws.terminate());
}

/** Relay a connected UDP socket and a WebSocket: one datagram per binary message each way. */
export function relayUdp(
  ws: WsSocket,
  socket: UdpSocket,
  target: Target,
  onEnd: (end: TunnelEnd) => void,
) {
  const stats = { bytesToVm: 0, bytesFromVm: 0 };
  const close = closeOnce();
  let open = true;
  const end = (code: number, reason: string) => {
    if (open) {
      open = false;
      socket.close();
    }
    if (close(ws, code, reason)) onEnd({ code, reason, ...stats });
  };
  const failed = (error: unknown) =>
    end(1011, `Connection to the VM failed: ${goErrorText("write", target, error)}`);
  socket.on("message", (datagram: Uint8Array) => {
    stats.bytesFromVm += datagram.length;
    ws.send(datagram, { binary: true });
  });
  // A port nobody listens on answers ICMP "port unreachable": the next datagram fails with it.
  socket.on("error", failed);
  ws.on("message", (data, isBinary) => {
    if (!isBinary || !open) return;
    stats.bytesToVm += data.length;
    socket.send(data, (error) => error && failed(error));
  });
  ws.on("close", (code) => end(code, ""));
  ws.on("error", () => ws.terminate());
}
