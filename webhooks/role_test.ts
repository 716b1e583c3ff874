import assert from "node:assert/strict";
import { webhooksRole } from "./role.ts";

Deno.test("webhooksRole() refuses missing or unknown flags with exit code 2", async () => {
  const quiet = console.error;
  console.error = () => {};
  try {
    assert.equal(await webhooksRole([]), 2);
    assert.equal(await webhooksRole(["--port=8443", "--tls-cert=c"]), 2);
    assert.equal(await webhooksRole(["--port=x", "--tls-cert=c", "--tls-key=k"]), 2);
    assert.equal(await webhooksRole(["--no-such-flag"]), 2);
    assert.equal(
      await webhooksRole([
        "--port=8443",
        "--tls-cert=c",
        "--tls-key=k",
        "--allowed-hostdisk-dir=relative/dir",
      ]),
      2,
    );
  } finally {
    console.error = quiet;
  }
});
