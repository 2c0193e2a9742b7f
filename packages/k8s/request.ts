// The request policy under every KubeClient call: retries on transient failures within a
// deadline, non-2xx answers as ApiError (403 as an error naming the missing permission), and the
// first-contact rule — before an endpoint has answered once, a refused connection or an answer that
// is not the Kubernetes API fails at once instead of being retried (contact.ts).
import { retry, sleep as realSleep, systemClock, throwIfAborted, type Clock, type Sleep } from '@hac/toolkit';
import {
  ApiError,
  accessFromForbidden,
  isTransient,
  permissionError,
  type Access,
  type StatusBody,
} from './errors.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';
import {
  ForeignAnswerError,
  cannotConnect,
  foreignAnswer,
  networkFailure,
  unreachableError,
  type Endpoint,
} from './contact.js';

/** How a client retries; the fields KubeClient's options carry. */
export interface RequestPolicy {
  /** Give up retrying a transient failure after this long (default 120s). */
  retryDeadlineMs?: number;
  sleep?: Sleep;
  clock?: Clock;
  random?: () => number;
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: unknown }) => void;
}

/** What one request needs from its client. */
export interface RequestContext {
  transport: Transport;
  /** Shared by every client of one endpoint: `contacted` flips on the first answer. */
  endpoint: Endpoint;
  signal: AbortSignal | undefined;
  opts: RequestPolicy;
}

/** Throws when an answer is not the Kubernetes API; otherwise records the first contact. */
export function checkAnswer(endpoint: Endpoint, res: HttpResponse, what: string): void {
  const foreign = foreignAnswer(res);
  if (foreign) throw new ForeignAnswerError(endpoint, res.status, foreign, what);
  endpoint.contacted = true;
}

/** Whether a failed attempt is worth another: transient, and not a first contact that failed. */
export function retryable(endpoint: Endpoint, err: unknown): boolean {
  // An error page (HTML 502/503) from a proxy in front of an apiserver that answered before.
  if (err instanceof ForeignAnswerError) return endpoint.contacted && err.status >= 500;
  if (!endpoint.contacted && cannotConnect(networkFailure(err))) return false;
  return isTransient(err);
}

async function sendOnce(
  ctx: RequestContext,
  req: Omit<HttpRequest, 'signal'>,
  what: string,
): Promise<unknown> {
  throwIfAborted(ctx.signal);
  const res = await ctx.transport.request({ ...req, signal: ctx.signal });
  checkAnswer(ctx.endpoint, res, what);
  if (res.status >= 200 && res.status < 300) return res.body;
  const body = typeof res.body === 'object' ? (res.body as StatusBody) : { message: String(res.body ?? '') };
  throw new ApiError(res.status, req.method, req.path, body);
}

/** One request with the policy above; `access` names what a 403 was missing. */
export async function sendWithRetry(
  ctx: RequestContext,
  req: Omit<HttpRequest, 'signal'>,
  access: Access,
): Promise<unknown> {
  const what = `${req.method} ${req.path}`;
  const clock = ctx.opts.clock ?? systemClock;
  const started = clock();
  let attempts = 0;
  try {
    return await retry(
      () => {
        attempts++;
        return sendOnce(ctx, req, what);
      },
      {
        attempts: Number.MAX_SAFE_INTEGER,
        deadlineMs: ctx.opts.retryDeadlineMs ?? 120_000,
        baseMs: 250,
        maxDelayMs: 4000,
        retryable: (err) => retryable(ctx.endpoint, err),
        signal: ctx.signal,
        sleep: ctx.opts.sleep ?? realSleep,
        clock,
        random: ctx.opts.random,
        onRetry: (info) => ctx.opts.onRetry?.({ what, ...info }),
      },
    );
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    if (err instanceof ApiError && err.status === 403)
      throw permissionError(accessFromForbidden(err, access), err.detail);
    const f = err instanceof ApiError ? undefined : networkFailure(err);
    if (f) throw unreachableError(ctx.endpoint, err, f, { what, attempts, elapsedMs: clock() - started });
    throw err;
  }
}
