/** Waiting for components to become ready, with a deadline and the log tail when they do not. */

export interface HttpsClientFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

/** A fetch client that trusts the stack's CA and, when given, presents a client certificate. */
export async function httpsClient(files: HttpsClientFiles): Promise<Deno.HttpClient> {
  const caCerts = [await Deno.readTextFile(files.caFile)];
  if (files.certFile && files.keyFile) {
    return Deno.createHttpClient({
      caCerts,
      cert: await Deno.readTextFile(files.certFile),
      key: await Deno.readTextFile(files.keyFile),
    });
  }
  return Deno.createHttpClient({ caCerts });
}

/** GET a URL; true when it answers 200 with the expected body (if any). */
export async function answersOk(
  url: string,
  client?: Deno.HttpClient,
  expectBody?: (body: string) => boolean,
): Promise<boolean> {
  try {
    const response = await fetch(url, { client, signal: AbortSignal.timeout(5_000) });
    const body = await response.text();
    return response.ok && (expectBody ? expectBody(body) : true);
  } catch {
    return false;
  }
}

/**
 * Poll `check` until it is true. Fails after `timeoutMs` with `what` and the last lines of
 * `logFile`, or at once when `stillAlive` says the process has died.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: {
    what: string;
    timeoutMs: number;
    logFile?: string;
    stillAlive?: () => Promise<boolean>;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = 50;
  while (!(await check())) {
    const died = options.stillAlive && !(await options.stillAlive());
    if (died || Date.now() > deadline) {
      const why = died ? "it exited" : `not ready after ${options.timeoutMs / 1000} s`;
      throw new Error(
        `${options.what} did not become ready: ${why}${await logTail(options.logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
}

async function logTail(file: string | undefined): Promise<string> {
  if (!file) return "";
  try {
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n").slice(-15);
    return `\nlast lines of ${file}:\n${lines.join("\n")}`;
  } catch {
    return "";
  }
}
