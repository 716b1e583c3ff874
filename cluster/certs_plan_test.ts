import assert from "node:assert/strict";
import { renewalReason, webhookCaBundlePatch, webhookServiceNames } from "./certs_plan.ts";

const service = { name: "denovirt-webhooks", namespace: "denovirt" };

async function selfSigned(days: number, san: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        `${dir}/k`,
        "-out",
        `${dir}/c`,
        "-days",
        String(days),
        "-subj",
        "/CN=t",
        "-addext",
        `subjectAltName=${san}`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.ok(out.success);
    return await Deno.readTextFile(`${dir}/c`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("renewalReason() keeps a certificate that names the Service and has time left", async () => {
  const names = webhookServiceNames(service.name, service.namespace);
  const pem = await selfSigned(365, names.map((n) => `DNS:${n}`).join(","));
  assert.equal(renewalReason(pem, new Date(), names), undefined);
});

Deno.test("renewalReason() renews a missing, unreadable, expiring or misnamed certificate", async () => {
  assert.equal(renewalReason(undefined, new Date()), "there is none");
  assert.equal(renewalReason("not a pem", new Date()), "it cannot be read");
  const soon = await selfSigned(10, "DNS:denovirt-webhooks.denovirt.svc");
  assert.match(renewalReason(soon, new Date())!, /^it expires on /);
  const other = await selfSigned(365, "DNS:other.denovirt.svc");
  assert.match(
    renewalReason(other, new Date(), ["denovirt-webhooks.denovirt.svc"])!,
    /does not name denovirt-webhooks\.denovirt\.svc/,
  );
});

Deno.test("webhookCaBundlePatch() sets the CA of the webhooks calling the Service, and only those", () => {
  const ops = webhookCaBundlePatch(
    [
      { name: "a.denovirt.io", clientConfig: { service } },
      { name: "other.example.org", clientConfig: { service: { name: "x", namespace: "y" } } },
      { name: "b.denovirt.io", clientConfig: { service } },
    ],
    service,
    "Q0E=",
  );
  assert.deepEqual(ops, [
    { op: "test", path: "/webhooks/0/name", value: "a.denovirt.io" },
    { op: "add", path: "/webhooks/0/clientConfig/caBundle", value: "Q0E=" },
    { op: "test", path: "/webhooks/2/name", value: "b.denovirt.io" },
    { op: "add", path: "/webhooks/2/clientConfig/caBundle", value: "Q0E=" },
  ]);
});
