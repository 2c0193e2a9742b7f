// What SSM Run Command provisioning shares between its phases (deps, clock, sleep, log), and its
// pure parts: poll delays, the command's comment and input, which errors to retry, document checks.
import { createHash } from 'node:crypto';
import type { DocumentParameter, SendCommandCommandInput, SSMClient } from '@aws-sdk/client-ssm';
import { sleep as realSleep, systemClock, type Clock, type Sleep } from '@hac/toolkit';
import { awsErrorCode } from '../errors.js';
import { RUN_SHELL_SCRIPT, type SsmCommandSpec } from './ssm-spec.js';

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

/** One SSM build's shared context: its command, its deps, and the clock, sleep and log it uses. */
export interface SsmContext {
  readonly spec: SsmCommandSpec;
  readonly deps: SsmSignalDeps;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log: (line: string) => void;
}

export function ssmContext(spec: SsmCommandSpec, deps: SsmSignalDeps): SsmContext {
  return {
    spec,
    deps,
    clock: deps.clock ?? systemClock,
    sleep: deps.sleep ?? realSleep,
    log: deps.log ?? (() => {}),
  };
}

/** The last `lines` lines of a command's output, or (empty). */
export function outputTail(text: string | undefined, lines = 40): string {
  const t = (text ?? '').replace(/\s+$/, '');
  return t ? t.split('\n').slice(-lines).join('\n') : '(empty)';
}
