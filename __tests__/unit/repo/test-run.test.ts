// `npm test` (scripts/test.mjs): the static checks all at once, then the jest run; a failed check
// keeps the jest run from starting and decides the exit status.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { CHECKS, runTests, testPlan } from '../../../scripts/test.mjs';

const node = process.execPath;
const script = (code: string) => [node, '-e', code];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-test-run-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('testPlan', () => {
  const npm = (c: string) => ['npm', 'run', '-s', c];
  test.each<[string, Parameters<typeof testPlan>[0], { checks: string[][]; main: string[] }]>([
    ['the default: every check, then jest', {}, { checks: CHECKS.map(npm), main: npm('jest') }],
    [
      'arguments go to jest only',
      { args: ['-t', 'x', '__tests__/unit'], checks: ['lint'] },
      { checks: [npm('lint')], main: [...npm('jest'), '--', '-t', 'x', '__tests__/unit'] },
    ],
  ])('%s', (_name, opts, want) => {
    const plan = testPlan(opts);
    expect(plan.checks.map((c) => c.argv)).toEqual(want.checks);
    expect(plan.main.argv).toEqual(want.main);
  });

  test('the checks: type check, lint, check-dist, go test', () => {
    expect(CHECKS).toEqual(['typecheck', 'lint', 'check-dist', 'test:go']);
  });
});

describe('runTests', () => {
  let n = 0;
  /** A main command that records when it started. */
  const mainMarker = () => {
    const file = path.join(dir, `main-${++n}`);
    return { file, argv: script(`require('fs').writeFileSync(${JSON.stringify(file)}, String(Date.now()))`) };
  };
  const run = async (main: string[], checks: [string, string[]][]) => {
    const out: string[] = [];
    const started = Date.now();
    const code = await runTests(
      { checks: checks.map(([name, argv]) => ({ name, argv })), main: { name: 'jest', argv: main } },
      { write: (s: string) => void out.push(s) },
    );
    return { code, out: out.join(''), started };
  };
  const sleeper = (ms: number) => script(`setTimeout(() => {}, ${ms})`);

  test('the checks run at once, each reported; then the main command', async () => {
    const main = mainMarker();
    const r = await run(main.argv, [
      ['first', sleeper(1500)],
      ['second', sleeper(1500)],
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/(first|second) passed in [\d.]+ s[\s\S]*(first|second) passed in/);
    const mainStarted = Number(fs.readFileSync(main.file, 'utf8'));
    // after both checks (1.5 s each), but not after one and then the other (3 s)
    expect(mainStarted - r.started).toBeGreaterThanOrEqual(1500);
    expect(mainStarted - r.started).toBeLessThan(2900);
  });

  test('a failed check: its output and status, and the main command never starts', async () => {
    const main = mainMarker();
    const r = await run(main.argv, [
      ['ok', script('')],
      ['broken', script('console.log("type error in x.ts"); process.exit(3)')],
      ['also', script('process.exit(4)')],
    ]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('type error in x.ts');
    expect(r.out).toContain('broken failed (exit 3)');
    expect(r.out).toContain('also failed (exit 4)');
    expect(r.out).toContain('ok passed');
    expect(r.out).toContain('the jest run did not start');
    expect(fs.existsSync(main.file)).toBe(false);
  });

  test("the main command's status when every check passes", async () => {
    const r = await run(script('process.exit(2)'), [['fine', script('')]]);
    expect(r.code).toBe(2);
  });

  test('a check that cannot start fails the run', async () => {
    const main = mainMarker();
    const r = await run(main.argv, [['missing', ['/nonexistent/hac-check']]]);
    expect(r.code).toBe(127);
    expect(r.out).toMatch(/ENOENT[\s\S]*missing failed \(exit 127\)/);
    expect(fs.existsSync(main.file)).toBe(false);
  });
});
