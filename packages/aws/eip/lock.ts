import {
  ActionError,
  formatDuration,
  sleep as realSleep,
  systemClock,
  type Clock,
  type Sleep,
} from '@hac/toolkit';
import { LOCK_TAG } from './names.js';

/** A lock held on an Elastic IP: `owner` until `expiresAt` (ms since epoch). */
export interface LockValue {
  owner: string;
  expiresAt: number;
}

/** `<owner> <ISO expiry>`, e.g. `org/repo/123/1/deploy/3f9a 2026-05-09T10:30:00.000Z`. */
export function formatLock(v: LockValue): string {
  return `${v.owner} ${new Date(v.expiresAt).toISOString()}`;
}

/** Parses a lock tag value; undefined when it is not in hac's form (a manual hold, which never expires). */
export function parseLock(text: string | undefined): LockValue | undefined {
  if (!text) return undefined;
  const m = /^(\S+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/.exec(text.trim());
  if (!m) return undefined;
  const expiresAt = Date.parse(m[2] as string);
  return Number.isNaN(expiresAt) ? undefined : { owner: m[1] as string, expiresAt };
}

export type LockStatus =
  | { kind: 'free' }
  | { kind: 'mine' }
  | { kind: 'expired'; holder: LockValue }
  | { kind: 'held'; holder: LockValue }
  | { kind: 'manual'; value: string };

/** What the current tag value means for `owner` at time `now`. */
export function lockStatus(tag: string | undefined, owner: string, now: number): LockStatus {
  if (tag === undefined || tag.trim() === '') return { kind: 'free' };
  const v = parseLock(tag);
  if (!v) return { kind: 'manual', value: tag };
  if (v.owner === owner) return { kind: 'mine' };
  return v.expiresAt <= now ? { kind: 'expired', holder: v } : { kind: 'held', holder: v };
}

/** The three tag operations a lock needs on one Elastic IP. */
export interface LockStore {
  read(): Promise<string | undefined>;
  write(value: string): Promise<void>;
  /** Removes the tag only if it still has this exact value (EC2 DeleteTags with a value does that). */
  remove(value: string): Promise<void>;
}

export interface LockOptions {
  owner: string;
  ttlMs: number;
  /** How long to wait for another run's lock; 0 fails at once. */
  timeoutMs: number;
  /** Delay between looks at a held lock. */
  pollMs?: number;
  /** Delay between writing the tag and reading it back, so that a concurrent writer shows. */
  settleMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  sleep?: Sleep;
  log?: (line: string) => void;
  /** Called with the value about to be written, so a caller can remove it if the read-back fails or is cancelled. */
  onWrite?: (value: string) => void;
  /** What is locked, for messages (e.g. the allocation id). */
  what: string;
}

export interface HeldLock {
  value: string;
  expiresAt: number;
  /** Pushes the expiry to now + ttl when less than half the ttl is left; confirms ownership. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export const DEFAULT_POLL_MS = 5000;
export const DEFAULT_SETTLE_MS = 1500;

/**
 * Takes the tag lock: waits while another run holds an unexpired lock (up to `timeoutMs`), takes over
 * an expired one, writes its own value and reads it back after `settleMs` to confirm that no other
 * writer won the race. The tag lives on the Elastic IP, so a crashed run's lock simply expires.
 */
export async function acquireLock(store: LockStore, opts: LockOptions): Promise<HeldLock> {
  const clock = opts.clock ?? systemClock;
  const sleep = opts.sleep ?? realSleep;
  const log = opts.log ?? (() => undefined);
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const deadline = clock() + opts.timeoutMs;
  let lastHolder = '';
  for (;;) {
    const status = lockStatus(await store.read(), opts.owner, clock());
    if (status.kind === 'free' || status.kind === 'expired' || status.kind === 'mine') {
      if (status.kind === 'expired')
        log(
          `lock on ${opts.what} held by ${status.holder.owner} expired at ${new Date(status.holder.expiresAt).toISOString()}; taking it over`,
        );
      const value = formatLock({ owner: opts.owner, expiresAt: clock() + opts.ttlMs });
      opts.onWrite?.(value);
      await store.write(value);
      await sleep(settleMs, opts.signal);
      const now = await store.read();
      if (now === value) return held(store, value, opts, clock);
      lastHolder = now ?? '(removed)';
      log(`another run took the lock on ${opts.what} at the same time (${lastHolder}); waiting`);
    } else {
      lastHolder = status.kind === 'manual' ? status.value : formatLock(status.holder);
    }
    const wait = Math.min(pollMs, deadline - clock());
    if (wait <= 0) {
      const manual = parseLock(lastHolder) === undefined;
      throw new ActionError(
        `The Elastic IP ${opts.what} is locked by another swap (${LOCK_TAG}=${JSON.stringify(lastHolder)}); waited ${formatDuration(opts.timeoutMs)}.`,
        manual
          ? `The ${LOCK_TAG} tag is not in hac's form, so it is a manual hold that never expires. Remove it (aws ec2 delete-tags --resources ${opts.what} --tags Key=${LOCK_TAG}) when no swap is running.`
          : `Wait for the other run to finish, or raise "lock-timeout". The lock expires at the time shown; a crashed run cannot hold it longer.`,
      );
    }
    log(`lock on ${opts.what} is held (${lastHolder}); checking again in ${formatDuration(wait)}`);
    await sleep(wait, opts.signal);
  }
}

function held(store: LockStore, first: string, opts: LockOptions, clock: Clock): HeldLock {
  const lock: HeldLock = {
    value: first,
    expiresAt: (parseLock(first) as LockValue).expiresAt,
    async renew() {
      if (lock.expiresAt - clock() > opts.ttlMs / 2) return;
      const current = await store.read();
      if (current !== lock.value) {
        throw new ActionError(
          `Lost the lock on ${opts.what}: ${LOCK_TAG} is now ${JSON.stringify(current ?? '')}.`,
          'Another run took the Elastic IP after this run\'s lock expired. Raise "lock-ttl" above the longest swap (launch wait + gates + grace).',
        );
      }
      const next = formatLock({ owner: opts.owner, expiresAt: clock() + opts.ttlMs });
      await store.write(next);
      lock.value = next;
      lock.expiresAt = (parseLock(next) as LockValue).expiresAt;
    },
    async release() {
      await store.remove(lock.value);
    },
  };
  return lock;
}
