// The values a swap passes between its parts: what it needs, what it reports, and what it saves
// for the post step. Types only (plus the failure class), so that every module can share them.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { GateDeps, GateReport, GateSpec } from '@hac/probe';
import { ActionError, type Clock, type Sleep, type StateStore, type TimelineEntry } from '@hac/toolkit';
import type { ProgressOptions } from '../progress.js';
import type { Target } from './config.js';
import type { AssociationTarget, PreviousAssociation } from './requests.js';

export type GateRunner = (spec: GateSpec, deps: GateDeps) => Promise<GateReport>;

/** Test seams of the engine; the action uses none of them. */
export interface SwapSeams {
  /** The run id: tags launched instances and names the lock owner (default: from the runner's env). */
  runId?: string;
  /** Explicit credentials (tests); by default the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  gate?: GateRunner;
  /** Progress lines of the launch waits (default: `log` every 30 s); tests inject a ticker. */
  progress?: Partial<ProgressOptions>;
  /** SDK waiter delays in seconds (default: the SDK's schedule). */
  waiterDelays?: { minDelay: number; maxDelay: number };
  lock?: { pollMs?: number; settleMs?: number };
  /** Makes the lock owner unique to this process (default: random). */
  nonce?: string;
  /** Time allowed for rollback and cleanup after a failure or cancellation (default 3 min). */
  cleanupTimeoutMs?: number;
}

export interface SwapDeps extends Omit<SwapSeams, 'credentials' | 'runId'> {
  ec2: EC2Client;
  /** The run id: tags launched instances and names the lock owner. */
  runId: string;
  /** Where the post step finds what to undo (runnerState in the action). */
  state?: StateStore;
  signal?: AbortSignal;
  clock?: Clock;
  sleep?: Sleep;
  log?: (line: string) => void;
  /** Settings the post step needs to build its own client. */
  clientSettings?: ClientSettings;
}

export type SwapResult = 'swapped' | 'unchanged' | 'dry-run' | 'rolled-back' | 'failed';

export interface SwapReport {
  result: SwapResult;
  dryRun: boolean;
  mode: Target['mode'];
  allocationId?: string;
  publicIp?: string;
  previousInstanceId?: string;
  newInstanceId?: string;
  associationId?: string;
  target?: AssociationTarget;
  oldInstance?: string;
  timeline: TimelineEntry[];
  gates: { pre?: GateReport; post?: GateReport };
  /** What dry-run checked and what a real run would do. */
  plan: string[];
  /** What was undone after a failure. */
  cleanup: string[];
  /** Cleanup that did not complete (the post step retries it). */
  leftovers: string[];
  warnings: string[];
  error?: string;
}

export type Phase =
  'started' | 'locked' | 'launching' | 'launched' | 'associating' | 'associated' | 'released' | 'finished';

export interface ClientSettings {
  region: string;
  endpoint: string;
  maxAttempts: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** What the post step needs to finish or undo a swap that main did not complete. */
export interface SwapState extends ClientSettings {
  runId: string;
  allocationId: string;
  phase: Phase;
  lock?: string;
  previous?: PreviousAssociation;
  target?: AssociationTarget;
  newInstanceId?: string;
  launched: boolean;
  associationId?: string;
}

/** A swap that failed; carries the report so that outputs and the summary can still be written. */
export class SwapFailure extends ActionError {
  readonly report: SwapReport;
  constructor(message: string, hint: string | undefined, report: SwapReport, cause?: unknown) {
    super(message, hint, { cause });
    this.name = 'SwapFailure';
    this.report = report;
  }
}

const PHASE_ORDER: Phase[] = [
  'started',
  'locked',
  'launching',
  'launched',
  'associating',
  'associated',
  'released',
  'finished',
];
export const phaseAtLeast = (p: Phase, min: Phase) => PHASE_ORDER.indexOf(p) >= PHASE_ORDER.indexOf(min);

/** What main's run hands to its report: the report, and the failure to throw once it is published. */
export interface SwapOutcome {
  report: SwapReport;
  failure?: SwapFailure;
}
