import { randomBytes } from 'node:crypto';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { runGate, type GateDeps, type GateReport, type GateSpec } from '@hac/probe';
import {
  ActionError,
  CancelledError,
  abortReason,
  errorMessage,
  formatDuration,
  sleep as realSleep,
  markLine,
  systemClock,
  Timeline,
  withTimeout,
  type Clock,
  type Sleep,
  type StateStore,
  type TimelineEntry,
} from '@hac/toolkit';
import type { GateConfig, SwapConfig, Target } from './config.js';
import { gateChecks } from './config.js';
import {
  addressLockStore,
  associate,
  checkLaunchTemplate,
  describeAddress,
  describeInstance,
  disassociate,
  dryRunAssociate,
  dryRunInstance,
  dryRunTag,
  instanceOfInterface,
  runInstance,
  runInstances,
  stop,
  terminate,
  type AddressInfo,
  type InstanceInfo,
} from './ec2.js';
import { waitReady } from './wait.js';
import { acquireLock, lockStatus, parseLock, type HeldLock } from './lock.js';
import { LOCK_TAG, State } from './names.js';
import {
  associateInput,
  chooseTarget,
  launchInput,
  pointsAt,
  pointsAtPrevious,
  previousOf,
  restoreInput,
  type AssociationTarget,
  type PreviousAssociation,
} from './plan.js';
import type { ProgressOptions } from '../progress.js';
import type { TemplateVars } from './template.js';

export type GateRunner = (spec: GateSpec, deps: GateDeps) => Promise<GateReport>;

export interface SwapDeps {
  ec2: EC2Client;
  /** The run id: tags launched instances and names the lock owner. */
  runId: string;
  gate?: GateRunner;
  /** Where the post step finds what to undo (runnerState in the action). */
  state?: StateStore;
  signal?: AbortSignal;
  clock?: Clock;
  sleep?: Sleep;
  log?: (line: string) => void;
  /** Progress lines of the launch waits (default: `log` every 30 s); tests inject a ticker. */
  progress?: Partial<ProgressOptions>;
  /** SDK waiter delays in seconds (default: the SDK's schedule). */
  waiterDelays?: { minDelay: number; maxDelay: number };
  lock?: { pollMs?: number; settleMs?: number };
  /** Makes the lock owner unique to this process (default: random). */
  nonce?: string;
  /** Time allowed for rollback and cleanup after a failure or cancellation (default 3 min). */
  cleanupTimeoutMs?: number;
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

/** Moves an Elastic IP to a new instance behind health gates; rolls back on any failure. */
export async function swapEip(config: SwapConfig, deps: SwapDeps): Promise<SwapReport> {
  return new SwapRun(config, deps).run();
}

class SwapRun {
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly log: (line: string) => void;
  private readonly timeline: Timeline;
  private readonly report: SwapReport;
  private readonly owner: string;
  private state: SwapState | undefined;
  private lock: HeldLock | undefined;
  /** The last lock value written, held or not: removed in finish when taking the lock failed after writing. */
  private pendingLock: string | undefined;
  private address: AddressInfo | undefined;
  private previous: PreviousAssociation = {};
  private target: AssociationTarget | undefined;
  private instance: InstanceInfo | undefined;

  constructor(
    private readonly config: SwapConfig,
    private readonly deps: SwapDeps,
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

  private get ec2(): EC2Client {
    return this.deps.ec2;
  }

  private get signal(): AbortSignal | undefined {
    return this.deps.signal;
  }

  async run(): Promise<SwapReport> {
    try {
      await this.resolveAddress();
      if (this.config.target.mode === 'instance') {
        const unchanged = await this.resolveInstance(this.config.target.instanceId);
        if (unchanged) return this.report;
      } else {
        await this.checkTemplate(this.config.target);
      }
      if (this.config.dryRun) return await this.dryRun();
      await this.takeLock();
      if (this.config.target.mode === 'launch') await this.launch(this.config.target);
      await this.preSwapGate();
      await this.moveAddress();
      await this.postSwapGate();
      this.report.result = 'swapped';
      this.saveState({ phase: 'released' });
      await this.retireOld();
      return this.report;
    } catch (err) {
      throw await this.fail(err);
    } finally {
      await this.finish();
    }
  }

  // ---------------------------------------------------------------- resolve (reads only)

  private async resolveAddress(): Promise<void> {
    const a = await describeAddress(this.ec2, this.config.address, this.signal);
    this.address = a;
    this.previous = previousOf(a);
    if (!this.previous.instanceId && this.previous.networkInterfaceId) {
      const owner = await instanceOfInterface(this.ec2, this.previous.networkInterfaceId, this.signal);
      if (owner) this.previous.instanceId = owner;
    }
    Object.assign(this.report, {
      allocationId: a.allocationId,
      publicIp: a.publicIp,
      previousInstanceId: this.previous.instanceId,
    });
    const where = a.associationId
      ? `on ${this.previous.instanceId ?? '?'}${a.networkInterfaceId ? ` (${a.networkInterfaceId}, ${a.privateIp ?? ''})` : ''}`
      : 'not associated';
    this.timeline.add('resolve', 'ok', `${a.publicIp} (${a.allocationId}) is ${where}`);
    if (!this.config.allowReassociation && a.associationId) {
      throw new ActionError(
        `The Elastic IP ${a.publicIp} is associated with ${this.previous.instanceId ?? a.networkInterfaceId}, and "allow-reassociation" is false.`,
        'Set "allow-reassociation: true" to move it, or disassociate it first. Nothing was changed.',
      );
    }
  }

  /** Describes the target instance and picks the association target. True when the EIP already points there. */
  private async resolveInstance(instanceId: string): Promise<boolean> {
    const i = await describeInstance(this.ec2, instanceId, this.signal);
    this.useInstance(i);
    this.gateVars(this.config.preGate, 'pre-swap');
    if (pointsAt(this.address as AddressInfo, this.target as AssociationTarget)) {
      this.report.result = 'unchanged';
      this.report.associationId = this.address?.associationId;
      this.timeline.add(
        'associate',
        'skipped',
        `${this.report.publicIp} already points at ${instanceId}; nothing to do`,
      );
      return true;
    }
    return false;
  }

  private useInstance(i: InstanceInfo): void {
    this.instance = i;
    this.target = chooseTarget(i, {
      networkInterfaceIndex: this.config.networkInterfaceIndex,
      privateIp: this.config.privateIp,
    });
    this.report.newInstanceId = i.instanceId;
    this.report.target = this.target;
    const how =
      this.target.kind === 'eni'
        ? `network interface ${this.target.networkInterfaceId}`
        : `instance ${i.instanceId}`;
    this.timeline.add(
      'target',
      'ok',
      `${how} (${i.state}, private ${i.privateIp ?? '-'}, public ${i.publicIp ?? '-'})`,
    );
  }

  private async checkTemplate(target: Extract<Target, { mode: 'launch' }>): Promise<void> {
    const id = await checkLaunchTemplate(this.ec2, target.template, this.signal);
    this.timeline.add(
      'launch template',
      'ok',
      `${target.template.name ?? target.template.id} (${id}) version ${target.template.version}`,
    );
  }

  // ---------------------------------------------------------------- dry run

  private async dryRun(): Promise<SwapReport> {
    const plan = this.report.plan;
    const a = this.address as AddressInfo;
    const lock = lockStatus(a.tags[LOCK_TAG], this.owner, this.clock());
    plan.push(
      `lock: ${lock.kind === 'free' ? 'free' : lock.kind === 'expired' ? `expired (${lock.holder.owner}); would be taken over` : lock.kind === 'held' ? `held by ${lock.holder.owner}; would wait up to ${formatDuration(this.config.lockTimeoutMs)}` : `manual hold ${JSON.stringify(a.tags[LOCK_TAG])}`}`,
    );
    plan.push(`CreateTags ${LOCK_TAG} (dry run): ${await dryRunTag(this.ec2, a.allocationId, this.signal)}`);
    if (this.config.target.mode === 'launch') {
      const input = launchInput(this.config.target, this.deps.runId, 'dry-run');
      plan.push(`RunInstances (dry run): ${await dryRunInstance(this.ec2, input, this.signal)}`);
      plan.push(
        `would launch 1 instance from ${this.config.target.template.name ?? this.config.target.template.id} ${this.config.target.template.version}${this.config.target.amiId ? ` with ${this.config.target.amiId}` : ''}, wait for running and status ok`,
      );
    } else {
      const input = associateInput(
        a.allocationId,
        this.target as AssociationTarget,
        this.config.allowReassociation,
      );
      plan.push(`AssociateAddress (dry run): ${await dryRunAssociate(this.ec2, input, this.signal)}`);
    }
    plan.push(
      this.config.preGate
        ? `would run the pre-swap gate (${this.config.preGate.kind}) on the new instance`
        : 'no pre-swap gate',
    );
    plan.push(
      `would associate ${a.publicIp} with ${this.target ? describeTarget(this.target) : 'the new instance'} (AllowReassociation=${this.config.allowReassociation})`,
    );
    plan.push(
      this.config.postGate ? 'would run the post-swap gate through the Elastic IP' : 'no post-swap gate',
    );
    plan.push(
      this.previous.instanceId
        ? `after ${formatDuration(this.config.graceMs)}, would ${this.config.oldInstance} ${this.previous.instanceId}`
        : 'no previous instance to retire',
    );
    for (const line of plan) this.timeline.add('dry run', 'info', line);
    this.report.result = 'dry-run';
    return this.report;
  }

  // ---------------------------------------------------------------- writes

  private async takeLock(): Promise<void> {
    const a = this.address as AddressInfo;
    this.saveState({ phase: 'started' });
    this.lock = await acquireLock(addressLockStore(this.ec2, a.allocationId, this.signal), {
      owner: this.owner,
      ttlMs: this.config.lockTtlMs,
      timeoutMs: this.config.lockTimeoutMs,
      pollMs: this.deps.lock?.pollMs,
      settleMs: this.deps.lock?.settleMs,
      signal: this.signal,
      clock: this.clock,
      sleep: this.sleep,
      log: (l) => this.log(l),
      what: a.allocationId,
      onWrite: (value) => {
        this.pendingLock = value;
        this.saveState({ lock: value });
      },
    });
    this.saveState({ phase: 'locked', lock: this.lock.value });
    this.timeline.add('lock', 'ok', `${LOCK_TAG}=${this.lock.value}`);
  }

  private async launch(target: Extract<Target, { mode: 'launch' }>): Promise<void> {
    this.saveState({ phase: 'launching' });
    const started = this.clock();
    const i = await runInstance(
      this.ec2,
      launchInput(target, this.deps.runId, randomBytes(16).toString('hex')),
      this.signal,
    );
    this.report.newInstanceId = i.instanceId;
    this.saveState({ phase: 'launched', newInstanceId: i.instanceId, launched: true });
    this.timeline.add(
      'launch',
      'ok',
      `${i.instanceId} from ${target.template.name ?? target.template.id} ${target.template.version}`,
    );
    const ready = await waitReady(
      this.ec2,
      i.instanceId,
      {
        timeoutMs: this.config.waitTimeoutMs,
        signal: this.signal,
        progress: { log: (l) => this.log(`  ${l}`), clock: this.clock, ...this.deps.progress },
        ...this.deps.waiterDelays,
      },
      started,
      this.clock,
    );
    this.timeline.add('wait', 'ok', `${i.instanceId} is running and its status checks pass`);
    this.useInstance(ready);
    await this.renewLock();
  }

  private gateVars(gate: GateConfig | undefined, which: string, extra: TemplateVars = {}) {
    const i = this.instance as InstanceInfo;
    const vars: TemplateVars = {
      'instance-id': i.instanceId,
      'private-ip': this.target?.privateIp ?? i.privateIp,
      'public-ip': i.publicIp,
      ...extra,
    };
    if (!gate) return undefined;
    try {
      return gateChecks(gate.kind, gate.template, vars);
    } catch (err) {
      throw new ActionError(
        `The ${which} gate cannot be built for ${i.instanceId}: ${errorMessage(err)}.`,
        'Use {{private-ip}} for instances without a public IP. Nothing was changed.',
      );
    }
  }

  private async runGate(
    which: 'pre' | 'post',
    gate: GateConfig,
    checks: ReturnType<SwapRun['gateVars']>,
  ): Promise<GateReport> {
    const spec: GateSpec = {
      checks: checks ?? [],
      waitMs: gate.waitMs,
      intervalMs: gate.intervalMs,
      consecutive: gate.consecutive,
    };
    const run = this.deps.gate ?? runGate;
    const report = await run(spec, {
      signal: this.signal,
      sleep: this.sleep,
      clock: this.clock,
      log: (l) => this.log(`  ${l}`),
    });
    this.report.gates[which] = report;
    return report;
  }

  private async preSwapGate(): Promise<void> {
    const gate = this.config.preGate;
    if (!gate) {
      this.timeline.add('pre-swap gate', 'skipped', 'no health-url or health-checks given');
      this.report.warnings.push(
        'No pre-swap health gate: the Elastic IP moved without checking the new instance. Set "health-url".',
      );
      return;
    }
    const r = await this.runGate('pre', gate, this.gateVars(gate, 'pre-swap'));
    if (!r.passed) {
      this.timeline.add('pre-swap gate', 'failed', r.reason ?? 'failed');
      throw new ActionError(
        `The pre-swap health gate failed on ${this.report.newInstanceId}: ${r.reason ?? 'a check failed'}. The Elastic IP was not moved.`,
        "Look at the new instance's application log; the check results are in the job summary.",
      );
    }
    this.timeline.add(
      'pre-swap gate',
      'ok',
      `${r.checks.length} check(s) passed in ${formatDuration(r.durationMs)}`,
    );
  }

  private async moveAddress(): Promise<void> {
    const a = this.address as AddressInfo;
    const target = this.target as AssociationTarget;
    await this.renewLock();
    // Re-read just before the write: the lock must still be ours and nobody may have moved the address meanwhile.
    const now = await describeAddress(this.ec2, { allocationId: a.allocationId }, this.signal);
    if (this.lock && now.tags[LOCK_TAG] !== this.lock.value) {
      throw new ActionError(
        `Lost the lock on ${a.allocationId} before associating (${LOCK_TAG}=${JSON.stringify(now.tags[LOCK_TAG] ?? '')}).`,
        'Raise "lock-ttl"; another run took the Elastic IP. Nothing was moved.',
      );
    }
    if (!pointsAtPrevious(now, this.previous)) {
      throw new ActionError(
        `The Elastic IP ${a.publicIp} was moved by someone else during the swap (now ${now.instanceId ?? now.networkInterfaceId ?? 'not associated'}).`,
        'Find out who moved it; nothing was changed by this run.',
      );
    }
    this.saveState({ phase: 'associating', target });
    const id = await associate(
      this.ec2,
      associateInput(a.allocationId, target, this.config.allowReassociation),
      this.signal,
    );
    this.report.associationId = id;
    this.saveState({ phase: 'associated', associationId: id });
    this.timeline.add(
      'associate',
      'ok',
      `${a.publicIp} -> ${describeTarget(target)} (${id}, AllowReassociation=${this.config.allowReassociation})`,
    );
    const check = await describeAddress(this.ec2, { allocationId: a.allocationId }, this.signal);
    if (!pointsAt(check, target)) {
      throw new ActionError(
        `After AssociateAddress, DescribeAddresses shows ${a.publicIp} on ${check.instanceId ?? check.networkInterfaceId ?? 'nothing'}, not ${describeTarget(target)}.`,
        'Another process may be moving this Elastic IP; check CloudTrail for AssociateAddress calls.',
      );
    }
    this.report.associationId = check.associationId ?? id;
    this.timeline.add('verify', 'ok', `DescribeAddresses shows ${a.publicIp} on ${describeTarget(target)}`);
  }

  private async postSwapGate(): Promise<void> {
    const gate = this.config.postGate;
    if (!gate) {
      this.timeline.add('post-swap gate', 'skipped', 'no post-swap-url or post-swap-checks given');
      return;
    }
    const r = await this.runGate(
      'post',
      gate,
      this.gateVars(gate, 'post-swap', { eip: this.report.publicIp }),
    );
    if (!r.passed) {
      this.timeline.add('post-swap gate', 'failed', r.reason ?? 'failed');
      throw new ActionError(
        `The post-swap health gate through ${this.report.publicIp} failed: ${r.reason ?? 'a check failed'}.`,
        'The Elastic IP was moved back. Check security groups and the routes to the new instance, which the pre-swap gate does not cover.',
      );
    }
    this.timeline.add(
      'post-swap gate',
      'ok',
      `${r.checks.length} check(s) passed through ${this.report.publicIp}`,
    );
  }

  /** After `grace`, stops, terminates or keeps the old instance. A failure here does not undo the release. */
  private async retireOld(): Promise<void> {
    const old = this.previous.instanceId;
    if (!old || old === this.report.newInstanceId) {
      this.report.oldInstance = 'none';
      return;
    }
    if (this.config.oldInstance === 'keep') {
      this.report.oldInstance = 'kept';
      this.timeline.add('old instance', 'skipped', `${old} kept running (old-instance: keep)`);
      return;
    }
    try {
      if (this.config.graceMs > 0) {
        await this.renewLock();
        this.timeline.add(
          'grace',
          'info',
          `waiting ${formatDuration(this.config.graceMs)} before the old instance is ${this.config.oldInstance === 'stop' ? 'stopped' : 'terminated'}`,
        );
        await this.sleep(this.config.graceMs, this.signal);
      }
      if (this.config.oldInstance === 'stop') await stop(this.ec2, old, this.signal);
      else await terminate(this.ec2, [old], this.signal);
      this.report.oldInstance = this.config.oldInstance === 'stop' ? 'stopped' : 'terminated';
      this.timeline.add('old instance', 'ok', `${old} ${this.report.oldInstance}`);
    } catch (err) {
      this.report.oldInstance = 'left running';
      const msg = `The release succeeded, but ${old} was not ${this.config.oldInstance === 'stop' ? 'stopped' : 'terminated'}: ${errorMessage(err)}`;
      this.report.warnings.push(
        `${msg}. ${this.config.oldInstance === 'stop' ? 'Stop' : 'Terminate'} it by hand when it is no longer needed.`,
      );
      this.timeline.add('old instance', 'failed', msg);
    }
  }

  // ---------------------------------------------------------------- failure, rollback, cleanup

  private async fail(err: unknown): Promise<SwapFailure> {
    const cancelled = err instanceof CancelledError || (this.signal?.aborted ?? false);
    const cause = cancelled && this.signal?.aborted ? abortReason(this.signal) : err;
    this.report.error = errorMessage(cause);
    this.timeline.add(cancelled ? 'cancelled' : 'failed', 'failed', errorMessage(cause));
    const undone = await this.rollback();
    this.report.result = undone && this.report.cleanup.length > 0 ? 'rolled-back' : 'failed';
    const tail = this.report.cleanup.length ? ` Rolled back: ${this.report.cleanup.join('; ')}.` : '';
    const left = this.report.leftovers.length ? ` NOT cleaned up: ${this.report.leftovers.join('; ')}.` : '';
    const hint = this.report.leftovers.length
      ? `The post step retries the cleanup; if it fails too, ${this.report.leftovers.join('; ')} by hand.`
      : cause instanceof ActionError
        ? cause.hint
        : cancelled
          ? 'The run was cancelled; the Elastic IP is where it was before. Re-run when ready.'
          : 'Re-run the job; if it fails again, check the message above.';
    return new SwapFailure(`${errorMessage(cause)}${tail}${left}`, hint, this.report, cause);
  }

  /** Puts the Elastic IP back and removes a launched instance. True when everything needed was undone. */
  private async rollback(): Promise<boolean> {
    const signal = withTimeout(undefined, this.deps.cleanupTimeoutMs ?? 180_000, 'rollback');
    let ok = true;
    const step = async (what: string, fn: () => Promise<string | undefined>) => {
      try {
        const done = await fn();
        if (done) {
          this.report.cleanup.push(done);
          this.timeline.add('rollback', 'ok', done);
        }
      } catch (err) {
        ok = false;
        this.report.leftovers.push(what);
        this.timeline.add('rollback', 'failed', `${what}: ${errorMessage(err)}`);
      }
    };
    if (this.state && phaseAtLeast(this.state.phase, 'associating')) {
      await step(`move ${this.report.publicIp} back to ${this.previous.instanceId ?? 'no instance'}`, () =>
        restoreAddress(this.ec2, this.state as SwapState, signal),
      );
    }
    if (this.state && mayHaveLaunched(this.state)) {
      await step(`terminate the instances tagged hac:run-id=${this.deps.runId}`, () =>
        removeLaunched(this.ec2, this.deps.runId, launchedId(this.state as SwapState), signal),
      );
    }
    return ok;
  }

  /** Releases the lock and records that main finished (so that post has nothing to undo). */
  private async finish(): Promise<void> {
    const signal = withTimeout(undefined, this.deps.cleanupTimeoutMs ?? 180_000, 'cleanup');
    if (this.config.target.mode === 'launch' && this.report.result === 'swapped') {
      // A retried RunInstances whose first response was lost can leave a second instance; sweep it.
      try {
        const extra = (await runInstances(this.ec2, this.deps.runId, signal)).filter(
          (id) => id !== this.report.newInstanceId,
        );
        if (extra.length) {
          await terminate(this.ec2, extra, signal);
          this.timeline.add('cleanup', 'ok', `terminated stray instance(s) of this run: ${extra.join(', ')}`);
        }
      } catch (err) {
        this.report.warnings.push(`Could not check for stray instances of this run: ${errorMessage(err)}`);
      }
    }
    const value = this.lock?.value ?? this.pendingLock;
    if (value) {
      try {
        // DeleteTags with the value removes the tag only while it is still this run's.
        await addressLockStore(this.ec2, (this.address as AddressInfo).allocationId, signal).remove(value);
        this.timeline.add('unlock', 'ok', `removed ${LOCK_TAG}`);
      } catch (err) {
        this.report.leftovers.push(`remove the ${LOCK_TAG} tag from ${this.address?.allocationId}`);
        const expires = parseLock(value)?.expiresAt ?? 0;
        this.timeline.add(
          'unlock',
          'failed',
          `${errorMessage(err)} (the lock expires at ${new Date(expires).toISOString()})`,
        );
        this.report.warnings.push(
          `The ${LOCK_TAG} tag could not be removed from ${this.address?.allocationId}; the post step retries, and it expires at ${new Date(expires).toISOString()}.`,
        );
        return;
      }
    }
    if (this.state && this.report.leftovers.length === 0) this.saveState({ phase: 'finished' });
  }

  private async renewLock(): Promise<void> {
    if (!this.lock) return;
    await this.lock.renew();
    if (this.state?.lock !== this.lock.value) this.saveState({ lock: this.lock.value });
  }

  private saveState(patch: Partial<SwapState>): void {
    const a = this.address as AddressInfo;
    const base: SwapState = this.state ?? {
      region: '',
      endpoint: '',
      maxAttempts: 6,
      ...this.deps.clientSettings,
      runId: this.deps.runId,
      allocationId: a.allocationId,
      phase: 'started',
      previous: this.previous,
      launched: false,
    };
    this.state = { ...base, ...patch };
    this.deps.state?.save(State.Swap, this.state);
  }
}

export function describeTarget(t: AssociationTarget): string {
  return t.kind === 'eni'
    ? `${t.instanceId} via ${t.networkInterfaceId}${t.privateIp ? ` (${t.privateIp})` : ''}`
    : `${t.instanceId}${t.privateIp ? ` (${t.privateIp})` : ''}`;
}

/**
 * Puts the Elastic IP back where `state.previous` says, but only when it still points at this run's
 * target (or at nothing): an address someone else moved since is left alone. Returns what was done.
 */
export async function restoreAddress(
  ec2: EC2Client,
  state: SwapState,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const previous = state.previous ?? {};
  const now = await describeAddress(ec2, { allocationId: state.allocationId }, signal);
  if (pointsAtPrevious(now, previous)) return undefined;
  const ours =
    (state.target && pointsAt(now, state.target)) ||
    (state.associationId !== undefined && now.associationId === state.associationId) ||
    !now.associationId;
  if (!ours)
    throw new ActionError(
      `${now.publicIp} now points at ${now.instanceId ?? now.networkInterfaceId}, which this run did not set; left alone.`,
    );
  const input = restoreInput(state.allocationId, previous);
  if (input) {
    await associate(ec2, input, signal);
  } else if (now.associationId) {
    await disassociate(ec2, now.associationId, signal);
  }
  const after = await describeAddress(ec2, { allocationId: state.allocationId }, signal);
  if (!pointsAtPrevious(after, previous))
    throw new ActionError(
      `DescribeAddresses does not show ${now.publicIp} back on ${previous.instanceId ?? 'nothing'}.`,
    );
  return input
    ? `${now.publicIp} moved back to ${previous.instanceId ?? previous.networkInterfaceId}`
    : `${now.publicIp} disassociated (it had no instance before)`;
}

/**
 * Whether this run may have launched an instance: RunInstances was sent (`launching`, its answer
 * maybe lost) or answered (`launched`). Never true in instance mode, whose instance is the user's.
 */
export const mayHaveLaunched = (state: SwapState): boolean => state.launched || state.phase === 'launching';

/** The instance this run launched, if any: never the user's own instance of instance mode. */
export const launchedId = (state: SwapState): string | undefined =>
  state.launched ? state.newInstanceId : undefined;

/**
 * Terminates the instance this run launched (`launchedId`, from its own RunInstances answer) and any
 * other instance tagged with this run id. Nothing else: an instance the user named is never touched.
 * Returns what was done.
 */
export async function removeLaunched(
  ec2: EC2Client,
  runId: string,
  launched: string | undefined,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const found = await runInstances(ec2, runId, signal);
  const ids = [...new Set([...(launched ? [launched] : []), ...found])];
  if (ids.length === 0) return undefined;
  await terminate(ec2, ids, signal);
  return `terminated ${ids.join(', ')}`;
}
