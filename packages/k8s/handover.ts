// Strategy handover: k8s-canary and k8s-bluegreen manage an app's objects differently (one stable
// Deployment plus <app>-canary, versus <app>-blue/<app>-green behind a color selector). Running one
// against an app the other manages would leave the live Service selecting pods of both, so each
// deploy checks for the other's marks first and fails before any write with how to migrate.
import { ActionError } from '@hac/toolkit';
import type { Deployment, KubeObject } from './objects.js';
import { ANNOTATIONS, type Strategy } from './state.js';

/** The annotation k8s-canary records its state in, on the stable Deployment. */
const CANARY_RECORD = 'hac.dev/canary';

export interface StrategyMarks {
  /** The live Service (or HTTPRoute) of the app. */
  live?: KubeObject;
  /** The Deployment named like the app (k8s-canary's stable Deployment). */
  stable?: Deployment;
  /** The strategy of the state ConfigMap hac-<app>-state, if any. */
  recorded?: Strategy;
}

/** Which strategy manages the app according to its marks, with the evidence. */
export function foundStrategy(m: StrategyMarks): { strategy: Strategy; evidence: string } | undefined {
  const liveMark = m.live?.metadata.annotations?.[ANNOTATIONS.strategy];
  if (liveMark === 'bluegreen' || liveMark === 'canary')
    return {
      strategy: liveMark,
      evidence: `${m.live?.kind} ${m.live?.metadata.name} is annotated ${ANNOTATIONS.strategy}: ${liveMark}`,
    };
  if (m.recorded)
    return { strategy: m.recorded, evidence: `ConfigMap hac-<app>-state records strategy ${m.recorded}` };
  if (m.stable?.metadata.annotations?.[CANARY_RECORD])
    return {
      strategy: 'canary',
      evidence: `Deployment ${m.stable.metadata.name} carries a k8s-canary record (${CANARY_RECORD})`,
    };
  return undefined;
}

const MIGRATE: Record<Strategy, (app: string) => string> = {
  // bluegreen found, canary wanted
  bluegreen: (app) =>
    `Keep deploying ${app} with k8s-bluegreen, or hand it over once: apply the current version as a plain Deployment ${app} and a Service ${app} whose selector has no "color" label (kubectl apply), wait until it is ready, then delete Deployments ${app}-blue and ${app}-green, Service ${app}-preview and ConfigMap hac-${app}-state (kubectl delete), and run k8s-canary.`,
  // canary found, bluegreen wanted
  canary: (app) =>
    `Keep deploying ${app} with k8s-canary, or hand it over once: promote or abort any canary in progress, delete Deployment ${app}-canary if it is left, remove the record (kubectl annotate deployment ${app} ${CANARY_RECORD}-) and run k8s-bluegreen: it deploys a color beside ${app} and switches Service ${app} only when that color is ready; then delete Deployment ${app}.`,
};

/** The error for an app the other strategy manages, or undefined when `want` may proceed. */
export function handoverError(app: string, want: Strategy, m: StrategyMarks): ActionError | undefined {
  const found = foundStrategy(m);
  if (!found || found.strategy === want) return undefined;
  const name = (s: Strategy) => (s === 'bluegreen' ? 'k8s-bluegreen' : 'k8s-canary');
  return new ActionError(
    `${app} is managed by ${name(found.strategy)} (strategy ${found.strategy}: ${found.evidence}); ${name(want)} will not take it over. Nothing was changed.`,
    MIGRATE[found.strategy](app),
  );
}
