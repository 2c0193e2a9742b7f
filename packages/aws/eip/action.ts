// The swap-eip action's main and post steps, parameterised so that tests can run them whole.
// Only input checking is loaded up front; the AWS SDK is imported after the inputs are valid.
import { cancellationSignal, envInputs, info, runnerState, warning } from '@hac/toolkit';
import { readSwapConfig } from './config.js';
import { nothingToUndo, State } from './names.js';
import type { SwapActionOptions } from './options.js';
import type { RecoveryReport } from './recover.js';
import type { SwapReport, SwapState } from './swap.js';

/** main: read and check the inputs, then swap. */
export async function swapEipMain(opts: SwapActionOptions = {}): Promise<SwapReport> {
  const env = opts.env ?? process.env;
  const config = readSwapConfig(opts.source ?? envInputs(env));
  const run = await import('./run.js');
  return run.runSwap(config, {
    ...opts,
    env,
    state: opts.state ?? runnerState,
    signal: opts.signal ?? cancellationSignal(),
    log: opts.log ?? info,
    warn: opts.warn ?? ((m) => warning(m)),
  });
}

/** post: undo what an unfinished main left behind. */
export async function swapEipPost(
  opts: Pick<SwapActionOptions, 'env' | 'state' | 'log' | 'warn' | 'credentials'> = {},
): Promise<RecoveryReport> {
  const state = (opts.state ?? runnerState).get<SwapState>(State.Swap);
  const idle = nothingToUndo(state);
  if (idle) {
    // Decided from the saved state alone: no network, and the AWS SDK is never loaded.
    (opts.log ?? info)(`swap-eip: ${idle}; nothing to undo.`);
    return { done: [], failed: [], needed: false };
  }
  const run = await import('./run.js');
  return run.recoverFromState(state, {
    env: opts.env ?? process.env,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    log: opts.log ?? info,
    warn: opts.warn ?? ((m) => warning(m)),
  });
}
