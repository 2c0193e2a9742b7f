import { GetConsoleOutputCommand, waitUntilInstanceStopped, type EC2Client } from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { describeAwsError } from '../errors.js';
import type { ProgressOptions } from '../progress.js';
import { runWaiter, WaiterCallError, waiterState } from '../waiters.js';
import { FAILURE_MARKER } from './userdata.js';

export interface SignalContext {
  ec2: EC2Client;
  instanceId: string;
  timeoutMs: number;
  abortSignal?: AbortSignal;
  /** Where long waits report progress (a line every 30 s). */
  progress?: ProgressOptions;
}

/** How the build learns that provisioning finished. Resolves when it did; throws when it failed or timed out. */
export interface CompletionSignal {
  readonly name: string;
  /** Read-only checks before anything is created (e.g. that an SSM document exists and takes the parameters). */
  preflight?(): Promise<void>;
  wait(ctx: SignalContext): Promise<void>;
}

/** The last `lines` lines of the instance's console output, or a note saying why there is none. */
export async function consoleTail(ec2: EC2Client, instanceId: string, lines = 40): Promise<string> {
  try {
    const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
    if (!out.Output) return '(the console output is empty; EC2 may publish it a few minutes later)';
    const text = Buffer.from(out.Output, 'base64').toString('utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(console output unavailable: ${describeAwsError(err, 'GetConsoleOutput').message})`;
  }
}

/**
 * The user-data signal: the script powers the instance off when it is done and the instance was
 * launched with InstanceInitiatedShutdownBehavior=stop, so `stopped` means done. Waits with the
 * SDK waiter (its own polling schedule); on timeout, fails with the console output.
 */
export const stoppedSignal: CompletionSignal = {
  name: 'instance stopped (user data powers off)',
  async wait({ ec2, instanceId, timeoutMs, abortSignal, progress }) {
    try {
      await runWaiter(
        ec2,
        waiterSeconds(timeoutMs),
        abortSignal,
        (p) => waitUntilInstanceStopped(p, { InstanceIds: [instanceId] }),
        progress && { ...progress, what: `${instanceId} to stop (provisioning)`, timeoutMs },
      );
    } catch (err) {
      if (abortSignal?.aborted) throw err;
      if (err instanceof WaiterCallError)
        throw describeAwsError(err.callError, `waiting for ${instanceId} to stop: DescribeInstances`);
      const state = waiterState(err);
      const tail = await consoleTail(ec2, instanceId);
      const what =
        state === 'TIMEOUT'
          ? `did not stop within ${Math.round(timeoutMs / 1000)}s`
          : `did not reach "stopped" (${(err as Error).message.split('\n')[0]})`;
      throw new ActionError(
        `The build instance ${instanceId} ${what}. Its console output ends with:\n${tail}`,
        'Check the provisioning script in the console output above; it must finish with a power-off (build-ami adds one when "shutdown" is true). Raise "timeout" if it needs longer.',
      );
    }
    const tail = await consoleTail(ec2, instanceId, 200);
    if (tail.includes(FAILURE_MARKER)) {
      throw new ActionError(
        `The provisioning script on ${instanceId} failed. Its console output ends with:\n${tail}`,
        'Fix the provisioning script; no image was created.',
      );
    }
  },
};

/** EC2's instance and image waiters poll every 15 s at first; their maxWaitTime must exceed that. */
export function waiterSeconds(ms: number): number {
  return Math.max(16, Math.ceil(ms / 1000));
}
