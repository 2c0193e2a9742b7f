// What a swap reports, for success and failure alike: outputs, warnings and the job summary.
// A failed swap is then thrown, so that the step fails with its one error.
import type { ActionDeps } from '@hac/toolkit';
import { Outputs } from './names.js';
import { swapSummary } from './summary.js';
import type { SwapOutcome, SwapReport } from './types.js';

export function swapOutputs(r: SwapReport): Record<string, string> {
  const kept = r.result === 'swapped' || r.result === 'unchanged';
  return {
    [Outputs.PreviousInstanceId]: r.previousInstanceId ?? '',
    [Outputs.NewInstanceId]: r.newInstanceId ?? '',
    [Outputs.AssociationId]: kept ? (r.associationId ?? '') : '',
    [Outputs.PublicIp]: r.publicIp ?? '',
    [Outputs.AllocationId]: r.allocationId ?? '',
    [Outputs.Result]: r.result,
  };
}

export async function reportSwap(outcome: SwapOutcome, deps: ActionDeps): Promise<void> {
  const r = outcome.report;
  deps.setOutputs(swapOutputs(r));
  for (const w of r.warnings) deps.log.warning(w);
  await deps.writeSummary(swapSummary(r));
  if (outcome.failure) throw outcome.failure;
}
