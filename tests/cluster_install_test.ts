/**
 * The cluster install against a real API server: every object `kubectl apply -k manifests/cluster`
 * sends passes server-side validation and admission as a dry run, and the install's certificate job makes its
 * Secrets and writes its CA into the webhook configurations and APIServices (restored after).
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import {
  AdmissionregistrationV1Api,
  ApiregistrationV1Api,
  CoreV1Api,
} from "@kubernetes/client-node";
import { CLUSTER_NAMES } from "../cluster/names.ts";
import { renderCluster } from "../cluster/render.ts";
import { kubectl } from "./support/drains.ts";
import { testStack } from "./support/stack.ts";

const stack = await testStack();
const { namespace, certsSecret, agentCaSecret } = CLUSTER_NAMES;

Deno.test("kubectl apply -k manifests/cluster --dry-run=server accepts every object of the install", async () => {
  // The local stack registers its webhooks under the same names at a loopback URL; applied over
  // them, the install's Service references would sit beside those URLs. Validated as the new
  // objects a cluster without denovirt gets, under names of their own.
  const objects = (await renderCluster()).map((o) =>
    o.kind.endsWith("WebhookConfiguration")
      ? { ...o, metadata: { ...o.metadata, name: `${o.metadata.name}-dry-run` } }
      : o
  );
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    );
    const result = await kubectl(stack, ["apply", "-f", file, "--dry-run=server"]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.length, objects.length, result.stdout);
    for (const line of lines) assert.match(line, /\(server dry run\)$/);
    for (
      const name of [
        "daemonset.apps/denovirt-agent",
        "deployment.apps/denovirt-controllers",
        "deployment.apps/denovirt-webhooks",
        "job.batch/denovirt-certs",
        "apiservice.apiregistration.k8s.io/v1.subresources.kubevirt.io",
        "mutatingwebhookconfiguration.admissionregistration.k8s.io/denovirt-mutating-dry-run",
      ]
    ) {
      assert.ok(lines.some((l) => l.startsWith(`${name} `)), name);
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the certificate job stores the install's certificates and writes its CA where the API server reads it", async () => {
  const core = stack.admin.makeApiClient(CoreV1Api);
  const admission = stack.admin.makeApiClient(AdmissionregistrationV1Api);
  const aggregation = stack.admin.makeApiClient(ApiregistrationV1Api);
  const before = {
    mutating: await admission.readMutatingWebhookConfiguration({ name: "denovirt-mutating" }),
    validating: await admission.readValidatingWebhookConfiguration({ name: "denovirt-validating" }),
    apiServices: await Promise.all(
      CLUSTER_NAMES.apiServices.map((name) => aggregation.readAPIService({ name })),
    ),
  };
  const job = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cluster/certs_main.ts", `--kubeconfig=${stack.paths.kubeconfig}`],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
  try {
    const first = await job();
    assert.ok(first.success, new TextDecoder().decode(first.stderr));
    const secret = await core.readNamespacedSecret({ name: certsSecret, namespace });
    const pem = (key: string) => atob(secret.data![key]!);
    const ca = new X509Certificate(pem("ca.crt"));
    const serving = new X509Certificate(pem("webhooks.crt"));
    assert.ok(serving.verify(ca.publicKey), "the serving certificate is signed by the CA");
    assert.match(serving.subjectAltName!, /DNS:denovirt-webhooks\.denovirt\.svc/);
    assert.match(
      new X509Certificate(pem("webhooks-client.crt")).subject,
      /serviceaccount:denovirt:denovirt-webhooks/,
    );
    assert.ok(pem("front-proxy-ca.crt").includes("BEGIN CERTIFICATE"));
    const agentCa = await core.readNamespacedSecret({ name: agentCaSecret, namespace });
    assert.equal(atob(agentCa.data!["ca.crt"]!), pem("ca.crt"));
    const caBundle = secret.data!["ca.crt"];
    const mutating = await admission.readMutatingWebhookConfiguration({
      name: "denovirt-mutating",
    });
    const validating = await admission.readValidatingWebhookConfiguration({
      name: "denovirt-validating",
    });
    for (const name of CLUSTER_NAMES.apiServices) {
      assert.equal((await aggregation.readAPIService({ name })).spec?.caBundle, caBundle, name);
    }
    // The local stack's webhooks call a URL, not the Service: the job leaves those alone.
    const serviceHooks = [...mutating.webhooks ?? [], ...validating.webhooks ?? []]
      .filter((w) => w.clientConfig.service?.name === CLUSTER_NAMES.webhooksService);
    for (const hook of serviceHooks) assert.equal(hook.clientConfig.caBundle, caBundle, hook.name);
    // Run again: certificates that still serve are kept, not made anew.
    const second = await job();
    assert.ok(second.success, new TextDecoder().decode(second.stderr));
    const again = await core.readNamespacedSecret({ name: certsSecret, namespace });
    assert.equal(again.data!["ca.crt"], caBundle);
    assert.equal(again.data!["webhooks.crt"], secret.data!["webhooks.crt"]);
  } finally {
    await admission.replaceMutatingWebhookConfiguration({
      name: "denovirt-mutating",
      body: {
        ...await admission.readMutatingWebhookConfiguration({ name: "denovirt-mutating" }),
        webhooks: before.mutating.webhooks,
      },
    });
    await admission.replaceValidatingWebhookConfiguration({
      name: "denovirt-validating",
      body: {
        ...await admission.readValidatingWebhookConfiguration({ name: "denovirt-validating" }),
        webhooks: before.validating.webhooks,
      },
    });
    for (const original of before.apiServices) {
      const name = original.metadata!.name!;
      await aggregation.replaceAPIService({
        name,
        body: { ...await aggregation.readAPIService({ name }), spec: original.spec! },
      });
    }
    for (const name of [certsSecret, agentCaSecret]) {
      await core.deleteNamespacedSecret({ name, namespace }).catch(() => {});
    }
  }
});
