import assert from "node:assert/strict";
import { lastRenewalFile, readLastRenewal, writeLastRenewal } from "./last_renewal.ts";

Deno.test("writeLastRenewal() and readLastRenewal() keep the renewTime across restarts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = lastRenewalFile(dir);
    assert.equal(await readLastRenewal(file), undefined);
    await writeLastRenewal(file, "2030-01-01T00:00:10.123456Z");
    assert.equal(await readLastRenewal(file), Date.parse("2030-01-01T00:00:10.123456Z"));
    await Deno.writeTextFile(file, "garbage");
    assert.equal(await readLastRenewal(file), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
