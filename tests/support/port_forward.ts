/**
 * Helpers of the port-forward tests (this file holds no tests): virtctl as a long-running process
 * whose output is watched, stand-ins for the guest's servers on loopback, and a kubeconfig of a
 * ServiceAccount for RBAC checks.
 */
import { createServer } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { clientNodeConfig, eventually, type TestStack } from "./stack.ts";

/** A loopback port nobody listens on (bound, then released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** An HTTP server on loopback standing in for the guest's. */
export function guestHttp(answer = "hello from the guest") {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(answer),
  );
  return { port: server.addr.port, close: () => server.shutdown() };
}

/** A running virtctl whose output is collected. */
export interface Virtctl {
  output(): string;
  /** Waits until the output matches `pattern`; answers the output. */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
  stdin?: WritableStreamDefaultWriter<Uint8Array>;
  /** Bytes on stdout so far (with `--stdio`, the tunnel's). */
  stdout(): string;
  /** Resolves when virtctl exits by itself. */
  exited: Promise<Deno.CommandStatus>;
  stop(): Promise<void>;
}

/** Start `virtctl args` with `KUBECONFIG=kubeconfig`; stdin is piped with `--stdio`. */
export function spawnVirtctl(binary: string, args: string[], kubeconfig: string): Virtctl {
  const stdio = args.some((arg) => arg.startsWith("--stdio"));
  const child = new Deno.Command(binary, {
    args,
    env: { KUBECONFIG: kubeconfig },
    stdin: stdio ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  const pump = async (stream: ReadableStream<Uint8Array>, add: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const pumped = Promise.all([
    pump(child.stdout, (t) => stdout += t),
    pump(child.stderr, (t) => stderr += t),
  ]);
  const output = () => stdout + stderr;
  const stdin = stdio ? child.stdin.getWriter() : undefined;
  return {
    output,
    stdout: () => stdout,
    exited: child.status,
    ...(stdin ? { stdin } : {}),
    waitFor: (pattern, what, timeoutMs = 30_000) =>
      eventually(
        `virtctl to print ${what}`,
        () => Promise.resolve(pattern.test(output()) ? output() : undefined),
        timeoutMs,
      ).catch((error) => {
        throw new Error(`${error.message}; virtctl printed: ${output()}`);
      }),
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await stdin?.close().catch(() => {});
      await pumped;
    },
  };
}

/** `virtctl port-forward` of `local` to `target` (`[udp/]local:port`), ready to accept. */
export async function portForward(
  binary: string,
  kubeconfig: string,
  namespace: string,
  target: string,
  ports: string,
): Promise<Virtctl> {
  const virtctl = spawnVirtctl(
    binary,
    ["-n", namespace, "port-forward", target, ports],
    kubeconfig,
  );
  await virtctl.waitFor(/forwarding (tcp|udp) 127\.0\.0\.1:\d+ to \d+/, "that it forwards");
  return virtctl;
}

/** GET / through the forwarded local port. */
export async function getThrough(port: number): Promise<string> {
  // A tunnel virtctl could not open leaves the connection hanging: give up on it soon.
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    headers: { connection: "close" },
    signal: AbortSignal.timeout(10_000),
  });
  return await response.text();
}

/** A connection to virtctl's local port: virtctl opens the tunnel when one is accepted. */
export async function touch(port: number): Promise<void> {
  const conn = await eventually(`virtctl to listen on ${port}`, async () => {
    try {
      return await Deno.connect({ hostname: "127.0.0.1", port });
    } catch {
      return undefined;
    }
  });
  conn.close();
}

/**
 * A stand-in for the guest's sshd: sends its banner, keeps what the client sends until the
 * client's banner line, then hangs up (no key exchange: the test only needs to see ssh arrive).
 */
export async function sshBanner() {
  let received = "";
  const heard = Promise.withResolvers<string>();
  const server = createServer((socket) => {
    socket.write("SSH-2.0-denovirt-test\r\n");
    socket.on("data", (chunk: Uint8Array) => {
      received += new TextDecoder().decode(chunk);
      if (received.includes("\n")) {
        heard.resolve(received);
        socket.end();
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    heard: heard.promise,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A kubeconfig file for `account` of `namespace` (a token), on the admin's cluster. */
export async function serviceAccountKubeconfig(
  stack: TestStack,
  namespace: string,
  account: string,
): Promise<string> {
  const core = stack.admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account } } });
  const token = await core.createNamespacedServiceAccountToken({
    namespace,
    name: account,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const admin = clientNodeConfig(stack.paths.kubeconfig);
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: account, token: token.status!.token }],
    contexts: [{ name: account, cluster: cluster.name, user: account, namespace }],
    currentContext: account,
  });
  const file = await Deno.makeTempFile({ prefix: "portforward-kubeconfig-" });
  await Deno.writeTextFile(file, kc.exportConfig());
  return file;
}
