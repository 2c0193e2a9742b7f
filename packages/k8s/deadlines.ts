// Deadlines on every Kubernetes request, on both transports: a connect deadline (TCP and TLS), a
// response deadline (from the request to the end of its body) and, for watches, an idle deadline
// (no byte for that long). A passed deadline is a DeadlineError, which the client retries like a
// reset connection, within its retry budget.
import { abortReason } from '@hac/toolkit';

export interface Deadlines {
  /** TCP connect plus TLS handshake. */
  connectMs: number;
  /** From sending a request to the end of its answer (a watch: to its headers). */
  responseMs: number;
  /** A watch stream that sends nothing (not even a bookmark) for this long is reconnected. */
  watchIdleMs: number;
}

/**
 * Defaults: 10 s to connect (undici's own default; an apiserver on a working network connects in
 * milliseconds), 30 s per answer (kubectl's --request-timeout is unset, but apiservers end
 * non-watch requests at 60 s and answer them in well under a second), 90 s of silence on a watch
 * (the apiserver sends a bookmark about every minute).
 */
export const DEFAULT_DEADLINES: Deadlines = { connectMs: 10_000, responseMs: 30_000, watchIdleMs: 90_000 };

/** Deadlines for a request-timeout input: the response deadline, the others scaled to it. */
export function deadlinesFor(requestTimeoutMs: number | undefined): Deadlines {
  if (!requestTimeoutMs) return DEFAULT_DEADLINES;
  return {
    connectMs: Math.min(DEFAULT_DEADLINES.connectMs, requestTimeoutMs),
    responseMs: requestTimeoutMs,
    watchIdleMs: Math.max(DEFAULT_DEADLINES.watchIdleMs, requestTimeoutMs),
  };
}

export type DeadlineKind = 'connect' | 'response' | 'watch-idle';

const CODES: Record<DeadlineKind, string> = {
  connect: 'HAC_CONNECT_TIMEOUT',
  response: 'HAC_RESPONSE_TIMEOUT',
  'watch-idle': 'HAC_WATCH_IDLE_TIMEOUT',
};

/** A request whose deadline passed. */
export class DeadlineError extends Error {
  readonly code: string;
  constructor(
    readonly kind: DeadlineKind,
    readonly ms: number,
    readonly url: string,
  ) {
    super(`${DEADLINE_TEXT[kind]} (${formatMs(ms)}) passed for ${url}`);
    this.name = 'DeadlineError';
    this.code = CODES[kind];
  }
}

export const DEADLINE_TEXT: Record<DeadlineKind, string> = {
  connect: 'the connect deadline',
  response: 'the response deadline',
  'watch-idle': 'the watch idle deadline',
};

export const DEADLINE_CODES = new Set(Object.values(CODES));

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * A one-shot timer that aborts `controller` with a DeadlineError; `reset` restarts it (watch idle),
 * `clear` stops it.
 */
export function deadlineTimer(
  controller: AbortController,
  kind: DeadlineKind,
  ms: number,
  url: string,
): { reset(): void; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => controller.abort(new DeadlineError(kind, ms, url));
  const api = {
    reset() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(fire, ms);
      timer.unref?.();
    },
    clear() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
  api.reset();
  return api;
}

/** Yields the chunks of `body`, calling `onChunk` before each (to reset an idle timer). */
export async function* tapChunks<T>(body: AsyncIterable<T>, onChunk: () => void): AsyncIterable<T> {
  for await (const chunk of body) {
    onChunk();
    yield chunk;
  }
}

/** The DeadlineError that aborted `ac`, if one did. */
export function deadlineOf(ac: AbortController): DeadlineError | undefined {
  return ac.signal.reason instanceof DeadlineError ? ac.signal.reason : undefined;
}

/**
 * Runs `fn` with a controller that the caller's signal and the response deadline abort; an error
 * caused by a passed deadline is rethrown as that DeadlineError.
 */
export async function guarded<T>(
  signal: AbortSignal | undefined,
  responseMs: number,
  server: string,
  fn: (ac: AbortController, response: { clear(): void }) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const response = deadlineTimer(ac, 'response', responseMs, server);
  try {
    return await fn(ac, response);
  } catch (err) {
    // Cancellation (SIGINT/SIGTERM) surfaces as its own reason, not as a transport AbortError.
    if (signal?.aborted) throw abortReason(signal);
    throw deadlineOf(ac) ?? err;
  } finally {
    response.clear();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Reads a watch body under the idle deadline (reset by every chunk). */
export async function idleGuarded<T>(
  ac: AbortController,
  idleMs: number,
  server: string,
  body: AsyncIterable<T>,
  read: (chunks: AsyncIterable<T>) => Promise<void>,
): Promise<void> {
  const idle = deadlineTimer(ac, 'watch-idle', idleMs, server);
  try {
    await read(tapChunks(body, () => idle.reset()));
  } finally {
    idle.clear();
  }
}
