/**
 * `deno task bench --quick` end to end, on a stack of its own beside the test stack: it exits 0
 * and its JSON has every figure the issue asks for as a finite number. Values are not judged here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const REQUIRED = [
  "start.p50_s",
  "start.p95_s",
  "start.libvirt_p50_s",
  "start.ratio_to_libvirt",
  "footprint.per_vm_mib_beyond_qemu",
  "footprint.control_plane_and_agent_rss_mib",
  "idle.agent_cpu_percent",
  "webhook.p50_ms",
  "webhook.p99_ms",
  "webhook.apiserver_p99_ms",
  "scale.seconds_to_all_scheduled",
];
/** The test stack's settings must not leak into the bench's own stack. */
const NOT_INHERITED = /^DENOVIRT_(HOME|TEST_.*|LIBVIRT_URI|APISERVER_ARGS)$/;
const TIMEOUT_MS = 10 * 60_000;

function valueAt(object: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>(
    (at, key) => (at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined),
    object,
  );
}

Deno.test("bench --quick writes every required figure as a finite number", async () => {
  const out = await Deno.makeTempDir({ prefix: "denovirt-bench-results-" });
  try {
    const env = Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([name]) => !NOT_INHERITED.test(name)),
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../bench/main.ts", import.meta.url).pathname,
        "--quick",
        "--name=quick-test",
        `--out=${out}`,
      ],
      clearEnv: true,
      env: { ...env, DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGINT"), TIMEOUT_MS);
    const result = await child.output();
    clearTimeout(timer);
    const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, `bench --quick exited ${result.code}:\n${text.slice(-4000)}`);
    const json = JSON.parse(await Deno.readTextFile(join(out, "quick-test.json")));
    for (const key of REQUIRED) {
      const value = valueAt(json, key);
      assert.ok(
        typeof value === "number" && Number.isFinite(value),
        `${key} is ${JSON.stringify(value)}, not a finite number`,
      );
    }
    assert.ok((await Deno.stat(join(out, "quick-test.md"))).isFile);
    assert.ok((await Deno.stat(join(out, "quick-test-start.svg"))).isFile);
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});
