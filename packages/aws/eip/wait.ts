// swap-eip's waits for a launched instance: running, then both status checks, within wait-timeout,
// with a progress line every 30 s.
import {
  waitUntilInstanceRunning,
  waitUntilInstanceStatusOk,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { ActionError, formatDuration } from '@hac/toolkit';
import { withProgress, type ProgressOptions } from '../progress.js';
import { describeInstance, toInstanceInfo, type InstanceInfo } from './ec2.js';

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** A progress line every 30 s (state, elapsed, left). */
  progress?: ProgressOptions;
  /** Waiter poll delays in seconds (default: the SDK's schedule, 15 s minimum for these waiters). */
  minDelay?: number;
  maxDelay?: number;
}

/** Waits for `running`, then for both status checks to pass. Returns the running instance as described. */
export async function waitReady(
  ec2: EC2Client,
  instanceId: string,
  w: WaitOptions,
  started: number,
  clock: () => number,
): Promise<InstanceInfo> {
  const base = {
    client: ec2,
    ...(w.signal ? { abortSignal: w.signal } : {}),
    ...(w.minDelay ? { minDelay: w.minDelay } : {}),
    ...(w.maxDelay ? { maxDelay: w.maxDelay } : {}),
  };
  const left = () => Math.max(1, Math.ceil((w.timeoutMs - (clock() - started)) / 1000));
  const watch = (what: string) =>
    w.progress && { ...w.progress, what, timeoutMs: w.timeoutMs - (clock() - started) };
  const running = await waiter(`${instanceId} to be running`, w, () =>
    withProgress(ec2, watch(`${instanceId} to be running`), (client) =>
      waitUntilInstanceRunning({ ...base, client, maxWaitTime: left() }, { InstanceIds: [instanceId] }),
    ),
  );
  await waiter(`${instanceId}'s status checks to pass`, w, () =>
    withProgress(ec2, watch(`${instanceId}'s status checks to pass`), (client) =>
      waitUntilInstanceStatusOk({ ...base, client, maxWaitTime: left() }, { InstanceIds: [instanceId] }),
    ),
  );
  const i = (running as { Reservations?: { Instances?: Instance[] }[] } | undefined)?.Reservations?.[0]
    ?.Instances?.[0];
  return i ? toInstanceInfo(i) : describeInstance(ec2, instanceId, w.signal);
}

async function waiter(
  what: string,
  w: WaitOptions,
  fn: () => Promise<{ reason?: unknown }>,
): Promise<unknown> {
  try {
    const r = await fn();
    return r.reason;
  } catch (err) {
    if (w.signal?.aborted) throw err;
    const e = err as { name?: string; message?: string; state?: string; reason?: unknown };
    const reason = e.reason as { message?: string; name?: string } | undefined;
    let detail = e.message ?? String(err);
    try {
      const parsed = JSON.parse(detail) as { state?: string; reason?: { message?: string; name?: string } };
      detail = `${parsed.state ?? ''}${parsed.reason?.name ? `: ${parsed.reason.name}` : ''}${parsed.reason?.message ? `: ${parsed.reason.message}` : ''}`;
    } catch {
      // not the waiter's JSON message
    }
    if (reason?.message) detail += ` (last error: ${reason.name ?? ''} ${reason.message})`;
    throw new ActionError(
      `Gave up waiting for ${what} after ${formatDuration(w.timeoutMs)}: ${detail}`,
      'Check the instance\'s system log in the EC2 console; raise "wait-timeout" if it boots slowly.',
      { cause: err },
    );
  }
}
