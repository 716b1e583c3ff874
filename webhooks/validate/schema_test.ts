import assert from "node:assert/strict";
import { VirtualMachineInstanceSchema } from "../../api/mod.ts";
import { causeFromLine, checkSchema } from "./schema.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const vmi = (): Json => ({
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachineInstance",
  metadata: { name: "a" },
  spec: { domain: { devices: {} } },
});

Deno.test("checkSchema() gives a typed value without the unknown fields it reports", () => {
  const object = vmi();
  object.spec.domain.devices.floppy = {};
  const check = checkSchema(VirtualMachineInstanceSchema, object);
  assert.deepEqual(check.causes, [{
    field: "spec.domain.devices.floppy",
    message: "unknown field",
    type: "FieldValueInvalid",
  }]);
  assert.deepEqual(check.value?.spec.domain.devices, {});
});

Deno.test("checkSchema() gives no value when other problems make the object untyped", () => {
  const object = vmi();
  object.spec.domain.devices.disks = [{}];
  const check = checkSchema(VirtualMachineInstanceSchema, object);
  assert.equal(check.value, undefined);
  assert.deepEqual(check.causes, [{
    field: "spec.domain.devices.disks[0].name",
    message: "Required value",
    type: "FieldValueRequired",
  }]);
});

Deno.test("causeFromLine() splits at the first ': ' outside brackets", () => {
  assert.deepEqual(causeFromLine("metadata.labels[a: b]: Required value"), {
    field: "metadata.labels[a: b]",
    message: "Required value",
    type: "FieldValueRequired",
  });
  assert.deepEqual(causeFromLine("<root>: must be an object"), {
    field: "",
    message: "must be an object",
    type: "FieldValueInvalid",
  });
});
