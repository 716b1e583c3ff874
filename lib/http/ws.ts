/**
 * The npm `ws` WebSocket library, typed with the little used here (it ships no types). Used
 * instead of Deno's WebSocket because it runs on node:https servers (whose TLS verifies client
 * certificates, adr/0005) and because its client can present a client certificate.
 */
import { WebSocket as WsClient, WebSocketServer as WsServerClass } from "ws";
import type { WsModule } from "./ws_types.d.ts";

export const WebSocketServer = WsServerClass as unknown as WsModule["WebSocketServer"];
export const WebSocket = WsClient as unknown as WsModule["WebSocket"];
export type * from "./ws_types.d.ts";

export { BINARY_PROTOCOL, CONSOLE_PROTOCOL, sendableClose } from "./ws_common.ts";
