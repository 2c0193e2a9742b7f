// One swap's run context: the inputs, the deps, what was observed, the lock, the report and the
// state saved for the post step. Execute (execute.ts) and restore (restore.ts) share it.
import { randomBytes } from 'node:crypto';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { sleep as realSleep, markLine, systemClock, Timeline, type Clock, type Sleep } from '@hac/toolkit';
import type { SwapConfig } from './config.js';
import type { AddressInfo, InstanceInfo } from './ec2.js';
import type { HeldLock } from './lock.js';
import { State } from './names.js';
import type { SwapPlan } from './plan.js';
import type { AssociationTarget, PreviousAssociation } from './requests.js';
import type { SwapDeps, SwapReport, SwapState } from './types.js';

export class SwapContext {
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly log: (line: string) => void;
  readonly timeline: Timeline;
  readonly report: SwapReport;
  /** The lock owner: the run id and a nonce unique to this process. */
  readonly owner: string;
  /** What the post step reads (undefined until the first write is about to happen). */
  state: SwapState | undefined;
  lock: HeldLock | undefined;
  /** The last lock value written, held or not: removed at the end when taking the lock failed after writing. */
  pendingLock: string | undefined;
  address: AddressInfo | undefined;
  previous: PreviousAssociation = {};
  target: AssociationTarget | undefined;
  instance: InstanceInfo | undefined;
  plan: SwapPlan | undefined;

  constructor(
    readonly config: SwapConfig,
    readonly deps: SwapDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.sleep = deps.sleep ?? realSleep;
    this.log = deps.log ?? (() => undefined);
    this.timeline = new Timeline(this.clock, this.log, markLine);
    this.report = {
      result: 'failed',
      dryRun: config.dryRun,
      mode: config.target.mode,
      timeline: this.timeline.entries,
      gates: {},
      plan: [],
      cleanup: [],
      leftovers: [],
      warnings: [],
    };
    this.owner = `${deps.runId.replace(/\s+/g, '_')}/${deps.nonce ?? randomBytes(4).toString('hex')}`;
  }

  get ec2(): EC2Client {
    return this.deps.ec2;
  }

  get signal(): AbortSignal | undefined {
    return this.deps.signal;
  }

  get runId(): string {
    return this.deps.runId;
  }

  /** The described address (set by the first read; every later step runs after it). */
  get addr(): AddressInfo {
    if (!this.address) throw new Error('swap-eip: the Elastic IP was not described yet');
    return this.address;
  }

  /** Records a phase (or other progress) where the post step will find it. */
  saveState(patch: Partial<SwapState>): void {
    const base: SwapState = this.state ?? {
      region: '',
      endpoint: '',
      maxAttempts: 6,
      ...this.deps.clientSettings,
      runId: this.deps.runId,
      allocationId: this.addr.allocationId,
      phase: 'started',
      previous: this.previous,
      launched: false,
    };
    this.state = { ...base, ...patch };
    this.deps.state?.save(State.Swap, this.state);
  }

  /** Extends the lock before a long step, and saves its new value for the post step. */
  async renewLock(): Promise<void> {
    if (!this.lock) return;
    await this.lock.renew();
    if (this.state?.lock !== this.lock.value) this.saveState({ lock: this.lock.value });
  }
}
