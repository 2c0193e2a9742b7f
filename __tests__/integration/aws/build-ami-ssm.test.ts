// build-ami's SSM Run Command provisioning against moto (plus the sandbox's DescribeInstanceInformation,
// which plays the SSM agent: a running instance with an instance profile is Online). The command's
// final status, the command history and the leftovers are checked with independent SSM, IAM and EC2
// clients that talk to moto directly. States moto never reaches (a failed or endless command) are
// canned answers from the fault proxy.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  StopInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  IAMClient,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import {
  CreateDocumentCommand,
  DeleteDocumentCommand,
  ListCommandsCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { ActionError, type Sleep } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildNative } from '../../../packages/aws/ami/native.js';
import { ec2ClientPool } from '../../../packages/aws/client.js';
import { runBuildAmi } from '../../../packages/aws/ami/action.js';
import { RUN_SHELL_SCRIPT } from '../../../packages/aws/ami/ssm-spec.js';
import { type BuildAmiResult, type NativeBuildSpec } from '../../../packages/aws/ami/types.js';
import { ssmClients, ssmSignal } from '../../../packages/aws/ami/ssm.js';
import { readBuildAmiInputs } from '../../../packages/aws/ami/inputs.js';
import { isWriteAction, type FaultKind } from '../../support/fault-proxy.js';
import {
  awsSandbox,
  listLeaks,
  motoBaseAmi,
  NO_LEAKS,
  testRunId,
  type AwsSandbox,
} from '../../support/aws.js';

let sb: AwsSandbox;
let indep: EC2Client;
let ssm: SSMClient;
let iam: IAMClient;
let baseAmi: string;
let profile: string;
let documentName: string;

beforeAll(async () => {
  sb = await awsSandbox();
  indep = sb.independent();
  const direct = { endpoint: sb.endpoint, credentials: sb.credentials, maxAttempts: 3 };
  ssm = new SSMClient({ region: sb.region, ...direct });
  iam = new IAMClient({ region: sb.region, ...direct });
  baseAmi = (await motoBaseAmi(indep)).id;
  profile = testRunId('ssm-profile');
  await iam.send(new CreateRoleCommand({ RoleName: profile, AssumeRolePolicyDocument: '{}' }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profile }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: profile }));
  documentName = testRunId('hac-provision');
  await ssm.send(
    new CreateDocumentCommand({
      Name: documentName,
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
      Content: JSON.stringify({
        schemaVersion: '2.2',
        description: 'hac test provisioning',
        parameters: {
          message: { type: 'String', description: 'what to print' },
          greeting: { type: 'String', description: 'optional', default: 'hi' },
        },
        mainSteps: [
          { action: 'aws:runShellScript', name: 'run', inputs: { runCommand: ['echo {{ message }}'] } },
        ],
      }),
    }),
  );
});
afterAll(async () => {
  await ssm.send(new DeleteDocumentCommand({ Name: documentName })).catch(() => {});
  await iam
    .send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile, RoleName: profile }))
    .catch(() => {});
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profile })).catch(() => {});
  await iam.send(new DeleteRoleCommand({ RoleName: profile })).catch(() => {});
  ssm.destroy();
  iam.destroy();
  await sb.close();
});

/** Builds through the action's own input parsing and engine entry, with no injected signal. */
async function build(runId: string, over: Record<string, string> = {}) {
  const raw: Record<string, string> = {
    app: 'ssmweb',
    'run-id': runId,
    'base-ami': baseAmi,
    'iam-instance-profile': profile,
    'ssm-commands': 'set -e\napt-get install -y nginx\nsystemctl enable nginx\n',
    'name-template': `{{app}}-${runId}`,
    'max-attempts': '2',
    timeout: '2m',
    'image-timeout': '1m',
    ...over,
  };
  const inputs = readBuildAmiInputs((n) => raw[n] ?? '', { env: sb.env });
  const logs: string[] = [];
  let result: BuildAmiResult | undefined;
  let error: unknown;
  try {
    result = await runBuildAmi(inputs, {
      env: sb.env,
      credentials: sb.credentials,
      state: memoryState(),
      setOutputs: () => {},
      writeSummary: async () => {},
      log: (l) => logs.push(l),
    });
  } catch (err) {
    error = err;
  }
  return { result, error, logs, name: `ssmweb-${runId}` };
}

/** From now on the proxy answers every GetCommandInvocation with `body` (a state moto never reaches). */
function answerInvocations(body: Record<string, unknown>): void {
  sb.proxy.clearLog();
  sb.proxy.clearFaults();
  sb.proxy.fail({ action: 'GetCommandInvocation', kind: 'respond', times: Infinity, body });
}

const sent = () => sb.proxy.requests.filter((r) => r.action === 'SendCommand');

/** The build instance of a run, found by its run tag. */
async function buildInstanceOf(runId: string): Promise<string | undefined> {
  const out = await indep.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:hac:run-id', Values: [runId] }] }),
  );
  return out.Reservations?.[0]?.Instances?.[0]?.InstanceId;
}

describe('SSM Run Command provisioning against moto', () => {
  test('a full build: Online, one command with the script, stop, then the image; nothing temporary left', async () => {
    const runId = testRunId('ssm-full');
    sb.proxy.clearLog();
    const { result, error, logs, name } = await build(runId);
    expect(error).toBeUndefined();
    const image = (await indep.send(new DescribeImagesCommand({ ImageIds: [result?.amiId as string] })))
      .Images?.[0];
    expect(image?.State).toBe('available');
    expect(image?.Name).toBe(name);

    const actions = sb.proxy.actions();
    const order = [
      'DescribeInstanceInformation',
      'SendCommand',
      'GetCommandInvocation',
      'StopInstances',
      'CreateImage',
    ];
    const positions = order.map((a) => actions.indexOf(a));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(sent()).toHaveLength(1);
    const body = sent()[0]?.json as {
      DocumentName: string;
      InstanceIds: string[];
      Parameters: Record<string, string[]>;
      Comment: string;
    };
    expect(body.DocumentName).toBe(RUN_SHELL_SCRIPT);
    expect(body.Parameters.commands).toEqual([
      'set -e',
      'apt-get install -y nginx',
      'systemctl enable nginx',
    ]);
    expect(Number(body.Parameters.executionTimeout?.[0])).toBeGreaterThan(60);
    // No user data: the script travels only in the command.
    const ri = sb.proxy.requests.find((r) => r.action === 'RunInstances' && r.params.DryRun !== 'true');
    expect(ri?.params.UserData).toBeUndefined();
    expect(ri?.params['IamInstanceProfile.Name']).toBe(profile);

    // The independent SSM client sees exactly one command for the instance, and it succeeded.
    const history = await ssm.send(new ListCommandsCommand({ InstanceId: body.InstanceIds[0] }));
    expect(history.Commands?.map((c) => [c.Comment, c.Status])).toEqual([[body.Comment, 'Success']]);
    expect(logs.join('\n')).toMatch(/Online in Systems Manager/);
    expect(await listLeaks(indep, runId, { name, keepImages: [result?.amiId as string] })).toEqual(NO_LEAKS);
  });

  test('a custom Command document with its parameters', async () => {
    const runId = testRunId('ssm-doc');
    sb.proxy.clearLog();
    const { result, error, name } = await build(runId, {
      'ssm-commands': '',
      'ssm-document': documentName,
      'ssm-parameters': 'message: hello from hac',
    });
    expect(error).toBeUndefined();
    expect(sb.proxy.actions()).toContain('DescribeDocument');
    expect(sent()[0]?.json).toMatchObject({
      DocumentName: documentName,
      Parameters: { message: ['hello from hac'] },
    });
    expect(await listLeaks(indep, runId, { name, keepImages: [result?.amiId as string] })).toEqual(NO_LEAKS);
  });

  test.each<[string, Record<string, string>, RegExp]>([
    [
      'unknown and missing document parameters',
      { 'ssm-commands': '', 'ssm-document': '', 'ssm-parameters': 'msg: x' },
      /"msg" is not a parameter of .*requires the parameter "message"/,
    ],
    [
      'a document that does not exist',
      { 'ssm-document': 'no-such-document' },
      /DescribeDocument no-such-document failed: InvalidDocument/,
    ],
  ])('%s: a clear error before any write', async (_t, over, expected) => {
    const runId = testRunId('ssm-pre');
    sb.proxy.clearLog();
    const { error } = await build(runId, { ...over, 'ssm-document': over['ssm-document'] || documentName });
    expect((error as Error)?.message).toMatch(expected);
    expect(sb.proxy.actions().filter(isWriteAction)).toEqual([]);
  });

  test('the command fails: its exit code and standard error in the error, no image, nothing left', async () => {
    const runId = testRunId('ssm-fails');
    answerInvocations({
      Status: 'Failed',
      StatusDetails: 'Failed',
      ResponseCode: 100,
      StandardOutputContent: 'Reading package lists...\n',
      StandardErrorContent: 'E: Unable to locate package nginx-ful\n',
    });
    const { error, name } = await build(runId);
    sb.proxy.clearFaults();
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(
      /ended Failed \(exit 100\).*Unable to locate package nginx-ful/s,
    );
    expect((error as ActionError).hint).toMatch(/Command history, command [0-9a-f-]+/);
    expect(sb.proxy.actions()).not.toContain('CreateImage');
    expect(await listLeaks(indep, runId, { name })).toEqual(NO_LEAKS);
  });

  test('the command outlives the timeout: cancelled, a clear error, nothing left', async () => {
    const runId = testRunId('ssm-slow');
    answerInvocations({
      Status: 'InProgress',
      StatusDetails: 'InProgress',
      ResponseCode: -1,
      StandardOutputContent: 'step 3 of 9\n',
    });
    const spec = nativeSpec(runId, { provisionTimeoutMs: 17_000 });
    const err = await engineBuild(spec).catch((e: unknown) => e);
    sb.proxy.clearFaults();
    expect((err as Error).message).toMatch(
      /did not finish within the build's 17s "timeout" \(status: InProgress\); it was cancelled.*step 3 of 9/s,
    );
    expect(sb.proxy.actions()).toContain('CancelCommand');
    expect(sb.proxy.actions()).not.toContain('CreateImage');
    expect(await listLeaks(indep, runId, { name: spec.name })).toEqual(NO_LEAKS);
  });

  test('the job is cancelled while the command runs: the command is cancelled, nothing is left', async () => {
    const runId = testRunId('ssm-cancel');
    answerInvocations({ Status: 'InProgress', StatusDetails: 'InProgress', ResponseCode: -1 });
    const spec = nativeSpec(runId, { provisionTimeoutMs: 600_000 });
    const ac = new AbortController();
    const poll = setInterval(() => {
      if (sb.proxy.count('GetCommandInvocation') > 0) ac.abort(new Error('the job was cancelled'));
    }, 100);
    const err = await engineBuild(spec, {}, ac.signal).catch((e: unknown) => e);
    clearInterval(poll);
    sb.proxy.clearFaults();
    expect((err as Error).message).toMatch(
      /The build was cancelled \(the job was cancelled\) and no image was kept\. Everything it had created was removed\./,
    );
    const cancel = sb.proxy.requests.find((r) => r.action === 'CancelCommand');
    expect(cancel?.json).toMatchObject({
      CommandId: expect.any(String),
      InstanceIds: [expect.stringMatching(/^i-/)],
    });
    expect(sb.proxy.actions()).not.toContain('CreateImage');
    expect(await listLeaks(indep, runId, { name: spec.name })).toEqual(NO_LEAKS);
  });

  test('an instance that never comes Online (no instance profile): a timeout naming what SSM needs', async () => {
    const runId = testRunId('ssm-offline');
    sb.proxy.clearLog();
    const spec = nativeSpec(runId, { provisionTimeoutMs: 120_000 });
    delete spec.instanceProfile;
    const { clock, sleep, slept } = fakeTime();
    const err = await engineBuild(spec, { clock, sleep }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect((err as Error).message).toMatch(
      /did not come Online in Systems Manager within 120s \(last status: not registered\)/,
    );
    expect((err as ActionError).hint).toMatch(/AmazonSSMManagedInstanceCore.*ssmmessages/s);
    // Polls back off from 5 s to 15 s and stop at the deadline.
    expect(slept.slice(0, 4)).toEqual([5000, 7500, 11250, 15000]);
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(120_000);
    expect(sb.proxy.actions()).not.toContain('SendCommand');
    expect(await listLeaks(indep, runId, { name: spec.name })).toEqual(NO_LEAKS);
  });

  test('an instance that stops while booting: a clear error at the next state check', async () => {
    const runId = testRunId('ssm-stops');
    sb.proxy.clearLog();
    const spec = nativeSpec(runId, { provisionTimeoutMs: 600_000 });
    delete spec.instanceProfile;
    const { clock, sleep } = fakeTime(async () => {
      const id = await buildInstanceOf(runId);
      if (id) await indep.send(new StopInstancesCommand({ InstanceIds: [id] }));
    });
    const err = await engineBuild(spec, { clock, sleep }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/is stopped before it came Online in Systems Manager/);
    expect(sb.proxy.actions()).not.toContain('SendCommand');
    expect(await listLeaks(indep, runId, { name: spec.name })).toEqual(NO_LEAKS);
  });
});

describe('SSM faults: SendCommand never runs twice, and every failure leaves nothing', () => {
  test('SendCommand answered but the connection dropped: the command is found, not sent again', async () => {
    const runId = testRunId('ssm-drop');
    sb.proxy.clearLog();
    sb.proxy.clearFaults();
    sb.proxy.fail({ action: 'SendCommand', kind: 'drop-after' });
    const { result, error, name, logs } = await build(runId);
    sb.proxy.clearFaults();
    expect(error).toBeUndefined();
    expect(sent()).toHaveLength(1);
    expect(sb.proxy.actions()).toContain('ListCommands');
    const instanceId = (sent()[0]?.json as { InstanceIds: string[] }).InstanceIds[0];
    const history = await ssm.send(new ListCommandsCommand({ InstanceId: instanceId }));
    expect(history.Commands).toHaveLength(1);
    expect(logs.join('\n')).toMatch(/had sent command/);
    expect(await listLeaks(indep, runId, { name, keepImages: [result?.amiId as string] })).toEqual(NO_LEAKS);
  });

  test.each<[string, FaultKind]>([
    ['SendCommand', 'throttle'],
    ['SendCommand', 'drop'],
    ['DescribeInstanceInformation', 'throttle'],
    ['GetCommandInvocation', '500'],
    ['StopInstances', 'throttle'],
  ])('one %s %s is absorbed by the retries', async (action, kind) => {
    const runId = testRunId('ssm-once');
    sb.proxy.clearLog();
    sb.proxy.clearFaults();
    sb.proxy.fail({ action, kind });
    const { result, error, name } = await build(runId);
    sb.proxy.clearFaults();
    expect(error).toBeUndefined();
    expect(sb.proxy.requests.some((r) => r.action === action && r.fault === kind)).toBe(true);
    const instanceId = (sent().at(-1)?.json as { InstanceIds: string[] }).InstanceIds[0];
    expect((await ssm.send(new ListCommandsCommand({ InstanceId: instanceId }))).Commands).toHaveLength(1);
    expect(await listLeaks(indep, runId, { name, keepImages: [result?.amiId as string] })).toEqual(NO_LEAKS);
  });

  test.each<[string, FaultKind, RegExp]>([
    ['DescribeInstanceInformation', '500', /DescribeInstanceInformation i-\w+ failed/],
    ['SendCommand', '500', /SendCommand AWS-RunShellScript to i-\w+ \(2 attempts\) failed/],
    [
      'SendCommand',
      'throttle',
      /SendCommand AWS-RunShellScript to i-\w+ \(2 attempts\) failed: ThrottlingException/,
    ],
    ['GetCommandInvocation', '500', /waiting for SSM command [0-9a-f-]+: GetCommandInvocation failed/],
    ['StopInstances', '500', /StopInstances i-\w+ failed/],
  ])('%s always %s: a clear error and zero leaks', async (action, kind, expected) => {
    const runId = testRunId('ssm-fault');
    sb.proxy.clearLog();
    sb.proxy.clearFaults();
    sb.proxy.fail({ action, kind, times: Infinity });
    const { error, name } = await build(runId);
    sb.proxy.clearFaults();
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(expected);
    expect(sb.proxy.actions()).not.toContain('CreateImage');
    expect(await listLeaks(indep, runId, { name })).toEqual(NO_LEAKS);
  });
});

function nativeSpec(runId: string, over: Partial<NativeBuildSpec> = {}): NativeBuildSpec {
  return {
    region: sb.region,
    runId,
    app: 'ssmweb',
    family: `fam-${runId}`,
    base: { id: baseAmi },
    instanceType: 't3.micro',
    instanceProfile: profile,
    securityGroupIds: [],
    userData: '',
    ssm: { document: RUN_SHELL_SCRIPT, parameters: { commands: ['echo provision'] } },
    name: `ssmweb-${runId}`,
    description: 'ssm test build',
    tags: {},
    copyRegions: [],
    provisionTimeoutMs: 60_000,
    imageTimeoutMs: 60_000,
    keep: 0,
    snapshotTagSpecification: false,
    ...over,
  };
}

/** A clock that only moves when the code sleeps, so timeouts take no real time. */
function fakeTime(onSleep?: () => Promise<void>) {
  let now = 0;
  const slept: number[] = [];
  const sleep: Sleep = async (ms) => {
    slept.push(ms);
    now += ms;
    await onSleep?.();
  };
  return { clock: () => now, sleep, slept };
}

/** The engine with the real SSM signal; `time` replaces the clock and sleep (the SDK waiters keep real time). */
async function engineBuild(
  spec: NativeBuildSpec,
  time: { clock?: () => number; sleep?: Sleep } = {},
  abortSignal?: AbortSignal,
) {
  const pool = ec2ClientPool({ env: sb.env, credentials: sb.credentials, maxAttempts: 2 });
  const clients = ssmClients({ env: sb.env, credentials: sb.credentials, maxAttempts: 2, region: sb.region });
  try {
    return await buildNative(spec, {
      ec2: (r) => pool.get(r),
      ...(abortSignal ? { abortSignal } : {}),
      signal: ssmSignal(spec.ssm as NonNullable<NativeBuildSpec['ssm']>, {
        ...clients,
        runId: spec.runId,
        maxAttempts: 2,
        instanceProfile: spec.instanceProfile ?? 'none',
        ...time,
      }),
    });
  } finally {
    pool.destroy();
    clients.destroy();
  }
}
