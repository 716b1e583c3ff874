import assert from "node:assert/strict";
import { processAlive, runningPid, startDaemon, stopDaemon } from "./daemon.ts";
import { stackPaths } from "./paths.ts";
import { waitUntil } from "./readiness.ts";

Deno.test("startDaemon() runs a detached process with pid file and log; stopDaemon() ends it", async () => {
  const home = await Deno.makeTempDir({ prefix: "denovirt-daemon-" });
  const paths = stackPaths(home);
  try {
    const pid = await startDaemon(paths, {
      name: "sleeper",
      command: "sh",
      args: ["-c", "echo hello-from-daemon; exec sleep 30"],
    });
    assert.equal(await runningPid(paths, "sleeper"), pid);
    // Its output reaches the log (the shell may not have run yet: wait for it, with a deadline).
    await waitUntil(
      async () =>
        (await Deno.readTextFile(`${home}/log/sleeper.log`)).includes("hello-from-daemon"),
      { what: "the daemon's output in its log", timeoutMs: 10_000 },
    );
    assert.ok(await stopDaemon(paths, "sleeper", 2_000));
    assert.equal(processAlive(pid), false);
    assert.equal(await runningPid(paths, "sleeper"), undefined);
    assert.match(await Deno.readTextFile(`${home}/log/sleeper.log`), /starting sleeper/);
  } finally {
    await stopDaemon(paths, "sleeper", 1_000);
    await Deno.remove(home, { recursive: true });
  }
});
