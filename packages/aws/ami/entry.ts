// build-ami's main and post engines. Only the inputs, the report and the saved state are loaded up
// front: the AWS SDK and the build are imported once the inputs are known to be good, so bad input
// fails fast and a post step with nothing to sweep never loads the SDK.
import type { ActionDeps, Engine } from '@hac/toolkit';
import type { BuildAmiDeps, PostDeps } from './action.js';
import { readBuildAmiInputs } from './inputs.js';
import { reportBuildAmi } from './report.js';
import { nothingToSweep } from './state.js';
import type { SweepReport } from './sweep.js';
import type { BuildAmiInputs, BuildAmiResult } from './types.js';

/** What main's run hands to its report. */
export interface BuildAmiRun {
  inputs: BuildAmiInputs;
  result: BuildAmiResult;
}

/** The build's deps, taken from the action's. */
export function buildDeps(deps: ActionDeps): BuildAmiDeps {
  return {
    env: deps.env,
    state: deps.state,
    setOutputs: (o) => deps.setOutputs(o),
    writeSummary: (s) => deps.writeSummary(s),
    log: (line) => deps.log.info(line),
    group: (name, fn) => deps.log.group(name, fn),
    abortSignal: deps.signal,
    clock: deps.clock,
    sleep: deps.sleep,
  };
}

export const buildAmiMain: Engine<BuildAmiInputs, BuildAmiRun> = {
  name: 'build-ami',
  read: (deps) => readBuildAmiInputs(deps.inputs, { env: deps.env, now: new Date(deps.clock()) }),
  async run(inputs, deps) {
    const { buildAmi } = await import('./action.js');
    return { inputs, result: await buildAmi(inputs, buildDeps(deps)) };
  },
  report: ({ inputs, result }, deps) => reportBuildAmi(inputs, result, deps),
};

/** The post step's deps, taken from the action's. */
export function postDeps(deps: ActionDeps): PostDeps {
  return {
    state: deps.state,
    env: deps.env,
    log: (line) => deps.log.info(line),
    warn: (line) => deps.log.warning(line),
  };
}

/** post: reads why there is nothing to sweep (main's saved state), or sweeps the run's regions. */
export const buildAmiPost: Engine<string | undefined, SweepReport[]> = {
  name: 'build-ami post',
  read: (deps) => nothingToSweep(deps.state),
  async run(idle, deps) {
    if (idle) {
      deps.log.info(`build-ami post: ${idle}; nothing to sweep.`);
      return [];
    }
    const { postBuildAmi } = await import('./action.js');
    return postBuildAmi(postDeps(deps));
  },
  report: () => {},
};
