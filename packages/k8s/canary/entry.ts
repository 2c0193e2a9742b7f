/**
 * The k8s-canary action's Engine objects (main.ts and post.ts are `runEngine(canaryMain)` and
 * `runEngine(canaryPost)`). Light on purpose: reading inputs and post state loads neither the
 * engine nor the cluster client; a post step with nothing to do ends here.
 */
import { cancellationSignal, info, runnerState, type Engine, type StateStore } from '@hac/toolkit';
import type { GateRunner } from '../gates.js';
import { removeKubeconfigFile } from '../kubeconfig.js';
import type { CanaryOutcome } from './action.js';
import { readOrFail, type CanaryInputs } from './inputs.js';
import { readPostState, type PostInputs } from './state.js';

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

/**
 * The post step: when main did not finish (cancelled, killed), abort the canary it left; then
 * remove the kubeconfig file main wrote. Returns what it did, in one line.
 */
export async function postCanary(
  p: PostInputs,
  deps: { log: (line: string) => void; runGate?: GateRunner; signal: () => AbortSignal },
): Promise<string> {
  try {
    if (p.done) return 'main finished; nothing to restore';
    if (!p.session) return 'main wrote nothing; nothing to restore';
    const { restoreCanary } = await import('./action.js');
    return await restoreCanary({ ...p, session: p.session }, deps);
  } finally {
    removeKubeconfigFile(p.kubeconfigPath);
  }
}

export const canaryPost: Engine<PostInputs, string> = {
  name: 'k8s-canary post',
  read: (deps) => readPostState(deps.state),
  run: (p, deps) => postCanary(p, { log: (line) => deps.log.info(line), signal: () => deps.signal }),
  report: (note, deps) => deps.log.info(`k8s-canary post: ${note}`),
};

/** The post step with explicit deps (tests): see postCanary. */
export async function runCanaryPost(
  deps: { state?: StateStore; log?: (line: string) => void; runGate?: GateRunner; signal?: AbortSignal } = {},
): Promise<string> {
  return postCanary(readPostState(deps.state ?? runnerState), {
    log: deps.log ?? info,
    runGate: deps.runGate,
    signal: () => deps.signal ?? cancellationSignal(),
  });
}
