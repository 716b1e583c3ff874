/**
 * `denovirt console NAME`: the serial console of a VMI over the subresource API's WebSocket
 * (subprotocol plain.kubevirt.io), as virtctl console. With a terminal, the terminal goes raw
 * and Ctrl+] leaves; without one (scripts), stdin goes to the console and the console to stdout,
 * and the command ends once stdin ended and the console has been quiet for a moment.
 */
import type { LoadedKubeconfig } from "../lib/kube/config.ts";
import { CONSOLE_PROTOCOL, WebSocket, type WsSocket } from "../lib/http/ws.ts";
import {
  KUBE_FLAGS_USAGE,
  oneName,
  parseKubeArgs,
  runVerb,
  subresourcePath,
  UsageError,
  webSocketOptionsOf,
} from "./kube_command.ts";

const USAGE = `Usage: denovirt console NAME [--timeout=SECONDS] [flags]

Connect to the serial console of a VirtualMachineInstance. Press Ctrl+] to leave.
Without a terminal, stdin is sent to the console and its output printed until stdin ends.

  --timeout=SECONDS  wait this long for the VMI to be running (default 300)
  --quiet=MS         without a terminal: after stdin ends, leave once the console was quiet
                     this long (default 500)
${KUBE_FLAGS_USAGE}`;

/** Ctrl+] (group separator), virtctl's escape. */
export const ESCAPE = 0x1d;

/** Attach to one VMI's serial console. */
export function consoleCommand(args: string[]): Promise<number> {
  return runVerb(USAGE, async () => {
    const cli = parseKubeArgs(args, { timeout: { type: "string" }, quiet: { type: "string" } });
    if (cli.help) return (console.log(USAGE), 0);
    const name = oneName(cli.positionals, "VirtualMachineInstance");
    const timeoutS = Number(cli.values.timeout ?? 300);
    const quietMs = Number(cli.values.quiet ?? 500);
    if (!Number.isFinite(timeoutS) || timeoutS < 0 || !Number.isFinite(quietMs) || quietMs < 0) {
      throw new UsageError("--timeout and --quiet must be non-negative numbers");
    }
    const ws = await connectConsole(cli.kubeconfig(), cli.namespace(), name, timeoutS * 1000);
    return await attach(ws, name, quietMs);
  });
}

/** An error answer to the upgrade: its HTTP code and the Status message. */
class ConsoleRefused extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Open the console, retrying while the VMI is not running yet (400) or unreachable (503). */
export async function connectConsole(
  kc: LoadedKubeconfig,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<WsSocket> {
  const deadline = Date.now() + timeoutMs;
  const { server, options } = webSocketOptionsOf(kc);
  const url = server.replace(/^http/, "ws") +
    subresourcePath(namespace, "virtualmachineinstances", name, "console");
  for (let attempt = 0;; attempt++) {
    try {
      return await openOnce(url, options);
    } catch (error) {
      const retriable = error instanceof ConsoleRefused &&
        (error.code === 400 || error.code === 503);
      if (!retriable || Date.now() > deadline) throw error;
      if (attempt === 0) console.error(`Waiting for the console: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function openOnce(url: string, options: ReturnType<typeof webSocketOptionsOf>["options"]) {
  return new Promise<WsSocket>((resolve, reject) => {
    const ws = new WebSocket(url, [CONSOLE_PROTOCOL], { ...options, handshakeTimeout: 30_000 });
    ws.once("open", () => {
      ws.removeAllListeners("error");
      resolve(ws);
    });
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => text += chunk);
      res.on("end", () => {
        let message = text.trim() || `HTTP ${res.statusCode}`;
        try {
          message = JSON.parse(text).message ?? message;
        } catch {
          // Plain text.
        }
        ws.terminate();
        reject(new ConsoleRefused(res.statusCode ?? 500, message));
      });
    });
    ws.once("error", (error) => reject(error));
  });
}

/** Bridge the terminal (or stdin/stdout) and the console until either side ends. */
async function attach(ws: WsSocket, name: string, quietMs: number): Promise<number> {
  const tty = Deno.stdin.isTerminal();
  const { promise: closed, resolve: onClosed } = Promise.withResolvers<number>();
  let lastOutput = Date.now();
  ws.on("message", (data) => {
    lastOutput = Date.now();
    Deno.stdout.writeSync(data);
  });
  ws.on("close", (code, reason) => {
    const why = new TextDecoder().decode(reason);
    if (code !== 1000 && code !== 1005) {
      console.error(
        `\r\nYou were disconnected from the console${why ? `: ${why}` : ` (code ${code})`}`,
      );
      onClosed(1);
    } else {
      if (why) console.error(`\r\n${why}`);
      onClosed(0);
    }
  });
  ws.on("error", () => {});
  if (tty) {
    Deno.stdin.setRaw(true);
    console.error(`Successfully connected to ${name} console. Press Ctrl+] to exit console.\r`);
  }
  const reader = Deno.stdin.readable.getReader();
  const pump = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return "eof";
      const escape = tty ? value.indexOf(ESCAPE) : -1;
      if (escape >= 0) {
        if (escape > 0) ws.send(value.subarray(0, escape), { binary: true });
        return "escape";
      }
      ws.send(value, { binary: true });
    }
  })();
  pump.catch(() => {});
  try {
    const first = await Promise.race([closed, pump]);
    if (typeof first === "number") return first;
    if (first === "eof") {
      // A script's last command may still be answering: leave once the console is quiet.
      const giveUp = Date.now() + Math.max(5_000, quietMs * 10);
      while (Date.now() - lastOutput < quietMs && Date.now() < giveUp) {
        const wait = new Promise((resolve) => setTimeout(resolve, 50));
        if (typeof (await Promise.race([closed, wait])) === "number") break;
      }
    }
    ws.close(1000, "");
    if (tty) console.error("\r");
    return 0;
  } finally {
    if (tty) Deno.stdin.setRaw(false);
    reader.releaseLock();
    ws.terminate();
  }
}
