import assert from "node:assert/strict";
import { goDirective, stagingModules, versionLdflags } from "./kube_build.ts";

const UPSTREAM = `module k8s.io/kubernetes

go 1.26.0

require (
	github.com/blang/semver/v4 v4.0.0
	k8s.io/api v0.0.0
	k8s.io/kube-openapi v0.0.0-20260317180543-43fb72c5454a
	k8s.io/client-go v0.0.0
)

require (
	k8s.io/cri-streaming v0.0.0 // indirect
)
`;

Deno.test("stagingModules() lists the modules required at the v0.0.0 placeholder only", () => {
  assert.deepEqual(stagingModules(UPSTREAM), ["k8s.io/api", "k8s.io/client-go"]);
});

Deno.test("goDirective() reads the go version of a go.mod", () => {
  assert.equal(goDirective(UPSTREAM), "1.26.0");
  assert.throws(() => goDirective("module x\n"), /no go directive/);
});

Deno.test("versionLdflags() sets Kubernetes' version variables in client-go and component-base", () => {
  const flags = versionLdflags("1.36.3", "2026-07-22T18:07:38Z").split(" ");
  for (const pkg of ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"]) {
    assert.ok(flags.includes(`${pkg}.gitVersion=v1.36.3`));
    assert.ok(flags.includes(`${pkg}.gitMajor=1`));
    assert.ok(flags.includes(`${pkg}.gitMinor=36`));
    assert.ok(flags.includes(`${pkg}.buildDate=2026-07-22T18:07:38Z`));
  }
  assert.equal(flags.filter((f) => f === "-X").length, 10);
});
