// Fault injection at every EC2 call a native build makes: a single RequestLimitExceeded is absorbed by
// the SDK's adaptive retry; persistent throttling, 500s and dropped connections end in a clear error
// with zero leaked instances, security groups, images or snapshots (listed by an independent client).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ActionError, memoryState } from '@hac/toolkit';
import {
  postBuildAmi,
  runBuildAmi,
  stoppedSignal,
  type BuildAmiResult,
  type CompletionSignal,
} from '@hac/aws';
import { getInputs } from '../../../actions/build-ami/inputs.js';
import type { FaultKind } from '../../support/fault-proxy.js';
import {
  awsSandbox,
  instanceActsOnStop,
  listLeaks,
  motoBaseAmi,
  NO_LEAKS,
  testRunId,
  type AwsSandbox,
} from '../../support/aws.js';

let sb: AwsSandbox;
let indep: EC2Client;
let baseAmi: string;

beforeAll(async () => {
  sb = await awsSandbox();
  indep = sb.independent();
  baseAmi = (await motoBaseAmi(indep)).id;
});
afterAll(async () => sb.close());

function signal(): CompletionSignal {
  const stop = instanceActsOnStop(indep);
  return {
    name: 'test power-off',
    wait: async (ctx) => {
      await stop(ctx.instanceId);
      await stoppedSignal.wait(ctx);
    },
  };
}

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
  const inputs = getInputs((n) => raw[n] ?? '', { env: sb.env });
  let result: BuildAmiResult | undefined;
  let error: unknown;
  const outputs: Record<string, unknown> = {};
  try {
    result = await runBuildAmi(inputs, {
      env: sb.env,
      credentials: sb.credentials,
      signal: signal(),
      state,
      setOutputs: (o) => Object.assign(outputs, o),
      writeSummary: async () => {},
      log: () => {},
    });
  } catch (err) {
    error = err;
  }
  return { result, error, state, outputs, name: `faulty-${runId}` };
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

const CLEANUP_CALLS = new Set([
  'TerminateInstances',
  'DeleteSecurityGroup',
  'DeregisterImage',
  'DeleteSnapshot',
]);
let calls: string[] = [];

describe('build-ami under faults', () => {
  test('baseline: the calls a native build makes (with a copy and retention)', async () => {
    sb.proxy.clearFaults();
    sb.proxy.clearLog();
    await build(testRunId('fault-first'), 3);
    sb.proxy.clearLog();
    const runId = testRunId('fault-base');
    const { result, error, name } = await build(runId, 3);
    expect(error).toBeUndefined();
    // keep: 1 -> the previous build of the family was deregistered, after checking it is not in use.
    calls = [...new Set(sb.proxy.actions())];
    for (const must of [
      'DescribeImages',
      'CreateSecurityGroup',
      'RunInstances',
      'DescribeInstances',
      'CreateImage',
      'CopyImage',
      'CreateTags',
      'TerminateInstances',
      'DeleteSecurityGroup',
      'DescribeLaunchTemplates',
    ]) {
      expect(calls).toContain(must);
    }
    expect(await leaksOf(runId, name, Object.values(result?.amis ?? {}))).toEqual(NO_LEAKS);
  });

  test('every call, throttled once: the SDK retries and the build succeeds', async () => {
    expect(calls.length).toBeGreaterThan(10);
    for (const action of calls) {
      sb.proxy.clearFaults();
      sb.proxy.clearLog();
      sb.proxy.fail({ action, kind: 'throttle' });
      const runId = testRunId(`once-${action}`);
      const { result, error, name } = await build(runId, 3);
      expect({ action, error }).toEqual({ action, error: undefined });
      expect(sb.proxy.requests.filter((r) => r.fault).map((r) => r.action)).toEqual([action]);
      const img = await indep.send(new DescribeImagesCommand({ ImageIds: [result?.amiId as string] }));
      expect(img.Images?.[0]?.State).toBe('available');
      expect({ action, leaks: await leaksOf(runId, name, Object.values(result?.amis ?? {})) }).toEqual({
        action,
        leaks: NO_LEAKS,
      });
    }
  }, 300_000);

  test.each<[string, FaultKind]>([
    ['persistent RequestLimitExceeded', 'throttle'],
    ['persistent 500', '500'],
    ['dropped connections', 'drop'],
  ])(
    'every call, %s: a clear error and zero leaks',
    async (_t, kind) => {
      for (const action of calls) {
        sb.proxy.clearFaults();
        sb.proxy.fail({ action, kind, times: Infinity });
        const runId = testRunId(`${kind}-${action}`);
        const { error, state, name, outputs } = await build(runId, 2);
        sb.proxy.clearFaults();
        expect({ action, isActionError: error instanceof ActionError }).toEqual({
          action,
          isActionError: true,
        });
        const e = error as ActionError;
        expect(e.message).not.toMatch(/undefined|\[object Object\]/);
        expect(e.hint ?? '').not.toBe('');
        // Every run gets the post step, as on a runner; cleanup faults are cleared by then.
        await postBuildAmi({
          state,
          env: sb.env,
          credentials: sb.credentials,
          log: () => {},
          warn: () => {},
        });
        // When only cleanup or retention failed, the image itself was built (and its outputs set): it is no leak.
        const built = Object.values((outputs.amis as Record<string, string> | undefined) ?? {});
        if (built.length) expect(e.message).toMatch(/was built and is available, but/);
        if (!built.length) expect(CLEANUP_CALLS.has(action) ? true : e.message).not.toMatch(/was built/);
        expect({ action, kind, leaks: await leaksOf(runId, name, built) }).toEqual({
          action,
          kind,
          leaks: NO_LEAKS,
        });
      }
    },
    300_000,
  );
});
