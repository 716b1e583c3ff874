/** The image cache over an in-process registry: policies, one pull per image, errors, eviction. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../../lib/clock.ts";
import { run } from "../../lib/exec.ts";
import type { Logger } from "../../lib/log.ts";
import { type FakeRegistry, withRegistry } from "../oci/test_registry.ts";
import { gzipped } from "../oci/test_image.ts";
import { PullError, PullInProgress } from "./pull_error.ts";
import { credentialKeyOf } from "./access.ts";
import { ImagePuller } from "./puller.ts";
import { digestOfCachedDisk, ImageStore } from "./store.ts";

const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {}, with: () => quiet };

interface Env {
  registry: FakeRegistry;
  name: string;
  store: ImageStore;
  puller: ImagePuller;
  clock: FakeClock;
  events: string[];
  /** A raw disk of `mib` MiB holding `marker`, as a containerDisk image `repo:tag`. */
  publish(repo: string, tag: string, marker: string, mib?: number): Promise<void>;
  manifestRequests(): number;
}

async function withCache(fn: (env: Env) => Promise<void>, limitBytes = 64 * 1024 * 1024) {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-images-" });
  try {
    await withRegistry(async (registry, name) => {
      const clock = new FakeClock(Date.parse("2026-03-01T00:00:00Z"));
      const store = new ImageStore(join(dir, "images"), () => clock.now());
      await store.init();
      const puller = new ImagePuller({
        store,
        limitBytes,
        insecure: () => Promise.resolve(new Set([name])),
        log: quiet,
        now: () => clock.now(),
      });
      const events: string[] = [];
      const publish = async (repo: string, tag: string, marker: string, mib = 1) => {
        const file = join(dir, `${repo.replace("/", "_")}-${tag}.raw`);
        await run("qemu-img", ["create", "-q", "-f", "raw", file, `${mib}M`]);
        const bytes = await Deno.readFile(file);
        bytes.set(new TextEncoder().encode(marker), 0);
        registry.addImage(repo, tag, [gzipped([
          { name: "disk/", type: "dir" },
          { name: "disk/disk.img", data: bytes },
        ])]);
      };
      const manifestRequests = () =>
        registry.paths().filter((p) => p.includes("/manifests/")).length;
      await fn({ registry, name, store, puller, clock, events, publish, manifestRequests });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const request = (env: Env, image: string, policy: "Always" | "IfNotPresent" | "Never") => ({
  image: `${env.name}/${image}`,
  policy,
  onEvent: (type: string, reason: string) => void env.events.push(`${type} ${reason}`),
});

Deno.test("ImagePuller pulls an image once, shares it, and honours IfNotPresent, Always and Never", () =>
  withCache(async (env) => {
    await env.publish("disks/fixture", "v1", "FIRST");
    const [a, b] = await Promise.all([
      env.puller.ensure(request(env, "disks/fixture:v1", "IfNotPresent")),
      env.puller.ensure(request(env, "disks/fixture:v1", "IfNotPresent")),
    ]);
    assert.equal(a.digest, b.digest, "two VMIs of one image share one pull");
    assert.deepEqual(env.events, ["Normal Pulling", "Normal Pulled"]);
    assert.equal(a.meta.format, "raw");
    const head = (await Deno.readFile(a.path)).subarray(0, 5);
    assert.equal(new TextDecoder().decode(head), "FIRST");
    assert.equal((await Deno.stat(a.path)).mode! & 0o777, 0o444, "nothing writes the base");

    const before = env.manifestRequests();
    await env.puller.ensure(request(env, "disks/fixture:v1", "IfNotPresent"));
    await env.puller.ensure(request(env, "disks/fixture:v1", "Never"));
    assert.equal(env.manifestRequests(), before, "IfNotPresent and Never ask no registry");

    // The tag moves: Always resolves it again and pulls the new digest.
    await env.publish("disks/fixture", "v1", "SECOND");
    const moved = await env.puller.ensure(request(env, "disks/fixture:v1", "Always"));
    assert.notEqual(moved.digest, a.digest);
    assert.equal(
      new TextDecoder().decode((await Deno.readFile(moved.path)).subarray(0, 6)),
      "SECOND",
    );

    await assert.rejects(
      env.puller.ensure(request(env, "disks/other:v1", "Never")),
      (error) => error instanceof PullError && error.reason === "ErrImageNeverPull",
    );
  }));

Deno.test("ImagePuller fails a bad image with ErrImagePull, then backs off, and leaves nothing behind", () =>
  withCache(async (env) => {
    env.registry.addImage("disks/two", "v1", [gzipped([
      { name: "disk/", type: "dir" },
      { name: "disk/a.img", data: "a" },
      { name: "disk/b.img", data: "b" },
    ])]);
    const pull = () => env.puller.ensure(request(env, "disks/two:v1", "IfNotPresent"));
    await assert.rejects(
      pull(),
      (error) =>
        error instanceof PullError && error.reason === "ErrImagePull" &&
        error.message.includes(`Failed to pull image "${env.name}/disks/two:v1"`),
    );
    await assert.rejects(
      pull(),
      (error) => error instanceof PullError && error.reason === "ImagePullBackOff",
    );
    assert.deepEqual(env.events, ["Normal Pulling", "Warning Failed", "Normal BackOff"]);
    // As a kubelet's, backoff is per requester: another VMI tries at once, and a VMI that is
    // gone leaves no backoff behind.
    const other = () =>
      env.puller.ensure({ ...request(env, "disks/two:v1", "IfNotPresent"), requester: "vmi-2" });
    await assert.rejects(other(), (e) => e instanceof PullError && e.reason === "ErrImagePull");
    await assert.rejects(other(), (e) => e instanceof PullError && e.reason === "ImagePullBackOff");
    env.puller.forget("vmi-2");
    await assert.rejects(other(), (e) => e instanceof PullError && e.reason === "ErrImagePull");
    assert.deepEqual(await env.store.list(), []);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(env.store.root, "tmp"))), []);
    env.clock.advance(10_000);
    await assert.rejects(
      pull(),
      (error) => error instanceof PullError && error.reason === "ErrImagePull",
    );

    await assert.rejects(
      env.puller.ensure(request(env, "disks/missing:v1", "IfNotPresent")),
      (error) => error instanceof PullError && /not found|404|unknown/i.test(error.message),
    );
  }));

Deno.test("ImagePuller evicts the least recently used images no VMI runs on", () =>
  withCache(async (env) => {
    for (const tag of ["a", "b", "c"]) await env.publish("disks/many", tag, tag.toUpperCase());
    const a = await env.puller.ensure(request(env, "disks/many:a", "IfNotPresent"));
    await env.store.lease(a.name, "vmi-1");
    env.clock.advance(1_000);
    const b = await env.puller.ensure(request(env, "disks/many:b", "IfNotPresent"));
    env.clock.advance(1_000);
    const c = await env.puller.ensure(request(env, "disks/many:c", "IfNotPresent"));
    const kept = (await env.store.list()).map((i) => i.name).sort();
    assert.deepEqual(kept, [a.name, c.name].sort(), "b went; a is leased, c is the newest");
    assert.equal(await env.store.get(b.name), undefined);
    await env.store.release("vmi-1");
    assert.equal((await env.store.list()).find((i) => i.name === a.name)?.users, 0);
  }, 2_500_000));

Deno.test("ImagePuller keeps a volume's own path apart from the image's default disk", () =>
  withCache(async (env) => {
    env.registry.addImage("disks/paths", "v1", [gzipped([
      { name: "disk/", type: "dir" },
      { name: "disk/default.img", data: "DEFAULT".padEnd(512, "\0") },
      { name: "custom/", type: "dir" },
      { name: "custom/other.img", data: "CUSTOM".padEnd(512, "\0") },
    ])]);
    const plain = await env.puller.ensure(request(env, "disks/paths:v1", "IfNotPresent"));
    const custom = await env.puller.ensure({
      ...request(env, "disks/paths:v1", "IfNotPresent"),
      path: "/custom/other.img",
    });
    assert.equal(plain.digest, custom.digest, "one image");
    assert.notEqual(plain.name, custom.name, "two cache entries");
    const text = async (file: string) =>
      new TextDecoder().decode((await Deno.readFile(file)).subarray(0, 7));
    assert.equal(await text(plain.path), "DEFAULT");
    assert.equal(await text(custom.path), "CUSTOM\0");
    assert.equal(digestOfCachedDisk(custom.path), custom.digest);
    assert.equal(digestOfCachedDisk(plain.path), plain.digest);
  }));

Deno.test("ImagePuller refuses an unlisted plain-HTTP registry, naming the setting that lists it", () =>
  withCache(async (env) => {
    await env.publish("disks/fixture", "v1", "FIRST");
    const strict = new ImagePuller({
      store: env.store,
      limitBytes: 64 * 1024 * 1024,
      insecure: () => Promise.resolve(new Set<string>()),
      log: quiet,
    });
    await assert.rejects(
      strict.ensure(request(env, "disks/fixture:v1", "IfNotPresent")),
      (error) =>
        error instanceof PullError && error.reason === "ErrImagePull" &&
        error.message.includes("insecureRegistries in ConfigMap denovirt/denovirt-config"),
    );
    assert.deepEqual(await env.store.list(), []);
  }));

Deno.test("ImagePuller lets only VMIs whose credentials the registry accepted run on a private image", () =>
  withCache(async (env) => {
    // The same bytes, public under another name first: that says nothing of the private one.
    await env.publish("disks/public", "v1", "SECRET");
    await env.puller.ensure(request(env, "disks/public:v1", "IfNotPresent"));
    await env.publish("disks/private", "v1", "SECRET");
    env.registry.auth = { scheme: "bearer", username: "alice", password: "pa55" };
    const as = (password?: string, policy: "IfNotPresent" | "Never" = "IfNotPresent") => ({
      ...request(env, "disks/private:v1", policy),
      requester: `vmi-${password ?? "anonymous"}-${policy}`,
      ...(password ? { credentials: new Map([[env.name, { username: "alice", password }]]) } : {}),
    });
    const pulled = await env.puller.ensure(as("pa55"));
    assert.deepEqual(pulled.meta.authorized, {
      [`${env.name}/disks/public`]: ["anonymous"],
      [`${env.name}/disks/private`]: [credentialKeyOf(env.name, as("pa55").credentials)],
    }, "one cached image, known public by one name and private by the other");
    assert.ok(!JSON.stringify(pulled.meta).includes("pa55"), "no password on disk");

    for (const password of [undefined, "wrong"]) {
      await assert.rejects(
        env.puller.ensure(as(password)),
        (error) =>
          error instanceof PullError && error.reason === "ErrImagePull" &&
          /HTTP 401/.test(error.message),
        `credentials ${password ?? "none"}: the registry is asked, and refuses`,
      );
    }
    await assert.rejects(
      env.puller.ensure(as(undefined, "Never")),
      (error) =>
        error instanceof PullError && error.reason === "ErrImageNeverPull" &&
        error.message.includes("pulled with other credentials"),
    );
    const before = env.manifestRequests();
    const again = await env.puller.ensure(as("pa55", "Never"));
    assert.equal(again.name, pulled.name, "the accepted credentials use the cache as it is");
    assert.equal(env.manifestRequests(), before);
  }));

Deno.test("ImagePuller makes a requester with onSettled wait for nothing, and tells it when the pull ends", () =>
  withCache(async (env) => {
    await env.publish("disks/async", "v1", "ASYNC");
    const settled: string[] = [];
    let told = Promise.withResolvers<void>();
    /** Resolves once `n` requesters have been told since the last call. */
    const tellings = async (n: number) => {
      while (settled.length < n) await told.promise;
    };
    const ask = (image: string, requester: string) => ({
      ...request(env, image, "IfNotPresent" as const),
      requester,
      onSettled: () => {
        settled.push(requester);
        told.resolve();
        told = Promise.withResolvers<void>();
      },
    });
    await assert.rejects(
      env.puller.ensure(ask("disks/async:v1", "vmi-a")),
      (error) => error instanceof PullInProgress,
    );
    // A second VMI joins the pull under way.
    await assert.rejects(
      env.puller.ensure(ask("disks/async:v1", "vmi-b")),
      (error) => error instanceof PullInProgress,
    );
    await tellings(2);
    assert.deepEqual(settled.sort(), ["vmi-a", "vmi-b"]);
    const a = await env.puller.ensure(ask("disks/async:v1", "vmi-a"));
    const b = await env.puller.ensure(ask("disks/async:v1", "vmi-b"));
    assert.equal(a.name, b.name);
    assert.equal(env.events.filter((e) => e === "Normal Pulling").length, 1, "one pull");

    settled.length = 0;
    await assert.rejects(
      env.puller.ensure(ask("disks/missing:v1", "vmi-c")),
      (error) => error instanceof PullInProgress,
    );
    await tellings(1);
    await assert.rejects(
      env.puller.ensure(ask("disks/missing:v1", "vmi-c")),
      (error) => error instanceof PullError && error.reason === "ErrImagePull",
    );
    await assert.rejects(
      env.puller.ensure(ask("disks/missing:v1", "vmi-c")),
      (error) => error instanceof PullError && error.reason === "ImagePullBackOff",
    );
  }));

Deno.test("ImagePuller never evicts the image it just pulled, even when leased ones fill the cache", () =>
  withCache(async (env) => {
    await env.publish("disks/big", "a", "A", 2);
    await env.publish("disks/big", "b", "B", 2);
    const a = await env.puller.ensure(request(env, "disks/big:a", "IfNotPresent"));
    await env.store.lease(a.name, "vmi-1");
    const b = await env.puller.ensure(request(env, "disks/big:b", "IfNotPresent"));
    assert.ok(await env.store.get(b.name), "the new image stays for the VMI about to run on it");
    assert.ok(await env.store.get(a.name), "the leased one stays too");
  }, 3 * 1024 * 1024));
