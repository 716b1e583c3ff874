/** Leader election on a coordination.k8s.io/v1 Lease, so only one replica reconciles. */
import { jittered, sleep } from "./backoff.ts";
import { messageOf } from "./errors.ts";
import { isConflict } from "./kube/api_error.ts";
import { type Lease, type LeaseSpec, type LeaseStore, microTime } from "./leader_lease.ts";
import { type Logger, logger } from "./log.ts";

export { type Lease, type LeaseSpec, type LeaseStore, restLeaseStore } from "./leader_lease.ts";

/** Options of a LeaderElector; the defaults are client-go's ratios. */
export interface LeaderElectionOptions {
  store: LeaseStore;
  /** Unique per replica, e.g. `hostname_uuid`. */
  identity: string;
  /** How long a lease is good without renewal. Default 15 s. */
  leaseDurationSeconds?: number;
  /** Renew this often while leading. Default a third of the lease duration. */
  renewIntervalMs?: number;
  /** Give up leading when renewals failed for this long; below the duration. Default 2/3 of it. */
  renewDeadlineMs?: number;
  /** Retry this often while not leading or while renewals fail. Default 2 s. */
  retryPeriodMs?: number;
  log?: Logger;
  now?: () => number;
}

/** What to do when leadership comes and goes. */
export interface LeadershipCallbacks {
  /** Called on becoming leader; `leading` aborts when leadership ends. */
  onStartedLeading(leading: AbortSignal): void;
  /** Awaited after leadership ends (lost or stopping), before the Lease is released. */
  onStoppedLeading?(): Promise<void> | void;
}

type Attempt = "leading" | "held" | "failed";

/** Campaigns for a Lease, renews it while leading and releases it on a graceful stop. */
export class LeaderElector {
  readonly identity: string;
  #opts: Required<Omit<LeaderElectionOptions, "log" | "store" | "identity">>;
  #store: LeaseStore;
  #log: Logger;
  #leading = false;
  #observed = "";
  #observedAt = 0;
  #lease: Lease | undefined;

  constructor(opts: LeaderElectionOptions) {
    const duration = opts.leaseDurationSeconds ?? 15;
    this.identity = opts.identity;
    this.#store = opts.store;
    this.#log = (opts.log ?? logger()).with({ leaderIdentity: opts.identity });
    this.#opts = {
      leaseDurationSeconds: duration,
      renewIntervalMs: opts.renewIntervalMs ?? (duration * 1_000) / 3,
      renewDeadlineMs: opts.renewDeadlineMs ?? (duration * 2_000) / 3,
      retryPeriodMs: opts.retryPeriodMs ?? 2_000,
      now: opts.now ?? Date.now,
    };
  }

  /** True while this replica holds the Lease. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** Campaign, lead, and campaign again after a loss, until `stop` aborts; then release. */
  async run(stop: AbortSignal, callbacks: LeadershipCallbacks): Promise<void> {
    const { retryPeriodMs, renewIntervalMs, renewDeadlineMs, now } = this.#opts;
    while (!stop.aborted) {
      while (!stop.aborted && await this.tryAcquireOrRenew() !== "leading") {
        await sleep(jittered(retryPeriodMs, 0.2), stop);
      }
      if (stop.aborted) break;
      this.#leading = true;
      this.#log.info("Became leader");
      const leading = new AbortController();
      callbacks.onStartedLeading(leading.signal);
      let renewedAt = now();
      let wait = renewIntervalMs;
      while (await sleep(wait, stop)) {
        const attempt = await this.tryAcquireOrRenew();
        if (attempt === "leading") {
          renewedAt = now();
          wait = renewIntervalMs;
        } else if (attempt === "held" || now() - renewedAt > renewDeadlineMs) {
          this.#log.warn("Lost leadership", { since: new Date(renewedAt).toISOString() });
          break;
        } else {
          wait = Math.min(retryPeriodMs, renewIntervalMs);
        }
      }
      this.#leading = false;
      leading.abort();
      await callbacks.onStoppedLeading?.();
      if (stop.aborted) await this.release();
    }
  }

  /** One attempt to take or renew the Lease: `held` when another live replica has it. */
  async tryAcquireOrRenew(): Promise<Attempt> {
    const { leaseDurationSeconds, renewDeadlineMs, now } = this.#opts;
    const signal = AbortSignal.timeout(Math.max(1_000, renewDeadlineMs / 2));
    try {
      const current = await this.#store.get(signal);
      const at = now();
      const mine = (spec: LeaseSpec): LeaseSpec => ({
        holderIdentity: this.identity,
        leaseDurationSeconds,
        acquireTime: microTime(at),
        renewTime: microTime(at),
        leaseTransitions: spec.leaseTransitions ?? 0,
      });
      if (!current) {
        const created = await this.#store.create({ metadata: {}, spec: mine({}) }, signal);
        return created ? this.#took(created, at) : "failed";
      }
      const spec = current.spec ?? {};
      // Expiry is judged by our own clock since we last saw the record change, not by
      // renewTime, so that clock skew between replicas cannot cut a lease short.
      const seen = JSON.stringify(spec);
      if (seen !== this.#observed) [this.#observed, this.#observedAt] = [seen, at];
      const holder = spec.holderIdentity;
      const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1_000;
      if (holder && holder !== this.identity && this.#observedAt + duration > at) return "held";
      const next = mine(spec);
      if (holder === this.identity) next.acquireTime = spec.acquireTime ?? next.acquireTime;
      else next.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
      return this.#took(await this.#store.update({ ...current, spec: next }, signal), at);
    } catch (error) {
      const quiet = isConflict(error);
      this.#log[quiet ? "debug" : "warn"]("Cannot acquire or renew the lease", {
        error: messageOf(error),
      });
      return "failed";
    }
  }

  /** Hand the Lease over at once: empty holder, 1 s duration. Only when we hold it. */
  async release(): Promise<void> {
    const lease = this.#lease;
    if (lease?.spec?.holderIdentity !== this.identity) return;
    const at = this.#opts.now();
    try {
      await this.#store.update({
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: microTime(at),
          acquireTime: microTime(at),
        },
      }, AbortSignal.timeout(5_000));
      this.#log.info("Released the lease");
    } catch (error) {
      this.#log.warn("Cannot release the lease", { error: messageOf(error) });
    }
    this.#lease = undefined;
  }

  #took(lease: Lease, at: number): Attempt {
    this.#lease = lease;
    [this.#observed, this.#observedAt] = [JSON.stringify(lease.spec ?? {}), at];
    return "leading";
  }
}
