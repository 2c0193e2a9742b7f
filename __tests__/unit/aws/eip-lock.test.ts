import { describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import {
  acquireLock,
  formatLock,
  lockStatus,
  parseLock,
  type LockStore,
} from '../../../packages/aws/eip/lock.js';

/** A tag store with a fake clock; `onWrite` lets a test play a concurrent writer. */
function fakeStore(initial?: string) {
  let now = Date.parse('2026-05-09T10:00:00Z');
  const calls: string[] = [];
  const store: LockStore & { value: string | undefined; onWrite: undefined | ((v: string) => void) } = {
    value: initial,
    onWrite: undefined,
    read: async () => {
      calls.push('read');
      return store.value;
    },
    write: async (v: string) => {
      calls.push(`write ${v}`);
      store.value = v;
      store.onWrite?.(v);
    },
    remove: async (v: string) => {
      calls.push(`remove ${v}`);
      if (store.value === v) store.value = undefined;
    },
  };
  const clock = () => now;
  const sleep = async (ms: number) => {
    now += ms;
  };
  return { store, calls, clock, sleep, advance: (ms: number) => (now += ms), now: () => now };
}

const base = {
  owner: 'run-1/aa',
  ttlMs: 600_000,
  timeoutMs: 60_000,
  pollMs: 5000,
  settleMs: 1000,
  what: 'eipalloc-1',
};

describe('lock values', () => {
  test('round-trip', () => {
    const v = { owner: 'org/repo/1/1/job/ab', expiresAt: Date.parse('2026-05-09T10:30:00.000Z') };
    expect(formatLock(v)).toBe('org/repo/1/1/job/ab 2026-05-09T10:30:00.000Z');
    expect(parseLock(formatLock(v))).toEqual(v);
  });
  test.each([['maintenance freeze'], ['x 2026-13-45'], ['']])('%j is not a hac lock', (t) => {
    expect(parseLock(t)).toBeUndefined();
  });
  test.each<[string | undefined, string]>([
    [undefined, 'free'],
    ['run-1/aa 2026-05-09T10:05:00.000Z', 'mine'],
    ['run-2/bb 2026-05-09T10:05:00.000Z', 'held'],
    ['run-2/bb 2026-05-09T09:55:00.000Z', 'expired'],
    ['do not touch', 'manual'],
  ])('status of %j', (tag, kind) => {
    expect(lockStatus(tag, 'run-1/aa', Date.parse('2026-05-09T10:00:00Z')).kind).toBe(kind);
  });
});

describe('acquireLock', () => {
  test('takes a free lock: write, settle, read back', async () => {
    const f = fakeStore();
    const lock = await acquireLock(f.store, { ...base, clock: f.clock, sleep: f.sleep });
    expect(lock.value).toBe(formatLock({ owner: 'run-1/aa', expiresAt: Date.parse('2026-05-09T10:10:00Z') }));
    expect(f.calls).toEqual(['read', `write ${lock.value}`, 'read']);
    await lock.release();
    expect(f.store.value).toBeUndefined();
  });

  test('waits for a held lock and takes it when released', async () => {
    const f = fakeStore('run-2/bb 2026-05-09T10:30:00.000Z');
    let reads = 0;
    const read = f.store.read;
    f.store.read = async () => {
      reads++;
      if (reads === 3) f.store.value = undefined; // the other run finishes
      return read();
    };
    const lock = await acquireLock(f.store, { ...base, clock: f.clock, sleep: f.sleep });
    expect(lock.value.startsWith('run-1/aa ')).toBe(true);
    expect(f.now() - Date.parse('2026-05-09T10:00:00Z')).toBe(2 * 5000 + 1000);
  });

  test('fails clearly after lock-timeout while another run holds it', async () => {
    const f = fakeStore('run-2/bb 2026-05-09T10:30:00.000Z');
    const err = await acquireLock(f.store, { ...base, clock: f.clock, sleep: f.sleep }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ActionError);
    expect((err as ActionError).message).toMatch(
      /locked by another swap \(hac:lock="run-2\/bb 2026-05-09T10:30:00.000Z"\); waited 1m/,
    );
    expect((err as ActionError).hint).toMatch(/lock-timeout/);
    expect(f.calls.filter((c) => c.startsWith('write'))).toEqual([]);
  });

  test('lock-timeout 0 fails at once without writing', async () => {
    const f = fakeStore('run-2/bb 2026-05-09T10:30:00.000Z');
    await expect(
      acquireLock(f.store, { ...base, timeoutMs: 0, clock: f.clock, sleep: f.sleep }),
    ).rejects.toThrow(/waited 0ms/);
    expect(f.calls).toEqual(['read']);
  });

  test('takes over an expired lock', async () => {
    const f = fakeStore('crashed/zz 2026-05-09T09:59:59.000Z');
    const lines: string[] = [];
    const lock = await acquireLock(f.store, {
      ...base,
      clock: f.clock,
      sleep: f.sleep,
      log: (l) => lines.push(l),
    });
    expect(f.store.value).toBe(lock.value);
    expect(lines.join('\n')).toMatch(/held by crashed\/zz expired .* taking it over/);
  });

  test('a manual hold never expires and says how to remove it', async () => {
    const f = fakeStore('frozen for the audit');
    const err = (await acquireLock(f.store, {
      ...base,
      timeoutMs: 10_000,
      clock: f.clock,
      sleep: f.sleep,
    }).catch((e: unknown) => e)) as ActionError;
    expect(err.hint).toMatch(/manual hold .* delete-tags --resources eipalloc-1/);
  });

  test('loses a race to a concurrent writer and then waits', async () => {
    const f = fakeStore();
    f.store.onWrite = (v) => {
      if (v.startsWith('run-1/')) f.store.value = 'run-2/bb 2026-05-09T10:30:00.000Z'; // the other run writes right after us
    };
    await expect(acquireLock(f.store, { ...base, clock: f.clock, sleep: f.sleep })).rejects.toThrow(
      /run-2\/bb/,
    );
    expect(f.calls.filter((c) => c.startsWith('write'))).toHaveLength(1);
  });

  test('renew pushes the expiry only when less than half the ttl is left, and detects a lost lock', async () => {
    const f = fakeStore();
    const lock = await acquireLock(f.store, { ...base, clock: f.clock, sleep: f.sleep });
    const first = lock.value;
    await lock.renew();
    expect(lock.value).toBe(first);
    f.advance(400_000);
    await lock.renew();
    expect(lock.value).not.toBe(first);
    expect(f.store.value).toBe(lock.value);
    f.advance(400_000);
    f.store.value = 'run-3/cc 2026-05-09T11:00:00.000Z';
    await expect(lock.renew()).rejects.toThrow(/Lost the lock on eipalloc-1/);
    await lock.release();
    expect(f.store.value).toBe('run-3/cc 2026-05-09T11:00:00.000Z');
  });
});

test('onWrite sees every value before it is written, so a failed read-back can be cleaned up', async () => {
  const f = fakeStore();
  const written: string[] = [];
  let reads = 0;
  const read = f.store.read;
  f.store.read = async () => {
    if (++reads === 2) throw new Error('DescribeAddresses failed');
    return read();
  };
  await expect(
    acquireLock(f.store, { ...base, clock: f.clock, sleep: f.sleep, onWrite: (v) => written.push(v) }),
  ).rejects.toThrow('DescribeAddresses failed');
  expect(written).toEqual([f.store.value]);
});
