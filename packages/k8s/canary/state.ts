/**
 * What a canary run records on the stable Deployment (annotation `hac.dev/canary`), so that
 * promote, abort and the post step work in a later job with no manifests.
 */
import type { StateStore } from '@hac/toolkit';
import type { Deployment, Labels } from '../objects.js';
import type { RollbackMark } from '../rollback-target.js';
import type { RouteMethod } from './routes.js';

/** What main saves for its post step. */
export const State = {
  session: 'canary-session',
  done: 'canary-done',
  kubeconfig: 'canary-kubeconfig',
} as const;

export const STATE_ANNOTATION = 'hac.dev/canary';
export const PREVIOUS_ANNOTATION = 'hac.dev/previous-template';
export const ROLE_LABEL = 'hac.dev/role';
export const CANARY_OF_LABEL = 'hac.dev/canary-of';
/** analysis: baseline, on canary and baseline pods (the stable name): what the ingress-nginx pair Service selects. */
export const PAIR_LABEL = 'hac.dev/analysis';
/** The pod label that tells canary pods from stable ones. */
export const TRACK_LABEL = 'hac.dev/track';

export type Phase = 'progressing' | 'paused' | 'promoting' | 'promoted' | 'aborting' | 'aborted';

export interface CanaryRecord {
  runId: string;
  phase: Phase;
  route: RouteMethod;
  stable: string;
  canary: string;
  /** The stable Deployment's replicas before the canary (restored on promote and abort). */
  baseReplicas: number;
  /** The HPA owning stable's size, if any (then replicas are left to it). */
  hpa?: string;
  /** Weight (percent) currently set, and the index of the step it belongs to. */
  weight: number;
  step: number;
  steps: number[];
  image: string;
  previousImage: string;
  version?: string;
  previousVersion?: string;
  stableService?: string;
  canaryService?: string;
  /** The stable Service's selector before hac pinned it (routed methods). */
  stableSelector?: Labels;
  httpRoute?: string;
  ingress?: string;
  canaryIngress?: string;
  /** analysis: baseline: the baseline Deployment (and, routed, its Service), removed with the canary. */
  baseline?: string;
  baselineService?: string;
  /** ingress-nginx: the Service over canary and baseline pods the canary Ingress weights during judged steps. */
  pairService?: string;
  startedAt: string;
  updatedAt: string;
  reason?: string;
  /** Set when this release was action: rollback (a second rollback is then a no-op). */
  rollback?: RollbackMark;
}

/** Reads the record from the stable Deployment; undefined when there is none or it is unreadable. */
export function readRecord(d: Deployment | undefined): CanaryRecord | undefined {
  const raw = d?.metadata.annotations?.[STATE_ANNOTATION];
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw) as CanaryRecord;
    return r && typeof r === 'object' && typeof r.canary === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a record means a canary is live (traffic may reach it). */
export function isActive(r: CanaryRecord | undefined): boolean {
  return !!r && ['progressing', 'paused', 'promoting', 'aborting'].includes(r.phase);
}

/** The merge patch writing the record (the record is the whole annotation value). */
export function recordPatch(r: CanaryRecord, resourceVersion?: string): Record<string, unknown> {
  const metadata: Record<string, unknown> = { annotations: { [STATE_ANNOTATION]: JSON.stringify(r) } };
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  return { metadata };
}

/** What main left for its post step. */
export interface PostInputs {
  done?: boolean;
  session?: { namespace: string; name: string; runId: string; context?: string };
  kubeconfigPath?: string;
}

export function readPostState(state: StateStore): PostInputs {
  return {
    done: state.get<boolean>(State.done),
    session: state.get<PostInputs['session']>(State.session),
    kubeconfigPath: state.get<string>(State.kubeconfig),
  };
}
