// build-ami's main and post entry points. Only input checking is loaded up front: the AWS SDK and
// the engines are imported once the inputs are known to be good, so bad input fails fast.
import type { BuildAmiDeps, BuildAmiInputs, BuildAmiResult, postBuildAmi } from './action.js';
import type { SweepReport } from './sweep.js';

export async function buildAmiMain(inputs: BuildAmiInputs, deps: BuildAmiDeps): Promise<BuildAmiResult> {
  const { runBuildAmi } = await import('./action.js');
  return runBuildAmi(inputs, deps);
}

export async function buildAmiPost(deps: Parameters<typeof postBuildAmi>[0]): Promise<SweepReport[]> {
  const { postBuildAmi } = await import('./action.js');
  return postBuildAmi(deps);
}
