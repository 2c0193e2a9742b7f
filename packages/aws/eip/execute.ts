// Carries out a swap plan: lock, launch if asked, pre-swap gate, associate, post-swap gate,
// release. Any failure goes to restore.ts, which puts things back; the lock is always released.
import { randomBytes } from 'node:crypto';
import { ActionError, errorMessage, formatDuration } from '@hac/toolkit';
import type { SwapConfig, Target } from './config.js';
import { SwapContext } from './context.js';
import {
  addressLockStore,
  associate,
  describeAddress,
  dryRunAssociate,
  dryRunInstance,
  dryRunTag,
  runInstance,
  stop,
  terminate,
} from './ec2.js';
import { gateVars, postSwapGate, preSwapGate } from './gates.js';
import { acquireLock } from './lock.js';
import { LOCK_TAG } from './names.js';
import { observeAddress, observeInstance, observeTemplate, observed, useInstance } from './observe.js';
import { instanceTarget, planSwap, type DryRunProbe, type SwapPlan, type SwapStep } from './plan.js';
import { associateInput, describeTarget, launchInput, pointsAt, pointsAtPrevious } from './requests.js';
import { failed, finish } from './restore.js';
import type { SwapDeps, SwapReport } from './types.js';
import { waitReady } from './wait.js';

/** Moves an Elastic IP to a new instance behind health gates; rolls back on any failure. */
export async function swapEip(config: SwapConfig, deps: SwapDeps): Promise<SwapReport> {
  const ctx = new SwapContext(config, deps);
  try {
    const plan = await prepare(ctx);
    if (plan.action === 'dry-run') await dryRun(ctx, plan);
    if (plan.action !== 'swap') return ctx.report;
    for (const step of plan.steps) await STEPS[step](ctx, plan);
    return ctx.report;
  } catch (err) {
    throw await failed(ctx, err);
  } finally {
    await finish(ctx);
  }
}

/** The reads, then the plan. An address that already points at the target is `unchanged`. */
async function prepare(ctx: SwapContext): Promise<SwapPlan> {
  await observeAddress(ctx);
  const t = ctx.config.target;
  const instance = t.mode === 'instance' ? await observeInstance(ctx, t.instanceId) : undefined;
  if (t.mode === 'launch') await observeTemplate(ctx, t);
  const plan = planSwap(ctx.config, observed(ctx, instance));
  ctx.plan = plan;
  if (instance && plan.target) {
    useInstance(ctx, instance, plan.target);
    gateVars(ctx, ctx.config.preGate, 'pre-swap');
  }
  if (plan.action === 'unchanged') {
    ctx.report.result = 'unchanged';
    ctx.report.associationId = ctx.addr.associationId;
    ctx.timeline.add(
      'associate',
      'skipped',
      `${ctx.report.publicIp} already points at ${instance?.instanceId}; nothing to do`,
    );
  }
  return plan;
}

/** Runs the plan's dry-run calls and records what a real run would do. */
async function dryRun(ctx: SwapContext, plan: SwapPlan): Promise<void> {
  const { ec2, signal, config } = ctx;
  const a = ctx.addr;
  const probes: Record<DryRunProbe, () => Promise<string>> = {
    CreateTags: () => dryRunTag(ec2, a.allocationId, signal),
    RunInstances: () => dryRunInstance(ec2, launchInput(launchTarget(config), ctx.runId, 'dry-run'), signal),
    AssociateAddress: () => {
      if (!plan.target) throw new Error('swap-eip: no target to dry-run AssociateAddress for');
      return dryRunAssociate(
        ec2,
        associateInput(a.allocationId, plan.target, config.allowReassociation),
        signal,
      );
    },
  };
  for (const line of plan.dryRun)
    ctx.report.plan.push('text' in line ? line.text : `${line.label}: ${await probes[line.probe]()}`);
  for (const line of ctx.report.plan) ctx.timeline.add('dry run', 'info', line);
  ctx.report.result = 'dry-run';
}

function launchTarget(config: SwapConfig): Extract<Target, { mode: 'launch' }> {
  if (config.target.mode !== 'launch') throw new Error('swap-eip: not in launch mode');
  return config.target;
}

/** Each step of a real run, in the order the plan lists them. */
const STEPS: Record<SwapStep, (ctx: SwapContext, plan: SwapPlan) => Promise<void>> = {
  lock: takeLock,
  launch: (ctx) => launch(ctx, launchTarget(ctx.config)),
  'pre-swap gate': preSwapGate,
  associate: moveAddress,
  'post-swap gate': postSwapGate,
  release,
};

async function takeLock(ctx: SwapContext): Promise<void> {
  const a = ctx.addr;
  ctx.saveState({ phase: 'started' });
  ctx.lock = await acquireLock(addressLockStore(ctx.ec2, a.allocationId, ctx.signal), {
    owner: ctx.owner,
    ttlMs: ctx.config.lockTtlMs,
    timeoutMs: ctx.config.lockTimeoutMs,
    pollMs: ctx.deps.lock?.pollMs,
    settleMs: ctx.deps.lock?.settleMs,
    signal: ctx.signal,
    clock: ctx.clock,
    sleep: ctx.sleep,
    log: (l) => ctx.log(l),
    what: a.allocationId,
    onWrite: (value) => {
      ctx.pendingLock = value;
      ctx.saveState({ lock: value });
    },
  });
  ctx.saveState({ phase: 'locked', lock: ctx.lock.value });
  ctx.timeline.add('lock', 'ok', `${LOCK_TAG}=${ctx.lock.value}`);
}

/** Launches one instance tagged with the run id, waits until it runs and passes its status checks. */
async function launch(ctx: SwapContext, target: Extract<Target, { mode: 'launch' }>): Promise<void> {
  ctx.saveState({ phase: 'launching' });
  const started = ctx.clock();
  const input = launchInput(target, ctx.runId, randomBytes(16).toString('hex'));
  const i = await runInstance(ctx.ec2, input, ctx.signal);
  ctx.report.newInstanceId = i.instanceId;
  ctx.saveState({ phase: 'launched', newInstanceId: i.instanceId, launched: true });
  const from = `${target.template.name ?? target.template.id} ${target.template.version}`;
  ctx.timeline.add('launch', 'ok', `${i.instanceId} from ${from}`);
  const ready = await waitReady(
    ctx.ec2,
    i.instanceId,
    {
      timeoutMs: ctx.config.waitTimeoutMs,
      signal: ctx.signal,
      progress: { log: (l) => ctx.log(`  ${l}`), clock: ctx.clock, ...ctx.deps.progress },
      ...ctx.deps.waiterDelays,
    },
    started,
    ctx.clock,
  );
  ctx.timeline.add('wait', 'ok', `${i.instanceId} is running and its status checks pass`);
  useInstance(ctx, ready, instanceTarget(ctx.config, ready));
  await ctx.renewLock();
}

/** Re-checks the lock and the address, associates, and verifies with a fresh read. */
async function moveAddress(ctx: SwapContext): Promise<void> {
  const a = ctx.addr;
  const target = ctx.target;
  if (!target) throw new Error('swap-eip: no target to associate with');
  await ctx.renewLock();
  // Re-read just before the write: the lock must still be ours and nobody may have moved the address meanwhile.
  const now = await describeAddress(ctx.ec2, { allocationId: a.allocationId }, ctx.signal);
  if (ctx.lock && now.tags[LOCK_TAG] !== ctx.lock.value) {
    throw new ActionError(
      `Lost the lock on ${a.allocationId} before associating (${LOCK_TAG}=${JSON.stringify(now.tags[LOCK_TAG] ?? '')}).`,
      'Raise "lock-ttl"; another run took the Elastic IP. Nothing was moved.',
    );
  }
  if (!pointsAtPrevious(now, ctx.previous)) {
    throw new ActionError(
      `The Elastic IP ${a.publicIp} was moved by someone else during the swap (now ${now.instanceId ?? now.networkInterfaceId ?? 'not associated'}).`,
      'Find out who moved it; nothing was changed by this run.',
    );
  }
  ctx.saveState({ phase: 'associating', target });
  const allow = ctx.config.allowReassociation;
  const id = await associate(ctx.ec2, associateInput(a.allocationId, target, allow), ctx.signal);
  ctx.report.associationId = id;
  ctx.saveState({ phase: 'associated', associationId: id });
  const where = describeTarget(target);
  ctx.timeline.add('associate', 'ok', `${a.publicIp} -> ${where} (${id}, AllowReassociation=${allow})`);
  const check = await describeAddress(ctx.ec2, { allocationId: a.allocationId }, ctx.signal);
  if (!pointsAt(check, target)) {
    throw new ActionError(
      `After AssociateAddress, DescribeAddresses shows ${a.publicIp} on ${check.instanceId ?? check.networkInterfaceId ?? 'nothing'}, not ${where}.`,
      'Another process may be moving this Elastic IP; check CloudTrail for AssociateAddress calls.',
    );
  }
  ctx.report.associationId = check.associationId ?? id;
  ctx.timeline.add('verify', 'ok', `DescribeAddresses shows ${a.publicIp} on ${where}`);
}

/** The swap is verified: it is kept from here on, and the old instance is retired. */
async function release(ctx: SwapContext, plan: SwapPlan): Promise<void> {
  ctx.report.result = 'swapped';
  ctx.saveState({ phase: 'released' });
  await retireOld(ctx, plan);
}

/** After `grace`, stops, terminates or keeps the old instance. A failure here does not undo the release. */
async function retireOld(ctx: SwapContext, plan: SwapPlan): Promise<void> {
  const retire = plan.retire;
  if (!retire) {
    ctx.report.oldInstance = 'none';
    return;
  }
  const old = retire.instanceId;
  if (retire.action === 'keep') {
    ctx.report.oldInstance = 'kept';
    ctx.timeline.add('old instance', 'skipped', `${old} kept running (old-instance: keep)`);
    return;
  }
  const [verb, done] = retire.action === 'stop' ? ['Stop', 'stopped'] : ['Terminate', 'terminated'];
  try {
    if (retire.graceMs > 0) {
      await ctx.renewLock();
      const wait = `waiting ${formatDuration(retire.graceMs)} before the old instance is ${done}`;
      ctx.timeline.add('grace', 'info', wait);
      await ctx.sleep(retire.graceMs, ctx.signal);
    }
    if (retire.action === 'stop') await stop(ctx.ec2, old, ctx.signal);
    else await terminate(ctx.ec2, [old], ctx.signal);
    ctx.report.oldInstance = done;
    ctx.timeline.add('old instance', 'ok', `${old} ${done}`);
  } catch (err) {
    ctx.report.oldInstance = 'left running';
    const msg = `The release succeeded, but ${old} was not ${done}: ${errorMessage(err)}`;
    ctx.report.warnings.push(`${msg}. ${verb} it by hand when it is no longer needed.`);
    ctx.timeline.add('old instance', 'failed', msg);
  }
}
