// One run per app: a coordination.k8s.io/v1 Lease `hac-<app>` held by the run id, renewed while
// the run works, released at the end (and by the post step). A crashed run's lease expires after
// leaseDurationSeconds, and the next run takes it over. A released Lease has holderIdentity ""
// (not null), so that the next run can take it in one conditional write: a JSON patch whose
// `test` op proves nobody holds it. leaseTransitions counts ended tenures (a release or a takeover).
import { ActionError, sleep as realSleep, systemClock, type Clock, type Sleep } from '@hac/toolkit';
import type { JsonPatchOp, KubeClient } from './client.js';
import { ApiError, PermissionDeniedError, isConflict, isNotFound } from './errors.js';
import type { KubeObject } from './objects.js';

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export type LeaseDecision =
  | { action: 'create' }
  | { action: 'take'; reason: 'released' | 'expired'; previousHolder?: string }
  | { action: 'renew' }
  | { action: 'wait'; holder: string; expiresAtMs: number };

/** Lease names follow the app: hac-<app>. */
export const leaseName = (app: string): string => `hac-${app}`;

/** The object reference of Lease `name`. */
export const leaseRef = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name });

/** MicroTime as the apiserver writes it: 2006-01-02T15:04:05.000000Z */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The JSON patch that takes a released Lease (holderIdentity "") in one write. It fails with 422
 * when anyone holds it (or it was released as null by an older release), and with 404 when there
 * is no Lease: the caller then reads it and decides.
 */
export function takeFreeOps(holder: string, durationS: number, nowMs: number): JsonPatchOp[] {
  const now = microTime(nowMs);
  return [
    { op: 'test', path: '/spec/holderIdentity', value: '' },
    { op: 'add', path: '/spec/holderIdentity', value: holder },
    { op: 'add', path: '/spec/leaseDurationSeconds', value: durationS },
    { op: 'add', path: '/spec/acquireTime', value: now },
    { op: 'add', path: '/spec/renewTime', value: now },
  ];
}

/** What to do with a lease, as a pure function of the lease, our identity and the time. */
export function decideLease(lease: Lease | undefined, holder: string, nowMs: number): LeaseDecision {
  if (!lease) return { action: 'create' };
  const spec = lease.spec ?? {};
  const current = spec.holderIdentity ?? '';
  if (current === '') return { action: 'take', reason: 'released' };
  if (current === holder) return { action: 'renew' };
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '') || 0;
  const expiresAtMs = renewed + (spec.leaseDurationSeconds ?? 0) * 1000;
  if (expiresAtMs <= nowMs) return { action: 'take', reason: 'expired', previousHolder: current };
  return { action: 'wait', holder: current, expiresAtMs };
}

export class LeaseBusyError extends ActionError {
  constructor(name: string, holder: string, waitedMs: number, expiresAtMs: number) {
    super(
      `Another run (${holder}) holds Lease ${name}; waited ${Math.round(waitedMs / 1000)}s for it. It expires at ${new Date(expiresAtMs).toISOString()} unless renewed.`,
      'Wait for the other deploy of this app to finish (or raise lock-timeout). A crashed run releases the lease when it expires.',
    );
    this.name = 'LeaseBusyError';
  }
}

export interface LeaseOptions {
  name: string;
  holder: string;
  /** leaseDurationSeconds: how long a holder that stops renewing blocks others (default 60). */
  durationS?: number;
  /** Poll interval while another run holds the lease (default 1s). */
  pollMs?: number;
  labels?: Record<string, string>;
  clock?: Clock;
  sleep?: Sleep;
  onWait?: (holder: string, expiresAtMs: number) => void;
  onTakeover?: (previousHolder: string) => void;
}

export class LeaseLock {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly durationS: number;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: LeaseOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
    this.durationS = opts.durationS ?? 60;
  }

  get held(): boolean {
    return this.lease?.spec?.holderIdentity === this.opts.holder;
  }

  private ref() {
    return leaseRef(this.opts.name);
  }

  private body(base: Lease | undefined, take: boolean): Lease {
    const now = microTime(this.clock());
    const prev = base?.spec ?? {};
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.opts.name,
        namespace: this.client.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'hac', ...(this.opts.labels ?? {}) },
        ...(base?.metadata.resourceVersion ? { resourceVersion: base.metadata.resourceVersion } : {}),
      },
      spec: {
        holderIdentity: this.opts.holder,
        leaseDurationSeconds: this.durationS,
        acquireTime: take ? now : (prev.acquireTime ?? now),
        renewTime: now,
        // A takeover ends the previous tenure; a release ("") counted its own (null: an older release did not).
        leaseTransitions: (prev.leaseTransitions ?? 0) + (take && base && prev.holderIdentity !== '' ? 1 : 0),
      },
    };
  }

  /**
   * Acquires the lease, waiting up to waitMs for another holder. `known` is the lease as read
   * earlier (null: it did not exist): writing against its resourceVersion saves a read, and a
   * conflict proves that someone else held it meanwhile. Without `known`, a released lease is
   * taken in one conditional write. `contended` says whether anyone else held or took the lease
   * since `known` was read (callers then re-read what the lease guards).
   */
  async acquire(waitMs: number, known?: Lease | null): Promise<{ waitedMs: number; contended: boolean }> {
    const start = this.clock();
    let current: Lease | undefined = known === null ? undefined : known;
    let fresh = known !== undefined;
    if (!fresh) {
      const taken = await this.takeFree();
      if (taken === 'taken') return { waitedMs: this.clock() - start, contended: false };
      fresh = taken === 'absent';
    }
    let contended = false;
    for (;;) {
      if (!fresh) current = await this.client.find<Lease>(this.ref());
      fresh = false;
      const d = decideLease(current, this.opts.holder, this.clock());
      try {
        if (d.action === 'create') {
          this.lease = await this.client.create<Lease>(this.body(undefined, true));
          return { waitedMs: this.clock() - start, contended };
        }
        if (d.action === 'take' || d.action === 'renew') {
          if (d.action === 'take' && d.reason === 'expired' && d.previousHolder)
            this.opts.onTakeover?.(d.previousHolder);
          this.lease = await this.client.replace<Lease>(this.body(current, d.action === 'take'));
          return { waitedMs: this.clock() - start, contended };
        }
      } catch (err) {
        if (isConflict(err)) {
          contended = true; // someone else moved first: read and decide again
          continue;
        }
        throw err;
      }
      contended = true;
      const waited = this.clock() - start;
      if (waited >= waitMs) throw new LeaseBusyError(this.opts.name, d.holder, waited, d.expiresAtMs);
      this.opts.onWait?.(d.holder, d.expiresAtMs);
      await this.sleep(
        Math.max(1, Math.min(this.opts.pollMs ?? 1000, waitMs - waited, d.expiresAtMs - this.clock())),
        this.client.signal,
      );
    }
  }

  /**
   * One conditional write for a released lease. 'busy': it is held, or was released by an older
   * release, or a retried patch of ours already took it (the read that follows then renews it),
   * or the Role grants no `patch` on leases (get, create and update are enough, in two requests).
   */
  private async takeFree(): Promise<'taken' | 'absent' | 'busy'> {
    try {
      this.lease = await this.client.jsonPatch<Lease>(
        this.ref(),
        takeFreeOps(this.opts.holder, this.durationS, this.clock()),
      );
      return 'taken';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      if (err instanceof PermissionDeniedError || (err instanceof ApiError && err.status === 422))
        return 'busy';
      throw err;
    }
  }

  /** Renews once; throws when the lease was lost to another holder. */
  async renew(): Promise<void> {
    try {
      this.lease = await this.client.replace<Lease>(this.body(this.lease, false));
    } catch (err) {
      if (!isConflict(err)) throw err;
      const current = await this.client.find<Lease>(this.ref());
      if (current?.spec?.holderIdentity !== this.opts.holder)
        throw new ActionError(`Lost Lease ${this.opts.name} to ${current?.spec?.holderIdentity ?? 'nobody'}`);
      this.lease = await this.client.replace<Lease>(this.body(current, false));
    }
  }

  /** Renews every durationS/3 in the background until release(); errors are passed to onError. */
  startRenewing(onError: (err: unknown) => void = () => {}): void {
    this.stopRenewing();
    this.timer = setInterval(() => void this.renew().catch(onError), (this.durationS * 1000) / 3);
    this.timer.unref?.();
  }

  stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the lease up (clears the holder) if this run still holds it. */
  async release(): Promise<void> {
    this.stopRenewing();
    await releaseLease(this.client, this.opts.name, this.opts.holder, this.lease);
    this.lease = undefined;
  }
}

/** Clears the holder of Lease `name` when `holder` holds it (used by release and the post step). */
export async function releaseLease(
  client: KubeClient,
  name: string,
  holder: string,
  known?: Lease,
): Promise<boolean> {
  const ref = leaseRef(name);
  let lease = known;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!lease) {
      try {
        lease = await client.get<Lease>(ref);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    }
    if (lease.spec?.holderIdentity !== holder) return false;
    try {
      await client.replace({
        ...lease,
        metadata: { ...lease.metadata, namespace: client.namespace },
        spec: {
          ...lease.spec,
          holderIdentity: '',
          renewTime: null,
          acquireTime: null,
          leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
        },
      });
      return true;
    } catch (err) {
      if (!isConflict(err)) throw err;
      lease = undefined;
    }
  }
  return false;
}
