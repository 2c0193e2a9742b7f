// What build-ami's main reports once the build returned: outputs, summary, the done mark, and one
// error after both when cleanup or retention failed although the image is fine.
import { describe, expect, test } from '@jest/globals';
import { ActionError, type Summary } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAmiOutputs, reportBuildAmi } from '../../../packages/aws/ami/report.js';
import type { BuildAmiInputs, BuildAmiResult } from '../../../packages/aws/ami/types.js';

const result = (over: Partial<BuildAmiResult> = {}): BuildAmiResult => ({
  name: 'web-1',
  region: 'us-east-1',
  amiId: 'ami-1',
  snapshotIds: ['snap-1', 'snap-2'],
  amis: { 'us-east-1': 'ami-1', 'eu-west-1': 'ami-2' },
  images: {
    'us-east-1': { imageId: 'ami-1', snapshotIds: ['snap-1', 'snap-2'] },
    'eu-west-1': { imageId: 'ami-2', snapshotIds: ['snap-3'] },
  },
  baseAmiId: 'ami-base',
  retention: {},
  cleanupErrors: [],
  retentionErrors: [],
  durationMs: 61_000,
  ...over,
});

const inputs: BuildAmiInputs = {
  engine: 'native',
  region: 'us-east-1',
  endpoint: '',
  maxAttempts: 6,
  runId: 'run-1',
  keep: 2,
  family: 'web',
};

test.each<[string, Partial<BuildAmiResult>, Record<string, unknown>]>([
  [
    'a build with a copy',
    {},
    {
      'ami-id': 'ami-1',
      'snapshot-ids': 'snap-1,snap-2',
      amis: { 'us-east-1': 'ami-1', 'eu-west-1': 'ami-2' },
      name: 'web-1',
      region: 'us-east-1',
      'base-ami-id': 'ami-base',
      deregistered: '',
    },
  ],
  [
    'retention deregistered images in two regions',
    {
      retention: {
        'us-east-1': {
          kept: [],
          deregister: [],
          skipped: [],
          deleted: [{ imageId: 'ami-old1', snapshotIds: [] }],
        },
        'eu-west-1': {
          kept: [],
          deregister: [],
          skipped: [],
          deleted: [{ imageId: 'ami-old2', snapshotIds: [] }],
        },
      },
    },
    { deregistered: 'ami-old1,ami-old2' },
  ],
])('outputs: %s', (_t, over, expected) => {
  expect(buildAmiOutputs(result(over))).toMatchObject(expected);
});

describe('reportBuildAmi', () => {
  const run = async (r: BuildAmiResult) => {
    const state = memoryState();
    const outputs: Record<string, unknown> = {};
    const summaries: string[] = [];
    const error = await reportBuildAmi(inputs, r, {
      state,
      setOutputs: (o) => Object.assign(outputs, o),
      writeSummary: async (s: Summary) => void summaries.push(s.toString()),
    }).catch((e: unknown) => e);
    return { state, outputs, summaries, error };
  };

  test('a clean build: outputs, summary with every region, done', async () => {
    const { state, outputs, summaries, error } = await run(result());
    expect(error).toBeUndefined();
    expect(outputs['ami-id']).toBe('ami-1');
    expect(summaries[0]).toMatch(
      /build-ami: web-1[\s\S]*eu-west-1[\s\S]*ami-2[\s\S]*Retention: keep 2 of family "web"/,
    );
    expect(state.get('done')).toBe(true);
  });

  test.each<[string, Partial<BuildAmiResult>, RegExp, RegExp]>([
    [
      'cleanup failed',
      { cleanupErrors: ['instance i-1 is left'] },
      /cleanup: instance i-1 is left/,
      /post step retries/,
    ],
    [
      'retention failed',
      { retentionErrors: ['eu-west-1: denied'] },
      /retention: eu-west-1: denied/,
      /next build applies retention/,
    ],
  ])('%s: outputs and summary first, then one error', async (_t, over, message, hint) => {
    const { state, outputs, summaries, error } = await run(result(over));
    expect(outputs['ami-id']).toBe('ami-1');
    expect(summaries).toHaveLength(1);
    expect(state.get('done')).toBe(true);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(/ami-1 \(web-1\) was built and is available/);
    expect((error as ActionError).message).toMatch(message);
    expect((error as ActionError).hint).toMatch(hint);
  });
});
