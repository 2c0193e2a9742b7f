// `npm test` (scripts/test.mjs): the jest run at once, the static checks beside it at a lower
// priority; a failed check stops the jest run and decides the exit status.
import { describe, expect, test } from '@jest/globals';
import { CHECKS, runTests, testPlan } from '../../../scripts/test.mjs';

const node = process.execPath;
const script = (code: string) => [node, '-e', code];

describe('testPlan', () => {
  test.each<[string, Parameters<typeof testPlan>[0], { main: string[]; checks: string[][] }]>([
    [
      'the default: jest, and every check behind nice',
      {},
      {
        main: ['npm', 'run', '-s', 'jest'],
        checks: CHECKS.map((c) => ['/usr/bin/nice', '-n', '10', 'npm', 'run', '-s', c]),
      },
    ],
    [
      'arguments go to jest only',
      { args: ['-t', 'x', '__tests__/unit'], nice: '', checks: ['lint'] },
      {
        main: ['npm', 'run', '-s', 'jest', '--', '-t', 'x', '__tests__/unit'],
        checks: [['npm', 'run', '-s', 'lint']],
      },
    ],
  ])('%s', (_name, opts, want) => {
    const plan = testPlan(opts);
    expect(plan.main.argv).toEqual(want.main);
    expect(plan.checks.map((c) => c.argv)).toEqual(want.checks);
  });

  test('the checks run in order: type check, lint, check-dist, go test', () => {
    expect(CHECKS).toEqual(['typecheck', 'lint', 'check-dist', 'test:go']);
  });
});

describe('runTests', () => {
  const run = async (main: string[], checks: [string, string[]][]) => {
    const out: string[] = [];
    const started = Date.now();
    const code = await runTests(
      { main: { name: 'jest', argv: main }, checks: checks.map(([name, argv]) => ({ name, argv })) },
      { write: (s: string) => void out.push(s) },
    );
    return { code, out: out.join(''), ms: Date.now() - started };
  };

  test('all pass: 0, each check reported', async () => {
    const r = await run(script('setTimeout(() => {}, 300)'), [
      ['first', script('')],
      ['second', script('')],
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/first passed in [\d.]+ s[\s\S]*second passed in/);
  });

  test('a failed check stops the main command at once and gives its status and output', async () => {
    const r = await run(script('setTimeout(() => {}, 60000)'), [
      ['ok', script('')],
      ['broken', script('console.log("type error in x.ts"); process.exit(3)')],
      ['never', script('console.log("ran anyway")')],
    ]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('type error in x.ts');
    expect(r.out).toContain('broken failed (exit 3); stopping the jest run');
    expect(r.out).not.toContain('ran anyway');
    expect(r.ms).toBeLessThan(30_000);
  });

  test('the main command failing while the checks pass: its status, after the checks end', async () => {
    const r = await run(script('process.exit(2)'), [['slow', script('setTimeout(() => {}, 500)')]]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('slow passed');
  });

  test('a check that cannot start fails the run', async () => {
    const r = await run(script(''), [['missing', ['/nonexistent/hac-check']]]);
    expect(r.code).toBe(127);
    expect(r.out).toMatch(/ENOENT[\s\S]*missing failed \(exit 127\)/);
  });
});
