/**
 * The subresource API as raw HTTP through the real API server, as virtctl and other clients
 * send it: discovery, start and stop, KubeVirt's 404 and 409 answers, the guest agent's
 * subresources without a guest agent, and a 403 from the SubjectAccessReview for a
 * ServiceAccount without RBAC.
 */
import assert from "node:assert/strict";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { transportFrom } from "../lib/kube/transport.ts";
import { eventually, testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** One call through the API server as the admin, or with a bearer token instead. */
async function http(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Json; text: string; ms: number }> {
  const transport = transportFrom(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
  const started = Date.now();
  try {
    const response = await fetch(transport.server + path, {
      method,
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : transport.authHeaders()),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      // A token caller must not also present the admin's client certificate.
      client: token ? Deno.createHttpClient({ caCerts: [caPem()] }) : transport.client,
    });
    const text = await response.text();
    const isJson = response.headers.get("content-type")?.includes("json") ?? false;
    return {
      status: response.status,
      json: isJson && text ? JSON.parse(text) : {},
      text,
      ms: Date.now() - started,
    };
  } finally {
    transport.close();
  }
}

const caPem = () => Deno.readTextFileSync(`${stack.paths.pki}/ca.crt`);
const sub = (ns: string, rest: string) =>
  `/apis/subresources.kubevirt.io/v1/namespaces/${ns}/${rest}`;

async function createVm(namespace: string, name: string, runStrategy: string) {
  await stack.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: "kubevirt.io",
    version: "v1",
    plural: "virtualmachines",
    namespace,
    body: {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachine",
      metadata: { name, namespace },
      spec: {
        runStrategy,
        template: { spec: { domain: { memory: { guest: "64Mi" }, devices: {} } } },
      },
    },
  });
}

Deno.test("the API server serves the subresources.kubevirt.io discovery documents", async () => {
  const group = await http("GET", "/apis/subresources.kubevirt.io");
  assert.equal(group.status, 200);
  assert.deepEqual(group.json.versions.map((v: Json) => v.version), ["v1", "v1alpha3"]);
  for (const version of ["v1", "v1alpha3"]) {
    const list = await http("GET", `/apis/subresources.kubevirt.io/${version}`);
    assert.equal(list.json.kind, "APIResourceList");
    const names = list.json.resources.map((r: Json) => r.name);
    for (const name of ["virtualmachines/start", "virtualmachineinstances/console"]) {
      assert.ok(names.includes(name), `${version} lists ${name}`);
    }
  }
  const version = await http("GET", "/apis/subresources.kubevirt.io/v1/version");
  assert.match(version.json.gitVersion, /denovirt/);
});

Deno.test("PUT start and stop through the API server flip a Halted VM", () =>
  withNamespace(stack.admin, "sub", async (namespace) => {
    await createVm(namespace, "web", "Halted");
    const start = await http("PUT", sub(namespace, "virtualmachines/web/start"), {});
    assert.equal(start.status, 202);
    console.log(`start round trip through the API server: ${start.ms} ms`);
    const api = stack.admin.makeApiClient(CustomObjectsApi);
    const target = {
      group: "kubevirt.io",
      version: "v1",
      plural: "virtualmachines",
      namespace,
      name: "web",
    };
    assert.equal((await api.getNamespacedCustomObject(target) as Json).spec.runStrategy, "Always");
    const again = await http("PUT", sub(namespace, "virtualmachines/web/start"), {});
    assert.equal(again.status, 409);
    assert.equal(again.json.reason, "Conflict");
    const stop = await http("PUT", sub(namespace, "virtualmachines/web/stop"), {
      gracePeriod: 5,
      extra: 1,
    });
    assert.equal(stop.status, 202);
    assert.equal((await api.getNamespacedCustomObject(target) as Json).spec.runStrategy, "Halted");
    // A start is refused while the stopped VM's VMI still exists, as in KubeVirt.
    await eventually("the stopped VM's VMI to go", async () => {
      const vmi = await api.getNamespacedCustomObject({
        ...target,
        plural: "virtualmachineinstances",
      })
        .catch((error) =>
          (error as { code?: number }).code === 404 ? undefined : Promise.reject(error)
        );
      return vmi === undefined ? true : undefined;
    }, 60_000);
    const dry = await http("PUT", sub(namespace, "virtualmachines/web/start"), { dryRun: ["All"] });
    assert.equal(dry.status, 202);
    assert.equal((await api.getNamespacedCustomObject(target) as Json).spec.runStrategy, "Halted");
  }));

Deno.test("the subresource API answers KubeVirt's 404, 409 and 400 Status objects", () =>
  withNamespace(stack.admin, "sub", async (namespace) => {
    const missing = await http("PUT", sub(namespace, "virtualmachines/nope/start"), {});
    assert.equal(missing.status, 404);
    assert.equal(missing.json.kind, "Status");
    assert.equal(missing.json.message, 'virtualmachine.kubevirt.io "nope" not found');
    await createVm(namespace, "manual", "Manual");
    const notRunning = await http("PUT", sub(namespace, "virtualmachines/manual/stop"), {});
    assert.equal(notRunning.status, 409);
    assert.match(notRunning.json.message, /VM is not running/);
    const restart = await http("PUT", sub(namespace, "virtualmachines/manual/restart"), {});
    assert.equal(restart.status, 409);
    const forced = await http("PUT", sub(namespace, "virtualmachines/manual/restart"), {
      gracePeriodSeconds: 5,
    });
    assert.equal(forced.status, 400);
    const noVmi = await http("PUT", sub(namespace, "virtualmachineinstances/manual/pause"), {});
    assert.equal(noVmi.status, 404);
    assert.equal(noVmi.json.message, 'virtualmachineinstance.kubevirt.io "manual" not found');
    const bad = await http(
      "PUT",
      sub(namespace, "virtualmachines/manual/start"),
      "{nope",
    );
    assert.equal(bad.status, 400);
  }));

Deno.test("guestosinfo, userlist and filesystemlist answer virt-api's plain 500 without a guest agent", () =>
  withNamespace(stack.admin, "sub", async (namespace) => {
    // A VMI no node can take stays short of Running, whatever the stack's roles do.
    await stack.admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: "kubevirt.io",
      version: "v1",
      plural: "virtualmachineinstances",
      namespace,
      body: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachineInstance",
        metadata: { name: "waiting", namespace },
        spec: {
          nodeSelector: { "denovirt.io/test-node": "nowhere" },
          domain: { memory: { guest: "64Mi" }, devices: {} },
        },
      },
    });
    for (const what of ["guestosinfo", "userlist", "filesystemlist"]) {
      const missing = await http("GET", sub(namespace, `virtualmachineinstances/nope/${what}`));
      assert.equal(missing.status, 500, what);
      assert.equal(missing.text, 'virtualmachineinstance.kubevirt.io "nope" not found');
      const waiting = await http("GET", sub(namespace, `virtualmachineinstances/waiting/${what}`));
      assert.equal(waiting.status, 500, what);
      assert.equal(
        waiting.text,
        'Operation cannot be fulfilled on virtualmachineinstance.kubevirt.io "waiting": ' +
          "VMI is not running",
      );
    }
    const list = await http("GET", "/apis/subresources.kubevirt.io/v1");
    const names = list.json.resources.map((r: Json) => r.name);
    for (const what of ["guestosinfo", "userlist", "filesystemlist"]) {
      assert.ok(names.includes(`virtualmachineinstances/${what}`), `discovery lists ${what}`);
    }
  }));

Deno.test("a ServiceAccount without RBAC gets 403 for start; with KubeVirt's role names it may", () =>
  withNamespace(stack.admin, "sub", async (namespace) => {
    await createVm(namespace, "web", "Halted");
    const core = stack.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "bob" } } });
    const token = (await core.createNamespacedServiceAccountToken({
      namespace,
      name: "bob",
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    })).status!.token;
    const denied = await http("PUT", sub(namespace, "virtualmachines/web/start"), {}, token);
    assert.equal(denied.status, 403);
    assert.match(denied.json.message, /cannot update resource "virtualmachines\/start"/);
    const { RbacAuthorizationV1Api } = await import("@kubernetes/client-node");
    const rbac = stack.admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: "vm-starter" },
        rules: [{
          apiGroups: ["subresources.kubevirt.io"],
          resources: ["virtualmachines/start"],
          verbs: ["update"],
        }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "bob-starts" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "vm-starter" },
        subjects: [{ kind: "ServiceAccount", name: "bob", namespace }],
      },
    });
    const allowed = await http("PUT", sub(namespace, "virtualmachines/web/start"), {}, token);
    assert.equal(allowed.status, 202, JSON.stringify(allowed.json));
    const stillDenied = await http("PUT", sub(namespace, "virtualmachines/web/stop"), {}, token);
    assert.equal(stillDenied.status, 403);
  }));

Deno.test("the subresource port refuses callers that forge X-Remote-User without the front-proxy certificate", async () => {
  const url = `https://127.0.0.1:${stack.ports.subresources}` +
    "/apis/subresources.kubevirt.io/v1/namespaces/default/virtualmachines/web/start";
  const forged = { "x-remote-user": "denovirt-admin", "x-remote-group": "system:masters" };
  const pki = (name: string) => Deno.readTextFileSync(`${stack.paths.pki}/${name}`);
  const clients = {
    "no certificate": Deno.createHttpClient({ caCerts: [caPem()] }),
    // The cluster CA's admin certificate is not the front proxy's.
    "the admin's certificate": Deno.createHttpClient({
      caCerts: [caPem()],
      cert: pki("admin.crt"),
      key: pki("admin.key"),
    }),
  };
  for (const [who, client] of Object.entries(clients)) {
    const response = await fetch(url, { method: "PUT", headers: forged, body: "{}", client });
    const status = await response.json();
    client.close();
    assert.equal(response.status, 401, who);
    assert.equal(status.reason, "Unauthorized", who);
  }
  const health = await fetch(`https://127.0.0.1:${stack.ports.subresources}/healthz`, {
    client: Deno.createHttpClient({ caCerts: [caPem()] }),
  });
  assert.equal(await health.text(), "ok");
});
