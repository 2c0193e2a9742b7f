// The blue-green engine: one step over a run context. action: deploy plans, executes and rolls
// back (deploy.ts → execute.ts → rollback.ts); promote, abort and rollback act in a later job on
// recorded state (later.ts). Never throws for run failures: see result.failure.
import { errorMessage } from '@hac/toolkit';
import { finish, type RunContext } from './context.js';
import type { BlueGreenResult } from './types.js';

export async function runBlueGreen(ctx: RunContext): Promise<BlueGreenResult> {
  try {
    const result =
      ctx.inputs.action === 'deploy'
        ? await (await import('./deploy.js')).deploy(ctx)
        : await (await import('./later.js')).laterAction(ctx);
    // The count after the step includes the final Lease release.
    return { ...result, requests: ctx.session.transport.count };
  } catch (err) {
    return finish(ctx, { failure: err instanceof Error ? err : new Error(errorMessage(err)) });
  }
}
