// swap-eip's main and post engines. Only input checking is loaded up front: the AWS SDK is
// imported once the inputs are valid, and a post step with nothing to undo never loads it.
import type { ActionDeps, Engine } from '@hac/toolkit';
import { readSwapConfig, type SwapConfig } from './config.js';
import { nothingToUndo, State } from './names.js';
import type { RecoveryReport } from './recover.js';
import type { SwapOutcome, SwapSeams, SwapState } from './types.js';

/** main, with test seams (run id, credentials, gate runner, waiter delays...). */
export function swapMainEngine(seams: SwapSeams = {}): Engine<SwapConfig, SwapOutcome> {
  return {
    name: 'swap-eip',
    read: (deps) => readSwapConfig(deps.inputs),
    run: async (config, deps) => (await import('./run.js')).runSwap(config, deps, seams),
    report: async (outcome, deps) => (await import('./report.js')).reportSwap(outcome, deps),
  };
}

const IDLE: RecoveryReport = { done: [], failed: [], needed: false };

/** post: undoes what an unfinished main left behind, decided from the saved state alone. */
export function swapPostEngine(
  seams: Pick<SwapSeams, 'credentials'> = {},
): Engine<SwapState | undefined, RecoveryReport> {
  return {
    name: 'swap-eip post',
    read: (deps: ActionDeps) => deps.state.get<SwapState>(State.Swap),
    run: async (state, deps) => {
      const idle = nothingToUndo(state);
      if (idle || !state) {
        // No network, and the AWS SDK is never loaded.
        deps.log.info(`swap-eip: ${idle ?? 'nothing saved'}; nothing to undo.`);
        return { ...IDLE };
      }
      return (await import('./run.js')).recoverFromState(state, deps, seams);
    },
    // Post has no outputs: what it did is in the log, and a cleanup it could not finish failed the step.
    report: () => undefined,
  };
}

// Pure calls: a bundle that uses one engine leaves the other (and what only it imports) out.
export const swapEipMain = /* @__PURE__ */ swapMainEngine();
export const swapEipPost = /* @__PURE__ */ swapPostEngine();
