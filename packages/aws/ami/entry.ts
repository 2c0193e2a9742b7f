// build-ami's main and post entry points. Only input checking is loaded up front: the AWS SDK and
// the engines are imported once the inputs are known to be good, so bad input fails fast.
import type { BuildAmiDeps, BuildAmiInputs, BuildAmiResult, PostDeps } from './action.js';
import { nothingToSweep } from './state.js';
import type { SweepReport } from './sweep.js';

export async function buildAmiMain(inputs: BuildAmiInputs, deps: BuildAmiDeps): Promise<BuildAmiResult> {
  const { runBuildAmi } = await import('./action.js');
  return runBuildAmi(inputs, deps);
}

/** post: when main created nothing, ends at once, without loading the AWS SDK or calling anything. */
export async function buildAmiPost(deps: PostDeps): Promise<SweepReport[]> {
  const idle = nothingToSweep(deps.state);
  if (idle) {
    deps.log(`build-ami post: ${idle}; nothing to sweep.`);
    return [];
  }
  const { postBuildAmi } = await import('./action.js');
  return postBuildAmi(deps);
}
