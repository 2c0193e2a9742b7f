import type { EC2Client } from '@aws-sdk/client-ec2';

/** What the SDK's waitUntil* functions take as their first argument. */
export interface WaiterParams {
  client: EC2Client;
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
 * error is thrown as WaiterCallError; other outcomes are the waiter's own.
 */
export async function runWaiter<T>(
  client: EC2Client,
  maxWaitTime: number,
  abortSignal: AbortSignal | undefined,
  waiter: (params: WaiterParams) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(abortSignal?.reason);
  if (abortSignal?.aborted) controller.abort(abortSignal.reason);
  abortSignal?.addEventListener('abort', onParentAbort, { once: true });
  let failure: unknown;
  const guarded = Object.create(client) as EC2Client;
  guarded.send = (async (command: Parameters<EC2Client['send']>[0]) => {
    try {
      return await client.send(command as never);
    } catch (err) {
      failure = err;
      controller.abort(new WaiterCallError(err));
      throw err;
    }
  }) as EC2Client['send'];
  try {
    return await waiter({ client: guarded, maxWaitTime, abortSignal: controller.signal });
  } catch (err) {
    if (failure !== undefined && !abortSignal?.aborted) throw new WaiterCallError(failure);
    throw err;
  } finally {
    abortSignal?.removeEventListener('abort', onParentAbort);
  }
}
