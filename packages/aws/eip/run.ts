// The AWS side of the action, loaded only once the inputs are valid (keeps validation failures fast).
import { ActionError, setOutputs } from '@hac/toolkit';
import { createEc2Client, resolveEndpoint, resolveRegion } from '../client.js';
import { defaultRunId } from '../tags.js';
import type { SwapConfig } from './config.js';
import type { SwapActionOptions } from './options.js';
import { nothingToUndo, Outputs } from './names.js';
import { recoverSwap, type RecoveryReport } from './recover.js';
import { swapSummary } from './summary.js';
import { SwapFailure, swapEip, type SwapReport, type SwapState } from './swap.js';

type Opts = SwapActionOptions & {
  env: NodeJS.ProcessEnv;
  log: (l: string) => void;
  warn: (l: string) => void;
};

export async function runSwap(config: SwapConfig, opts: Opts): Promise<SwapReport> {
  const region = resolveRegion(config.region, opts.env);
  resolveEndpoint(config.endpoint, opts.env);
  const clientSettings = {
    region,
    endpoint: config.endpoint,
    maxAttempts: config.maxAttempts,
    connectTimeoutMs: config.connectTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
  };
  const ec2 = createEc2Client({
    ...clientSettings,
    env: opts.env,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  });
  const runId = opts.deps?.runId ?? defaultRunId(opts.env);
  try {
    const report = await swapEip(config, {
      ec2,
      runId,
      state: opts.state,
      signal: opts.signal,
      log: opts.log,
      clientSettings,
      ...opts.deps,
    });
    await publish(report, opts);
    return report;
  } catch (err) {
    if (err instanceof SwapFailure) await publish(err.report, opts);
    throw err;
  } finally {
    ec2.destroy();
  }
}

/** Outputs, warnings and the job summary, for success and failure alike. */
async function publish(r: SwapReport, opts: Opts): Promise<void> {
  setOutputs(
    {
      [Outputs.PreviousInstanceId]: r.previousInstanceId ?? '',
      [Outputs.NewInstanceId]: r.newInstanceId ?? '',
      [Outputs.AssociationId]:
        r.result === 'swapped' || r.result === 'unchanged' ? (r.associationId ?? '') : '',
      [Outputs.PublicIp]: r.publicIp ?? '',
      [Outputs.AllocationId]: r.allocationId ?? '',
      [Outputs.Result]: r.result,
    },
    ...(opts.setOutput ? [opts.setOutput] : []),
  );
  for (const w of r.warnings) opts.warn(w);
  const summary = swapSummary(r);
  if (opts.writeSummary) await opts.writeSummary(summary.toString());
  else await summary.write();
}

export async function recoverFromState(
  state: SwapState | undefined,
  opts: {
    env: NodeJS.ProcessEnv;
    credentials?: SwapActionOptions['credentials'];
    log: (l: string) => void;
    warn: (l: string) => void;
  },
): Promise<RecoveryReport> {
  const idle = nothingToUndo(state);
  if (idle || !state) {
    opts.log(`swap-eip: ${idle ?? 'nothing to undo'}; nothing to undo.`);
    return { done: [], failed: [], needed: false };
  }
  opts.log(`swap-eip: main stopped in phase "${state.phase}"; undoing what it left.`);
  const ec2 = createEc2Client({
    region: state.region,
    endpoint: state.endpoint,
    maxAttempts: state.maxAttempts,
    ...(state.connectTimeoutMs ? { connectTimeoutMs: state.connectTimeoutMs } : {}),
    ...(state.requestTimeoutMs ? { requestTimeoutMs: state.requestTimeoutMs } : {}),
    env: opts.env,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  });
  try {
    const report = await recoverSwap(state, ec2, { log: opts.log });
    if (report.failed.length) {
      throw new ActionError(
        `The post step could not finish the cleanup: ${report.failed.map((x) => x.replace(/\.$/, '')).join('; ')}.`,
        'Do the listed steps by hand (EC2 console or CLI).',
      );
    }
    if (state.phase === 'released')
      opts.warn(
        'The swap had been verified before main stopped; it was kept. The old instance may still be running.',
      );
    return report;
  } finally {
    ec2.destroy();
  }
}
