import { cancellationSignal, sleep as realSleep, systemClock, type Clock, type Sleep } from './cancel.js';
import { envInputs, type InputSource } from './inputs.js';
import { annotateError, debug, group, info, notice, warning } from './log.js';
import { runnerState, setOutputs, type StateStore } from './outputs.js';
import { runAction } from './run.js';
import type { AnnotationProperties } from './runner.js';
import type { Summary } from './summary.js';

/** Where an action writes what a user reads: the log, annotations and collapsible groups. */
export interface ActionLog {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string, props?: AnnotationProperties): void;
  notice(message: string, props?: AnnotationProperties): void;
  error(message: string, props?: AnnotationProperties): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * Everything an engine takes from the process it runs in. The runner's versions are built by
 * `runnerDeps()`; tests pass their own (a fake clock and sleep, a memory state, a log that
 * records). Engines never reach for `process` or `Date.now` themselves.
 */
export interface ActionDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly inputs: InputSource;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log: ActionLog;
  /** Fires on SIGINT/SIGTERM: every wait and request takes it. */
  readonly signal: AbortSignal;
  /** What main saves for its post step. */
  readonly state: StateStore;
  setOutputs(outputs: Record<string, unknown>): void;
  writeSummary(summary: Summary): Promise<void>;
}

export const runnerLog: ActionLog = { info, debug, warning, notice, error: annotateError, group };

/** The deps of a step the GitHub runner (or act) started. */
export function runnerDeps(env: NodeJS.ProcessEnv = process.env): ActionDeps {
  return {
    env,
    inputs: envInputs(env),
    clock: systemClock,
    sleep: realSleep,
    log: runnerLog,
    // Lazy: a post step with nothing to do never installs signal handlers it does not need.
    get signal() {
      return cancellationSignal();
    },
    state: runnerState,
    setOutputs: (outputs) => setOutputs(outputs),
    writeSummary: (summary) => summary.write(),
  };
}

/**
 * One step of an action, in three parts: `read` turns the raw inputs into typed, validated ones
 * (throwing one InputError that lists every problem, before anything is changed); `run` does the
 * work; `report` writes outputs and the job summary. Every main.ts and post.ts is
 * `runEngine(<engine>)`.
 */
export interface Engine<I, R> {
  readonly name: string;
  read(deps: ActionDeps): I | Promise<I>;
  run(inputs: I, deps: ActionDeps): Promise<R>;
  report(result: R, deps: ActionDeps): void | Promise<void>;
}

/** Runs one engine step with one clear error on failure (see runAction). */
export async function runEngine<I, R>(engine: Engine<I, R>, deps: ActionDeps = runnerDeps()): Promise<void> {
  await runAction(async () => {
    const inputs = await engine.read(deps);
    const result = await engine.run(inputs, deps);
    await engine.report(result, deps);
  });
}
