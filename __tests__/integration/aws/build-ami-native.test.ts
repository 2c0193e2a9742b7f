import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { buildNative } from '../../../packages/aws/ami/native.js';
import { stoppedSignal, type CompletionSignal } from '../../../packages/aws/ami/signal.js';
import { type NativeBuildSpec } from '../../../packages/aws/ami/types.js';
import {
  awsSandbox,
  instanceActsOnStop,
  listLeaks,
  motoBaseAmi,
  NO_LEAKS,
  testRunId,
  type AwsSandbox,
} from '../../support/aws.js';
import { ec2ClientPool } from '../../../packages/aws/client.js';

let sb: AwsSandbox;
let indep: EC2Client;
let base: { id: string; name: string; owner: string };

beforeAll(async () => {
  sb = await awsSandbox();
  indep = sb.independent();
  base = await motoBaseAmi(indep);
});
afterAll(async () => sb.close());

function spec(runId: string, over: Partial<NativeBuildSpec> = {}): NativeBuildSpec {
  return {
    region: sb.region,
    runId,
    app: 'web',
    family: `fam-${runId}`,
    base: { id: base.id },
    instanceType: 't3.micro',
    securityGroupIds: [],
    userData: '#!/bin/bash\necho hi\nshutdown -h now\n',
    name: `web-${runId}`,
    description: 'test build',
    tags: { team: 'platform' },
    copyRegions: [],
    provisionTimeoutMs: 60_000,
    imageTimeoutMs: 60_000,
    keep: 0,
    snapshotTagSpecification: false,
    ...over,
  };
}

/** The test plays the instance: it powers off (StopInstances), then the real stopped-waiter runs. */
function testSignal(): CompletionSignal {
  const stop = instanceActsOnStop(indep);
  return {
    name: 'test power-off + ' + stoppedSignal.name,
    wait: async (ctx) => {
      await stop(ctx.instanceId);
      await stoppedSignal.wait(ctx);
    },
  };
}

describe('native build against moto', () => {
  test('a full build: image available with tags and snapshot tags; nothing temporary left', async () => {
    const runId = testRunId('native');
    const pool = ec2ClientPool({ env: sb.env, credentials: sb.credentials, maxAttempts: 4 });
    sb.proxy.clearLog();
    const result = await buildNative(spec(runId), { ec2: (r) => pool.get(r), signal: testSignal() });
    pool.destroy();
    const out = await indep.send(new DescribeImagesCommand({ ImageIds: [result.imageId] }));
    const image = out.Images?.[0];
    expect(image?.State).toBe('available');
    expect(image?.Name).toBe(`web-${runId}`);
    const tags = Object.fromEntries((image?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      'hac:run-id': runId,
      'hac:purpose': 'build-ami/image',
      'hac:family': `fam-${runId}`,
      team: 'platform',
      'hac:base-ami': base.id,
    });
    expect(result.snapshotIds.length).toBeGreaterThan(0);
    const snaps = await indep.send(new DescribeSnapshotsCommand({ SnapshotIds: result.snapshotIds }));
    for (const s of snaps.Snapshots ?? []) {
      expect(Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({
        'hac:run-id': runId,
        'hac:purpose': 'build-ami/image',
        team: 'platform',
      });
    }
    expect(await listLeaks(indep, runId, { name: `web-${runId}`, keepImages: [result.imageId] })).toEqual(
      NO_LEAKS,
    );
  });

  test('the instance never stops (it dies): a clear error with its console output; nothing created is left', async () => {
    const runId = testRunId('native-dies');
    const pool = ec2ClientPool({ env: sb.env, credentials: sb.credentials, maxAttempts: 2 });
    sb.proxy.clearLog();
    const dies: CompletionSignal = {
      name: 'instance terminated by someone',
      wait: async (ctx) => {
        await indep.send(new TerminateInstancesCommand({ InstanceIds: [ctx.instanceId] }));
        await stoppedSignal.wait(ctx);
      },
    };
    const err = await buildNative(spec(runId), { ec2: (r) => pool.get(r), signal: dies }).catch(
      (e: unknown) => e,
    );
    pool.destroy();
    expect(err).toBeInstanceOf(ActionError);
    expect((err as ActionError).message).toMatch(/did not reach "stopped".*Its console output ends with:/s);
    expect((err as ActionError).hint).toMatch(/provisioning script/);
    expect(sb.proxy.actions()).not.toContain('CreateImage');
    expect(sb.proxy.actions()).toContain('GetConsoleOutput');
    expect(await listLeaks(indep, runId, { name: `web-${runId}` })).toEqual(NO_LEAKS);
  });

  test('the temporary security group has no inbound rules and the instance launches with IMDSv2 and stop-on-shutdown', async () => {
    const runId = testRunId('native-sg');
    const pool = ec2ClientPool({ env: sb.env, credentials: sb.credentials });
    sb.proxy.clearLog();
    const result = await buildNative(spec(runId), { ec2: (r) => pool.get(r), signal: testSignal() });
    pool.destroy();
    const sg = sb.proxy.requests.find(
      (r) => r.action === 'CreateSecurityGroup' && r.params.DryRun !== 'true',
    );
    const ri = sb.proxy.requests.find((r) => r.action === 'RunInstances' && r.params.DryRun !== 'true');
    expect(sb.proxy.requests.filter((r) => r.params.DryRun === 'true').map((r) => r.action)).toEqual([
      'CreateSecurityGroup',
      'RunInstances',
    ]);
    expect(sb.proxy.actions()).not.toContain('AuthorizeSecurityGroupIngress');
    expect(Object.values(sg?.params ?? {})).toContain(runId);
    expect(ri?.params.InstanceInitiatedShutdownBehavior).toBe('stop');
    expect(ri?.params['MetadataOptions.HttpTokens']).toBe('required');
    expect(Buffer.from(ri?.params.UserData ?? '', 'base64').toString()).toContain('echo hi');
    await indep.send(
      new (await import('@aws-sdk/client-ec2')).DeregisterImageCommand({ ImageId: result.imageId }),
    );
  });
});
