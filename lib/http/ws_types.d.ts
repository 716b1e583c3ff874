// The part of npm `ws` 8.x this project uses.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

export interface WsSocket {
  readonly readyState: number;
  readonly protocol: string;
  send(data: Uint8Array | string, options?: { binary?: boolean }, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  on(event: "message", listener: (data: Uint8Array, isBinary: boolean) => void): this;
  on(event: "close", listener: (code: number, reason: Uint8Array) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "open", listener: () => void): this;
  on(
    event: "unexpected-response",
    listener: (req: unknown, res: IncomingMessage) => void,
  ): this;
  once(event: "open", listener: () => void): this;
  once(event: "error", listener: (error: Error) => void): this;
  once(event: "close", listener: (code: number, reason: Uint8Array) => void): this;
  once(
    event: "unexpected-response",
    listener: (req: unknown, res: IncomingMessage) => void,
  ): this;
  removeAllListeners(event?: string): this;
}

export interface WsServer {
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    cb: (ws: WsSocket) => void,
  ): void;
  close(): void;
}

export interface WsClientOptions {
  ca?: string;
  cert?: string;
  key?: string;
  headers?: Record<string, string>;
  handshakeTimeout?: number;
  rejectUnauthorized?: boolean;
}

export interface WsModule {
  WebSocketServer: new (options: {
    noServer: true;
    handleProtocols?: (protocols: Set<string>, req: IncomingMessage) => string | false;
    maxPayload?: number;
  }) => WsServer;
  WebSocket: {
    new (url: string, protocols: string[], options?: WsClientOptions): WsSocket;
    readonly OPEN: number;
    readonly CLOSED: number;
  };
}
