// The fleet engine: actions/fleet/main.ts is `runEngine(fleetMain)`. Three steps of the fleet
// template: `plan` checks the fleet variable and outputs each wave's matrix; `record` writes one
// cluster's result for the verdict; `verdict` writes the fleet table and the release's verdict.
import path from 'node:path';
import { input, readInputs, type ActionDeps, type Engine, type Rule, type Values } from '@hac/toolkit';
import { planFleet, planOutputs, type FleetPlan } from './plan.js';
import { buildResult, readResults, writeResult, type ClusterResult } from './results.js';
import { fleetRows, fleetSummary, fleetVerdict, type FleetRow, type FleetVerdict } from './verdict.js';

const spec = {
  action: input.oneOf(['plan', 'record', 'verdict'] as const),
  fleet: input.structured({ expected: 'a JSON list of waves (see the plan step)' }),
  app: input.string(),
  'results-dir': input.string(),
  cluster: input.structured({ expected: 'one cluster of the plan, as JSON (toJSON(matrix))' }),
  kind: input.oneOf(['deploy', 'rollback'] as const, 'deploy'),
  outcome: input.oneOf(['success', 'failure', 'cancelled', 'skipped', ''] as const, ''),
  outputs: input.structured({
    expected: "the k8s-canary step's outputs, as JSON (toJSON(steps.<id>.outputs))",
  }),
  'started-at': input.integer({ min: 0, default: 0 }),
};
type V = Values<typeof spec>;

const needs: Record<V['action'], (keyof V)[]> = {
  plan: ['fleet'],
  record: ['cluster'],
  verdict: ['fleet'],
};

/** Each action's required inputs. */
const requiredFor: Rule<V> = (v, problems, ctx) => {
  for (const name of needs[v.action] ?? [])
    if (ctx.raw(name).trim() === '' && !ctx.failed.has(name))
      problems.add(name, '', `a value: action ${v.action} needs ${name}`);
};

const isCluster = (v: unknown): v is { id: string; context: string; wave: number } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { id?: unknown }).id === 'string' &&
  typeof (v as { context?: unknown }).context === 'string';

/** The cluster input is one entry of the plan's matrices. */
const clusterIsFromThePlan: Rule<V> = (v, problems, ctx) => {
  if (v.action === 'record' && v.cluster !== undefined && !isCluster(v.cluster))
    problems.add('cluster', ctx.raw('cluster'), 'one cluster of the plan (with id, context and wave)');
};

export interface FleetInputs {
  action: V['action'];
  plan?: FleetPlan;
  app: string;
  resultsDir: string;
  values: V;
}

export function readFleetInputs(deps: Pick<ActionDeps, 'inputs' | 'env'>): FleetInputs {
  const v = readInputs(spec, deps.inputs, [requiredFor, clusterIsFromThePlan]);
  const plan = v.action === 'record' ? undefined : planFleet(v.fleet);
  const resultsDir = v['results-dir'] || path.join(deps.env.RUNNER_TEMP ?? '.', 'hac-fleet');
  return { action: v.action, ...(plan ? { plan } : {}), app: v.app, resultsDir, values: v };
}

export type FleetResult =
  | { action: 'plan'; outputs: Record<string, string>; plan: FleetPlan }
  | { action: 'record'; result: ClusterResult; file: string }
  | { action: 'verdict'; rows: FleetRow[]; verdict: FleetVerdict; app: string };

export async function runFleet(i: FleetInputs, deps: ActionDeps): Promise<FleetResult> {
  if (i.action === 'plan' && i.plan) return { action: 'plan', plan: i.plan, outputs: planOutputs(i.plan) };
  if (i.action === 'record') {
    const c = i.values.cluster as { id: string; context: string; wave: number };
    const outputs = (i.values.outputs ?? {}) as Record<string, unknown>;
    const result = buildResult(
      { ...c, kind: i.values.kind, outcome: i.values.outcome, outputs, startedAt: i.values['started-at'] },
      deps.clock(),
    );
    return { action: 'record', result, file: writeResult(i.resultsDir, result) };
  }
  const results = readResults(i.resultsDir, (m) => deps.log.warning(m));
  const rows = fleetRows(i.plan?.clusters ?? [], results);
  return { action: 'verdict', rows, verdict: fleetVerdict(rows, results), app: i.app };
}

export async function reportFleet(r: FleetResult, deps: ActionDeps): Promise<void> {
  if (r.action === 'plan') {
    for (const w of r.plan.waves)
      deps.log.info(
        `wave ${w.index}: ${w.clusters.map((c) => c.context).join(', ')} (max-parallel ${w.maxParallel})`,
      );
    deps.setOutputs(r.outputs);
    return;
  }
  if (r.action === 'record') {
    deps.log.info(
      `${r.result.context}: ${r.result.kind} ${r.result.outcome} (${r.result.verdict || 'no verdict'})`,
    );
    deps.setOutputs({ result: JSON.stringify(r.result), file: r.file });
    return;
  }
  const summary = fleetSummary(r.rows, r.verdict, r.app);
  deps.log.info(summary.toString());
  deps.setOutputs({
    verdict: r.verdict,
    released: String(r.rows.filter((x) => x.released).length),
    clusters: String(r.rows.length),
  });
  await deps.writeSummary(summary);
}

export const fleetMain: Engine<FleetInputs, FleetResult> = {
  name: 'fleet',
  read: (deps) => readFleetInputs(deps),
  run: runFleet,
  report: reportFleet,
};
