/**
 * `denovirt-certs`: the install's certificate job. Makes (or keeps, while they serve) the CA and
 * the certificates the roles present in a cluster, stores them in Secrets, and writes the CA into
 * the webhook configurations and APIServices, as cert-manager's CA injector would.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WEBHOOKS_IDENTITY } from "../api/contract.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { configMaps, type Resource, secrets } from "../lib/kube/resources.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { ensureCa, ensureLeaf } from "../stack/pki.ts";
import {
  renewalReason,
  secretData,
  webhookCaBundlePatch,
  webhookServiceNames,
} from "./certs_plan.ts";
import { CLUSTER_NAMES } from "./names.ts";

const USAGE = `Usage: denovirt-certs [--kubeconfig=FILE]

Makes the CA and certificates of denovirt's install (kept while they serve, renewed within
30 days of expiry), stores them in the Secrets ${CLUSTER_NAMES.certsSecret} and
${CLUSTER_NAMES.agentCaSecret} in namespace ${CLUSTER_NAMES.namespace}, and writes the CA into the
webhook configurations and APIServices.`;

const webhookConfigs = (kind: "Mutating" | "Validating"): Resource => ({
  group: "admissionregistration.k8s.io",
  version: "v1",
  plural: `${kind.toLowerCase()}webhookconfigurations`,
  kind: `${kind}WebhookConfiguration`,
  namespaced: false,
});
const apiServices: Resource = {
  group: "apiregistration.k8s.io",
  version: "v1",
  plural: "apiservices",
  kind: "APIService",
  namespaced: false,
};

/** Runs the job once; returns the exit code. */
export async function certsJob(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { kubeconfig: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return (console.log(USAGE), 0);
  const rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: values.kubeconfig }));
  const dir = await Deno.makeTempDir({ prefix: "denovirt-certs-" });
  try {
    const ca = await ensureCertificates(rest, dir);
    await injectCaBundle(rest, btoa(ca));
    console.log("Certificates in place; CA written into the webhooks and APIServices");
    return 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Issue what is missing or due, store both Secrets; returns the CA certificate (PEM). */
async function ensureCertificates(rest: RestClient, dir: string): Promise<string> {
  const { namespace, certsSecret, agentCaSecret, webhooksService } = CLUSTER_NAMES;
  // The agents' Secret holds a copy of ca.crt; the CA itself is read from its own Secret only.
  const agentSide = await readSecret(rest, agentCaSecret);
  const stored: Record<string, string> = {
    ...await readSecret(rest, certsSecret),
    "agent-ca.crt": agentSide["agent-ca.crt"] ?? "",
    "agent-ca.key": agentSide["agent-ca.key"] ?? "",
  };
  const now = new Date();
  const names = webhookServiceNames(webhooksService, namespace);
  const keep = (stem: string, dnsNames: string[] = []) => {
    const reason = stored[`${stem}.key`]
      ? renewalReason(stored[`${stem}.crt`], now, dnsNames)
      : "its key is missing";
    if (reason) console.log(`Making ${stem}.crt: ${reason}`);
    return !reason;
  };
  const files: Record<string, string> = {};
  const reuse = async (...stems: string[]) => {
    for (const stem of stems) {
      for (const ext of ["crt", "key"]) {
        await Deno.writeTextFile(join(dir, `${stem}.${ext}`), stored[`${stem}.${ext}`]!);
      }
    }
  };
  // A new CA invalidates every certificate it signed, so they are made anew with it.
  if (keep("ca")) {
    await reuse("ca");
    if (keep("webhooks", names)) await reuse("webhooks");
    if (keep("webhooks-client")) await reuse("webhooks-client");
  }
  if (keep("agent-ca")) await reuse("agent-ca");
  await ensureCa(join(dir, "ca.crt"), join(dir, "ca.key"), "denovirt-ca");
  await ensureCa(join(dir, "agent-ca.crt"), join(dir, "agent-ca.key"), "denovirt-agent-ca");
  const caFiles = [join(dir, "ca.crt"), join(dir, "ca.key")] as const;
  await ensureLeaf(
    dir,
    ...caFiles,
    "webhooks",
    `/CN=${names[0]}`,
    "serverAuth",
    names.map((n) => `DNS:${n}`),
  );
  await ensureLeaf(
    dir,
    ...caFiles,
    "webhooks-client",
    `/CN=${WEBHOOKS_IDENTITY}`,
    "clientAuth",
    [],
  );
  for (const stem of ["ca", "webhooks", "webhooks-client", "agent-ca"]) {
    for (const ext of ["crt", "key"]) {
      files[`${stem}.${ext}`] = await Deno.readTextFile(join(dir, `${stem}.${ext}`));
    }
  }
  const frontProxyCa = await frontProxyCaOf(rest);
  await writeSecret(rest, certsSecret, {
    "ca.crt": files["ca.crt"]!,
    "ca.key": files["ca.key"]!,
    "webhooks.crt": files["webhooks.crt"]!,
    "webhooks.key": files["webhooks.key"]!,
    "webhooks-client.crt": files["webhooks-client.crt"]!,
    "webhooks-client.key": files["webhooks-client.key"]!,
    "agent-ca.crt": files["agent-ca.crt"]!,
    "front-proxy-ca.crt": frontProxyCa,
  });
  await writeSecret(rest, agentCaSecret, {
    "agent-ca.crt": files["agent-ca.crt"]!,
    "agent-ca.key": files["agent-ca.key"]!,
    "ca.crt": files["ca.crt"]!,
  });
  return files["ca.crt"]!;
}

/** The API server's front-proxy CA, which the aggregated API trusts for its callers. */
async function frontProxyCaOf(rest: RestClient): Promise<string> {
  const cm = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, {
    namespace: "kube-system",
    name: "extension-apiserver-authentication",
  });
  const ca = cm.data?.["requestheader-client-ca-file"];
  if (!ca) {
    throw new Error(
      "Cannot serve the subresource API: kube-system/extension-apiserver-authentication has no " +
        "requestheader-client-ca-file (the API server needs --requestheader-client-ca-file)",
    );
  }
  return ca;
}

async function readSecret(rest: RestClient, name: string): Promise<Record<string, string>> {
  try {
    const secret = await rest.get<KubeObject & { data?: Record<string, string> }>(secrets, {
      namespace: CLUSTER_NAMES.namespace,
      name,
    });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = atob(v);
    return out;
  } catch (error) {
    if (isNotFound(error)) return {};
    throw error;
  }
}

async function writeSecret(rest: RestClient, name: string, files: Record<string, string>) {
  // Server-side apply needs the type in the body.
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: CLUSTER_NAMES.namespace,
      labels: { "app.kubernetes.io/part-of": "denovirt" },
    },
    type: "Opaque",
    data: secretData(files),
  };
  await rest.patch(secrets, { namespace: CLUSTER_NAMES.namespace, name }, secret, {
    type: "apply",
    force: true,
    fieldManager: "denovirt-certs",
  });
}

/** Put the CA into every webhook that calls the Service, and into both APIServices. */
async function injectCaBundle(rest: RestClient, caBundle: string) {
  const service = { name: CLUSTER_NAMES.webhooksService, namespace: CLUSTER_NAMES.namespace };
  for (const [kind, name] of CLUSTER_NAMES.webhookConfigurations) {
    const config = await rest.get<KubeObject & { webhooks?: [] }>(webhookConfigs(kind), { name });
    const patch = webhookCaBundlePatch(config.webhooks ?? [], service, caBundle);
    await rest.patch(webhookConfigs(kind), { name }, patch, { type: "json" });
  }
  for (const name of CLUSTER_NAMES.apiServices) {
    await rest.patch(apiServices, { name }, { spec: { caBundle } }, { type: "merge" });
  }
}
