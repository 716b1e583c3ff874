/** The Lease object leader election is held on, and where it is read and written. */
import { isAlreadyExists, isNotFound } from "./kube/api_error.ts";
import type { KubeObject } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import { leases } from "./kube/resources.ts";

/** coordination.k8s.io/v1 LeaseSpec. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

/** coordination.k8s.io/v1 Lease. */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** Reads and writes one Lease; `update` must fail with a 409 ApiError on a stale resourceVersion. */
export interface LeaseStore {
  get(signal?: AbortSignal): Promise<Lease | undefined>;
  /** Answers undefined when another replica created it first. */
  create(lease: Lease, signal?: AbortSignal): Promise<Lease | undefined>;
  update(lease: Lease, signal?: AbortSignal): Promise<Lease>;
}

/** A LeaseStore on the API server. */
export function restLeaseStore(
  rest: RestClient,
  at: { namespace: string; name: string },
): LeaseStore {
  return {
    async get(signal) {
      try {
        return await rest.get<Lease>(leases, at, signal);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async create(lease, signal) {
      const body = { ...lease, metadata: { ...lease.metadata, ...at } };
      try {
        return await rest.create<Lease>(leases, body, signal ? { signal } : {});
      } catch (error) {
        if (isAlreadyExists(error)) return undefined;
        throw error;
      }
    },
    update: (lease, signal) => rest.update<Lease>(leases, lease, signal ? { signal } : {}),
  };
}

/** A metav1.MicroTime: RFC 3339 with exactly six fractional digits, as Go parses it. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}
