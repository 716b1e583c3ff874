import assert from "node:assert/strict";
import { evictionOf } from "./eviction.ts";

const image = (name: string, bytes: number, lastUsedAt: number, users = 0) => ({
  name,
  bytes,
  lastUsedAt,
  users,
});

Deno.test("evictionOf() removes the least recently used images no VMI uses, only as far as needed", () => {
  const images = [
    image("a", 40, 3),
    image("b", 40, 1, 1), // in use: never evicted
    image("c", 40, 2),
    image("d", 40, 4),
  ];
  assert.deepEqual(evictionOf(images, 160), []);
  assert.deepEqual(evictionOf(images, 100), ["c", "a"]);
  assert.deepEqual(evictionOf(images, 0), ["c", "a", "d"], "what is in use stays, over the limit");
});
