/** What WebSocket users share without loading the npm `ws` library (ws.ts), which weighs MiBs. */

/** The one subprotocol virtctl speaks on the serial console: raw bytes in binary messages. */
export const CONSOLE_PROTOCOL = "plain.kubevirt.io";

/** The subprotocol some noVNC builds offer for VNC: the same raw bytes in binary messages. */
export const BINARY_PROTOCOL = "binary";

/** A close code and reason safe to send: 1005/1006/1015 are reserved for "none received". */
export function sendableClose(code: number, reason: string): [number, string] {
  const valid = code === 1000 ||
    (code >= 1001 && code <= 1014 && ![1004, 1005, 1006].includes(code)) ||
    (code >= 3000 && code <= 4999);
  const bytes = new TextEncoder().encode(reason);
  const short = bytes.length <= 123 ? reason : new TextDecoder().decode(bytes.slice(0, 120));
  return [valid ? code : 1000, valid ? short : (short || "closed")];
}
