import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SendingClient } from './abort.js';
import { withProgress, type WaitProgress } from './progress.js';

export type { SendingClient };

/** What the SDK's waitUntil* functions take as their first argument. */
export interface WaiterParams<C = EC2Client> {
  client: C;
  maxWaitTime: number;
  abortSignal?: AbortSignal;
}

export class WaiterCallError extends Error {
  constructor(readonly callError: unknown) {
    super('a waiter poll failed after the SDK retries');
    this.name = 'WaiterCallError';
  }
}

/**
 * Runs an SDK waiter, but stops it at the first poll that fails after the SDK's own retries (the
 * waiters treat unknown errors as "not yet" and would keep polling until maxWaitTime). The poll's
 * error is thrown as WaiterCallError; other outcomes are the waiter's own. With `progress`, a line
 * every 30 s says what the last poll saw.
 */
export async function runWaiter<T, C extends SendingClient = EC2Client>(
  client: C,
  maxWaitTime: number,
  abortSignal: AbortSignal | undefined,
  waiter: (params: WaiterParams<C>) => Promise<T>,
  progress?: WaitProgress,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(abortSignal?.reason);
  if (abortSignal?.aborted) controller.abort(abortSignal.reason);
  abortSignal?.addEventListener('abort', onParentAbort, { once: true });
  let failure: unknown;
  const guarded = Object.create(client) as C;
  guarded.send = (async (command: never) => {
    try {
      return await client.send(command);
    } catch (err) {
      failure = err;
      controller.abort(new WaiterCallError(err));
      throw err;
    }
  }) as C['send'];
  try {
    return await withProgress(guarded, progress, (c) =>
      waiter({ client: c, maxWaitTime, abortSignal: controller.signal }),
    );
  } catch (err) {
    if (failure !== undefined && !abortSignal?.aborted) throw new WaiterCallError(failure);
    throw err;
  } finally {
    abortSignal?.removeEventListener('abort', onParentAbort);
  }
}

/**
 * The state a failed waitUntil* call ended in. The SDK throws a plain Error whose name is
 * TimeoutError or AbortError, and whose message is the waiter result as JSON.
 */
export function waiterState(err: unknown): 'TIMEOUT' | 'FAILURE' | 'ABORTED' | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'TimeoutError') return 'TIMEOUT';
  if (err.name === 'AbortError') return 'ABORTED';
  const state = /^\{"state":"(\w+)"/.exec(err.message)?.[1];
  return state === 'TIMEOUT' || state === 'FAILURE' || state === 'ABORTED' ? state : undefined;
}
