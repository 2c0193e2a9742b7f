import { RESULT_MARKS, Summary, formatDuration } from '@hac/toolkit';
import { gateSummary } from '@hac/probe';
import type { SwapReport } from './types.js';

const RESULT_TEXT: Record<SwapReport['result'], string> = {
  swapped: '✅ swapped',
  unchanged: '✅ unchanged (the Elastic IP already pointed at the target)',
  'dry-run': '🔍 dry run: nothing was changed',
  'rolled-back': '↩️ failed and rolled back',
  failed: '❌ failed',
};

/** The job summary of one swap: result, addresses, timeline, gate results, rollback. */
export function swapSummary(r: SwapReport): Summary {
  const s = new Summary().heading(`swap-eip: ${RESULT_TEXT[r.result]}`);
  s.table(
    ['', ''],
    [
      ['Elastic IP', r.publicIp ? `${r.publicIp} (${r.allocationId})` : '-'],
      ['Mode', r.mode === 'launch' ? 'launch from template' : 'existing instance'],
      ['Previous instance', r.previousInstanceId ?? '-'],
      ['New instance', r.newInstanceId ?? '-'],
      ['Association', r.associationId ?? '-'],
      ['Old instance', r.oldInstance ?? '-'],
    ],
  );
  if (r.error) s.text(`**Error:** ${r.error}`);
  if (r.cleanup.length) s.heading('Rolled back', 3).list(r.cleanup);
  if (r.leftovers.length) s.heading('Not cleaned up (the post step retries)', 3).list(r.leftovers);
  if (r.warnings.length) s.heading('Warnings', 3).list(r.warnings);
  if (r.plan.length) s.heading('Plan', 3).list(r.plan);
  s.heading('Timeline', 3).table(
    ['At', 'Step', '', 'Detail'],
    r.timeline.map((e) => [`+${formatDuration(e.at)}`, e.step, RESULT_MARKS[e.result], e.detail ?? '']),
  );
  if (r.gates.pre) s.details('Pre-swap gate (new instance)', gateSummary(r.gates.pre).toString());
  if (r.gates.post)
    s.details('Post-swap gate (through the Elastic IP)', gateSummary(r.gates.post).toString());
  return s;
}
