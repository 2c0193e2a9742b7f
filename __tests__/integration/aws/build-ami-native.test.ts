import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { buildNative, stoppedSignal, type CompletionSignal, type NativeBuildSpec } from '@hac/aws';
import {
  awsSandbox,
  instanceActsOnStop,
  listLeaks,
  motoBaseAmi,
  NO_LEAKS,
  testRunId,
  type AwsSandbox,
} from '../../support/aws.js';
import { ec2ClientPool } from '@hac/aws';

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
    console.log(sb.proxy.actions().join(' '));
  });
});
