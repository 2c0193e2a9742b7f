// The k8s-bluegreen engines (actions/k8s-bluegreen/main.ts and post.ts): read → run → report.
// A light module: the cluster client, the engine and the post step's restore are imported inside
// run, so a post step with nothing to do loads none of them.
import type { Engine, StateStore } from '@hac/toolkit';
import type { MainExtras, MainOutcome } from './action.js';
import { Outputs, readBlueGreenInputs, type ReadInputs } from './inputs.js';
import type { PostResult } from './post.js';

/** The main step; `extras` replace the session or gate runner (tests). */
export function makeBluegreenMain(extras: MainExtras = {}): Engine<ReadInputs, MainOutcome> {
  return {
    name: 'k8s-bluegreen',
    read: (deps) => {
      try {
        return readBlueGreenInputs(deps.inputs, deps.env);
      } catch (err) {
        deps.setOutputs({ [Outputs.verdict]: 'failed' });
        throw err;
      }
    },
    run: async (inputs, deps) => (await import('./action.js')).runMain(inputs, deps, extras),
    report: async (outcome, deps) => (await import('./action.js')).reportMain(outcome, deps),
  };
}

export const bluegreenMain = makeBluegreenMain();

/** The post step: restores what main left unfinished, releases its Lease (see runBlueGreenPost). */
export const bluegreenPost: Engine<StateStore, PostResult> = {
  name: 'k8s-bluegreen-post',
  read: (deps) => deps.state,
  run: async (store, deps) =>
    (await import('./post.js')).runBlueGreenPost(store, {
      log: (line) => deps.log.info(line),
      warn: (message, props) => deps.log.warning(message, props),
      // Read only when post has work: the runner's signal installs handlers.
      get signal() {
        return deps.signal;
      },
      clock: deps.clock,
    }),
  report: () => undefined,
};
