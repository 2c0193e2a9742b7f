// The fleet plan (the FLEET variable → wave matrices), the result records and the verdict table, as
// pure tables; then the engine's three steps end to end on a temporary results directory.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '@hac/toolkit';
import { planFleet, planOutputs, MATRIX_LIMIT } from '../../../packages/fleet/plan.js';

const url = (s: string) => `http://${s}.example.com`;

describe('planFleet', () => {
  test.each([
    ['one cluster, one wave', [{ clusters: ['eu'] }], [['eu']], [1]],
    ['canary then two', [{ clusters: ['eu'] }, { clusters: ['us', 'ap'] }], [['eu'], ['us', 'ap']], [1, 2]],
    [
      'limits and objects',
      [
        { clusters: [{ context: 'eu', namespace: 'web', 'canary-url': url('c') }] },
        { clusters: ['us', 'ap', 'sa'], 'max-parallel': 2 },
        { clusters: ['za'] },
      ],
      [['eu'], ['us', 'ap', 'sa'], ['za']],
      [1, 2, 1],
    ],
    [
      'four waves',
      [
        { clusters: ['a'] },
        { clusters: ['b'] },
        { clusters: ['c'] },
        { clusters: ['arn:aws:eks:x:1:cluster/d'] },
      ],
      [['a'], ['b'], ['c'], ['arn:aws:eks:x:1:cluster/d']],
      [1, 1, 1, 1],
    ],
  ])('%s', (_name, value, contexts, parallel) => {
    const plan = planFleet(value);
    expect(plan.waves.map((w) => w.clusters.map((c) => c.context))).toEqual(contexts);
    expect(plan.waves.map((w) => w.maxParallel)).toEqual(parallel);
    expect(plan.clusters.map((c) => c.wave)).toEqual(contexts.flatMap((cs, i) => cs.map(() => i)));
    expect(new Set(plan.clusters.map((c) => c.id)).size).toBe(plan.clusters.length);
    for (const c of plan.clusters) expect(c.id).toMatch(/^w\d-\d+-[A-Za-z0-9._-]+$/);
  });

  test('an object cluster keeps its namespace and URLs (trailing slash removed)', () => {
    const [c] = planFleet([
      { clusters: [{ context: 'eu', namespace: 'web', 'stable-url': `${url('s')}/` }] },
    ]).clusters;
    expect(c).toEqual({
      id: 'w0-0-eu',
      context: 'eu',
      wave: 0,
      namespace: 'web',
      canary_url: '',
      stable_url: url('s'),
    });
  });

  test.each([
    ['not a list', { clusters: ['eu'] }, 'it is {"clusters":["eu"]}'],
    ['empty', [], 'it is []'],
    ['five waves', Array.from({ length: 5 }, (_, i) => ({ clusters: [`c${i}`] })), 'it has 5 waves'],
    ['two canaries', [{ clusters: ['eu', 'us'] }], 'wave 0 has 2 clusters'],
    ['an empty wave', [{ clusters: ['eu'] }, { clusters: [] }], 'wave 1 is {"clusters":[]}'],
    ['a context twice', [{ clusters: ['eu'] }, { clusters: ['us', 'eu'] }], 'context eu appears twice'],
    [
      'a bad context',
      [{ clusters: ['eu'] }, { clusters: ['has space'] }],
      'wave 1.clusters[0] is "has space"',
    ],
    [
      'a bad limit',
      [{ clusters: ['eu'] }, { clusters: ['us'], 'max-parallel': 0 }],
      'wave 1.max-parallel is 0',
    ],
    [
      'a limit too high',
      [{ clusters: ['eu'] }, { clusters: ['us'], 'max-parallel': 300 }],
      'max-parallel is 300',
    ],
    ['an unknown key', [{ clusters: [{ context: 'eu', region: 'x' }] }], 'unknown key(s) region'],
    ['a bad URL', [{ clusters: [{ context: 'eu', 'canary-url': 'ftp://x' }] }], 'canary-url is "ftp://x"'],
    [
      'over the matrix limit',
      [{ clusters: ['eu'] }, { clusters: Array.from({ length: MATRIX_LIMIT + 1 }, (_, i) => `c${i}`) }],
      `a matrix runs at most ${MATRIX_LIMIT} jobs`,
    ],
  ])('%s: one InputError naming fleet, the value and the form', (_name, value, problem) => {
    let err: unknown;
    try {
      planFleet(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]?.input).toBe('fleet');
    expect(e.problems[0]?.value).toContain(problem);
    expect(e.problems[0]?.expected).toContain('a JSON list of waves');
  });

  test('outputs: a matrix and a max-parallel per wave job, [] for waves the fleet does not have', () => {
    const out = planOutputs(planFleet([{ clusters: ['eu'] }, { clusters: ['us', 'ap'], 'max-parallel': 1 }]));
    expect(JSON.parse(out.wave0!).map((c: { context: string }) => c.context)).toEqual(['eu']);
    expect(JSON.parse(out.wave1!).map((c: { context: string }) => c.context)).toEqual(['us', 'ap']);
    expect([out.wave2, out.wave3, out.parallel1, out.parallel2, out.clusters]).toEqual([
      '[]',
      '[]',
      '1',
      '1',
      '3',
    ]);
    expect(JSON.parse(out.fleet!)).toHaveLength(3);
  });
});
