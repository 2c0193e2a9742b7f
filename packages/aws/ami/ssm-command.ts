// The provisioning command itself: SendCommand (not idempotent, so a failed attempt is looked up
// before another is sent), the wait for its final status, and CancelCommand on timeout or abort.
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  waitUntilCommandExecuted,
  type GetCommandInvocationCommandOutput,
} from '@aws-sdk/client-ssm';
import { ActionError, errorMessage } from '@hac/toolkit';
import { withAbort } from '../abort.js';
import { awsCall, describeAwsError } from '../errors.js';
import { runWaiter, WaiterCallError, waiterState } from '../waiters.js';
import { waiterSeconds, type SignalContext } from './signal.js';
import { isRetryableSsmError, outputTail, sendCommandInput, type SsmContext } from './ssm-context.js';

async function findCommand(sc: SsmContext, instanceId: string, comment: string): Promise<string | undefined> {
  const out = await awsCall(`ListCommands ${instanceId}`, () =>
    sc.deps.ssm.send(new ListCommandsCommand({ InstanceId: instanceId })),
  );
  return out.Commands?.find((c) => c.Comment === comment)?.CommandId;
}

/** SendCommand; after a failed attempt, looks for this build's command before sending again. Returns its id. */
export async function sendCommand(
  sc: SsmContext,
  ctx: SignalContext,
  comment: string,
  deadline: number,
): Promise<string> {
  const { spec, deps } = sc;
  const what = `SendCommand ${spec.document} to ${ctx.instanceId}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await deps.ssmOnce.send(
        new SendCommandCommand(sendCommandInput(spec, ctx.instanceId, comment, deadline - sc.clock())),
        ctx.abortSignal ? { abortSignal: ctx.abortSignal } : {},
      );
      const id = out.Command?.CommandId;
      if (!id) throw new ActionError(`${what} returned no command id.`, 'Re-run the job.');
      return id;
    } catch (err) {
      if (ctx.abortSignal?.aborted || err instanceof ActionError) throw err;
      if (!isRetryableSsmError(err)) throw describeAwsError(err, what);
      // The request may have reached SSM before the failure: is this build's command there?
      const found = await findCommand(sc, ctx.instanceId, comment);
      if (found) {
        sc.log(`${what}: the attempt that failed (${errorMessage(err)}) had sent command ${found}`);
        return found;
      }
      if (attempt >= deps.maxAttempts) throw describeAwsError(err, `${what} (${attempt} attempts)`);
      await sc.sleep(Math.min(10_000, 500 * 2 ** attempt), ctx.abortSignal);
    }
  }
}

async function cancel(sc: SsmContext, commandId: string, instanceId: string): Promise<void> {
  try {
    await withAbort(sc.deps.ssmCleanup ?? sc.deps.ssm, AbortSignal.timeout(15_000)).send(
      new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }),
    );
  } catch (err) {
    sc.log(`CancelCommand ${commandId} failed (${errorMessage(err)}); the instance is terminated anyway`);
  }
}

/** Why the command did not succeed: it timed out (and was cancelled) or ended in another status. */
async function commandFailure(
  sc: SsmContext,
  ctx: SignalContext,
  commandId: string,
  timedOut: boolean,
): Promise<ActionError> {
  const inv = await awsCall(`GetCommandInvocation ${commandId}`, () =>
    sc.deps.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ctx.instanceId })),
  );
  if (timedOut)
    return new ActionError(
      `The SSM command ${commandId} on ${ctx.instanceId} did not finish within the build's ${Math.round(ctx.timeoutMs / 1000)}s "timeout" (status: ${inv.Status ?? 'unknown'}); it was cancelled. Its output ends with:\n${outputTail(inv.StandardOutputContent)}`,
      'Raise "timeout" if provisioning needs longer; no image was created.',
    );
  const exit = inv.ResponseCode !== undefined && inv.ResponseCode >= 0 ? ` (exit ${inv.ResponseCode})` : '';
  return new ActionError(
    `The SSM command ${commandId} (${sc.spec.document}) on ${ctx.instanceId} ended ${inv.Status ?? 'without success'}${exit}: ${inv.StatusDetails ?? 'no details'}.\nStandard error ends with:\n${outputTail(inv.StandardErrorContent)}\nStandard output ends with:\n${outputTail(inv.StandardOutputContent)}`,
    `Fix the commands (try them on an instance from the base AMI); no image was created. The whole output is in Systems Manager > Run Command > Command history, command ${commandId}.`,
  );
}

/** Waits for the command's final status; cancels it when the build is cancelled or runs out of time. */
export async function waitCommand(
  sc: SsmContext,
  ctx: SignalContext,
  commandId: string,
  deadline: number,
): Promise<GetCommandInvocationCommandOutput> {
  try {
    const r = await runWaiter(
      sc.deps.ssm,
      waiterSeconds(deadline - sc.clock()),
      ctx.abortSignal,
      (p) => waitUntilCommandExecuted(p, { CommandId: commandId, InstanceId: ctx.instanceId }),
      ctx.progress && {
        ...ctx.progress,
        what: `SSM command ${commandId} on ${ctx.instanceId}`,
        timeoutMs: deadline - sc.clock(),
      },
    );
    return r.reason as GetCommandInvocationCommandOutput;
  } catch (err) {
    if (ctx.abortSignal?.aborted) {
      await cancel(sc, commandId, ctx.instanceId);
      throw err;
    }
    if (err instanceof WaiterCallError)
      throw describeAwsError(err.callError, `waiting for SSM command ${commandId}: GetCommandInvocation`);
    const timedOut = waiterState(err) === 'TIMEOUT';
    if (timedOut) await cancel(sc, commandId, ctx.instanceId);
    throw await commandFailure(sc, ctx, commandId, timedOut);
  }
}
