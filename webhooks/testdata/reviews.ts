// Test helpers: AdmissionReview fixtures around KubeVirt-format objects, and a fake lookup.
import { parse } from "yaml";
import type {
  InstancetypeSpec,
  PreferenceSpec,
  VirtualMachineInstance,
  VirtualMachineInstanceMigration,
} from "../../api/mod.ts";
import { ADMITTED_KINDS } from "../kinds.ts";
import type { Lookups } from "../review.ts";

/** An object of `api/testdata/<name>.yaml`. */
export function apiFixture(name: string): Record<string, unknown> {
  const url = new URL(`../../api/testdata/${name}.yaml`, import.meta.url);
  return parse(Deno.readTextFileSync(url)) as Record<string, unknown>;
}

export interface ReviewOptions {
  operation?: "CREATE" | "UPDATE" | "DELETE";
  oldObject?: unknown;
  uid?: string;
  username?: string;
  namespace?: string;
  /** Override the plural the request names (default: the object's kind). */
  plural?: string;
  dryRun?: boolean;
}

/** The plural of an object's kind. */
export function pluralOf(object: unknown): string {
  const kind = (object as { kind?: string }).kind;
  const found = ADMITTED_KINDS.find((k) => k.kind === kind);
  if (!found) throw new Error(`No admitted kind ${kind}`);
  return found.plural;
}

/** An AdmissionReview v1 request as kube-apiserver sends it. */
export function reviewOf(object: unknown, options: ReviewOptions = {}): Record<string, unknown> {
  const plural = options.plural ?? pluralOf(object);
  const kind = ADMITTED_KINDS.find((k) => k.plural === plural)!;
  const rawMeta = (object as { metadata?: unknown }).metadata;
  const meta = (typeof rawMeta === "object" && rawMeta !== null ? rawMeta : {}) as {
    name?: unknown;
    namespace?: unknown;
  };
  const apiVersion = (object as { apiVersion?: unknown }).apiVersion;
  const version = (typeof apiVersion === "string" ? apiVersion.split("/")[1] : undefined) ?? "v1";
  const gvk = { group: kind.group, version, kind: kind.kind };
  const gvr = { group: kind.group, version, resource: plural };
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: options.uid ?? "7f0b2d4c-1111-4e2a-9f00-000000000001",
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: typeof meta.name === "string" ? meta.name : "",
      namespace: options.namespace ??
        (typeof meta.namespace === "string" ? meta.namespace : "default"),
      operation: options.operation ?? "CREATE",
      userInfo: { username: options.username ?? "alice", groups: ["system:authenticated"] },
      object: options.operation === "DELETE" ? null : object,
      oldObject: options.oldObject ?? null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  };
}

/** POST init for `app.request()`. */
export function post(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** Lookups over fixed VMIs and migrations. */
export function fakeLookups(
  vmis: VirtualMachineInstance[] = [],
  migrations: VirtualMachineInstanceMigration[] = [],
): Lookups {
  return {
    getVmi: (namespace, name) =>
      Promise.resolve(
        vmis.find((v) =>
          v.metadata.name === name && (v.metadata.namespace ?? "default") === namespace
        ),
      ),
    listMigrations: (namespace) =>
      Promise.resolve(migrations.filter((m) => (m.metadata.namespace ?? "default") === namespace)),
    getInstancetypeSpec: (target) =>
      Promise.resolve(FAKE_INSTANCETYPES[`${target.kind}/${target.name}`]),
    getRevisionSpec: () => Promise.resolve(undefined),
  };
}

/** The instance types and preferences fakeLookups() finds, by `kind/name`. */
export const FAKE_INSTANCETYPES: Record<string, InstancetypeSpec | PreferenceSpec> = {
  "VirtualMachineClusterInstancetype/u1.medium": { cpu: { guest: 1 }, memory: { guest: "4Gi" } },
  "VirtualMachineClusterPreference/fedora": {
    devices: { preferredDiskBus: "virtio" },
    requirements: { cpu: { guest: 1 } },
  },
};
