/**
 * The libvirt FFI layer against a real libvirtd: set DENOVIRT_LIBVIRT_URI (e.g.
 * "qemu:///system") to run it. The guest is a 32 MiB TCG machine without disks that sits
 * in SeaBIOS, which is enough for every lifecycle transition.
 */

import assert from "node:assert/strict";
import {
  ConnectionError,
  type DomainLifecycleEvent,
  DomainNotFoundError,
  type LibvirtConnection,
  openLibvirt,
  OperationInvalidError,
} from "../agent/libvirt/mod.ts";

const uri = Deno.env.get("DENOVIRT_LIBVIRT_URI");
const ignore = !uri;
const timings: Record<string, number> = {};

function tinyDomainXml(name: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>`;
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round((performance.now() - start) * 10) / 10;
  }
}

/** Records lifecycle events for one domain and waits for the next matching one. */
function eventRecorder(hv: LibvirtConnection, domain: string) {
  const seen: DomainLifecycleEvent[] = [];
  let waiter: { event: string; resolve: (e: DomainLifecycleEvent) => void } | undefined;
  hv.onLifecycle((e) => {
    if (e.domain !== domain) return;
    seen.push(e);
    if (waiter && e.event === waiter.event) {
      waiter.resolve(e);
      waiter = undefined;
    }
  });
  let cursor = 0;
  return {
    seen,
    /** The first `event` after the previously awaited one. */
    next(event: string, timeoutMs = 30_000): Promise<DomainLifecycleEvent> {
      const index = seen.findIndex((e, i) => i >= cursor && e.event === event);
      if (index >= 0) {
        cursor = index + 1;
        return Promise.resolve(seen[index]!);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`No ${event} event for ${domain}`)),
          timeoutMs,
        );
        waiter = {
          event,
          resolve: (e) => {
            clearTimeout(timer);
            cursor = seen.length;
            resolve(e);
          },
        };
      });
    },
  };
}

/** Counts ticks of a 5 ms interval and the longest gap between two ticks. */
function tickMeter() {
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  return {
    reset: () => {
      ticks = 0;
      maxGapMs = 0;
      last = performance.now();
    },
    read: () => ({ ticks, maxGapMs }),
    stop: () => clearInterval(timer),
  };
}

Deno.test({
  name: "LibvirtConnection runs a domain through its lifecycle with events",
  ignore,
  async fn() {
    const hv = await timed("connect", () => openLibvirt(uri!));
    const name = `denovirt-ffi-test-${Date.now()}`;
    const events = eventRecorder(hv, name);
    const meter = tickMeter();
    try {
      const identity = await timed("define", () => hv.defineXml(tinyDomainXml(name)));
      assert.equal(identity.name, name);
      assert.match(identity.uuid, /^[0-9a-f-]{36}$/);
      assert.equal((await events.next("Defined")).detailName, "added");
      assert.equal((await hv.state(name)).state, "shutoff");

      meter.reset();
      await timed("start", () => hv.start(name));
      const duringStart = meter.read();
      assert.ok(duringStart.ticks > 0, "the JS event loop ticked while virDomainCreate ran");
      const started = await events.next("Started");
      assert.deepEqual([started.uuid, started.detailName], [identity.uuid, "booted"]);
      assert.deepEqual(await hv.state(identity.uuid), {
        state: "running",
        reason: 1,
        reasonName: "booted",
      });
      const info = await hv.info(name);
      assert.deepEqual([info.state, info.memoryKiB, info.vcpus], ["running", 32 * 1024, 1]);

      await hv.suspend(name);
      assert.equal((await events.next("Suspended")).detailName, "paused");
      assert.deepEqual(await hv.state(name), { state: "paused", reason: 1, reasonName: "user" });
      await hv.resume(name);
      assert.equal((await events.next("Resumed")).detailName, "unpaused");
      assert.equal((await hv.state(name)).state, "running");

      const listed = (await hv.list()).find((d) => d.name === name);
      assert.deepEqual(listed, {
        ...identity,
        state: "running",
        reason: 5,
        reasonName: "unpaused",
      });

      assert.equal(await hv.metadata(name), undefined);
      await hv.setMetadata(name, `<vm uid="42" generation="3"/>`, { scope: "live+config" });
      assert.equal(await hv.metadata(name), `<vm uid="42" generation="3"/>`);
      assert.match(
        await hv.xml(name),
        /<denovirt:vm xmlns:denovirt="http:\/\/denovirt.io\/domain\/1"/,
      );
      assert.match(await hv.xml(name, { inactive: true }), /uid="42"/);

      meter.reset();
      await timed("destroy", () => hv.destroy(name));
      assert.ok(meter.read().ticks > 0, "the JS event loop ticked while virDomainDestroy ran");
      assert.equal((await events.next("Stopped")).detailName, "destroyed");
      assert.deepEqual(await hv.state(name), {
        state: "shutoff",
        reason: 2,
        reasonName: "destroyed",
      });
      await assert.rejects(() => hv.suspend(name), OperationInvalidError);

      await hv.undefine(name);
      assert.equal((await events.next("Undefined")).detailName, "removed");
      await assert.rejects(() => hv.state(name), DomainNotFoundError);
    } finally {
      meter.stop();
      await hv.destroy(name).catch(() => {});
      await hv.undefine(name).catch(() => {});
      await hv.close();
    }
    console.log(`libvirt FFI timings (ms): ${JSON.stringify(timings)}`);
  },
});

Deno.test({
  name: "LibvirtConnection reports libvirt's own error for each of many concurrent failures",
  ignore,
  async fn() {
    const hv = await openLibvirt(uri!, { events: false });
    try {
      const names = Array.from({ length: 12 }, (_, i) => `denovirt-missing-${i}`);
      const results = await Promise.allSettled(names.map((n) => hv.state(n)));
      results.forEach((result, i) => {
        assert.equal(result.status, "rejected");
        const error = (result as PromiseRejectedResult).reason;
        assert.ok(error instanceof DomainNotFoundError);
        assert.equal(
          error.libvirtMessage,
          `Domain not found: no domain with matching name '${names[i]}'`,
        );
        assert.equal(
          error.message,
          `Cannot read the state of domain ${names[i]}: ${error.libvirtMessage}`,
        );
      });
      await assert.rejects(
        () => hv.resume("a0fd7d9b-418b-489e-85fb-84a4d67072c5"),
        (e) => e instanceof DomainNotFoundError && /matching uuid/.test(e.message),
      );
    } finally {
      await hv.close();
    }
  },
});

Deno.test({
  name: "LibvirtConnection keeps the JS event loop free during 20 concurrent state() calls",
  ignore,
  async fn() {
    const hv = await openLibvirt(uri!);
    const name = `denovirt-ffi-conc-${Date.now()}`;
    const meter = tickMeter();
    try {
      await hv.createXml(tinyDomainXml(name));
      meter.reset();
      const start = performance.now();
      const states = await Promise.all(Array.from({ length: 20 }, () => hv.state(name)));
      timings["20 concurrent state()"] = Math.round((performance.now() - start) * 10) / 10;
      assert.ok(states.every((s) => s.state === "running"));
      const { maxGapMs } = meter.read();
      timings["max timer gap during them"] = Math.round(maxGapMs * 10) / 10;
      assert.ok(maxGapMs < 250, `a 5 ms interval was held up ${maxGapMs} ms`);
    } finally {
      meter.stop();
      await hv.destroy(name).catch(() => {});
      await hv.close();
    }
    console.log(`libvirt FFI timings (ms): ${JSON.stringify(timings)}`);
  },
});

Deno.test({
  name: "openLibvirt() fails with libvirt's reason when libvirtd cannot be reached",
  ignore,
  async fn() {
    await assert.rejects(
      () => openLibvirt("qemu+unix:///system?socket=/nonexistent/libvirt-sock"),
      (e) =>
        e instanceof ConnectionError &&
        e.message.includes("Failed to connect socket to '/nonexistent/libvirt-sock'"),
    );
  },
});
