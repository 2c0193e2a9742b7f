import { runner as core } from './runner.js';
import { ActionError, InputError, errorMessage } from './errors.js';
import { redact } from './secrets.js';

/**
 * The entry point of every action: runs `main`, and turns any error into a failed step with
 * one clear message, plus an annotation saying what to do next when the error knows it.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    reportFailure(err);
  }
}

export function reportFailure(err: unknown): void {
  const message = redact(errorMessage(err));
  if (err instanceof InputError) {
    core.setFailed(message);
    core.error('Fix the inputs listed above in the workflow file; nothing was changed.', {
      title: 'hac: invalid inputs',
    });
    return;
  }
  core.setFailed(message);
  if (err instanceof ActionError && err.hint) core.error(redact(err.hint), { title: 'hac: next step' });
  if (err instanceof Error && err.stack) core.debug(redact(err.stack));
}

/** The bundle of an action whose issue has not been done yet. */
export async function notImplemented(action: string): Promise<void> {
  core.setFailed(
    `hac/${action} is not implemented yet. Pin an earlier hac release or follow the project's roadmap.`,
  );
  process.exitCode = 1;
}
