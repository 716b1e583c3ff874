import assert from "node:assert/strict";
import { sendableClose } from "./ws.ts";

Deno.test("sendableClose() keeps valid close codes and replaces reserved ones with 1000", () => {
  assert.deepEqual(sendableClose(1001, "going away"), [1001, "going away"]);
  assert.deepEqual(sendableClose(4000, "app"), [4000, "app"]);
  for (const reserved of [1004, 1005, 1006, 1015, 999, 5000]) {
    assert.deepEqual(sendableClose(reserved, ""), [1000, "closed"], `code ${reserved}`);
  }
  assert.deepEqual(sendableClose(1006, "lost"), [1000, "lost"]);
});

Deno.test("sendableClose() cuts a reason to the 123 bytes a close frame can carry", () => {
  const [, short] = sendableClose(1000, "é".repeat(100));
  assert.ok(new TextEncoder().encode(short).length <= 123);
  assert.ok(short.startsWith("é".repeat(50)));
});
