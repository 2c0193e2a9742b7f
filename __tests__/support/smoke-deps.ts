// ActionDeps for running the smoke-test engine in process: inputs from a record, log lines kept,
// and the engine's three steps run as runEngine runs them, resolving with the error (if any)
// instead of failing the step.
import { sleep, systemClock, type ActionDeps } from '@hac/toolkit';
import { memoryState } from '../../packages/toolkit/outputs.js';

export function smokeDeps(
  inputs: Record<string, string>,
  opts: Partial<Pick<ActionDeps, 'setOutputs' | 'writeSummary'>> & { cwd?: string; lines?: string[] } = {},
): ActionDeps {
  const push = (l: string) => void opts.lines?.push(l);
  return {
    env: opts.cwd ? { GITHUB_WORKSPACE: opts.cwd } : {},
    inputs: (n) => inputs[n] ?? '',
    clock: systemClock,
    sleep,
    log: { info: push, debug: push, warning: push, notice: push, error: push, group: (_n, fn) => fn() },
    signal: new AbortController().signal,
    state: memoryState(),
    setOutputs: opts.setOutputs ?? (() => undefined),
    writeSummary: opts.writeSummary ?? (async () => undefined),
  };
}

/**
 * read → run → report, resolving with what was thrown (undefined when the step passed). The engine
 * is imported here, when called, so that a test may mock one of its modules first.
 */
export async function smokeSteps(d: ActionDeps): Promise<unknown> {
  const { smokeTestMain } = await import('../../packages/probe/entry.js');
  try {
    const inputs = await smokeTestMain.read(d);
    await smokeTestMain.report(await smokeTestMain.run(inputs, d), d);
    return undefined;
  } catch (err) {
    return err;
  }
}
