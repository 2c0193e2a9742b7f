// What main reports: outputs for every result (the association id only when the address is where
// the run left it), warnings, the job summary, and then the failure, which fails the step.
import { describe, expect, test } from '@jest/globals';
import { SwapFailure, type SwapReport, type SwapResult } from '../../../packages/aws/eip/types.js';
import { swapMainEngine } from '../../../packages/aws/eip/entry.js';
import { swapOutputs } from '../../../packages/aws/eip/report.js';
import { eipDeps } from '../../support/eip-deps.js';

const report = (result: SwapResult, extra: Partial<SwapReport> = {}): SwapReport => ({
  result,
  dryRun: false,
  mode: 'instance',
  allocationId: 'eipalloc-1',
  publicIp: '203.0.113.7',
  previousInstanceId: 'i-a',
  newInstanceId: 'i-b',
  associationId: 'eipassoc-2',
  timeline: [],
  gates: {},
  plan: [],
  cleanup: [],
  leftovers: [],
  warnings: [],
  ...extra,
});

describe('swapOutputs', () => {
  test.each<[SwapResult, string]>([
    ['swapped', 'eipassoc-2'],
    ['unchanged', 'eipassoc-2'],
    ['dry-run', ''],
    ['rolled-back', ''],
    ['failed', ''],
  ])('%s: association-id %j', (result, associationId) => {
    expect(swapOutputs(report(result))).toEqual({
      'previous-instance-id': 'i-a',
      'new-instance-id': 'i-b',
      'association-id': associationId,
      'public-ip': '203.0.113.7',
      'allocation-id': 'eipalloc-1',
      result,
    });
  });
});

describe('the main engine’s report', () => {
  test('a success: outputs, warnings and the summary; nothing thrown', async () => {
    const deps = eipDeps();
    await swapMainEngine().report({ report: report('swapped', { warnings: ['no gate'] }) }, deps);
    expect(deps.captured.outputs.result).toBe('swapped');
    expect(deps.captured.warnings).toEqual(['no gate']);
    expect(deps.captured.summary).toMatch(/swap-eip: ✅ swapped/);
  });

  test('a failure: everything is published first, then the failure is thrown', async () => {
    const deps = eipDeps();
    const r = report('rolled-back', { error: 'gate failed', cleanup: ['moved back'] });
    const failure = new SwapFailure('gate failed. Rolled back: moved back.', 'look at the app', r);
    await expect(swapMainEngine().report({ report: r, failure }, deps)).rejects.toBe(failure);
    expect(deps.captured.outputs).toMatchObject({ result: 'rolled-back', 'association-id': '' });
    expect(deps.captured.summary).toMatch(/failed and rolled back[\s\S]*moved back/);
  });
});
