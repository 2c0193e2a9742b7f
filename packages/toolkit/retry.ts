import { sleep as realSleep, systemClock, throwIfAborted, type Clock, type Sleep } from './cancel.js';

export interface RetryOptions {
  /** Maximum number of attempts, including the first. */
  attempts?: number;
  /** Give up when the next attempt would start after this many ms from the first. */
  deadlineMs?: number;
  baseMs?: number;
  maxDelayMs?: number;
  /** Whether an error is worth another attempt (default: every error). */
  retryable?: (err: unknown) => boolean;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  signal?: AbortSignal;
  sleep?: Sleep;
  clock?: Clock;
  random?: () => number;
}

/** Exponential backoff with full jitter: a delay drawn uniformly from [0, min(max, base * 2^n)). */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMs, baseMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

/** Runs `fn` until it succeeds, the attempts or deadline run out, or the error is not retryable. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const {
    attempts = 5,
    deadlineMs = Infinity,
    baseMs = 200,
    maxDelayMs = 10_000,
    retryable = () => true,
    sleep = realSleep,
    clock = systemClock,
    random = Math.random,
  } = opts;
  const start = clock();
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(opts.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      const last = attempt + 1 >= attempts || !retryable(error);
      const delayMs = backoffDelay(attempt, baseMs, maxDelayMs, random);
      if (last || clock() - start + delayMs > deadlineMs) throw error;
      opts.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs, opts.signal);
    }
  }
}
