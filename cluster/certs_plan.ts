/**
 * What the install's certificate job decides, as pure functions: whether the stored
 * certificates still serve, what the Secrets hold, and the patches that put the CA into the
 * webhook configurations and APIServices.
 */
import { X509Certificate } from "node:crypto";

/** The job renews a certificate this long before it expires. */
export const RENEW_BEFORE_DAYS = 30;

/** The names the webhooks' serving certificate must carry (the Service, as the API server dials it). */
export function webhookServiceNames(service: string, namespace: string): string[] {
  return [
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
    `${service}.${namespace}`,
    service,
  ];
}

/** Why a stored certificate must be made anew, or undefined while it serves. */
export function renewalReason(
  pem: string | undefined,
  now: Date,
  dnsNames: string[] = [],
): string | undefined {
  if (!pem) return "there is none";
  let cert;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return "it cannot be read";
  }
  const renewAt = new Date(cert.validTo).getTime() - RENEW_BEFORE_DAYS * 86_400_000;
  if (now.getTime() >= renewAt) return `it expires on ${new Date(cert.validTo).toISOString()}`;
  const sans = (cert.subjectAltName ?? "").split(", ").map((s) => s.replace(/^DNS:/, ""));
  const missing = dnsNames.filter((name) => !sans.includes(name));
  if (missing.length > 0) return `it does not name ${missing.join(", ")}`;
  return undefined;
}

/** A JSON Patch op. */
export interface PatchOp {
  op: "test" | "add" | "replace";
  path: string;
  value?: unknown;
}

/**
 * JSON Patch setting the caBundle of every webhook of a configuration that calls `service`,
 * each guarded by a test of the webhook's name, so a concurrent edit fails the patch instead of
 * landing on the wrong webhook.
 */
export function webhookCaBundlePatch(
  webhooks: { name?: string; clientConfig?: { service?: { name?: string; namespace?: string } } }[],
  service: { name: string; namespace: string },
  caBundle: string,
): PatchOp[] {
  const ops: PatchOp[] = [];
  webhooks.forEach((webhook, i) => {
    const target = webhook.clientConfig?.service;
    if (target?.name !== service.name || target?.namespace !== service.namespace) return;
    ops.push({ op: "test", path: `/webhooks/${i}/name`, value: webhook.name });
    ops.push({ op: "add", path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle });
  });
  return ops;
}

/** The Secret data (base64) from PEM files by key. */
export function secretData(files: Record<string, string>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, pem] of Object.entries(files)) data[key] = btoa(pem);
  return data;
}
