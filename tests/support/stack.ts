/** What integration tests know of the stack `tests/run.ts` started for them. */
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { kubeconfigFor } from "../../stack/control_plane.ts";
import { type StackPaths, stackPaths } from "../../stack/paths.ts";
import { ensurePorts, type StackPorts } from "../../stack/ports.ts";

export interface TestStack {
  paths: StackPaths;
  ports: StackPorts;
  libvirtUri: string;
  /** The private libvirt as the roles are given it: its URI and whether KVM works. */
  libvirt: { uri: string; kvm: boolean };
  admin: KubeConfig;
}

/** The shared test stack; fails clearly when the test was not started by `deno task test`. */
export async function testStack(): Promise<TestStack> {
  const home = Deno.env.get("DENOVIRT_TEST_HOME");
  const libvirtUri = Deno.env.get("DENOVIRT_TEST_LIBVIRT_URI");
  if (!home || !libvirtUri) {
    throw new Error(
      "Integration tests need the stack that `deno task test` starts: run them through it",
    );
  }
  const paths = stackPaths(home);
  return {
    paths,
    ports: await ensurePorts(paths.portsFile),
    libvirtUri,
    libvirt: { uri: libvirtUri, kvm: await kvmOfStack(paths) },
    admin: clientNodeConfig(paths.kubeconfig),
  };
}

/**
 * A client-node KubeConfig: tests talk to the API server through the official JavaScript client,
 * an implementation independent of denovirt's own REST client.
 */
export function clientNodeConfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** The client-node KubeConfig of one of the stack's identities (e.g. "denovirt-agent"). */
export function identityConfig(stack: TestStack, identity: string): KubeConfig {
  return clientNodeConfig(kubeconfigFor(stack.paths, identity));
}

/** Run `fn` in a fresh namespace that is deleted afterwards, whatever happens. */
export async function withNamespace<T>(
  kc: KubeConfig,
  prefix: string,
  fn: (namespace: string) => Promise<T>,
): Promise<T> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  try {
    return await fn(name);
  } finally {
    await core.deleteNamespace({ name }).catch(() => {});
  }
}

/** Poll `probe` until it returns a value, or fail after `timeoutMs` saying what was awaited. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
  const why = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
  throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
}

/** Whether the stack's libvirtd runs KVM domains, as `startLibvirt` recorded it. */
async function kvmOfStack(paths: StackPaths): Promise<boolean> {
  const text = await Deno.readTextFile(`${paths.libvirt}/kvm`).catch(() => "0");
  return text.trim() === "1";
}
