/**
 * The k8s-canary post step (`runEngine(canaryPost)`): reads the state main saved and, with nothing
 * to restore, ends without loading the engine, the cluster client or the inputs' code.
 */
import fs from 'node:fs';
import { cancellationSignal, info, runnerState, type Engine, type StateStore } from '@hac/toolkit';
import type { GateRunner } from '../gates.js';
import { readPostState, type PostInputs } from './state.js';

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
    // removeKubeconfigFile (../kubeconfig.ts), whose module would load the cluster access code.
    if (p.kubeconfigPath) fs.rmSync(p.kubeconfigPath, { force: true });
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
