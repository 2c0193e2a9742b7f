import { describe, expect, jest, test } from '@jest/globals';
import { backoffDelay, retry, sleep, withTimeout, CancelledError, TimeoutError } from '@hac/toolkit';

describe('backoffDelay (full jitter)', () => {
  test.each([
    [0, 100, 10_000, 0.5, 50],
    [1, 100, 10_000, 0.5, 100],
    [3, 100, 10_000, 0.999, 799],
    [10, 100, 5_000, 0.5, 2_500],
    [2, 100, 10_000, 0, 0],
  ])('attempt %d base %d cap %d random %d -> %d', (attempt, base, cap, r, want) => {
    expect(backoffDelay(attempt, base, cap, () => r)).toBe(want);
  });
});

describe('retry', () => {
  test('retries until success, sleeping the jittered backoff between attempts', async () => {
    const slept: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { baseMs: 100, random: () => 1, sleep: async (ms) => void slept.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(slept).toEqual([100, 200]);
  });

  test('stops at the attempt limit and rethrows the last error', async () => {
    const fn = jest.fn(async () => {
      throw new Error('always');
    });
    await expect(retry(fn, { attempts: 4, sleep: async () => {} })).rejects.toThrow('always');
    expect(fn).toHaveBeenCalledTimes(4);
  });

  test('does not retry errors that are not retryable', async () => {
    const fn = jest.fn(async () => {
      throw new Error('fatal');
    });
    await expect(retry(fn, { retryable: () => false, sleep: async () => {} })).rejects.toThrow('fatal');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  test('gives up when the next attempt would pass the deadline (injected clock)', async () => {
    let now = 0;
    const fn = jest.fn(async () => {
      throw new Error('slow');
    });
    await expect(
      retry(fn, {
        attempts: 100,
        deadlineMs: 1_000,
        baseMs: 400,
        random: () => 1,
        clock: () => now,
        sleep: async (ms) => void (now += ms),
      }),
    ).rejects.toThrow('slow');
    // delays 400, 800 -> third attempt at t=1200 would pass the deadline after the 2nd failure at t=400
    expect(fn).toHaveBeenCalledTimes(2);
  });

  test('an aborted signal stops the retries with the abort reason', async () => {
    const ac = new AbortController();
    const fn = jest.fn(async () => {
      ac.abort(new CancelledError('received SIGTERM'));
      throw new Error('x');
    });
    await expect(retry(fn, { signal: ac.signal })).rejects.toThrow('x');
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('sleep and withTimeout', () => {
  test('sleep rejects as soon as the signal aborts', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort(new CancelledError('received SIGINT'));
    await expect(p).rejects.toThrow('Cancelled: received SIGINT');
  });

  test('withTimeout aborts with a TimeoutError, and follows its parent', async () => {
    const t = withTimeout(undefined, 5, 'gate');
    await expect(sleep(60_000, t)).rejects.toBeInstanceOf(TimeoutError);
    const parent = new AbortController();
    const child = withTimeout(parent.signal, 60_000);
    parent.abort(new CancelledError('parent'));
    expect(child.aborted).toBe(true);
  });
});
