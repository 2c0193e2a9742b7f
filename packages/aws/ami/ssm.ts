// SSM Run Command provisioning: the build instance registers with Systems Manager (its instance
// profile has AmazonSSMManagedInstanceCore), build-ami sends it one command, waits for the
// command's final status with the SDK waiter, then stops the instance so CreateImage snapshots a
// quiet file system. No SSH, no inbound rule, and the script never lands in user data.
import { createHash } from 'node:crypto';
import {
  CancelCommandCommand,
  DescribeDocumentCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  waitUntilCommandExecuted,
  type DocumentParameter,
  type GetCommandInvocationCommandOutput,
  type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import {
  DescribeInstancesCommand,
  StopInstancesCommand,
  waitUntilInstanceStopped,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  ActionError,
  errorMessage,
  sleep as realSleep,
  systemClock,
  type Clock,
  type Sleep,
} from '@hac/toolkit';
import { ec2ClientConfig, watched, type AwsSettings } from '../client.js';
import { withAbort } from '../abort.js';
import { awsCall, awsErrorCode, describeAwsError } from '../errors.js';
import { runWaiter, WaiterCallError, waiterState } from '../waiters.js';
import { RUN_SHELL_SCRIPT, RUN_SHELL_SCRIPT_PARAMETERS, type SsmCommandSpec } from './ssm-spec.js';
import { consoleTail, waiterSeconds, type CompletionSignal, type SignalContext } from './signal.js';

export { RUN_SHELL_SCRIPT, RUN_SHELL_SCRIPT_PARAMETERS, type SsmCommandSpec };

export interface SsmSignalDeps {
  /** SSM client with the SDK's adaptive retries: reads, the waiter, CancelCommand. */
  ssm: SSMClient;
  /** SSM client with a single attempt: SendCommand, which is not idempotent (retried here, after a lookup). */
  ssmOnce: SSMClient;
  /** SSM client for CancelCommand after the job was cancelled (default: ssm); it gets a 15 s deadline here. */
  ssmCleanup?: SSMClient;
  runId: string;
  /** Attempts for SendCommand, as for every other call. */
  maxAttempts: number;
  /** The instance profile, for messages. */
  instanceProfile: string;
  log?: (line: string) => void;
  sleep?: Sleep;
  clock?: Clock;
}

/** DescribeInstanceInformation polls: 5 s, then 1.5x up to 15 s (the SSM waiter's 5 s floor, EC2's 15 s). */
export function onlinePollDelays(count: number): number[] {
  const out: number[] = [];
  let d = 5000;
  for (let i = 0; i < count; i++) {
    out.push(d);
    d = Math.min(15_000, Math.round(d * 1.5));
  }
  return out;
}

/** The SendCommand comment that identifies this build's command (at most 100 characters). */
export function commandComment(runId: string, instanceId: string): string {
  const h = createHash('sha256').update(`${runId}|${instanceId}`).digest('hex').slice(0, 16);
  return `hac build-ami ${h}`;
}

/** SendCommand's input (pure, for tests): one instance, the document's parameters, timeouts from what is left. */
export function sendCommandInput(
  spec: SsmCommandSpec,
  instanceId: string,
  comment: string,
  remainingMs: number,
): SendCommandCommandInput {
  const seconds = Math.max(30, Math.min(172_800, Math.floor(remainingMs / 1000)));
  const parameters = { ...spec.parameters };
  if (spec.document === RUN_SHELL_SCRIPT && !parameters.executionTimeout)
    parameters.executionTimeout = [String(seconds)];
  return {
    InstanceIds: [instanceId],
    DocumentName: spec.document,
    Parameters: parameters,
    // How long the command may wait to be delivered (the agent is Online, so this is short in practice).
    TimeoutSeconds: Math.min(seconds, 2_592_000),
    Comment: comment,
  };
}

/**
 * The errors worth another SendCommand: throttling, 5xx, and requests that got no answer at all
 * (a refused, reset or timed-out connection), which may or may not have reached SSM.
 */
export function isRetryableSsmError(err: unknown): boolean {
  const code = awsErrorCode(err) ?? '';
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (/^(ThrottlingException|Throttling|TooManyRequestsException|RequestLimitExceeded)$/.test(code))
    return true;
  if (status !== undefined) return status >= 500;
  // No HTTP answer: a network failure, unless the request never left (no credentials, a bad input).
  return !/^(CredentialsProviderError|ValidationException|TypeError|AbortError)$/.test(code);
}

/** The parameters a document declares, and which of them are required (no default value). */
export function checkDocumentParameters(
  document: string,
  declared: DocumentParameter[],
  given: Record<string, string[]>,
): string[] {
  const names = new Set(declared.map((p) => p.Name));
  const problems: string[] = [];
  for (const name of Object.keys(given))
    if (!names.has(name))
      problems.push(
        `"${name}" is not a parameter of ${document} (it has: ${[...names].join(', ') || 'none'})`,
      );
  for (const p of declared)
    if (p.DefaultValue === undefined && p.Name && !(p.Name in given))
      problems.push(`${document} requires the parameter "${p.Name}"`);
  return problems;
}

/** Creates the two SSM clients of a region (adaptive retry, and a single-attempt one for SendCommand). */
export function ssmClients(
  settings: AwsSettings & { region: string },
): Pick<SsmSignalDeps, 'ssm' | 'ssmOnce'> & { destroy(): void } {
  const ssm = watched(new SSMClient(ec2ClientConfig(settings, 'SSM')), settings, 'SSM');
  const ssmOnce = watched(
    new SSMClient({ ...ec2ClientConfig(settings, 'SSM'), maxAttempts: 1 }),
    settings,
    'SSM',
  );
  return {
    ssm,
    ssmOnce,
    destroy() {
      ssm.destroy();
      ssmOnce.destroy();
    },
  };
}

function tail(text: string | undefined, lines = 40): string {
  const t = (text ?? '').replace(/\s+$/, '');
  return t ? t.split('\n').slice(-lines).join('\n') : '(empty)';
}

/** The SSM signal: Online, SendCommand, the command's final status, then stop the instance. */
export function ssmSignal(spec: SsmCommandSpec, deps: SsmSignalDeps): CompletionSignal {
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? realSleep;
  const log = deps.log ?? (() => {});
  return {
    name: `SSM Run Command (${spec.document})`,

    async preflight() {
      // Managed documents exist everywhere; your own must exist, be a Command document and take these parameters.
      if (spec.document.startsWith('AWS-')) return;
      const out = await awsCall(`DescribeDocument ${spec.document}`, () =>
        deps.ssm.send(new DescribeDocumentCommand({ Name: spec.document })),
      );
      const doc = out.Document;
      const problems: string[] = [];
      if (doc?.DocumentType && doc.DocumentType !== 'Command')
        problems.push(`it is a ${doc.DocumentType} document; Run Command needs a Command document`);
      if (doc?.Status && doc.Status !== 'Active') problems.push(`its status is ${doc.Status}, not Active`);
      problems.push(...checkDocumentParameters(spec.document, doc?.Parameters ?? [], spec.parameters));
      if (problems.length)
        throw new ActionError(
          `The SSM document "${spec.document}" cannot run this build: ${problems.join('; ')}.`,
          'Fix "ssm-document" or "ssm-parameters". Nothing was created.',
        );
    },

    async wait(ctx) {
      const deadline = clock() + ctx.timeoutMs;
      await waitOnline(ctx, deadline);
      const comment = commandComment(deps.runId, ctx.instanceId);
      const commandId = await send(ctx, comment, deadline);
      log(`SSM command ${commandId} (${spec.document}) sent to ${ctx.instanceId}; waiting for it to finish`);
      const invocation = await waitCommand(ctx, commandId, deadline);
      const out = tail(invocation.StandardOutputContent, 60);
      log(`SSM command ${commandId} succeeded; its output ends with:\n${out}`);
      await stopInstance(ctx);
    },
  };

  async function waitOnline(ctx: SignalContext, deadline: number): Promise<void> {
    let last = 'not registered';
    let polls = 0;
    for (const delay of onlinePollDelays(10_000)) {
      const out = await awsCall(`DescribeInstanceInformation ${ctx.instanceId}`, () =>
        deps.ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: [ctx.instanceId] }],
          }),
        ),
      );
      const info = out.InstanceInformationList?.find((i) => i.InstanceId === ctx.instanceId);
      if (info?.PingStatus === 'Online') {
        log(
          `${ctx.instanceId} is Online in Systems Manager (agent ${info.AgentVersion ?? '?'}, ${info.PlatformName ?? 'unknown platform'})`,
        );
        return;
      }
      last = info?.PingStatus ?? 'not registered';
      polls += 1;
      // Every fourth poll, make sure the instance is still up: a dead instance never comes Online.
      if (polls % 4 === 0) await failIfGone(ctx, last);
      if (clock() + delay > deadline) break;
      await sleep(delay, ctx.abortSignal);
    }
    const tailText = await consoleTail(ctx.ec2, ctx.instanceId);
    throw new ActionError(
      `The build instance ${ctx.instanceId} did not come Online in Systems Manager within ${Math.round(ctx.timeoutMs / 1000)}s (last status: ${last}). Its console output ends with:\n${tailText}`,
      `SSM Run Command needs the SSM agent on the base AMI (Amazon Linux, Ubuntu and Windows AMIs have it), the instance profile "${deps.instanceProfile}" with the AmazonSSMManagedInstanceCore policy, and outbound HTTPS from the subnet to the ssm, ssmmessages and ec2messages endpoints (a NAT gateway or VPC endpoints).`,
    );
  }

  async function failIfGone(ctx: SignalContext, last: string): Promise<void> {
    const out = await awsCall(`DescribeInstances ${ctx.instanceId}`, () =>
      ctx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ctx.instanceId] })),
    );
    const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? 'gone';
    if (state === 'pending' || state === 'running') return;
    const tailText = await consoleTail(ctx.ec2, ctx.instanceId);
    throw new ActionError(
      `The build instance ${ctx.instanceId} is ${state} before it came Online in Systems Manager (last status: ${last}). Its console output ends with:\n${tailText}`,
      'Something stopped the instance during boot: check the console output above and the user data, if any.',
    );
  }

  /** SendCommand is not idempotent: after a failed attempt, look for this build's command before sending again. */
  async function send(ctx: SignalContext, comment: string, deadline: number): Promise<string> {
    const what = `SendCommand ${spec.document} to ${ctx.instanceId}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await deps.ssmOnce.send(
          new SendCommandCommand(sendCommandInput(spec, ctx.instanceId, comment, deadline - clock())),
          ctx.abortSignal ? { abortSignal: ctx.abortSignal } : {},
        );
        const id = out.Command?.CommandId;
        if (!id) throw new ActionError(`${what} returned no command id.`, 'Re-run the job.');
        return id;
      } catch (err) {
        if (ctx.abortSignal?.aborted || err instanceof ActionError) throw err;
        if (!isRetryableSsmError(err)) throw describeAwsError(err, what);
        // The request may have reached SSM before the failure: is this build's command there?
        const found = await findCommand(ctx.instanceId, comment);
        if (found) {
          log(`${what}: the attempt that failed (${errorMessage(err)}) had sent command ${found}`);
          return found;
        }
        if (attempt >= deps.maxAttempts) throw describeAwsError(err, `${what} (${attempt} attempts)`);
        await sleep(Math.min(10_000, 500 * 2 ** attempt), ctx.abortSignal);
      }
    }
  }

  async function findCommand(instanceId: string, comment: string): Promise<string | undefined> {
    const out = await awsCall(`ListCommands ${instanceId}`, () =>
      deps.ssm.send(new ListCommandsCommand({ InstanceId: instanceId })),
    );
    return out.Commands?.find((c) => c.Comment === comment)?.CommandId;
  }

  async function waitCommand(
    ctx: SignalContext,
    commandId: string,
    deadline: number,
  ): Promise<GetCommandInvocationCommandOutput> {
    const seconds = waiterSeconds(deadline - clock());
    try {
      const r = await runWaiter(
        deps.ssm,
        seconds,
        ctx.abortSignal,
        (p) => waitUntilCommandExecuted(p, { CommandId: commandId, InstanceId: ctx.instanceId }),
        ctx.progress && {
          ...ctx.progress,
          what: `SSM command ${commandId} on ${ctx.instanceId}`,
          timeoutMs: deadline - clock(),
        },
      );
      return r.reason as GetCommandInvocationCommandOutput;
    } catch (err) {
      if (ctx.abortSignal?.aborted) {
        await cancel(commandId, ctx.instanceId);
        throw err;
      }
      if (err instanceof WaiterCallError)
        throw describeAwsError(err.callError, `waiting for SSM command ${commandId}: GetCommandInvocation`);
      const timedOut = waiterState(err) === 'TIMEOUT';
      if (timedOut) await cancel(commandId, ctx.instanceId);
      const inv = await awsCall(`GetCommandInvocation ${commandId}`, () =>
        deps.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ctx.instanceId })),
      );
      if (timedOut)
        throw new ActionError(
          `The SSM command ${commandId} on ${ctx.instanceId} did not finish within the build's ${Math.round(ctx.timeoutMs / 1000)}s "timeout" (status: ${inv.Status ?? 'unknown'}); it was cancelled. Its output ends with:\n${tail(inv.StandardOutputContent)}`,
          'Raise "timeout" if provisioning needs longer; no image was created.',
        );
      const exit =
        inv.ResponseCode !== undefined && inv.ResponseCode >= 0 ? ` (exit ${inv.ResponseCode})` : '';
      throw new ActionError(
        `The SSM command ${commandId} (${spec.document}) on ${ctx.instanceId} ended ${inv.Status ?? 'without success'}${exit}: ${inv.StatusDetails ?? 'no details'}.\nStandard error ends with:\n${tail(inv.StandardErrorContent)}\nStandard output ends with:\n${tail(inv.StandardOutputContent)}`,
        `Fix the commands (try them on an instance from the base AMI); no image was created. The whole output is in Systems Manager > Run Command > Command history, command ${commandId}.`,
      );
    }
  }

  async function cancel(commandId: string, instanceId: string): Promise<void> {
    try {
      await withAbort(deps.ssmCleanup ?? deps.ssm, AbortSignal.timeout(15_000)).send(
        new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }),
      );
    } catch (err) {
      log(`CancelCommand ${commandId} failed (${errorMessage(err)}); the instance is terminated anyway`);
    }
  }

  async function stopInstance(ctx: SignalContext): Promise<void> {
    await awsCall(`StopInstances ${ctx.instanceId}`, () =>
      ctx.ec2.send(new StopInstancesCommand({ InstanceIds: [ctx.instanceId] })),
    );
    try {
      await runWaiter(ctx.ec2 as EC2Client, 600, ctx.abortSignal, (p) =>
        waitUntilInstanceStopped(p, { InstanceIds: [ctx.instanceId] }),
      );
    } catch (err) {
      if (ctx.abortSignal?.aborted) throw err;
      throw describeAwsError(
        err instanceof WaiterCallError ? err.callError : err,
        `waiting for ${ctx.instanceId} to stop after provisioning`,
      );
    }
  }
}
