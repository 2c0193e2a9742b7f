// Fault injection at every EC2 call a native build makes: a single RequestLimitExceeded is absorbed by
// the SDK's adaptive retry; persistent throttling, 500s and dropped connections end in a clear error
// with zero leaked instances, security groups, images or snapshots (listed by an independent client).
// The SDK retries at once (support/fast-retry.ts), except in the cases of REAL_BACKOFF, which keep
// hac's adaptive retry with the SDK's own backoff.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import type { BuildAmiResult } from '../../../packages/aws/ami/types.js';
import type { FaultKind } from '../../support/fault-proxy.js';
import type { AwsSandbox } from '../../support/aws.js';
import { backoff, zeroDelayRetries } from '../../support/fast-retry.js';

await zeroDelayRetries();
const { CreateLaunchTemplateCommand, DeleteLaunchTemplateCommand, DescribeImagesCommand } =
  await import('@aws-sdk/client-ec2');
const { postBuildAmi, runBuildAmi } = await import('../../../packages/aws/ami/action.js');
const { readBuildAmiInputs } = await import('../../../packages/aws/ami/inputs.js');
const { destructiveCalls, inventory, ownershipViolations } = await import('../../support/ownership.js');
const { awsSandbox, poweredOff, listLeaks, motoBaseAmi, NO_LEAKS, testRunId } =
  await import('../../support/aws.js');

/** Cases run with the client's real retry strategy and backoff: one transient, one persistent fault. */
const REAL_BACKOFF = new Set(['once RunInstances', 'throttle CreateImage']);

/** Runs a case with zero-delay retries, or the real ones for REAL_BACKOFF; checks the seam took effect. */
async function withBackoff(key: string, run: () => Promise<void>) {
  backoff.real = REAL_BACKOFF.has(key);
  const zeroDelayBefore = backoff.zeroDelayClients;
  try {
    await run();
    expect(backoff.zeroDelayClients > zeroDelayBefore).toBe(!backoff.real);
  } finally {
    backoff.real = false;
  }
}
const realTag = (key: string) => (REAL_BACKOFF.has(key) ? ' (real SDK backoff)' : '');

let sb: AwsSandbox;
let indep: EC2Client;
let baseAmi: string;
let templateId: string | undefined;

beforeAll(async () => {
  // An account of its own: 70 builds, each listing what exists before and after it.
  sb = await awsSandbox({ ownAccount: true });
  indep = sb.independent();
  baseAmi = (await motoBaseAmi(indep)).id;
  // Retention reads every launch template's versions: make sure there is one.
  const lt = await indep.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: testRunId('faults-lt'),
      LaunchTemplateData: { ImageId: baseAmi },
    }),
  );
  templateId = lt.LaunchTemplate?.LaunchTemplateId;
});
afterAll(async () => {
  if (templateId) await indep.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: templateId }));
  await sb.close();
});

async function build(runId: string, maxAttempts: number) {
  const state = memoryState();
  const raw: Record<string, string> = {
    app: 'faulty',
    'run-id': runId,
    'base-ami': baseAmi,
    'user-data': '#!/bin/bash\necho provision\n',
    'copy-regions': 'us-west-2',
    keep: '1',
    'max-attempts': String(maxAttempts),
    'name-template': `{{app}}-${runId}`,
    timeout: '1m',
    'image-timeout': '1m',
  };
  const inputs = readBuildAmiInputs((n) => raw[n] ?? '', { env: sb.env });
  before = await inventory([indep, sb.independent('us-west-2')]);
  let result: BuildAmiResult | undefined;
  let error: unknown;
  const outputs: Record<string, unknown> = {};
  try {
    result = await runBuildAmi(inputs, {
      env: sb.env,
      credentials: sb.credentials,
      signal: poweredOff(indep),
      state,
      setOutputs: (o) => Object.assign(outputs, o),
      writeSummary: async () => {},
      log: () => {},
    });
  } catch (err) {
    error = err;
  }
  return { result, error, state, outputs, name: `faulty-${runId}`, family: inputs.family };
}

/** What existed before the last build (listed by the independent clients). */
let before: Awaited<ReturnType<typeof inventory>>;

/** Every destructive call of the last build and its post step targets only its own or its family's. */
async function expectOwnOnly(family: string) {
  expect(ownershipViolations(before, sb.proxy.requests, family)).toEqual([]);
  // the rule would catch a stray call: the builder instance existed before no run
  expect(destructiveCalls(sb.proxy.requests).every((c) => c.ids.length > 0)).toBe(true);
}

async function leaksOf(runId: string, name: string, keep: string[] = []) {
  const east = await listLeaks(indep, runId, { name, keepImages: keep });
  const west = await listLeaks(sb.independent('us-west-2'), runId, { name, keepImages: keep });
  return {
    instances: [...east.instances, ...west.instances],
    securityGroups: [...east.securityGroups, ...west.securityGroups],
    images: [...east.images, ...west.images],
    snapshots: [...east.snapshots, ...west.snapshots],
  };
}

// Every EC2 action a native build with a copy and retention makes (the baseline test checks this list).
const CALLS = [
  'DescribeImages',
  'DescribeVpcs',
  'CreateSecurityGroup',
  'RunInstances',
  'DescribeInstances',
  'GetConsoleOutput',
  'CreateImage',
  'CreateTags',
  'CopyImage',
  'DescribeLaunchTemplates',
  'DescribeLaunchTemplateVersions',
  'DeregisterImage',
  'DeleteSnapshot',
  'TerminateInstances',
  'DeleteSecurityGroup',
  'DescribeSnapshots',
  'DescribeSecurityGroups',
];
// Reading the console after the stop only looks for the failure marker: when it cannot be read the build goes on.
const TOLERATED = new Set(['GetConsoleOutput']);

describe('build-ami under faults', () => {
  test('baseline: the calls a native build makes (with a copy and retention)', async () => {
    sb.proxy.clearFaults();
    await build(testRunId('fault-first'), 3);
    sb.proxy.clearLog();
    const runId = testRunId('fault-base');
    const { result, error, name, family } = await build(runId, 3);
    expect(error).toBeUndefined();
    await expectOwnOnly(family);
    // retention did deregister an image that existed before the run: one of its family
    expect(
      destructiveCalls(sb.proxy.requests).some(
        (c) => c.action === 'DeregisterImage' && c.ids.some((id) => before.images.get(id) === family),
      ),
    ).toBe(true);
    // keep: 1 -> the previous build of the family was deregistered, after checking it is not in use.
    expect([...new Set(sb.proxy.actions())].sort()).toEqual([...CALLS].sort());
    expect(await leaksOf(runId, name, Object.values(result?.amis ?? {}))).toEqual(NO_LEAKS);
  });

  test.each(CALLS.map((a) => [a, realTag(`once ${a}`)]))(
    '%s throttled once: the SDK retries and the build succeeds%s',
    (action) =>
      withBackoff(`once ${action}`, async () => {
        sb.proxy.clearFaults();
        sb.proxy.clearLog();
        sb.proxy.fail({ action, kind: 'throttle' });
        const runId = testRunId(`once-${action}`);
        const { result, error, name, family } = await build(runId, 3);
        expect(error).toBeUndefined();
        expect(sb.proxy.requests.filter((r) => r.fault).map((r) => r.action)).toEqual([action]);
        await expectOwnOnly(family);
        const img = await indep.send(new DescribeImagesCommand({ ImageIds: [result?.amiId as string] }));
        expect(img.Images?.[0]?.State).toBe('available');
        expect(await leaksOf(runId, name, Object.values(result?.amis ?? {}))).toEqual(NO_LEAKS);
      }),
    60_000,
  );

  const cases = (['throttle', '500', 'drop'] as FaultKind[]).flatMap((kind) =>
    CALLS.map((action) => [kind, action, realTag(`${kind} ${action}`)] as const),
  );
  test.each(cases)(
    'persistent %s on %s: a clear error and zero leaks%s',
    (kind, action) =>
      withBackoff(`${kind} ${action}`, async () => {
        sb.proxy.clearFaults();
        sb.proxy.clearLog();
        sb.proxy.fail({ action, kind, times: Infinity });
        const runId = testRunId(`${kind}-${action}`);
        const { error, state, name, outputs, family } = await build(runId, 2);
        sb.proxy.clearFaults();
        expect(sb.proxy.requests.some((r) => r.fault)).toBe(true);
        // The post step runs after every main step, as on a runner (the fault is gone by then).
        await postBuildAmi({
          state,
          env: sb.env,
          credentials: sb.credentials,
          log: () => {},
          warn: () => {},
        });
        const built = Object.values((outputs.amis as Record<string, string> | undefined) ?? {});
        if (TOLERATED.has(action)) {
          expect(error).toBeUndefined();
        } else {
          expect(error).toBeInstanceOf(ActionError);
          const e = error as ActionError;
          expect(e.message).not.toMatch(/undefined|\[object Object\]/);
          expect(e.message).toMatch(
            kind === 'drop'
              ? /socket hang up|ECONNRESET|EPIPE|closed/i
              : kind === '500'
                ? /InternalError/
                : /RequestLimitExceeded/,
          );
          expect(e.hint ?? '').not.toBe('');
          // When only cleanup or retention failed, the image was built, its outputs set, and the error says both.
          if (built.length) expect(e.message).toMatch(/was built and is available, but/);
        }
        expect(await leaksOf(runId, name, built)).toEqual(NO_LEAKS);
        await expectOwnOnly(family);
      }),
    60_000,
  );
});
