// The health gates of a swap: pre-swap on the new instance, post-swap through the Elastic IP.
import { runGate, type Check, type GateReport, type GateSpec } from '@hac/probe';
import { ActionError, errorMessage, formatDuration } from '@hac/toolkit';
import type { GateConfig } from './config.js';
import { gateChecks } from './input-spec.js';
import type { SwapContext } from './context.js';
import type { TemplateVars } from './template.js';

/** The checks of a gate, filled with the new instance's values (an ActionError when one is missing). */
export function gateVars(
  ctx: SwapContext,
  gate: GateConfig | undefined,
  which: string,
  extra: TemplateVars = {},
): Check[] | undefined {
  const i = ctx.instance;
  if (!i) throw new Error('swap-eip: no new instance to build a gate for');
  const vars: TemplateVars = {
    'instance-id': i.instanceId,
    'private-ip': ctx.target?.privateIp ?? i.privateIp,
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

async function runSwapGate(
  ctx: SwapContext,
  which: 'pre' | 'post',
  gate: GateConfig,
  checks: Check[] | undefined,
): Promise<GateReport> {
  const spec: GateSpec = {
    checks: checks ?? [],
    waitMs: gate.waitMs,
    intervalMs: gate.intervalMs,
    consecutive: gate.consecutive,
  };
  const run = ctx.deps.gate ?? runGate;
  const report = await run(spec, {
    signal: ctx.signal,
    sleep: ctx.sleep,
    clock: ctx.clock,
    log: (l) => ctx.log(`  ${l}`),
  });
  ctx.report.gates[which] = report;
  return report;
}

/** The new instance must pass before the address moves (a warning when no gate is given). */
export async function preSwapGate(ctx: SwapContext): Promise<void> {
  const gate = ctx.config.preGate;
  if (!gate) {
    ctx.timeline.add('pre-swap gate', 'skipped', 'no health-url or health-checks given');
    ctx.report.warnings.push(
      'No pre-swap health gate: the Elastic IP moved without checking the new instance. Set "health-url".',
    );
    return;
  }
  const r = await runSwapGate(ctx, 'pre', gate, gateVars(ctx, gate, 'pre-swap'));
  if (!r.passed) {
    ctx.timeline.add('pre-swap gate', 'failed', r.reason ?? 'failed');
    throw new ActionError(
      `The pre-swap health gate failed on ${ctx.report.newInstanceId}: ${r.reason ?? 'a check failed'}. The Elastic IP was not moved.`,
      "Look at the new instance's application log; the check results are in the job summary.",
    );
  }
  ctx.timeline.add(
    'pre-swap gate',
    'ok',
    `${r.checks.length} check(s) passed in ${formatDuration(r.durationMs)}`,
  );
}

/** Checks through the Elastic IP once it moved (what the pre-swap gate cannot see: routes, security groups). */
export async function postSwapGate(ctx: SwapContext): Promise<void> {
  const gate = ctx.config.postGate;
  const eip = ctx.report.publicIp;
  if (!gate) {
    ctx.timeline.add('post-swap gate', 'skipped', 'no post-swap-url or post-swap-checks given');
    return;
  }
  const r = await runSwapGate(ctx, 'post', gate, gateVars(ctx, gate, 'post-swap', { eip }));
  if (!r.passed) {
    ctx.timeline.add('post-swap gate', 'failed', r.reason ?? 'failed');
    throw new ActionError(
      `The post-swap health gate through ${eip} failed: ${r.reason ?? 'a check failed'}.`,
      'The Elastic IP was moved back. Check security groups and the routes to the new instance, which the pre-swap gate does not cover.',
    );
  }
  ctx.timeline.add('post-swap gate', 'ok', `${r.checks.length} check(s) passed through ${eip}`);
}
