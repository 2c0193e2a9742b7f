// The verdict table (cluster, wave, version before/after, verdict, weight, gates, time) from the
// results the wave and rollback jobs record, the fleet's verdict, and the engine's three steps
// (plan → record → verdict) on a temporary results directory with a runner-like deps object.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import type { ActionDeps, Summary } from '@hac/toolkit';
import { fleetMain } from '@hac/fleet';
import {
  buildResult,
  readResults,
  writeResult,
  type ClusterResult,
} from '../../../packages/fleet/results.js';
import {
  fleetRows,
  fleetSummary,
  fleetVerdict,
  formatSeconds,
  shortVersion,
} from '../../../packages/fleet/verdict.js';
import { planFleet } from '../../../packages/fleet/plan.js';

const plan = planFleet([{ clusters: ['eu'] }, { clusters: ['us', 'ap'] }]);
const [eu, us, ap] = plan.clusters as [
  (typeof plan.clusters)[0],
  (typeof plan.clusters)[0],
  (typeof plan.clusters)[0],
];
type C = typeof eu;

const res = (
  c: C,
  kind: 'deploy' | 'rollback',
  outcome: string,
  o: Record<string, string>,
  seconds = 10,
): ClusterResult =>
  buildResult({ ...c, kind, outcome, outputs: o, startedAt: 1000 }, (1000 + seconds) * 1000);
const promoted = (c: C) =>
  res(c, 'deploy', 'success', {
    verdict: 'promoted',
    version: '2.0.0',
    'previous-version': '1.0.0',
    weight: '0',
  });
const gateFailed = (c: C) =>
  res(c, 'deploy', 'failure', {
    verdict: 'rolled-back',
    version: '1.0.0',
    'previous-version': '2.0.0',
    weight: '0',
    'rollback-reason': 'canary gate failed at 50%: /healthz 503',
  });
const restored = (c: C) =>
  res(c, 'rollback', 'success', {
    verdict: 'rolled-back',
    version: '1.0.0',
    'previous-version': '2.0.0',
    'rollback-reason': 'rolled back from r/web:2.0.0 to r/web:1.0.0',
  });
const noop = (c: C) =>
  res(c, 'rollback', 'success', {
    verdict: 'rolled-back',
    version: '1.0.0',
    'rollback-reason': 'web already runs r/web:1.0.0; nothing to do.',
  });

type Row = [string, string, string, string, string, string];
test.each<[string, ClusterResult[], Row[], string]>([
  [
    'every cluster promoted',
    [promoted(eu), promoted(us), promoted(ap)],
    [
      ['eu', '1.0.0', '2.0.0', 'promoted', 'passed', '10 s'],
      ['us', '1.0.0', '2.0.0', 'promoted', 'passed', '10 s'],
      ['ap', '1.0.0', '2.0.0', 'promoted', 'passed', '10 s'],
    ],
    'released',
  ],
  [
    'a wave-1 gate fails: the fleet is rolled back, each cluster as its state says',
    [promoted(eu), promoted(us), gateFailed(ap), restored(eu), restored(us), noop(ap)],
    [
      ['eu', '1.0.0', '1.0.0', 'promoted → rolled back', 'passed', '20 s'],
      ['us', '1.0.0', '1.0.0', 'promoted → rolled back', 'passed', '20 s'],
      [
        'ap',
        '1.0.0',
        '1.0.0',
        'rolled-back (nothing to roll back)',
        'failed: canary gate failed at 50%: /healthz 503',
        '20 s',
      ],
    ],
    'rolled-back',
  ],
  [
    'a cancelled job wrote nothing: its row comes from the rollback alone',
    [promoted(eu), gateFailed(us), restored(eu), noop(us), restored(ap)],
    [
      ['eu', '1.0.0', '1.0.0', 'promoted → rolled back', 'passed', '20 s'],
      [
        'us',
        '1.0.0',
        '1.0.0',
        'rolled-back (nothing to roll back)',
        'failed: canary gate failed at 50%: /healthz 503',
        '20 s',
      ],
      ['ap', '—', '1.0.0', 'not started → rolled back', 'not run', '10 s'],
    ],
    'rolled-back',
  ],
  [
    'a rollback that failed leaves the fleet failed',
    [promoted(eu), gateFailed(us), res(eu, 'rollback', 'failure', {}), noop(us), noop(ap)],
    [
      ['eu', '1.0.0', '2.0.0', 'promoted, rollback failure', 'passed', '20 s'],
      [
        'us',
        '1.0.0',
        '1.0.0',
        'rolled-back (nothing to roll back)',
        'failed: canary gate failed at 50%: /healthz 503',
        '20 s',
      ],
      ['ap', '—', '1.0.0', 'not started (nothing to roll back)', 'not run', '10 s'],
    ],
    'failed',
  ],
  [
    'wave 0 fails: nothing else ran',
    [gateFailed(eu)],
    [
      ['eu', '1.0.0', '1.0.0', 'rolled-back', 'failed: canary gate failed at 50%: /healthz 503', '10 s'],
      ['us', '—', '—', 'not started', 'not run', '0 s'],
      ['ap', '—', '—', 'not started', 'not run', '0 s'],
    ],
    'failed',
  ],
  [
    'a first release',
    [eu, us, ap].map((c) =>
      res(c, 'deploy', 'success', { verdict: 'initial', version: '1.0.0', weight: '100' }),
    ),
    [
      ['eu', '—', '1.0.0', 'initial', 'passed', '10 s'],
      ['us', '—', '1.0.0', 'initial', 'passed', '10 s'],
      ['ap', '—', '1.0.0', 'initial', 'passed', '10 s'],
    ],
    'released',
  ],
])('%s', (_name, results, rows, verdict) => {
  const got = fleetRows(plan.clusters, results);
  expect(
    got.map((r) => [r.context, r.before, r.after, r.verdict, r.gates, formatSeconds(r.seconds)]),
  ).toEqual(rows);
  expect(got.map((r) => r.wave)).toEqual([0, 1, 1]);
  expect(fleetVerdict(got, results)).toBe(verdict);
});

test.each([
  ['sha256:0be4817378e4c333460618cd0a3d7ea30f296859a7ab7a03501cc5bf097eb92c', '0be4817378e4'],
  ['2.0.0', '2.0.0'],
  ['sha256:short', 'sha256:short'],
])('shortVersion(%s) = %s', (v, short) => expect(shortVersion(v)).toBe(short));

test.each([
  [0, '0 s'],
  [59, '59 s'],
  [61, '1 min 1 s'],
])('formatSeconds(%i) = %s', (s, text) => expect(formatSeconds(s)).toBe(text));

test('the summary is one table with the eight columns and a count', () => {
  const rows = fleetRows(plan.clusters, [promoted(eu), promoted(us), gateFailed(ap)]);
  const md = fleetSummary(rows, 'failed', 'web').toString();
  expect(md).toContain('hac fleet release of web: failed');
  expect(md).toContain('| Cluster | Wave | Before | After | Verdict | Weight | Gates | Time |');
  expect(md).toContain('| eu | 0 | 1.0.0 | 2.0.0 | promoted | 0% | passed | 10 s |');
  expect(md).toContain('2 of 3 clusters serve the new version.');
});

describe('the engine: plan, record on each cluster, verdict', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-fleet-verdict-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fleet = JSON.stringify([{ clusters: ['eu'] }, { clusters: ['us', 'ap'] }]);

  async function step(inputs: Record<string, string>) {
    const outputs: Record<string, unknown> = {};
    const summaries: string[] = [];
    const warnings: string[] = [];
    const noop = () => {};
    const deps = {
      env: { RUNNER_TEMP: dir },
      inputs: (n: string) => inputs[n] ?? '',
      clock: () => 1_700_000_030_000,
      sleep: async () => {},
      log: {
        info: noop,
        debug: noop,
        warning: (m: string) => warnings.push(m),
        notice: noop,
        error: noop,
        group: (_n: string, f: () => Promise<unknown>) => f(),
      },
      signal: new AbortController().signal,
      state: { get: () => '', set: noop },
      setOutputs: (o: Record<string, unknown>) => Object.assign(outputs, o),
      writeSummary: async (s: Summary) => void summaries.push(s.toString()),
    } as unknown as ActionDeps;
    const i = await fleetMain.read(deps);
    await fleetMain.report(await fleetMain.run(i, deps), deps);
    return { outputs, summaries, warnings };
  }

  test('three clusters record; the verdict reads their files from $RUNNER_TEMP/hac-fleet', async () => {
    const planned = await step({ action: 'plan', fleet });
    const wave1 = JSON.parse(String(planned.outputs.wave1)) as object[];
    expect(wave1).toHaveLength(2);
    const waves = [...(JSON.parse(String(planned.outputs.wave0)) as object[]), ...wave1];
    for (const cluster of waves) {
      const outputs = JSON.stringify({
        verdict: 'promoted',
        version: '2.0.0',
        'previous-version': '1.0.0',
        weight: '0',
      });
      const r = await step({
        action: 'record',
        cluster: JSON.stringify(cluster),
        outcome: 'success',
        outputs,
        'started-at': '1700000000',
      });
      expect(fs.existsSync(String(r.outputs.file))).toBe(true);
    }
    fs.writeFileSync(path.join(dir, 'hac-fleet', 'deploy-junk.json'), 'not json');
    const v = await step({ action: 'verdict', fleet, app: 'web' });
    expect(v.outputs).toEqual({ verdict: 'released', released: '3', clusters: '3' });
    expect(v.summaries[0]).toContain('| ap | 1 | 1.0.0 | 2.0.0 | promoted | 0% | passed | 30 s |');
    expect(v.warnings).toEqual(['deploy-junk.json is not JSON; skipped']);
    expect(readResults(path.join(dir, 'hac-fleet'))).toHaveLength(3);
  });

  test.each([
    [{ action: 'plan' }, 'input "fleet"'],
    [{ action: 'record' }, 'input "cluster"'],
    [{ action: 'record', cluster: '{"context":"eu"}' }, 'input "cluster"'],
    [{ action: 'verdict', fleet: '[{"clusters":["a","b"]}]' }, 'wave 0 has 2 clusters'],
    [{ action: 'dance' }, 'input "action"'],
  ])('bad input %j: one error naming the input, before anything is written', async (inputs, message) => {
    const before = fs.readdirSync(dir, { recursive: true }).length;
    await expect(step(inputs)).rejects.toThrow(message);
    expect(fs.readdirSync(dir, { recursive: true }).length).toBe(before);
  });

  test("a minimal step validates with action.yml's defaults, as the runner passes them", async () => {
    const doc = parse(
      fs.readFileSync(path.resolve(import.meta.dirname, '../../../actions/fleet/action.yml'), 'utf8'),
    );
    const defaults = Object.fromEntries(
      Object.entries<{ default?: string }>(doc.inputs).map(([k, v]) => [k, String(v.default ?? '')]),
    );
    const planned = await step({ ...defaults, action: 'plan', fleet });
    expect(JSON.parse(String(planned.outputs.wave0))).toHaveLength(1);
    const cluster = JSON.stringify(JSON.parse(String(planned.outputs.wave0))[0]);
    const recorded = await step({ ...defaults, action: 'record', cluster });
    expect(JSON.parse(String(recorded.outputs.result))).toMatchObject({
      kind: 'deploy',
      outcome: 'unknown',
      seconds: 0,
    });
  });

  test('writeResult and readResults round-trip', () => {
    const sub = path.join(dir, 'rt');
    writeResult(sub, promoted(eu));
    expect(readResults(sub)).toEqual([promoted(eu)]);
    expect(readResults(path.join(dir, 'missing'))).toEqual([]);
  });
});
