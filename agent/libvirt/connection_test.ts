import assert from "node:assert/strict";
import {
  ConnectionError,
  DomainExistsError,
  DomainNotFoundError,
  InvalidDomainXmlError,
  LibvirtError,
  libvirtErrorFor,
  mayMeanConnectionLost,
  OperationInvalidError,
  VIR_ERR,
} from "./errors.ts";
import { EventChannel } from "./event_feed.ts";
import {
  domainStateName,
  eventDetailName,
  isUuid,
  lifecycleEventName,
  metadataScopeFlags,
  stateReasonName,
} from "./names.ts";

Deno.test("domainStateName() maps virDomainState values and tolerates newer ones", () => {
  assert.equal(domainStateName(1), "running");
  assert.equal(domainStateName(3), "paused");
  assert.equal(domainStateName(5), "shutoff");
  assert.equal(domainStateName(6), "crashed");
  assert.equal(domainStateName(7), "pmsuspended");
  assert.equal(domainStateName(42), "unknown");
});

Deno.test("stateReasonName() names the reason within its state's enum", () => {
  assert.equal(stateReasonName("running", 1), "booted");
  assert.equal(stateReasonName("paused", 1), "user");
  assert.equal(stateReasonName("shutoff", 2), "destroyed");
  assert.equal(stateReasonName("shutoff", 99), "unknown");
  assert.equal(stateReasonName("unknown", 0), "unknown");
});

Deno.test("lifecycleEventName() and eventDetailName() follow virDomainEventType", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 8].map(lifecycleEventName),
    [
      "Defined",
      "Undefined",
      "Started",
      "Suspended",
      "Resumed",
      "Stopped",
      "Shutdown",
      "PMSuspended",
      "Crashed",
    ],
  );
  assert.equal(lifecycleEventName(99), "Unknown");
  assert.equal(eventDetailName("Stopped", 1), "destroyed");
  assert.equal(eventDetailName("Shutdown", 1), "guest");
  assert.equal(eventDetailName("Started", 0), "booted");
  assert.equal(eventDetailName("Unknown", 0), "unknown");
});

Deno.test("isUuid() tells UUIDs from domain names", () => {
  assert.equal(isUuid("a0fd7d9b-418b-489e-85fb-84a4d67072c5"), true);
  assert.equal(isUuid("A0FD7D9B-418B-489E-85FB-84A4D67072C5"), true);
  assert.equal(isUuid("default_web"), false);
  assert.equal(isUuid("a0fd7d9b-418b-489e-85fb-84a4d67072c5-x"), false);
});

Deno.test("metadataScopeFlags() maps scopes to VIR_DOMAIN_AFFECT_* flags", () => {
  assert.equal(metadataScopeFlags(), 0);
  assert.equal(metadataScopeFlags("live"), 1);
  assert.equal(metadataScopeFlags("config"), 2);
  assert.equal(metadataScopeFlags("live+config"), 3);
});

Deno.test("libvirtErrorFor() picks the class by code and keeps libvirt's message", () => {
  const message = "Domain not found: no domain with matching name 'x'";
  const notFound = libvirtErrorFor("Cannot start domain x", { code: 42, domain: 10, message });
  assert.ok(notFound instanceof DomainNotFoundError);
  assert.ok(notFound instanceof LibvirtError);
  assert.equal(notFound.message, `Cannot start domain x: ${message}`);
  assert.equal(notFound.libvirtMessage, message);
  assert.equal(notFound.code, VIR_ERR.NO_DOMAIN);
  assert.equal(notFound.domain, 10);
  assert.equal(notFound.name, "DomainNotFoundError");

  const classOf = (code: number) => libvirtErrorFor("x", { code, domain: 0, message: "m" });
  assert.ok(classOf(VIR_ERR.OPERATION_INVALID) instanceof OperationInvalidError);
  assert.ok(classOf(VIR_ERR.DOM_EXIST) instanceof DomainExistsError);
  assert.ok(classOf(VIR_ERR.XML_ERROR) instanceof InvalidDomainXmlError);
  assert.ok(classOf(VIR_ERR.NO_CONNECT) instanceof ConnectionError);
  assert.equal(classOf(VIR_ERR.OPERATION_FAILED).constructor, LibvirtError);
});

Deno.test("libvirtErrorFor() still explains itself when libvirt recorded no error", () => {
  const error = libvirtErrorFor("Cannot list domains", undefined);
  assert.equal(error.constructor, LibvirtError);
  assert.match(error.message, /^Cannot list domains: /);
});

Deno.test("mayMeanConnectionLost() is true only for transport-like codes", () => {
  assert.equal(mayMeanConnectionLost(VIR_ERR.SYSTEM_ERROR), true);
  assert.equal(mayMeanConnectionLost(VIR_ERR.RPC), true);
  assert.equal(mayMeanConnectionLost(VIR_ERR.NO_DOMAIN), false);
  assert.equal(mayMeanConnectionLost(VIR_ERR.OPERATION_INVALID), false);
});

Deno.test("EventChannel delivers pushed values in order, then ends", async () => {
  const channel = new EventChannel<number>();
  channel.push(1);
  const pending = channel.next();
  const collected: number[] = [];
  collected.push((await pending).value as number);
  const later = channel.next();
  channel.push(2);
  collected.push((await later).value as number);
  channel.push(3);
  channel.end();
  channel.push(4);
  for await (const value of channel) collected.push(value);
  assert.deepEqual(collected, [1, 2, 3]);
  assert.equal((await channel.next()).done, true);
});
