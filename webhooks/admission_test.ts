import assert from "node:assert/strict";
import {
  admissionResponse,
  isNotAReview,
  jsonDepthExceeds,
  parseAdmissionReview,
} from "./admission.ts";
import { cause, verdictOf } from "./review.ts";

Deno.test("jsonDepthExceeds() counts brackets outside strings only", () => {
  assert.equal(jsonDepthExceeds("[[[]]]", 3), false);
  assert.equal(jsonDepthExceeds("[[[[]]]]", 3), true);
  assert.equal(jsonDepthExceeds(`{"a":"[[[[[[\\"[[["}`, 1), false);
  assert.equal(jsonDepthExceeds("[".repeat(1_000_000), 100), true);
});

Deno.test("parseAdmissionReview() reads the request and refuses what is not a review", () => {
  const request = parseAdmissionReview(JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "u1",
      operation: "UPDATE",
      resource: { group: "g", version: "v1", resource: "r" },
      userInfo: { username: "bob" },
      dryRun: true,
      object: {},
      oldObject: {},
    },
  }));
  assert.ok(!isNotAReview(request));
  assert.equal(request.uid, "u1");
  assert.equal(request.username, "bob");
  assert.equal(request.dryRun, true);
  assert.deepEqual(request.resource, { group: "g", version: "v1", resource: "r" });
  const refused = parseAdmissionReview("{");
  assert.ok(isNotAReview(refused));
  assert.match(refused.message, /not JSON/);
});

Deno.test("admissionResponse() refuses like KubeVirt: code 422, reason Invalid, every cause", () => {
  const review = admissionResponse(
    "u",
    verdictOf([cause("spec.a", "Required value", "FieldValueRequired"), cause("spec.b", "bad")]),
  );
  assert.deepEqual(review, {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: {
      uid: "u",
      allowed: false,
      status: {
        status: "Failure",
        message: "spec.a: Required value; spec.b: bad",
        reason: "Invalid",
        code: 422,
        details: {
          causes: [
            { type: "FieldValueRequired", field: "spec.a", message: "Required value" },
            { type: "FieldValueInvalid", field: "spec.b", message: "bad" },
          ],
        },
      },
    },
  });
});

Deno.test("admissionResponse() sends a patch as base64 JSON Patch only when allowed", () => {
  const allowed = admissionResponse("u", { allowed: true, warnings: ["w"] }, [{
    op: "add",
    path: "/a",
    value: 1,
  }]);
  const response = allowed.response as Record<string, string>;
  assert.equal(response.patchType, "JSONPatch");
  assert.deepEqual(JSON.parse(atob(response.patch!)), [{ op: "add", path: "/a", value: 1 }]);
  assert.deepEqual(response.warnings, ["w"]);
  const none = admissionResponse("u", { allowed: true });
  assert.deepEqual(none.response, { uid: "u", allowed: true });
});
