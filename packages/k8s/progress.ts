// Progress on long waits: one line every ~30 s with what is awaited, its state, the time elapsed
// and the time left, so that a 10-minute rollout is not a silent step log.
import { formatDuration, systemClock, type Clock } from '@hac/toolkit';

/** Calls `fn` every `ms` until the returned stop function is called. */
export type Ticker = (fn: () => void, ms: number) => () => void;

export const realTicker: Ticker = (fn, ms) => {
  const t = setInterval(fn, ms);
  t.unref?.();
  return () => clearInterval(t);
};

export const PROGRESS_EVERY_MS = 30_000;

/** One progress line (pure). */
export function progressLine(what: string, state: string, elapsedMs: number, totalMs: number): string {
  const left = Math.max(0, totalMs - elapsedMs);
  return `${what}: ${state} (${formatDuration(elapsedMs)} elapsed, ${left < 1000 ? '0s' : formatDuration(left)} left)`;
}

export interface ProgressOptions {
  what: string;
  totalMs: number;
  /** The current state, read at each tick. */
  state: () => string;
  log: (line: string) => void;
  clock?: Clock;
  ticker?: Ticker;
  everyMs?: number;
}

/** Starts logging progress lines; returns the function that stops them. */
export function startProgress(o: ProgressOptions): () => void {
  const clock = o.clock ?? systemClock;
  const start = clock();
  return (o.ticker ?? realTicker)(
    () => o.log(progressLine(o.what, o.state(), clock() - start, o.totalMs)),
    o.everyMs ?? PROGRESS_EVERY_MS,
  );
}
