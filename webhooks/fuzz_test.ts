// Fuzzing the webhook app in process: random JSON and mutated AdmissionReviews. Every answer must
// be a well-formed AdmissionReview (uid echoed, allowed a boolean, a patch that applies) or a 4xx;
// never a 5xx, never an internal error. Reproduce a failure with FUZZ_SEED=<seed>.
import assert from "node:assert/strict";
import { webhookApp } from "./app.ts";
import { applyPatch, isPlainObject, type JsonPatchOperation } from "./json_patch.ts";
import { decodeBase64 } from "../lib/base64.ts";
import {
  ALLOWED_DIR,
  goodDataVolume,
  goodMigration,
  goodReplicaSet,
  goodVm,
  goodVmi,
} from "./testdata/good_objects.ts";
import { apiFixture, fakeLookups, post, reviewOf } from "./testdata/reviews.ts";
import { ADMITTED_KINDS } from "./kinds.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261122);
// A fixed count, not a time budget: a slow machine must run the same cases, only slower.
const ITERATIONS = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 2000);

/** mulberry32: small, fast and good enough to pick test inputs. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

type Rng = ReturnType<typeof prng>;

const KEYS = [
  "name",
  "spec",
  "template",
  "domain",
  "devices",
  "disks",
  "disk",
  "bus",
  "volumes",
  "interfaces",
  "networks",
  "pod",
  "masquerade",
  "bridge",
  "sriov",
  "running",
  "runStrategy",
  "memory",
  "guest",
  "resources",
  "requests",
  "limits",
  "cpu",
  "cores",
  "hostDisk",
  "path",
  "type",
  "cloudInitNoCloud",
  "userData",
  "userDataBase64",
  "bootOrder",
  "metadata",
  "labels",
  "source",
  "http",
  "url",
  "vmiName",
  "selector",
  "matchLabels",
  "__proto__",
  "constructor",
  "a/b",
  "~0",
  "",
  "dataVolume",
  "firmware",
];
const STRINGS = [
  "",
  "a",
  "default",
  "1Gi",
  "-1",
  "1e400",
  "0",
  "500m",
  "128Mi",
  "virtio",
  "Always",
  "Halted",
  "/var/lib/denovirt/disks/a.img",
  `${ALLOWED_DIR}/../x`,
  "https://x.example/a.qcow2",
  "ftp://x",
  "Disk",
  "DiskOrCreate",
  "q35",
  "pc-i440fx",
  "é".repeat(3),
  "\u0000",
  "x".repeat(3000),
  "not base64!",
];

/** Sets a member as JSON.parse would, so that "__proto__" stays a plain member. */
function setMember(object: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function randomJson(rng: Rng, depth = 0): unknown {
  const r = rng.next();
  if (depth > 6 || r < 0.35) {
    return rng.pick<unknown>([
      null,
      true,
      false,
      0,
      -1,
      1,
      2 ** 31,
      2 ** 53 + 2,
      -0.5,
      1e308,
      rng.int(1000),
      rng.pick(STRINGS),
    ]);
  }
  if (r < 0.6) return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = rng.int(5); i > 0; i--) setMember(out, rng.pick(KEYS), randomJson(rng, depth + 1));
  return out;
}

/** Paths to every container in `value`, to pick one to break. */
function containers(
  value: unknown,
  path: (string | number)[] = [],
  out: (string | number)[][] = [],
) {
  if (Array.isArray(value)) {
    out.push(path);
    value.forEach((v, i) => containers(v, [...path, i], out));
  } else if (isPlainObject(value)) {
    out.push(path);
    for (const [k, v] of Object.entries(value)) containers(v, [...path, k], out);
  }
  return out;
}

function mutateRandomly(rng: Rng, object: unknown): unknown {
  const doc = structuredClone(object);
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const paths = containers(doc);
    const path = rng.pick(paths);
    let node: unknown = doc;
    for (const key of path) node = (node as Record<string | number, unknown>)[key];
    if (Array.isArray(node)) {
      const choice = rng.int(4);
      if (choice === 0 && node.length > 0) node.splice(rng.int(node.length), 1);
      else if (choice === 1 && node.length > 0) {
        node.push(structuredClone(node[rng.int(node.length)]));
      } else if (choice === 2 && node.length > 0) node[rng.int(node.length)] = randomJson(rng);
      else node.push(randomJson(rng));
    } else if (isPlainObject(node)) {
      const keys = Object.keys(node);
      const choice = rng.int(4);
      const key = keys.length > 0 ? rng.pick(keys) : rng.pick(KEYS);
      if (choice === 0) delete node[key];
      else if (choice === 1) setMember(node, key, null);
      else if (choice === 2) setMember(node, key, randomJson(rng));
      else setMember(node, rng.pick(KEYS), randomJson(rng));
    }
  }
  return doc;
}

const BASES = () => [
  goodVm(),
  goodVmi(),
  goodReplicaSet(),
  goodDataVolume(),
  goodMigration(),
  apiFixture("vm-cirros"),
  apiFixture("vm-fedora-datavolume"),
  apiFixture("vmirs-cirros"),
  apiFixture("dv-http"),
];
const ENDPOINTS = ADMITTED_KINDS.flatMap((k) => [`/${k.plural}/mutate`, `/${k.plural}/validate`]);

function randomBody(rng: Rng, uid: string): { body: string } {
  const r = rng.next();
  if (r < 0.1) return { body: JSON.stringify(randomJson(rng)) };
  if (r < 0.13) {
    const depth = 90 + rng.int(30);
    return {
      body: JSON.stringify(reviewOf(goodVm(), { uid })).replace(
        '"spec":',
        `"deep":${"[".repeat(depth)}${"]".repeat(depth)},"spec":`,
      ),
    };
  }
  const base = rng.pick(BASES());
  const object = rng.next() < 0.85 ? mutateRandomly(rng, base) : base;
  const operation = rng.pick(["CREATE", "CREATE", "UPDATE", "DELETE"] as const);
  const review = reviewOf(
    isPlainObject(object) && typeof object.kind === "string" &&
      ADMITTED_KINDS.some((k) => k.kind === object.kind)
      ? object
      : base,
    {
      uid,
      operation,
      oldObject: operation === "UPDATE"
        ? (rng.next() < 0.5 ? base : mutateRandomly(rng, base))
        : undefined,
      username: rng.next() < 0.1 ? "system:serviceaccount:denovirt:denovirt-controllers" : "alice",
    },
  ) as { request: Record<string, unknown> };
  if (operation !== "DELETE") review.request.object = object;
  if (rng.next() < 0.1) return { body: JSON.stringify(mutateRandomly(rng, review)) };
  return { body: JSON.stringify(review) };
}

Deno.test(`webhookApp() answers every fuzzed request with an AdmissionReview or a 4xx (seed ${SEED})`, async () => {
  const app = webhookApp({
    lookups: fakeLookups(),
    config: { allowedHostDiskDirs: [ALLOWED_DIR] },
    newUuid: () => "11111111-2222-4333-8444-555555555555",
  });
  const rng = prng(SEED);
  const started = Date.now();
  let reviews = 0;
  let refusals = 0;
  let i = 0;
  for (; i < ITERATIONS; i++) {
    const uid = `fuzz-${i}`;
    const path = rng.pick(ENDPOINTS);
    const { body } = randomBody(rng, uid);
    const where = `seed ${SEED}, iteration ${i}, ${path}; rerun with FUZZ_SEED=${SEED}\nbody: ${
      body.slice(0, 2000)
    }`;
    const response = await app.request(path, post(body));
    const text = await response.text();
    assert.ok(response.status < 500, `${response.status} ${text}\n${where}`);
    if (response.status !== 200) {
      assert.ok(response.status >= 400, where);
      continue;
    }
    const review = JSON.parse(text);
    assert.equal(review.apiVersion, "admission.k8s.io/v1", where);
    assert.equal(review.kind, "AdmissionReview", where);
    const answer = review.response;
    assert.equal(answer.uid, uid, where);
    assert.equal(typeof answer.allowed, "boolean", where);
    reviews++;
    if (!answer.allowed) {
      refusals++;
      assert.equal(typeof answer.status?.message, "string", where);
      assert.notEqual(
        answer.status.code,
        500,
        `internal error: ${answer.status.message}\n${where}`,
      );
    }
    if (answer.patch !== undefined) {
      assert.equal(answer.patchType, "JSONPatch", where);
      const ops = JSON.parse(
        new TextDecoder().decode(decodeBase64(answer.patch)),
      ) as JsonPatchOperation[];
      assert.ok(Array.isArray(ops), where);
      // The patch must apply to the object as sent, whatever was fuzzed around it.
      const object = JSON.parse(body).request.object;
      try {
        applyPatch(object, ops);
      } catch (error) {
        throw new Error(
          `The patch does not apply: ${(error as Error).message}\npatch: ${
            JSON.stringify(ops)
          }\n${where}`,
        );
      }
    }
  }
  console.log(
    `fuzz: seed ${SEED}: ${i} requests, ${reviews} reviews (${refusals} refused) in ${
      Date.now() - started
    } ms`,
  );
});
