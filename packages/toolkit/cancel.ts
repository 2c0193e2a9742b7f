let shared: AbortController | undefined;

/**
 * An AbortSignal that fires on SIGINT or SIGTERM (what the runner sends when a job is cancelled).
 * Every wait and request in hac takes this signal, so cancellation ends them all promptly.
 */
export function cancellationSignal(proc: NodeJS.Process = process): AbortSignal {
  if (shared) return shared.signal;
  const controller = new AbortController();
  shared = controller;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(new CancelledError(`received ${sig}`));
  };
  proc.once('SIGINT', onSignal);
  proc.once('SIGTERM', onSignal);
  return controller.signal;
}

export class CancelledError extends Error {
  constructor(reason: string) {
    super(`Cancelled: ${reason}`);
    this.name = 'CancelledError';
  }
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Sleeps for `ms`, rejecting with the signal's reason as soon as it aborts. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new CancelledError(String(r ?? 'aborted'));
}

/** Throws the abort reason when the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** A signal that fires when `parent` does or after `ms`, whichever comes first. */
export function withTimeout(parent: AbortSignal | undefined, ms: number, what = 'operation'): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(`${what} timed out after ${ms}ms`)), ms);
  timer.unref?.();
  if (parent) {
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
  }
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return controller.signal;
}

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}
