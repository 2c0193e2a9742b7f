// build-ami's main and post engines end to end against moto, with the deps a runner gives them:
// inputs from INPUT_-style names, env, clock, log, state. The test plays the build instance (it
// stops it once it runs, as its user data's power-off would), and checks with its own client.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  StopInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { type ActionDeps, type Engine, type StateStore, type Summary } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAmiMain, buildAmiPost } from '@hac/aws';
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
let baseAmi: string;

const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(async () => {
  sb = await awsSandbox();
  // The engines take credentials from the SDK's default chain, as on a runner: here, the process env.
  process.env.AWS_ACCESS_KEY_ID = sb.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sb.credentials.secretAccessKey;
  indep = sb.independent();
  baseAmi = (await motoBaseAmi(indep)).id;
});
afterAll(async () => {
  for (const [k, v] of [
    ['AWS_ACCESS_KEY_ID', saved.id],
    ['AWS_SECRET_ACCESS_KEY', saved.secret],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  await sb.close();
});

interface Recorded {
  outputs: Record<string, unknown>;
  summaries: string[];
  lines: string[];
}

function actionDeps(raw: Record<string, string>, state: StateStore, now: number): ActionDeps & Recorded {
  const rec: Recorded = { outputs: {}, summaries: [], lines: [] };
  const line = (m: string) => void rec.lines.push(m);
  return {
    ...rec,
    env: { ...sb.env, GITHUB_REPOSITORY: 'org/web', GITHUB_SHA: 'abcdef1234567' },
    inputs: (name) => raw[name] ?? '',
    clock: () => now,
    sleep: async () => undefined,
    log: { info: line, debug: line, warning: line, notice: line, error: line, group: (_n, fn) => fn() },
    signal: new AbortController().signal,
    state,
    setOutputs: (o) => Object.assign(rec.outputs, o),
    writeSummary: async (s: Summary) => void rec.summaries.push(s.toString()),
  };
}

/** read, run, report: what runEngine does, with the error thrown instead of failing the process. */
async function step<I, R>(engine: Engine<I, R>, deps: ActionDeps): Promise<R> {
  const result = await engine.run(await engine.read(deps), deps);
  await engine.report(result, deps);
  return result;
}

/** Plays the build instance of `runId`: stops it as soon as it runs (moto's instances never boot). */
function standIn(runId: string): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const out = await indep.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:hac:run-id', Values: [runId] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        }),
      );
      const ids = (out.Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .map((i) => i.InstanceId as string);
      if (ids.length) await indep.send(new StopInstancesCommand({ InstanceIds: ids }));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe('build-ami engines', () => {
  test('main builds the image and reports it; post then finds nothing left', async () => {
    const runId = testRunId('engine');
    const state = memoryState();
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const deps = actionDeps(
      {
        'run-id': runId,
        'base-ami': baseAmi,
        'user-data': '#!/bin/bash\necho hi\n',
        'name-template': '{{app}}-{{timestamp}}-{{sha}}',
        family: `fam-${runId}`,
        timeout: '2m',
        'image-timeout': '2m',
      },
      state,
      now,
    );
    const actor = standIn(runId);
    try {
      await step(buildAmiMain, deps);
    } finally {
      await actor.stop();
    }
    const amiId = deps.outputs['ami-id'] as string;
    expect(amiId).toMatch(/^ami-/);
    // The name's timestamp comes from the deps' clock, its sha from the env.
    expect(deps.outputs.name).toBe('web-20260102030405-abcdef1');
    const image = (await indep.send(new DescribeImagesCommand({ ImageIds: [amiId] }))).Images?.[0];
    expect(image?.Name).toBe('web-20260102030405-abcdef1');
    expect(image?.Tags).toEqual(expect.arrayContaining([{ Key: 'hac:purpose', Value: 'build-ami/image' }]));
    expect(deps.summaries.join('\n')).toContain(amiId);
    expect(deps.lines.join('\n')).toMatch(/Plan:\n {2}launch: temporary security group/);
    expect(state.get('done')).toBe(true);
    expect(await listLeaks(indep, runId, { keepImages: [amiId] })).toEqual(NO_LEAKS);

    const post = actionDeps({}, state, now);
    expect(await step(buildAmiPost, post)).toEqual([
      expect.objectContaining({ instances: [], images: [], securityGroups: [], errors: [] }),
    ]);
    expect(post.lines).toContain(`build-ami post: nothing left from run ${runId}.`);
  }, 120_000);

  test('bad input: one InputError from read, and run never starts (no state, no request)', async () => {
    sb.proxy.clearLog();
    const state = memoryState();
    const deps = actionDeps({ 'base-ami': 'ami-XYZ', 'user-data': '' }, state, 0);
    await expect(step(buildAmiMain, deps)).rejects.toThrow(/input "base-ami"[\s\S]*input "user-data"/);
    expect(state.get('run-id')).toBeUndefined();
    expect(sb.proxy.requests).toEqual([]);
  });
});
