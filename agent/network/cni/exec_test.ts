/** The plugin chain over fake plugins: order, prevResult, env, capabilities, cache, errors. */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CniNetwork } from "./config.ts";
import { CniError } from "./errors.ts";
import {
  addNetwork,
  cachedResult,
  checkNetwork,
  type CniExecOptions,
  type CniRuntime,
  delNetwork,
} from "./exec.ts";
import { parseResult } from "./result.ts";
import { type FakePlugins, withFakePlugins } from "./test_plugins.ts";

const runtime: CniRuntime = {
  containerId: "6f1b2c3d-0000-4000-8000-000000000001",
  netns: "/run/netns/dv-6f1b2c3d-0000-4000-8000-000000000001",
  ifName: "eth0",
  podNamespace: "default",
  podName: "virt-launcher-demo-x7k2p",
  podUid: "6f1b2c3d-0000-4000-8000-000000000001",
};
const POD = "default/virt-launcher-demo-x7k2p";

/** What the first plugin (an interface plugin) answers to ADD. */
const FIRST = {
  cniVersion: "1.0.0",
  interfaces: [
    { name: "dv0", mac: "0a:00:00:00:00:01" },
    { name: "eth0", mac: "0a:00:00:00:00:02", sandbox: runtime.netns },
  ],
  ips: [{ address: "10.244.0.5/24", gateway: "10.244.0.1", interface: 1 }],
  routes: [{ dst: "0.0.0.0/0" }],
  dns: {},
};
/** What the second (chained) plugin answers: the first's result, changed. */
const SECOND = { ...FIRST, dns: { nameservers: ["10.96.0.10"] } };

function network(version = "1.0.0", extra: Partial<CniNetwork> = {}): CniNetwork {
  return {
    name: "denovirt",
    cniVersion: version,
    file: "/etc/cni/net.d/10-denovirt.conflist",
    plugins: [
      { type: "first", bridge: "dv0", ipam: { type: "host-local" } },
      { type: "second", capabilities: { portMappings: true, bandwidth: true }, extra: 1 },
    ],
    ...extra,
  };
}

const optsOf = (fakes: FakePlugins): CniExecOptions => ({
  binDirs: [fakes.bin, fakes.otherBin],
  cacheDir: fakes.cache,
});
const cacheFileOf = (fakes: FakePlugins, ifName = "eth0") =>
  join(fakes.cache, `denovirt-${runtime.containerId}-${ifName}.json`);

/** Two fake plugins `first` and `second` answering ADD with FIRST and SECOND. */
function withChain(fn: (fakes: FakePlugins) => Promise<void>) {
  return withFakePlugins(async (fakes) => {
    await fakes.add("first");
    await fakes.add("second");
    await fakes.answer("first", "ADD", { stdout: FIRST });
    await fakes.answer("second", "ADD", { stdout: SECOND });
    await fn(fakes);
  });
}

const exists = (file: string) => Deno.stat(file).then(() => true, () => false);

Deno.test("addNetwork() runs the plugins in order, each given the previous result", () =>
  withChain(async (fakes) => {
    const result = await addNetwork(network(), runtime, optsOf(fakes));
    assert.deepEqual(await fakes.calls(), ["first ADD", "second ADD"]);
    assert.deepEqual(await fakes.stdin("first", "ADD"), {
      type: "first",
      bridge: "dv0",
      ipam: { type: "host-local" },
      name: "denovirt",
      cniVersion: "1.0.0",
    });
    const second = await fakes.stdin("second", "ADD");
    assert.deepEqual(second.prevResult, FIRST);
    assert.equal(second.name, "denovirt");
    assert.equal(second.extra, 1);
    assert.equal("capabilities" in second, false);
    assert.deepEqual(result, parseResult(SECOND));
    assert.deepEqual(await cachedResult(network(), runtime, optsOf(fakes)), parseResult(SECOND));
  }));

Deno.test("addNetwork() passes the attachment in CNI_* variables", () =>
  withChain(async (fakes) => {
    await addNetwork(network(), runtime, optsOf(fakes));
    for (const plugin of ["first", "second"]) {
      assert.deepEqual(await fakes.env(plugin, "ADD"), {
        CNI_COMMAND: "ADD",
        CNI_CONTAINERID: runtime.containerId,
        CNI_NETNS: runtime.netns,
        CNI_IFNAME: "eth0",
        CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;" +
          `K8S_POD_NAME=virt-launcher-demo-x7k2p;K8S_POD_INFRA_CONTAINER_ID=${runtime.containerId};` +
          `K8S_POD_UID=${runtime.podUid}`,
        CNI_PATH: `${fakes.bin}:${fakes.otherBin}`,
      });
    }
  }));

Deno.test("addNetwork() gives port mappings only to plugins declaring the capability", () =>
  withChain(async (fakes) => {
    const portMappings = [{ hostPort: 8080, containerPort: 80, protocol: "tcp" as const }];
    await addNetwork(network(), { ...runtime, capabilityArgs: { portMappings } }, optsOf(fakes));
    assert.deepEqual((await fakes.stdin("second", "ADD")).runtimeConfig, { portMappings });
    assert.equal("runtimeConfig" in await fakes.stdin("first", "ADD"), false);
    await delNetwork(network(), runtime, optsOf(fakes));
    // A DEL without capability arguments at hand uses those of the ADD.
    assert.deepEqual((await fakes.stdin("second", "DEL")).runtimeConfig, { portMappings });
    await addNetwork(network(), runtime, optsOf(fakes));
    assert.equal("runtimeConfig" in await fakes.stdin("second", "ADD"), false);
  }));

Deno.test("delNetwork() runs the plugins in reverse with the cached result, then forgets it", () =>
  withChain(async (fakes) => {
    await addNetwork(network(), runtime, optsOf(fakes));
    assert.ok(await exists(cacheFileOf(fakes)));
    await fakes.reset();
    await delNetwork(network(), runtime, optsOf(fakes));
    assert.deepEqual(await fakes.calls(), ["second DEL", "first DEL"]);
    assert.deepEqual((await fakes.stdin("first", "DEL")).prevResult, SECOND);
    assert.deepEqual((await fakes.stdin("second", "DEL")).prevResult, SECOND);
    assert.equal((await fakes.env("first", "DEL")).CNI_COMMAND, "DEL");
    assert.equal(await exists(cacheFileOf(fakes)), false);
    assert.equal(await cachedResult(network(), runtime, optsOf(fakes)), undefined);
    // Again, and for a pod never added: no prevResult, and success.
    await delNetwork(network(), runtime, optsOf(fakes));
    assert.equal("prevResult" in await fakes.stdin("first", "DEL"), false);
    await delNetwork(
      network(),
      { ...runtime, containerId: "never-added", netns: "" },
      optsOf(fakes),
    );
    assert.equal((await fakes.env("first", "DEL")).CNI_NETNS, "");
  }));

Deno.test("delNetwork() passes no prevResult before spec 0.4.0, as libcni", () =>
  withChain(async (fakes) => {
    await addNetwork(network("0.3.1"), runtime, optsOf(fakes));
    await delNetwork(network("0.3.1"), runtime, optsOf(fakes));
    assert.equal("prevResult" in await fakes.stdin("first", "DEL"), false);
    assert.equal((await fakes.stdin("first", "DEL")).cniVersion, "0.3.1");
  }));

Deno.test("delNetwork() takes 'container unknown' (code 3) as done and halts at other errors", () =>
  withChain(async (fakes) => {
    await addNetwork(network(), runtime, optsOf(fakes));
    const unknown = { cniVersion: "1.0.0", code: 3, msg: "Container unknown" };
    await fakes.answer("second", "DEL", { stdout: unknown, exit: 1 });
    await delNetwork(network(), runtime, optsOf(fakes));
    assert.equal(await exists(cacheFileOf(fakes)), false);

    await addNetwork(network(), runtime, optsOf(fakes));
    await fakes.reset();
    const failure = { cniVersion: "1.0.0", code: 11, msg: "Try again later", details: "lock" };
    await fakes.answer("second", "DEL", { stdout: failure, exit: 1 });
    await assert.rejects(delNetwork(network(), runtime, optsOf(fakes)), (error: unknown) => {
      assert.ok(error instanceof CniError);
      assert.equal(error.code, 11);
      assert.equal(
        error.message,
        `CNI plugin second failed to delete eth0 of pod ${POD}: Try again later (lock)`,
      );
      return true;
    });
    assert.deepEqual(await fakes.calls(), ["second DEL"]);
    assert.ok(await exists(cacheFileOf(fakes)), "the result stays for the next DEL");
  }));

Deno.test("checkNetwork() runs the plugins in order with the cached result", () =>
  withChain(async (fakes) => {
    await assert.rejects(checkNetwork(network(), runtime, optsOf(fakes)), /eth0 was never added/);
    await addNetwork(network(), runtime, optsOf(fakes));
    await fakes.reset();
    await checkNetwork(network(), runtime, optsOf(fakes));
    assert.deepEqual(await fakes.calls(), ["first CHECK", "second CHECK"]);
    assert.deepEqual((await fakes.stdin("first", "CHECK")).prevResult, SECOND);
    await fakes.answer("first", "CHECK", {
      stdout: { code: 100, msg: "eth0 has no address 10.244.0.5/24" },
      exit: 1,
    });
    await assert.rejects(
      checkNetwork(network(), runtime, optsOf(fakes)),
      new RegExp(`^CniError: CNI plugin first failed to check eth0 of pod ${POD}: eth0 has no`),
    );
    await fakes.reset();
    await checkNetwork(network("1.0.0", { disableCheck: true }), runtime, optsOf(fakes));
    assert.deepEqual(await fakes.calls(), []);
    await assert.rejects(
      checkNetwork(network("0.3.1"), runtime, optsOf(fakes)),
      /cniVersion 0\.3\.1 has no CHECK/,
    );
  }));

Deno.test("addNetwork() turns a plugin's failure into a CniError and stops the chain", async () => {
  const cases: {
    name: string;
    answer: { stdout?: unknown; stderr?: string; exit?: number };
    code: number | undefined;
    message: string;
  }[] = [
    {
      name: "an error result",
      answer: {
        stdout: {
          cniVersion: "1.0.0",
          code: 7,
          msg: "Invalid Configuration",
          details: "Network 192.168.0.0/31 too small to allocate from.",
        },
        exit: 1,
      },
      code: 7,
      message: "Invalid Configuration (Network 192.168.0.0/31 too small to allocate from.)",
    },
    {
      name: "a crash with stderr only",
      answer: { stderr: "panic: boom\ngoroutine 1 [running]:", exit: 2 },
      code: undefined,
      message: "panic: boom goroutine 1 [running]: (exit status 2)",
    },
    { name: "silence", answer: { exit: 1 }, code: undefined, message: "exit status 1" },
    {
      name: "output that is not a result",
      answer: { stdout: "not json" },
      code: undefined,
      message: "invalid result: Unexpected token",
    },
    {
      name: "no output",
      answer: { stdout: "" },
      code: undefined,
      message: "invalid result: no result on stdout",
    },
    {
      name: "a result that breaks the spec",
      answer: { stdout: { cniVersion: "1.0.0", ips: [{ address: "10.244.0.5" }] } },
      code: undefined,
      message: "invalid result: ips[0].address must be an address in CIDR notation",
    },
  ];
  for (const c of cases) {
    await withFakePlugins(async (fakes) => {
      await fakes.add("first");
      await fakes.add("second");
      await fakes.answer("first", "ADD", c.answer);
      await assert.rejects(addNetwork(network(), runtime, optsOf(fakes)), (error: unknown) => {
        assert.ok(error instanceof CniError, `${c.name}: ${error}`);
        assert.equal(error.plugin, "first", c.name);
        assert.equal(error.command, "ADD", c.name);
        assert.equal(error.code, c.code, c.name);
        const prefix = `CNI plugin first failed to add eth0 of pod ${POD}: `;
        assert.ok(error.message.startsWith(prefix + c.message), `${c.name}: ${error.message}`);
        return true;
      });
      assert.deepEqual(await fakes.calls(), ["first ADD"], c.name);
      assert.equal(await exists(cacheFileOf(fakes)), false, c.name);
    });
  }
});

Deno.test("addNetwork() finds plugins in the bin dirs in order, and names them when missing", () =>
  withChain(async (fakes) => {
    await fakes.add("first", fakes.otherBin); // shadowed by the one in the first dir
    await addNetwork(network(), runtime, optsOf(fakes));
    assert.deepEqual(await fakes.calls(), ["first ADD", "second ADD"]);
    await Deno.remove(join(fakes.bin, "second"));
    await assert.rejects(
      addNetwork(network(), runtime, optsOf(fakes)),
      (error: unknown) => {
        assert.ok(error instanceof CniError);
        assert.equal(error.code, undefined);
        assert.equal(
          error.message,
          `CNI plugin second failed to add eth0 of pod ${POD}: no plugin executable second in ` +
            `${fakes.bin}, ${fakes.otherBin}`,
        );
        return true;
      },
    );
  }));

Deno.test("addNetwork() refuses attachment parameters the spec forbids", () =>
  withChain(async (fakes) => {
    const cases: [Partial<CniRuntime>, RegExp][] = [
      [{ containerId: "../etc" }, /container id "\.\.\/etc" must start with a letter or digit/],
      [{ containerId: "" }, /container id "" must/],
      [{ ifName: "averyveryverylong0" }, /interface name "averyveryverylong0" must be 1 to 15/],
      [{ ifName: "eth/0" }, /interface name "eth\/0"/],
      [{ netns: "" }, /no network namespace/],
      [{ podName: "a;b" }, /pod namespace, name and uid cannot hold ; = or spaces/],
    ];
    for (const [change, message] of cases) {
      await assert.rejects(
        addNetwork(network(), { ...runtime, ...change }, optsOf(fakes)),
        new RegExp(`^Error: Invalid CNI ADD of pod .*: ${message.source}`),
      );
    }
    assert.deepEqual(await fakes.calls(), []);
  }));

Deno.test("addNetwork() kills a plugin that outlives the caller's signal", () =>
  withChain(async (fakes) => {
    await Deno.writeTextFile(join(fakes.bin, "first"), "#!/bin/sh\nexec sleep 30\n", {
      mode: 0o755,
    });
    const started = Date.now();
    await assert.rejects(
      addNetwork(network(), runtime, { ...optsOf(fakes), signal: AbortSignal.timeout(100) }),
      (error: unknown) => {
        assert.ok(error instanceof CniError);
        assert.match(error.message, /failed to add eth0 of pod .*: killed by SIGTERM$/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 5000);
  }));

Deno.test("delNetwork() goes on without prevResult when the cached entry is unreadable", () =>
  withChain(async (fakes) => {
    await addNetwork(network(), runtime, optsOf(fakes));
    await Deno.writeTextFile(cacheFileOf(fakes), "{ truncated");
    await assert.rejects(cachedResult(network(), runtime, optsOf(fakes)), /is not JSON/);
    await delNetwork(network(), runtime, optsOf(fakes));
    assert.equal("prevResult" in await fakes.stdin("first", "DEL"), false);
    assert.equal(await exists(cacheFileOf(fakes)), false);
  }));
