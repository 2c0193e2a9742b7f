import type { GateSpec } from '@hac/probe';
import type { Clock, Sleep, StateStore } from '@hac/toolkit';
import type { GateRunner } from '../gates.js';
import type { RollbackRequest } from '../rollback-target.js';
import type { Session } from '../session.js';
import type { WorkloadInputs } from '../workload.js';
import type { BlueGreenPlan, Color, RouteKind } from './plan.js';

export type BlueGreenAction = 'deploy' | 'promote' | 'abort' | 'rollback';
export type OldColorAction = 'scale-down' | 'delete' | 'keep';

export interface BlueGreenInputs {
  action: BlueGreenAction;
  workload: WorkloadInputs;
  route: RouteKind;
  /** HTTPRoute name (gateway-api); default <app>. */
  httpRoute: string;
  previewGate?: GateSpec;
  liveGate?: GateSpec;
  keepOldForMs: number;
  oldColorAction: OldColorAction;
  autoPromote: boolean;
  timeoutMs: number;
  lockTimeoutMs: number;
  dryRun: boolean;
  runId: string;
  leaseDurationS?: number;
  /** The response deadline of each request (request-timeout). */
  requestTimeoutMs?: number;
  /** action: rollback: rollback-to and confirm-rollback (default: the version the current one replaced). */
  rollback?: RollbackRequest;
}

export interface BlueGreenDeps {
  session: Session;
  gate: GateRunner;
  /** Where main records progress for the post step. */
  progress: StateStore;
  /** Cancellation (SIGINT/SIGTERM). */
  signal?: AbortSignal;
  clock: Clock;
  sleep: Sleep;
  log: (line: string) => void;
}

export type Verdict = 'promoted' | 'previewing' | 'rolled-back' | 'aborted' | 'planned' | 'failed';

export interface GateOutcome {
  name: string;
  passed: boolean;
  reason?: string;
  markdown: string;
}

export interface BlueGreenResult {
  verdict: Verdict;
  app: string;
  activeColor?: Color;
  previousColor?: Color;
  image?: string;
  previousImage?: string;
  rollbackReason?: string;
  gates: GateOutcome[];
  plan?: BlueGreenPlan;
  /** Markdown of the dry-run plan (dry-run: true). */
  planMarkdown?: string;
  /** API requests this run made. */
  requests: number;
  /** The error to fail the step with (after outputs and summary are written). */
  failure?: Error;
}

/** What main saves for the post step. */
export interface Progress {
  v: 1;
  namespace: string;
  context?: string;
  kubeconfigPath?: string;
  app: string;
  runId: string;
  /** Set while this run may hold the Lease (from the attempt to take it until it is released). */
  lease?: string;
  /** The request-timeout input (post's requests carry the same deadlines). */
  requestTimeoutMs?: number;
  /** The timeout input: bounds post's retries as it bounds main's. */
  timeoutMs?: number;
  stage: 'started' | 'deploying' | 'switched' | 'done';
  plan?: BlueGreenPlan;
}

export const PROGRESS_KEY = 'k8s-bluegreen';
