// `npm test` (scripts/test.mjs): type check and lint at once, then the jest run with check-dist and
// go test beside it at idle priority; a failed check keeps the jest run from starting or stops it,
// and decides the exit status.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { BESIDE, FIRST, IDLE, runTests, testPlan } from '../../../scripts/test.mjs';

const node = process.execPath;
const script = (code: string) => [node, '-e', code];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-test-run-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('testPlan', () => {
  const npm = (c: string) => ['npm', 'run', '-s', c];
  test.each<
    [string, Parameters<typeof testPlan>[0], { first: string[][]; beside: string[][]; main: string[] }]
  >([
    [
      'the default: type check and lint first, check-dist and go test beside jest at idle priority',
      {},
      {
        first: FIRST.map(npm),
        beside: BESIDE.map((c) => [...IDLE, ...npm(c)]),
        main: npm('jest'),
      },
    ],
    [
      'arguments go to jest only; no idle runner',
      { args: ['-t', 'x', '__tests__/unit'], first: ['lint'], beside: ['check-dist'], idle: [] },
      {
        first: [npm('lint')],
        beside: [npm('check-dist')],
        main: [...npm('jest'), '--', '-t', 'x', '__tests__/unit'],
      },
    ],
  ])('%s', (_name, opts, want) => {
    const plan = testPlan(opts);
    expect(plan.first.map((c) => c.argv)).toEqual(want.first);
    expect(plan.beside.map((c) => c.argv)).toEqual(want.beside);
    expect(plan.main.argv).toEqual(want.main);
  });

  test('every check is in the plan once: type check, lint, check-dist, go test', () => {
    expect([...FIRST, ...BESIDE].sort()).toEqual(['check-dist', 'lint', 'test:go', 'typecheck']);
    expect(IDLE).toEqual(['/usr/bin/chrt', '--idle', '0']);
  });
});

describe('runTests', () => {
  let n = 0;
  /** A main command that records when it started, then runs `then`. */
  const mainMarker = (then = '') => {
    const file = path.join(dir, `main-${++n}`);
    const code = `require('fs').writeFileSync(${JSON.stringify(file)}, String(Date.now())); ${then}`;
    return { file, argv: script(code) };
  };
  type Checks = [string, string[]][];
  const run = async (main: string[], first: Checks, beside: Checks = []) => {
    const out: string[] = [];
    const started = Date.now();
    const cmds = (c: Checks) => c.map(([name, argv]) => ({ name, argv }));
    const code = await runTests(
      { first: cmds(first), beside: cmds(beside), main: { name: 'jest', argv: main } },
      { write: (s: string) => void out.push(s) },
    );
    return { code, out: out.join(''), ms: Date.now() - started, started };
  };
  const sleeper = (ms: number) => script(`setTimeout(() => {}, ${ms})`);

  test('the first checks run at once, each reported; then the main command', async () => {
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

  test('a failed first check: its output and status, and the main command never starts', async () => {
    const main = mainMarker();
    const r = await run(main.argv, [
      ['ok', script('')],
      ['broken', script('console.log("type error in x.ts"); process.exit(3)')],
    ]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('type error in x.ts');
    expect(r.out).toContain('broken failed (exit 3)');
    expect(r.out).toContain('ok passed');
    expect(r.out).toContain('the jest run did not start');
    expect(fs.existsSync(main.file)).toBe(false);
  });

  test('the checks beside run one after another while the main command runs', async () => {
    const main = mainMarker('setTimeout(() => {}, 1000)');
    const r = await run(
      main.argv,
      [],
      [
        ['dist', sleeper(300)],
        ['go', script('')],
      ],
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dist passed[\s\S]*go passed/);
    expect(fs.existsSync(main.file)).toBe(true);
  });

  test('a failed check beside stops the main command at once and gives its status', async () => {
    const main = mainMarker('setTimeout(() => {}, 60000)');
    const r = await run(
      main.argv,
      [],
      [
        ['dist', script('console.log("stale: dist/x/index.js"); process.exit(1)')],
        ['never', script('console.log("ran anyway")')],
      ],
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('stale: dist/x/index.js');
    expect(r.out).toContain('dist failed (exit 1)');
    expect(r.out).toContain('stopping the jest run');
    expect(r.out).not.toContain('ran anyway');
    expect(r.ms).toBeLessThan(30_000);
  });

  test("the main command's status when every check passes, after the checks beside end", async () => {
    const r = await run(script('process.exit(2)'), [['fine', script('')]], [['slow', sleeper(500)]]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('slow passed');
  });

  test('a check that cannot start fails the run', async () => {
    const main = mainMarker();
    const r = await run(main.argv, [['missing', ['/nonexistent/hac-check']]]);
    expect(r.code).toBe(127);
    expect(r.out).toMatch(/ENOENT[\s\S]*missing failed \(exit 127\)/);
    expect(fs.existsSync(main.file)).toBe(false);
  });

  test('the idle runner of the default plan starts a command', async () => {
    const r = await run(script(''), [], [['idle', [...IDLE, node, '-e', 'process.exit(0)']]]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('idle passed');
  });
});
