// The k8s-bluegreen engines (actions/k8s-bluegreen/main.ts and post.ts): read → run → report.
// A light module: the cluster client and the engine are imported inside run. The post step is in
// ./post-entry.ts, apart, so that a post step with nothing to do loads none of the inputs' code.
import type { Engine } from '@hac/toolkit';
import type { MainExtras, MainOutcome } from './action.js';
import { Outputs, readBlueGreenInputs, type ReadInputs } from './inputs.js';

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

export { bluegreenPost } from './post-entry.js';
