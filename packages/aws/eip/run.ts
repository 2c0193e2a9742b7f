// The AWS side of the engines, loaded only once the inputs are valid (keeps validation failures
// fast) and, for post, only when main left something to undo.
import { ActionError, type ActionDeps } from '@hac/toolkit';
import { createEc2Client, resolveEndpoint, resolveRegion } from '../client.js';
import { defaultRunId } from '../tags.js';
import type { SwapConfig } from './config.js';
import { swapEip } from './execute.js';
import { nothingToUndo } from './names.js';
import { recoverSwap, type RecoveryReport } from './recover.js';
import { SwapFailure, type SwapOutcome, type SwapSeams, type SwapState } from './types.js';

/** main: builds the client and swaps. A failed swap comes back as the outcome's failure. */
export async function runSwap(config: SwapConfig, deps: ActionDeps, seams: SwapSeams): Promise<SwapOutcome> {
  const region = resolveRegion(config.region, deps.env);
  resolveEndpoint(config.endpoint, deps.env);
  const clientSettings = {
    region,
    endpoint: config.endpoint,
    maxAttempts: config.maxAttempts,
    connectTimeoutMs: config.connectTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
  };
  const { credentials, runId, ...engineSeams } = seams;
  const ec2 = createEc2Client({ ...clientSettings, env: deps.env, ...(credentials ? { credentials } : {}) });
  try {
    const report = await swapEip(config, {
      ec2,
      runId: runId ?? defaultRunId(deps.env),
      state: deps.state,
      signal: deps.signal,
      clock: deps.clock,
      sleep: deps.sleep,
      log: (l) => deps.log.info(l),
      clientSettings,
      ...engineSeams,
    });
    return { report };
  } catch (err) {
    if (err instanceof SwapFailure) return { report: err.report, failure: err };
    throw err;
  } finally {
    ec2.destroy();
  }
}

/** post: undoes what main left (see recoverSwap); fails the step when part of it could not be done. */
export async function recoverFromState(
  state: SwapState,
  deps: ActionDeps,
  seams: Pick<SwapSeams, 'credentials'>,
): Promise<RecoveryReport> {
  const idle = nothingToUndo(state);
  if (idle) {
    deps.log.info(`swap-eip: ${idle}; nothing to undo.`);
    return { done: [], failed: [], needed: false };
  }
  deps.log.info(`swap-eip: main stopped in phase "${state.phase}"; undoing what it left.`);
  const ec2 = createEc2Client({
    region: state.region,
    endpoint: state.endpoint,
    maxAttempts: state.maxAttempts,
    ...(state.connectTimeoutMs ? { connectTimeoutMs: state.connectTimeoutMs } : {}),
    ...(state.requestTimeoutMs ? { requestTimeoutMs: state.requestTimeoutMs } : {}),
    env: deps.env,
    ...(seams.credentials ? { credentials: seams.credentials } : {}),
  });
  try {
    const report = await recoverSwap(state, ec2, { log: (l) => deps.log.info(l) });
    if (report.failed.length) {
      throw new ActionError(
        `The post step could not finish the cleanup: ${report.failed.map((x) => x.replace(/\.$/, '')).join('; ')}.`,
        'Do the listed steps by hand (EC2 console or CLI).',
      );
    }
    if (state.phase === 'released')
      deps.log.warning(
        'The swap had been verified before main stopped; it was kept. The old instance may still be running.',
      );
    return report;
  } finally {
    ec2.destroy();
  }
}
