import assert from "node:assert/strict";
import { isRuntimeDownloadFailure } from "./entry.ts";

Deno.test("isRuntimeDownloadFailure() recognises deno compile failing to fetch denort", () => {
  const stderr = "error: Writing deno compile executable to temporary file\n" +
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/" +
    "denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error";
  assert.equal(isRuntimeDownloadFailure(stderr), true);
});

Deno.test("isRuntimeDownloadFailure() leaves a type error in the code to fail the build", () => {
  assert.equal(
    isRuntimeDownloadFailure("error: TS2322 [ERROR]: Type 'string' is not assignable"),
    false,
  );
});
