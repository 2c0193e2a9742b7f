import { expect, test } from '@jest/globals';
import { swapSummary } from '../../../packages/aws/eip/summary.js';
import { type SwapReport } from '../../../packages/aws/eip/types.js';

const report: SwapReport = {
  result: 'rolled-back',
  dryRun: false,
  mode: 'launch',
  allocationId: 'eipalloc-0123456789abcdef0',
  publicIp: '203.0.113.10',
  previousInstanceId: 'i-0aaaaaaaaaaaaaaaa',
  newInstanceId: 'i-0bbbbbbbbbbbbbbbb',
  timeline: [
    {
      at: 0,
      step: 'resolve',
      result: 'ok',
      detail: '203.0.113.10 (eipalloc-0123456789abcdef0) is on i-0aaaaaaaaaaaaaaaa',
    },
    { at: 1500, step: 'lock', result: 'ok', detail: 'hac:lock=run/1 2026-05-09T10:30:00.000Z' },
    {
      at: 65_000,
      step: 'post-swap gate',
      result: 'failed',
      detail: 'GET https://203.0.113.10/healthz: expected status 2xx, got 502 | twice',
    },
    {
      at: 66_000,
      step: 'rollback',
      result: 'ok',
      detail: '203.0.113.10 moved back to i-0aaaaaaaaaaaaaaaa',
    },
  ],
  gates: {},
  plan: [],
  cleanup: ['203.0.113.10 moved back to i-0aaaaaaaaaaaaaaaa', 'terminated i-0bbbbbbbbbbbbbbbb'],
  leftovers: [],
  warnings: [],
  error: 'The post-swap health gate through 203.0.113.10 failed',
};

test('the summary shows result, addresses, rollback and a timeline with relative times', () => {
  const md = swapSummary(report).toString();
  expect(md).toContain('## swap-eip: ↩️ failed and rolled back');
  expect(md).toContain('| Elastic IP | 203.0.113.10 (eipalloc-0123456789abcdef0) |');
  expect(md).toContain('| Mode | launch from template |');
  expect(md).toContain('### Rolled back\n');
  expect(md).toContain('- terminated i-0bbbbbbbbbbbbbbbb');
  expect(md).toContain(
    '| +1m5s | post-swap gate | ✗ | GET https://203.0.113.10/healthz: expected status 2xx, got 502 \\| twice |',
  );
  expect(md).toContain('| +1.5s | lock | ✓ |');
  expect(md).not.toContain('Warnings');
});
