import assert from "node:assert/strict";
import { ApiError } from "../lib/kube/api_error.ts";
import { StatusError } from "../lib/http/status.ts";
import { patchError, volumePatchError } from "./patch_errors.ts";
import type { PatchStep } from "./lifecycle.ts";

const vmStep: PatchStep = { target: "vm", patch: [] };
const vmiStep: PatchStep = { target: "vmi", patch: [] };
const apiError = (status: number, message: string) =>
  new ApiError(message, status, "", undefined, {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message,
    code: status,
  });

Deno.test("patchError() answers KubeVirt's codes for a failed lifecycle patch", () => {
  const cases: [unknown, PatchStep, number, RegExp][] = [
    [apiError(404, "gone"), vmStep, 404, /virtualmachine.* "web" not found/],
    [apiError(404, "gone"), vmiStep, 404, /virtualmachineinstance.* "web" not found/],
    [apiError(409, "changed"), vmStep, 409, /try again: changed/],
    [apiError(422, "testing value /spec failed"), vmStep, 409, /try again/],
    [apiError(500, "etcd down"), vmStep, 500, /etcd down/],
    [new Error("socket closed"), vmStep, 500, /socket closed/],
  ];
  for (const [error, step, code, message] of cases) {
    const answer = patchError(error, step, "web");
    assert.equal(answer.status.code, code, String(error));
    assert.match(answer.status.message ?? "", message);
  }
  const own = new StatusError({ kind: "Status", code: 400, message: "bad" } as never);
  assert.equal(patchError(own, vmStep, "web"), own);
});

Deno.test("volumePatchError() passes the VMI's admission refusal through and words the rest as virt-api", () => {
  const refused = volumePatchError(apiError(422, "spec.volumes[1]: taken"), vmiStep, "web");
  assert.equal(refused.status.code, 422);
  assert.equal(refused.status.message, "spec.volumes[1]: taken");
  const internalVmi = volumePatchError(apiError(500, "etcd down"), vmiStep, "web");
  assert.equal(internalVmi.status.code, 500);
  assert.match(internalVmi.status.message ?? "", /unable to patch vmi: etcd down$/);
  const internalVm = volumePatchError(apiError(422, "no"), vmStep, "web");
  assert.match(internalVm.status.message ?? "", /unable to patch vm status: no$/);
  assert.equal(volumePatchError(apiError(409, "x"), vmStep, "web").status.code, 409);
});
