// ActionDeps for running swap-eip's engines in process: inputs from a record, and everything the
// step writes (outputs, summary, log lines, warnings) collected for the test to check.
import { sleep, systemClock, type ActionDeps, type Clock, type Engine, type Sleep } from '@hac/toolkit';
import { memoryState } from '../../packages/toolkit/outputs.js';

export interface Captured {
  outputs: Record<string, string>;
  summary: string;
  log: string[];
  warnings: string[];
}

export function eipDeps(
  opts: {
    inputs?: Record<string, string>;
    env?: NodeJS.ProcessEnv;
    state?: ActionDeps['state'];
    signal?: AbortSignal;
    clock?: Clock;
    sleep?: Sleep;
    /** Receives warnings too (default: kept apart in `warnings`). */
    log?: (line: string) => void;
  } = {},
): ActionDeps & { captured: Captured } {
  const captured: Captured = { outputs: {}, summary: '', log: [], warnings: [] };
  const line = opts.log ?? ((l: string) => void captured.log.push(l));
  return {
    env: opts.env ?? {},
    inputs: (name) => opts.inputs?.[name] ?? '',
    clock: opts.clock ?? systemClock,
    sleep: opts.sleep ?? sleep,
    log: {
      info: line,
      debug: () => undefined,
      warning: (w) => (opts.log ? opts.log(w) : captured.warnings.push(w)),
      notice: line,
      error: line,
      group: (_name, fn) => fn(),
    },
    signal: opts.signal ?? new AbortController().signal,
    state: opts.state ?? memoryState(),
    setOutputs: (o) => {
      for (const [k, v] of Object.entries(o)) captured.outputs[k] = String(v);
    },
    writeSummary: async (s) => void (captured.summary = s.toString()),
    captured,
  };
}

/** What runEngine does, without runAction's exit code: read, run, report; errors are thrown. */
export async function runSteps<I, R>(engine: Engine<I, R>, deps: ActionDeps): Promise<R> {
  const inputs = await engine.read(deps);
  const result = await engine.run(inputs, deps);
  await engine.report(result, deps);
  return result;
}
