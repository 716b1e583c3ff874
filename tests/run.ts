/**
 * `deno task test`: installs what the suite needs, runs the unit tests, starts one local stack in
 * a temporary home for the integration tests, runs them, and always tears the stack down.
 * Ends with the line `N passed, N failed`.
 */
import { bundleCheckout } from "../stack/bundle.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { down } from "../stack/down.ts";
import { ensureKubeBinaries } from "../stack/kube_binaries.ts";
import { ensureDebianPackages, STACK_PACKAGES, TEST_PACKAGES } from "../stack/packages.ts";
import { up } from "../stack/up.ts";
import { countsOf, type TestCounts } from "./support/counts.ts";
import { ensureVirtctl } from "./support/virtctl_build.ts";

const say = (line: string) => console.log(`[test] ${line}`);
const filter = Deno.args;

async function denoTest(args: string[], env: Record<string, string> = {}): Promise<TestCounts> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", ...args],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let output = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    output += chunk;
    await Deno.stdout.write(new TextEncoder().encode(chunk));
  }
  const status = await child.status;
  const counts = countsOf(output);
  // A runner that died before its summary counts as one failure, never as a pass.
  if (!status.success && counts.failed === 0) counts.failed = 1;
  return counts;
}

/** Every `*_test.ts` under tests/, sorted. */
async function integrationTestFiles(): Promise<string[]> {
  const root = new URL(".", import.meta.url).pathname;
  const found: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith("_test.ts")) found.push(path.replace(root, "tests/"));
    }
  };
  await walk(root.replace(/\/$/, ""));
  return found.sort();
}

/** Files that run on a stack made for the cluster install (`up --for-cluster-install`). */
const CLUSTER_INSTALL_FILES = ["tests/cluster_on_kubelet_node_test.ts"];

/**
 * Starts a local stack in a temporary home, runs the integration `files` against it (one process
 * each: a file that crashes its process costs only its own tests) and always tears it down.
 */
async function runOnStack(
  files: string[],
  options: { forClusterInstall?: boolean; kubeletNodes?: number },
): Promise<TestCounts> {
  const counts: TestCounts = { passed: 0, failed: 0 };
  const home = await Deno.makeTempDir({ prefix: "denovirt-test-" });
  const teardown = async () => {
    say(`Tearing down the test stack in ${home}`);
    await down({ home, purge: true, say });
  };
  const onSignal = () => {
    teardown().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    say(`Starting the test stack in ${home}${options.forClusterInstall ? " for the install" : ""}`);
    const stackStarted = Date.now();
    // ConfigMaps are watched straight from etcd, so a test can compact etcd and get a certain
    // 410 Gone; the watch cache would otherwise replay a young cluster's whole history.
    Deno.env.set("DENOVIRT_APISERVER_ARGS", "--watch-cache-sizes=configmaps#0");
    // DENOVIRT_TEST_POD_NETWORK=if-free runs files that need no pod network while another stack
    // holds it; the default insists on it.
    const podNetwork = Deno.env.get("DENOVIRT_TEST_POD_NETWORK") === "if-free"
      ? "if-free"
      : "required";
    const stack = await up({ home, say, podNetwork, ...options });
    say(`Test stack up in ${((Date.now() - stackStarted) / 1000).toFixed(1)} s`);
    say("Integration tests");
    const env = {
      DENOVIRT_TEST_HOME: home,
      DENOVIRT_TEST_LIBVIRT_URI: stack.libvirtUri,
      DENOVIRT_LIBVIRT_URI: stack.libvirtUri,
      ...(options.forClusterInstall ? { DENOVIRT_TEST_FOR_CLUSTER_INSTALL: "1" } : {}),
    };
    for (const file of files) {
      const c = await denoTest(["--no-check", file, ...filter], env);
      counts.passed += c.passed;
      counts.failed += c.failed;
    }
  } catch (error) {
    console.error(
      `[test] The integration run failed: ${error instanceof Error ? error.message : error}`,
    );
    counts.failed += 1;
  } finally {
    await teardown();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
  return counts;
}

async function main(): Promise<number> {
  const started = Date.now();
  await ensureDebianPackages([...STACK_PACKAGES, ...TEST_PACKAGES], say);
  await ensureKubeBinaries(say);
  const fixture = await ensureGuestFixture({ onProgress: say });
  say(`Guest fixture: ${fixture.dir}`);
  say(`virtctl: ${await ensureVirtctl(say)}`);

  const total: TestCounts = { passed: 0, failed: 0 };
  const add = (c: TestCounts) => {
    total.passed += c.passed;
    total.failed += c.failed;
  };

  say("Unit tests");
  add(await denoTest(["--ignore=tests/,node_modules/,dist/", ...filter]));

  // The roles run from the bundle, the artifact that ships, not from the source tree.
  Deno.env.set("DENOVIRT_ENTRY", await bundleCheckout());
  say(`Roles run from ${Deno.env.get("DENOVIRT_ENTRY")}`);

  // DENOVIRT_TEST_FILES=tests/a_test.ts,tests/b_test.ts runs only those integration files.
  const only = Deno.env.get("DENOVIRT_TEST_FILES")?.split(",").filter(Boolean);
  const files = only ?? await integrationTestFiles();
  const checked = await new Deno.Command(Deno.execPath(), { args: ["check", ...files] }).output();
  if (!checked.success) {
    await Deno.stderr.write(checked.stderr);
    total.failed += 1;
  }
  const onStandardStack = files.filter((f) => !CLUSTER_INSTALL_FILES.includes(f));
  const onInstallStack = files.filter((f) => CLUSTER_INSTALL_FILES.includes(f));
  if (onStandardStack.length > 0) add(await runOnStack(onStandardStack, {}));
  // The cluster install takes the place of the stack's own roles: a stack of its own, after the
  // first is gone, with a kubelet node for the install's pods.
  if (onInstallStack.length > 0) {
    add(await runOnStack(onInstallStack, { forClusterInstall: true, kubeletNodes: 1 }));
  }
  say(`Took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  return total.failed === 0 && total.passed > 0 ? 0 : 1;
}

Deno.exit(await main());
