import assert from "node:assert/strict";
import { conflict, forbidden, notFound, StatusError, statusResponse } from "./status.ts";

Deno.test("statusResponse() answers a StatusError with its code and Status body", async () => {
  const response = statusResponse(conflict("virtualmachine", "web", "VM is already running"));
  assert.equal(response.status, 409);
  const body = await response.json();
  assert.equal(body.kind, "Status");
  assert.equal(body.reason, "Conflict");
  assert.equal(
    body.message,
    'Operation cannot be fulfilled on virtualmachine.kubevirt.io "web": VM is already running',
  );
  assert.deepEqual(body.details, { name: "web", group: "kubevirt.io", kind: "virtualmachine" });
});

Deno.test("statusResponse() answers anything else thrown as a 500 InternalError", async () => {
  const response = statusResponse(new Error("boom"));
  assert.equal(response.status, 500);
  const body = await response.json();
  assert.equal(body.reason, "InternalError");
  assert.equal(body.message, "Internal error occurred: boom");
});

Deno.test("notFound() and forbidden() word their messages as the API server does", () => {
  assert.equal(
    notFound("virtualmachineinstance", "nope").message,
    'virtualmachineinstance.kubevirt.io "nope" not found',
  );
  const denied = forbidden("bob", "get", "virtualmachineinstances", "console", "ns", "web");
  assert.ok(denied instanceof StatusError);
  assert.equal(denied.status.code, 403);
  assert.equal(
    denied.message,
    'virtualmachineinstances.subresources.kubevirt.io "web" is forbidden: User "bob" cannot get ' +
      'resource "virtualmachineinstances/console" in API group "subresources.kubevirt.io" in the ' +
      'namespace "ns"',
  );
});
