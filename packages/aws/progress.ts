// Progress on long waits: the SDK waiters poll silently for up to an hour, so every wait that can
// take longer than ~30 s prints one line every 30 s with what it waits for, the state the last
// poll saw, the time elapsed and the time left.
import { formatDuration, systemClock, type Clock } from '@hac/toolkit';
import { awsErrorCode } from './errors.js';
import type { SendingClient } from './abort.js';

/** Calls `fn` every `ms` until the returned function is called. */
export type Ticker = (fn: () => void, ms: number) => () => void;

export const intervalTicker: Ticker = (fn, ms) => {
  const t = setInterval(fn, ms);
  t.unref?.();
  return () => clearInterval(t);
};

export const PROGRESS_EVERY_MS = 30_000;

export interface ProgressOptions {
  log: (line: string) => void;
  clock?: Clock;
  ticker?: Ticker;
  everyMs?: number;
}

export interface WaitProgress extends ProgressOptions {
  /** What is awaited, e.g. "i-0123 to stop". */
  what: string;
  timeoutMs: number;
}

/** One progress line (pure). */
export function progressLine(what: string, state: string | undefined, elapsedMs: number, timeoutMs: number) {
  const left = Math.max(0, timeoutMs - elapsedMs);
  return `Waiting for ${what}: ${state ?? 'no answer yet'}; ${formatDuration(elapsedMs)} elapsed, ${formatDuration(left)} left`;
}

type Output = Record<string, unknown> | undefined;
const first = (v: unknown): Output => (Array.isArray(v) ? (v[0] as Output) : undefined);

/** The state a waiter's poll saw, in words (pure): instance, image, status checks, SSM command or agent. */
export function pollState(output: unknown): string | undefined {
  const o = output as Output;
  if (!o) return undefined;
  const instance = first(first(o.Reservations)?.Instances);
  if (instance) return `instance ${(instance.State as Output)?.Name ?? 'unknown'}`;
  const image = first(o.Images);
  if (image) return `image ${String(image.State ?? 'unknown')}`;
  if (Array.isArray(o.InstanceStatuses)) {
    const s = first(o.InstanceStatuses);
    if (!s) return 'no status checks yet';
    const status = (k: string) => String((s[k] as Output)?.Status ?? 'unknown');
    return `status checks: instance ${status('InstanceStatus')}, system ${status('SystemStatus')}`;
  }
  if (typeof o.Status === 'string')
    return `command ${o.Status}${o.StatusDetails ? ` (${String(o.StatusDetails)})` : ''}`;
  if (Array.isArray(o.Images) || Array.isArray(o.Reservations)) return 'not visible yet';
  return undefined;
}

/** The state a failed poll shows (the waiters treat some errors, e.g. a not-yet-visible id, as "retry"). */
function errorState(err: unknown): string {
  return `last poll failed (${awsErrorCode(err) ?? 'error'})`;
}

/**
 * Runs `fn` with a view of `client` that records what each poll saw, and logs a progress line
 * every `everyMs` (30 s) until `fn` settles.
 */
export async function withProgress<T, C extends SendingClient>(
  client: C,
  p: WaitProgress | undefined,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  if (!p) return fn(client);
  const clock = p.clock ?? systemClock;
  const started = clock();
  let state: string | undefined;
  const view = Object.create(client) as C;
  const send = (client.send as (c: never, o?: unknown) => Promise<unknown>).bind(client);
  (view as unknown as { send: typeof send }).send = async (command, options) => {
    try {
      const out = await send(command, options);
      state = pollState(out) ?? state;
      return out;
    } catch (err) {
      state = errorState(err);
      throw err;
    }
  };
  const stop = (p.ticker ?? intervalTicker)(
    () => p.log(progressLine(p.what, state, clock() - started, p.timeoutMs)),
    p.everyMs ?? PROGRESS_EVERY_MS,
  );
  try {
    return await fn(view);
  } finally {
    stop();
  }
}
