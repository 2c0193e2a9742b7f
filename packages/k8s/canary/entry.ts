/**
 * The k8s-canary action's Engine objects (main.ts and post.ts are `runEngine(canaryMain)` and
 * `runEngine(canaryPost)`). Light on purpose: reading inputs and post state loads neither the
 * engine nor the cluster client. The post step is in `./post-entry.ts`, apart, so that its bundle
 * holds none of the inputs' code.
 */
import type { Engine } from '@hac/toolkit';
import type { CanaryOutcome } from './action.js';
import { readOrFail, type CanaryInputs } from './inputs.js';

export const canaryMain: Engine<CanaryInputs, CanaryOutcome> = {
  name: 'k8s-canary',
  read: (deps) => readOrFail(deps.inputs, (o) => deps.setOutputs(o)),
  async run(inputs, deps) {
    const { canaryEnv, executeCanary } = await import('./action.js');
    return executeCanary(inputs, canaryEnv(deps));
  },
  async report(outcome, deps) {
    const { canaryEnv, reportCanary } = await import('./action.js');
    await reportCanary(outcome, canaryEnv(deps));
  },
};

export { canaryPost, postCanary, runCanaryPost } from './post-entry.js';
